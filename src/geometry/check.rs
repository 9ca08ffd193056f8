//! A layout checked once: loaded as far as it loads, walking distances
//! measured, and the geometry rules applied, so that every caller (the
//! pipeline, the renderers' callers, the stored workflow) uses one result
//! instead of loading and measuring again.

use super::{validate, walking_distances, ValidationReport, WalkMatrix};
use crate::input::load_layout_partial;
use crate::model::{Policy, Problem, Site};
use serde_json::Value;

/// What checking a layout found.
#[derive(Debug, Clone)]
pub struct LayoutCheck {
    /// The features that load (`None` when the value is not a
    /// FeatureCollection at all).
    pub site: Option<Site>,
    /// Walking distances, measured when the rules were applied.
    pub walks: Option<WalkMatrix>,
    /// Problems found before the rules: loading problems (and, from
    /// `pipeline::check_layout`, the policy's own problems first).
    pub load_errors: Vec<Problem>,
    /// Geometry rules broken (FORMAT.md §1 rules 1–7).
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl LayoutCheck {
    /// Loaded without a problem and breaking no rule.
    pub fn is_valid(&self) -> bool {
        self.site.is_some() && self.load_errors.is_empty() && self.errors.is_empty()
    }

    /// Every error (loading first, then rules) and every warning.
    pub fn report(&self) -> ValidationReport {
        ValidationReport {
            errors: self
                .load_errors
                .iter()
                .chain(&self.errors)
                .cloned()
                .collect(),
            warnings: self.warnings.clone(),
        }
    }
}

/// Loads `layout` as far as it loads and, with a policy, measures walking
/// distances and applies the geometry rules with its limits.
pub fn check_layout(layout: &Value, policy: Option<&Policy>) -> LayoutCheck {
    let (site, load) = load_layout_partial(layout);
    let mut check = LayoutCheck {
        site,
        walks: None,
        load_errors: load.0,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    if let (Some(site), Some(policy)) = (&check.site, policy) {
        let walks = walking_distances(site);
        let report = validate(site, policy, Some(&walks));
        check.errors = report.errors;
        check.warnings = report.warnings;
        check.walks = Some(walks);
    }
    check
}
