//! HTTP errors: every failure is answered with `application/problem+json`
//! (RFC 9457), never with actix's plain-text defaults.
//!
//! Every handler returns its own error enum, declared with `handler_error!`,
//! listing exactly the failures it can produce (`PutLayoutError`,
//! `CreateAllocationError`, …). Their variants wrap the shared failures of
//! this module ([`AuthError`], [`BodyError`], [`PreconditionError`],
//! [`StoreFailure`], [`Invalid`], …), each of which knows its [`Category`]
//! (one table of status, problem type and title) and renders through
//! [`HttpProblem::problem`]; `problem_response!` implements actix-web's
//! `ResponseError` for all of them the same way.

use super::auth::Role;
use crate::model::Problem;
use crate::store::StoreError;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::HttpResponse;
use serde::Serialize;
use std::fmt;
use std::time::Duration;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem, `urn:allot:problem:<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Every input problem found, not just the first (422, and 400 for a bad CSV or query).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<Problem>,
    /// Non-fatal problems found alongside (layout warnings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Problem>,
    /// 412: the site's current revision, to re-read and retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<u64>,
    /// 412: the current `ETag`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_etag: Option<String>,
    /// How many errors and warnings were found but left out: a response
    /// lists at most [`MAX_PROBLEMS`] of each (absent when none were left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<usize>,
    /// 503 when busy: seconds for the `Retry-After` header (not in the body).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// The most errors, and the most warnings, one problem document lists; the
/// rest are counted in `truncated`.
pub const MAX_PROBLEMS: usize = 100;

impl ProblemDetails {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        ProblemDetails {
            kind: format!("urn:allot:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            warnings: Vec::new(),
            current_revision: None,
            current_etag: None,
            truncated: None,
            retry_after: None,
        }
    }

    /// The problem of a category, with its status, type and title.
    pub fn of(category: Category, detail: impl Into<String>) -> Self {
        let (status, slug, title) = category.parts();
        ProblemDetails::new(status, slug, title, detail)
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The response carrying this problem.
    pub fn response(&self) -> HttpResponse {
        let body = serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec());
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(etag) = &self.current_etag {
            res.insert_header((header::ETAG, etag.clone()));
        }
        if self.status == 401 {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"allot\""));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(body)
    }
}

/// Declares [`Category`] and its one table of status, type slug and title.
macro_rules! categories {
    ($($name:ident = $status:ident, $slug:literal, $title:literal;)+) => {
        /// The kinds of failure, each with one status, problem type and title.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Category {
            $($name,)+
        }

        impl Category {
            /// Status, problem type slug and title.
            pub fn parts(self) -> (StatusCode, &'static str, &'static str) {
                match self {
                    $(Category::$name => (StatusCode::$status, $slug, $title),)+
                }
            }
        }
    };
}

categories! {
    Unauthorized = UNAUTHORIZED, "unauthorized", "Missing or unknown bearer token";
    Forbidden = FORBIDDEN, "forbidden", "The token's role may not do this";
    MalformedBody = BAD_REQUEST, "malformed-body", "The body is not well-formed";
    BadRequest = BAD_REQUEST, "bad-request", "The request is not understood";
    BodyTooLarge = PAYLOAD_TOO_LARGE, "body-too-large", "The body is too large";
    UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type";
    NotAcceptable = NOT_ACCEPTABLE, "not-acceptable", "No acceptable rendering";
    NotFound = NOT_FOUND, "not-found", "Not found";
    InvalidInput = UNPROCESSABLE_ENTITY, "invalid-input", "The input breaks rules";
    PreconditionRequired = PRECONDITION_REQUIRED, "precondition-required", "If-Match required";
    StaleRevision = PRECONDITION_FAILED, "stale-revision", "The site has changed since you read it";
    Conflict = CONFLICT, "conflict", "Conflict";
    SolveTimeout = SERVICE_UNAVAILABLE, "solve-timeout", "Over the time limit";
    Unavailable = SERVICE_UNAVAILABLE, "unavailable", "Temporarily unavailable";
    Internal = INTERNAL_SERVER_ERROR, "internal", "Internal server error";
}

impl Category {
    pub fn status(self) -> StatusCode {
        self.parts().0
    }
}

/// A failure the HTTP layer can answer: its category and its problem
/// document (by default the category's, with the message as `detail`).
pub trait HttpProblem: fmt::Display {
    fn category(&self) -> Category;

    fn problem(&self) -> ProblemDetails {
        ProblemDetails::of(self.category(), self.to_string())
    }
}

/// The response of any failure; internal errors are logged.
pub fn respond(error: &(impl HttpProblem + ?Sized)) -> HttpResponse {
    if error.category() == Category::Internal {
        tracing::error!(error = %error, "internal error");
    }
    error.problem().response()
}

/// Implements actix-web's `ResponseError` for failures that are
/// [`HttpProblem`]s: the status of their category, the body of their problem.
macro_rules! problem_response {
    ($($t:ty),+ $(,)?) => {$(
        impl actix_web::ResponseError for $t {
            fn status_code(&self) -> actix_web::http::StatusCode {
                $crate::api::error::HttpProblem::category(self).status()
            }

            fn error_response(&self) -> actix_web::HttpResponse<actix_web::body::BoxBody> {
                $crate::api::error::respond(self)
            }
        }
    )+};
}
pub(crate) use problem_response;

mod handler;
pub use handler::{declare, failure_responses, Declared, Statuses};
pub(crate) use handler::{declared, endpoint, handler_error};

/// 401 (no valid token) or 403 (a role that may not do this).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this needs the {needed} role; the token has {have}")]
    Forbidden { needed: Role, have: Role },
}

impl HttpProblem for AuthError {
    fn category(&self) -> Category {
        match self {
            AuthError::Unauthorized(_) => Category::Unauthorized,
            AuthError::Forbidden { .. } => Category::Forbidden,
        }
    }
}

/// A request body that cannot be taken: 400, 413 or 415.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BodyError {
    #[error("{0}")]
    Malformed(String),
    #[error("the body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("media type `{got}` is not accepted here; send {expected}")]
    UnsupportedMediaType { got: String, expected: &'static str },
}

impl HttpProblem for BodyError {
    fn category(&self) -> Category {
        match self {
            BodyError::Malformed(_) => Category::MalformedBody,
            BodyError::TooLarge { .. } => Category::BodyTooLarge,
            BodyError::UnsupportedMediaType { .. } => Category::UnsupportedMediaType,
        }
    }
}

/// A write's `If-Match`: missing (428), unreadable (400) or stale (412, with
/// the current revision and its `ETag`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreconditionError {
    #[error("this write needs an If-Match header with the site's ETag (GET the site first)")]
    Required,
    #[error("the If-Match header is not text")]
    NotText,
    #[error("site `{site}` is at revision {current}; the If-Match header names another")]
    Stale { site: String, current: u64 },
}

impl HttpProblem for PreconditionError {
    fn category(&self) -> Category {
        match self {
            PreconditionError::Required => Category::PreconditionRequired,
            PreconditionError::NotText => Category::BadRequest,
            PreconditionError::Stale { .. } => Category::StaleRevision,
        }
    }

    fn problem(&self) -> ProblemDetails {
        let mut p = ProblemDetails::of(self.category(), self.to_string());
        if let PreconditionError::Stale { site, current } = self {
            p.current_revision = Some(*current);
            p.current_etag = Some(etag(site, *current));
        }
        p
    }
}

/// A store error as the HTTP layer answers it: 404 for what does not exist,
/// 412 for a lost compare-and-swap, 409 for a taken id or an allocation
/// race, 503 when the database is busy or out of reach, 500 otherwise.
#[derive(Debug, thiserror::Error)]
#[error("{}", store_detail(.0))]
pub struct StoreFailure(#[from] pub StoreError);

fn store_detail(e: &StoreError) -> String {
    match e {
        StoreError::Stale { site, current, .. } => PreconditionError::Stale {
            site: site.clone(),
            current: *current,
        }
        .to_string(),
        StoreError::SiteExists(site) => format!(
            "a site `{site}` exists already; change `site.id` in the layout, or PUT /v1/sites/{site}/layout to replace its layout"
        ),
        StoreError::AllocationRace { .. } => format!(
            "{e}; another allocation was made meanwhile, so this one was not stored. Retry to allocate from the new latest"
        ),
        StoreError::Busy(b) => format!("the database is busy ({b}); retry shortly"),
        StoreError::Unavailable(b) => format!("the database is unavailable ({b}); retry shortly"),
        _ => e.to_string(),
    }
}

impl HttpProblem for StoreFailure {
    fn category(&self) -> Category {
        match &self.0 {
            StoreError::NoSite(_)
            | StoreError::NoRevision { .. }
            | StoreError::NoAllocation { .. }
            | StoreError::NoDraw { .. } => Category::NotFound,
            StoreError::Stale { .. } => Category::StaleRevision,
            StoreError::SiteExists(_)
            | StoreError::AllocationRace { .. }
            | StoreError::AlreadyRevealed { .. } => Category::Conflict,
            StoreError::Busy(_) | StoreError::Unavailable(_) => Category::Unavailable,
            StoreError::Corrupt(_) | StoreError::Database(_) => Category::Internal,
        }
    }

    fn problem(&self) -> ProblemDetails {
        match &self.0 {
            StoreError::Stale { site, current, .. } => PreconditionError::Stale {
                site: site.clone(),
                current: *current,
            }
            .problem(),
            _ => ProblemDetails::of(self.category(), self.to_string()),
        }
    }
}

/// A well-formed input that breaks rules (422): every problem listed, and
/// the warnings found alongside (the service's rejection, answered as is;
/// its `Debug`, which the request log records, shows counts only).
pub use crate::service::Rejected as Invalid;

impl HttpProblem for Invalid {
    fn category(&self) -> Category {
        Category::InvalidInput
    }

    fn problem(&self) -> ProblemDetails {
        let listed = self.problems.len().min(MAX_PROBLEMS);
        let left_out =
            self.problems.len() - listed + self.warnings.len().saturating_sub(MAX_PROBLEMS);
        let detail = if left_out == 0 {
            format!(
                "{} problem(s) found; each is listed in `errors`",
                self.problems.len()
            )
        } else {
            format!(
                "{} problem(s) found; the first {listed} are listed in `errors` and `truncated` counts the errors and warnings left out",
                self.problems.len()
            )
        };
        let mut p = ProblemDetails::of(self.category(), detail);
        p.title = self.title.to_string();
        p.errors = self.problems.iter().take(MAX_PROBLEMS).cloned().collect();
        p.warnings = self.warnings.iter().take(MAX_PROBLEMS).cloned().collect();
        p.truncated = (left_out > 0).then_some(left_out);
        p
    }
}

/// Too many heavy requests (validate, solve, allocate) at once: this one
/// waited its turn for the configured time and got none (503, `Retry-After`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the server is busy with {running} validation(s) or solve(s) at once; retry in {retry_after} s"
)]
pub struct Overloaded {
    pub running: usize,
    pub retry_after: u64,
}

impl HttpProblem for Overloaded {
    fn category(&self) -> Category {
        Category::Unavailable
    }

    fn problem(&self) -> ProblemDetails {
        let mut p = ProblemDetails::of(self.category(), self.to_string());
        p.retry_after = Some(self.retry_after);
        p
    }
}

/// A solve (or validation) over the time limit (503); nothing was stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the validation or solve took longer than the limit of {} s", .0.as_secs_f64())]
pub struct SolveTimeout(pub Duration);

impl HttpProblem for SolveTimeout {
    fn category(&self) -> Category {
        Category::SolveTimeout
    }

    fn problem(&self) -> ProblemDetails {
        ProblemDetails::of(
            self.category(),
            format!("{self}; nothing was stored. Try again later, or ask the operator to raise --solve-timeout-secs"),
        )
    }
}

/// Failures that are a message and a category.
macro_rules! message_failure {
    ($($(#[$meta:meta])* $name:ident => $category:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, thiserror::Error)]
        #[error("{0}")]
        pub struct $name(pub String);

        impl HttpProblem for $name {
            fn category(&self) -> Category {
                Category::$category
            }
        }
    )+};
}

message_failure! {
    /// A request not understood: a bad query string or paging parameter (400).
    BadRequest => BadRequest;
    /// Nothing by this name or number (404).
    NotFound => NotFound;
    /// No rendering the client accepts (406).
    NotAcceptable => NotAcceptable;
    /// The server cannot answer now (503).
    Unavailable => Unavailable;
    /// The server failed (500): a worker thread, or a stored document that no
    /// longer reads.
    Internal => Internal;
}

problem_response!(
    AuthError,
    BodyError,
    PreconditionError,
    StoreFailure,
    Invalid,
    Overloaded,
    SolveTimeout,
    BadRequest,
    NotFound,
    NotAcceptable,
    Unavailable,
    Internal,
);

/// The quoted entity tag of a site revision.
pub fn etag(site: &str, revision: u64) -> String {
    format!("\"{site}-r{revision}\"")
}

/// Middleware hook: any error response not already a problem (actix's own
/// 404/405/400 texts, for instance) is replaced by a problem of the same status.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The web pages (api::webui) answer their errors as HTML pages.
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("text/html"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let category = match status {
        StatusCode::NOT_FOUND => Category::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => Category::BodyTooLarge,
        s if s.is_server_error() => Category::Internal,
        _ => Category::BadRequest,
    };
    let (_, slug, title) = category.parts();
    let (slug, title) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        _ => (slug, title),
    };
    let detail = match status {
        StatusCode::NOT_FOUND => format!("no route for {}", res.request().path()),
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{} is not allowed on {}",
            res.request().method(),
            res.request().path()
        ),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string(),
    };
    let problem = ProblemDetails::new(status, slug, title, detail);
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, problem.response());
    Ok(ErrorHandlerResponse::Response(
        res.map_into_boxed_body().map_into_right_body::<B>(),
    ))
}

impl From<crate::service::BadPageSize> for BadRequest {
    fn from(e: crate::service::BadPageSize) -> Self {
        BadRequest(e.to_string())
    }
}
