//! Stored documents read back: they were valid when stored, so a failure
//! here is [`Corrupt`], the server's fault.

use super::Corrupt;
use crate::geometry::LayoutCheck;
use crate::input::parse_policy;
use crate::model::{Allocation, Policy, Site};
use crate::store::{AllocationRecord, SiteDocuments};
use serde_json::Value;

/// The stored layout of a revision, loaded.
pub fn site(docs: &SiteDocuments) -> Result<Site, Corrupt> {
    crate::input::load_layout(&docs.layout).map_err(|p| {
        Corrupt(format!(
            "the stored layout of site {} revision {} no longer loads: {} problem(s)",
            docs.site,
            docs.parts.layout,
            p.0.len()
        ))
    })
}

/// The site of a stored revision's [`LayoutCheck`] (it loaded when stored).
pub fn checked_site<'a>(docs: &SiteDocuments, check: &'a LayoutCheck) -> Result<&'a Site, Corrupt> {
    match &check.site {
        Some(site) if check.load_errors.is_empty() => Ok(site),
        _ => Err(Corrupt(format!(
            "the stored layout of site {} revision {} no longer loads: {} problem(s)",
            docs.site,
            docs.parts.layout,
            check.load_errors.len()
        ))),
    }
}

/// A stored allocation, parsed.
pub fn allocation(record: &AllocationRecord) -> Result<Allocation, Corrupt> {
    serde_json::from_slice(&record.body).map_err(|e| {
        Corrupt(format!(
            "stored allocation {} of {} is unreadable: {e}",
            record.meta.id, record.meta.site
        ))
    })
}

/// The stored policy of a revision, parsed (none stored: every default).
pub fn policy(docs: &SiteDocuments) -> Result<Policy, Corrupt> {
    let empty = Value::Object(Default::default());
    parse_policy(docs.policy.as_ref().unwrap_or(&empty)).map_err(|p| {
        Corrupt(format!(
            "the stored policy no longer parses: {} problem(s)",
            p.0.len()
        ))
    })
}
