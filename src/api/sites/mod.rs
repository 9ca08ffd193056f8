//! Stored sites: creation, listing, revisions, and the writes of layout,
//! roster and policy under `If-Match`. The rules (what a write must still
//! fit) are `service::sites`'; these handlers authenticate, read the body,
//! call it on the blocking pool and answer.

mod create;
mod read;
mod write;

pub use create::*;
pub use read::*;
pub use write::*;

use super::dto::{SiteView, Written};
use super::error::{etag, Internal};
use crate::model::Problem;
use crate::service::Corrupt;
use crate::store::{SiteDocuments, SiteState};
use actix_web::http::header;
use actix_web::HttpResponse;

fn written(state: SiteState, warnings: Vec<Problem>) -> HttpResponse {
    let view = SiteView::from(state);
    HttpResponse::Ok()
        .insert_header((header::ETAG, view.etag.clone()))
        .json(Written {
            site: view,
            warnings,
        })
}

fn with_revision_etag(docs: &SiteDocuments) -> (header::HeaderName, String) {
    (header::ETAG, etag(&docs.site, docs.revision))
}

impl From<Corrupt> for Internal {
    fn from(c: Corrupt) -> Self {
        Internal(c.0)
    }
}

/// `From` the service's errors for handler errors with the variants they need.
macro_rules! from_service {
    (read: $($t:ty),+) => {$(
        impl From<$crate::service::ReadError> for $t {
            fn from(e: $crate::service::ReadError) -> Self {
                use $crate::service::ReadError;
                match e {
                    ReadError::Store(s) => s.into(),
                    ReadError::Corrupt(c) => $crate::api::error::Internal::from(c).into(),
                }
            }
        }
    )+};
    (write: $($t:ty),+) => {$(
        impl From<$crate::service::sites::WriteError> for $t {
            fn from(e: $crate::service::sites::WriteError) -> Self {
                use $crate::api::error::{AuthError, Internal, PreconditionError};
                use $crate::service::sites::WriteError;
                match e {
                    WriteError::Store(s) => s.into(),
                    WriteError::Stale { site, current } => {
                        PreconditionError::Stale { site, current }.into()
                    }
                    WriteError::Rejected(r) => r.into(),
                    // Only staff are ever limited to the pins.
                    WriteError::PinsOnly => AuthError::Forbidden {
                        needed: $crate::api::auth::Role::Planner,
                        have: $crate::api::auth::Role::Staff,
                    }
                    .into(),
                    WriteError::Corrupt(c) => Internal::from(c).into(),
                }
            }
        }
    )+};
}
pub(crate) use from_service;
