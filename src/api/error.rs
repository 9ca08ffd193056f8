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

/// The kinds of failure, each with one status, problem type and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Unauthorized,
    Forbidden,
    MalformedBody,
    BadRequest,
    BodyTooLarge,
    UnsupportedMediaType,
    NotAcceptable,
    NotFound,
    InvalidInput,
    PreconditionRequired,
    StaleRevision,
    Conflict,
    SolveTimeout,
    Unavailable,
    Internal,
}

impl Category {
    /// Status, problem type slug and title.
    pub fn parts(self) -> (StatusCode, &'static str, &'static str) {
        use Category::*;
        match self {
            Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or unknown bearer token",
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The token's role may not do this",
            ),
            MalformedBody => (
                StatusCode::BAD_REQUEST,
                "malformed-body",
                "The body is not well-formed",
            ),
            BadRequest => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is not understood",
            ),
            BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "The body is too large",
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            NotAcceptable => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "No acceptable rendering",
            ),
            NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            InvalidInput => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "The input breaks rules",
            ),
            PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "If-Match required",
            ),
            StaleRevision => (
                StatusCode::PRECONDITION_FAILED,
                "stale-revision",
                "The site has changed since you read it",
            ),
            Conflict => (StatusCode::CONFLICT, "conflict", "Conflict"),
            SolveTimeout => (
                StatusCode::SERVICE_UNAVAILABLE,
                "solve-timeout",
                "Over the time limit",
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

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

/// The statuses a shared failure can answer, whatever the handler.
pub trait Statuses {
    const STATUSES: &'static [u16];
}

macro_rules! statuses {
    ($($t:ty => [$($s:literal),+];)+) => {$(
        impl Statuses for $t {
            const STATUSES: &'static [u16] = &[$($s),+];
        }
    )+};
}

statuses! {
    AuthError => [401, 403];
    BodyError => [400, 413, 415];
    PreconditionError => [400, 412, 428];
    StoreFailure => [404, 409, 412, 500, 503];
    Invalid => [422];
    SolveTimeout => [503];
    Overloaded => [503];
    BadRequest => [400];
    NotFound => [404];
    NotAcceptable => [406];
    Unavailable => [503];
    Internal => [500];
}

/// One failure response a handler documents: its variant, the statuses the
/// variant's failure type can answer at all, and the status and description
/// declared for this handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub variant: &'static str,
    pub possible: &'static [u16],
    pub status: u16,
    pub description: &'static str,
}

/// The OpenAPI responses of declared failures: one per status, the
/// descriptions of every variant answering it joined, a problem+json body.
pub fn failure_responses(
    declared: &[Declared],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
{
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let mut by_status: std::collections::BTreeMap<u16, Vec<&str>> = Default::default();
    for d in declared {
        let descriptions = by_status.entry(d.status).or_default();
        if !descriptions.contains(&d.description) {
            descriptions.push(d.description);
        }
    }
    by_status
        .into_iter()
        .map(|(status, descriptions)| {
            let response = ResponseBuilder::new()
                .description(descriptions.join("; "))
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ProblemDetails")))
                        .build(),
                )
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

/// The statuses a variant of a handler's error declares: `{ 404: "…", … }`,
/// or `[SET]`, one of the sets in [`declare`] shared by several handlers.
macro_rules! declared {
    ({ $($status:literal : $desc:literal),+ $(,)? }) => {
        &[$(($status, $desc)),+]
    };
    ([$set:path]) => {
        $set
    };
}
pub(crate) use declared;

/// Declarations shared by several handlers, for `handler_error!`'s `[SET]`.
pub mod declare {
    /// A declared status and its description.
    pub type Statuses = &'static [(u16, &'static str)];

    pub const TOKEN: Statuses = &[(401, "Missing or unknown bearer token")];
    pub const JSON_BODY: Statuses = &[
        (400, "Malformed JSON"),
        (413, "Body over the limit"),
        (415, "Not JSON"),
    ];
    pub const IF_MATCH: Statuses = &[
        (400, "An If-Match header that is not text"),
        (
            412,
            "Stale If-Match; the problem names the current revision",
        ),
        (428, "If-Match missing"),
    ];
    pub const DATABASE: Statuses = &[(503, "The database is busy"), (500, "The database failed")];
    pub const SITE: Statuses = &[
        (404, "No such site"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const REVISION: Statuses = &[
        (404, "No such site or revision"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const ALLOCATION: Statuses = &[
        (404, "No such site or allocation"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const SITE_WRITE: Statuses = &[
        (404, "No such site"),
        (412, "Another write won meanwhile"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const SERVER: Statuses = &[(500, "The server failed")];
    pub const BUSY: Statuses = &[(
        503,
        "Too many validations or solves at once; `Retry-After` says when to retry",
    )];
}

/// Declares a handler's error enum: one transparent variant per shared
/// failure it can produce (each convertible with `?`; `, from T` adds a
/// conversion from another type through the variant's), answered as that
/// failure's problem, and after each variant the statuses it can answer in
/// this handler with their descriptions. The same declaration is the
/// handler's OpenAPI failure responses (`utoipa::IntoResponses`), so the
/// document lists exactly what the handler can answer.
///
/// ```text
/// handler_error! {
///     /// Why `PUT /v1/sites/{site}/layout` fails.
///     pub enum PutLayoutError {
///         Auth(AuthError) { 401: "No valid token", 403: "Needs the planner role" },
///         Store(StoreFailure, from StoreError) [declare::SITE_WRITE],
///     }
/// }
/// ```
macro_rules! handler_error {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($inner:ty $(, from $also:ty)*) $decl:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        $vis enum $name {
            $( $(#[$vmeta])* #[error(transparent)] $variant(#[from] $inner), )+
        }

        $($(
            impl From<$also> for $name {
                fn from(e: $also) -> Self {
                    $name::$variant(<$inner>::from(e))
                }
            }
        )*)+

        impl $name {
            /// Every failure response this handler declares.
            #[allow(dead_code)]
            pub fn declared() -> Vec<$crate::api::error::Declared> {
                let mut out = Vec::new();
                $(
                    for &(status, description) in $crate::api::error::declared!($decl) {
                        out.push($crate::api::error::Declared {
                            variant: stringify!($variant),
                            possible: <$inner as $crate::api::error::Statuses>::STATUSES,
                            status,
                            description,
                        });
                    }
                )+
                out
            }
        }

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::api::error::failure_responses(&$name::declared())
            }
        }

        impl $crate::api::error::HttpProblem for $name {
            fn category(&self) -> $crate::api::error::Category {
                match self {
                    $( $name::$variant(e) => $crate::api::error::HttpProblem::category(e), )+
                }
            }

            fn problem(&self) -> $crate::api::error::ProblemDetails {
                match self {
                    $( $name::$variant(e) => $crate::api::error::HttpProblem::problem(e), )+
                }
            }
        }

        $crate::api::error::problem_response!($name);
    };
}
pub(crate) use handler_error;

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
    let (slug, title) = match status {
        StatusCode::NOT_FOUND => ("not-found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "The body is too large"),
        s if s.is_server_error() => ("internal", "Internal server error"),
        _ => ("bad-request", "The request is not understood"),
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

/// Test helpers: what a failure answers.
#[cfg(test)]
pub(crate) mod testing {
    use actix_web::body::MessageBody;
    use actix_web::http::header;
    use actix_web::ResponseError;

    /// A failure's response: status, `Content-Type`, `ETag`,
    /// `WWW-Authenticate` and the body as sent.
    #[derive(Debug)]
    pub struct Answer {
        pub status: u16,
        pub content_type: String,
        pub etag: Option<String>,
        pub www_authenticate: Option<String>,
        pub body: String,
    }

    impl Answer {
        /// The body as JSON.
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).unwrap_or_default()
        }
    }

    pub fn answer(e: &impl ResponseError) -> Answer {
        let res = e.error_response();
        let text = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let status = res.status().as_u16();
        assert_eq!(
            status,
            e.status_code().as_u16(),
            "status_code and body differ"
        );
        let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
        let etag = text(header::ETAG);
        let www_authenticate = text(header::WWW_AUTHENTICATE);
        let bytes = res.into_body().try_into_bytes().unwrap_or_default();
        Answer {
            status,
            content_type,
            etag,
            www_authenticate,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Asserts a problem of this status and type, and returns its body.
    pub fn problem(e: &impl ResponseError, status: u16, slug: &str) -> serde_json::Value {
        let a = answer(e);
        assert_eq!(a.status, status, "{a:?}");
        assert_eq!(a.content_type, super::PROBLEM_JSON);
        let body = a.json();
        assert_eq!(body["status"], status, "{a:?}");
        assert_eq!(body["type"], format!("urn:allot:problem:{slug}"), "{a:?}");
        body
    }
}

#[cfg(test)]
mod tests {
    use super::testing::answer;
    use super::*;
    use crate::model::Rule;

    #[test]
    fn a_long_problem_list_is_cut_to_the_limit_and_counts_the_rest() {
        let many: Vec<Problem> = (0..250)
            .map(|i| Problem::new(Rule::R3Overlap, format!("p{i}")))
            .collect();
        let p = Invalid::layout(many.clone(), many[..120].to_vec()).problem();
        assert_eq!(
            (p.errors.len(), p.warnings.len()),
            (MAX_PROBLEMS, MAX_PROBLEMS)
        );
        assert_eq!(p.truncated, Some(150 + 20));
        let body = serde_json::to_value(&p).unwrap();
        assert_eq!(body["truncated"], 170);
        let short = Invalid::new("t", many[..3].to_vec()).problem();
        assert_eq!(short.truncated, None);
        assert!(serde_json::to_value(&short)
            .unwrap()
            .get("truncated")
            .is_none());
        let logged = format!("{:?}", Invalid::new("t", many));
        assert!(logged.len() < 400 && logged.contains("250"), "{logged}");
    }

    #[test]
    fn an_overloaded_server_answers_503_with_retry_after() {
        let res = Overloaded {
            running: 2,
            retry_after: 5,
        }
        .problem()
        .response();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "5");
    }
    use actix_web::ResponseError;

    fn one() -> Vec<Problem> {
        vec![Problem::new(Rule::R3Overlap, "m").field("f")]
    }

    #[test]
    fn an_unknown_token_is_a_401_with_a_bearer_challenge() {
        let a = answer(&AuthError::Unauthorized("the bearer token is not known"));
        assert_eq!(a.status, 401);
        assert_eq!(a.content_type, "application/problem+json");
        assert_eq!(
            a.www_authenticate.as_deref(),
            Some("Bearer realm=\"allot\"")
        );
        assert_eq!(
            a.body,
            r#"{"type":"urn:allot:problem:unauthorized","title":"Missing or unknown bearer token","status":401,"detail":"the bearer token is not known"}"#
        );
    }

    #[test]
    fn a_role_too_low_is_a_403_naming_both_roles_without_a_challenge() {
        let a = answer(&AuthError::Forbidden {
            needed: Role::Planner,
            have: Role::Staff,
        });
        assert_eq!(a.www_authenticate, None);
        assert_eq!(
            a.body,
            r#"{"type":"urn:allot:problem:forbidden","title":"The token's role may not do this","status":403,"detail":"this needs the planner role; the token has staff"}"#
        );
    }

    #[test]
    fn body_failures_are_400_413_and_415_problems() {
        assert_eq!(
            answer(&BodyError::Malformed("bad".into())).body,
            r#"{"type":"urn:allot:problem:malformed-body","title":"The body is not well-formed","status":400,"detail":"bad"}"#
        );
        assert_eq!(
            answer(&BodyError::TooLarge { limit: 10 }).body,
            r#"{"type":"urn:allot:problem:body-too-large","title":"The body is too large","status":413,"detail":"the body is larger than the limit of 10 bytes"}"#
        );
        let a = answer(&BodyError::UnsupportedMediaType {
            got: "text/plain".into(),
            expected: "application/json (or application/geo+json)",
        });
        assert_eq!(
            a.body,
            r#"{"type":"urn:allot:problem:unsupported-media-type","title":"Unsupported media type","status":415,"detail":"media type `text/plain` is not accepted here; send application/json (or application/geo+json)"}"#
        );
    }

    #[test]
    fn a_missing_if_match_is_a_428_and_an_unreadable_one_a_400() {
        assert_eq!(
            answer(&PreconditionError::Required).body,
            r#"{"type":"urn:allot:problem:precondition-required","title":"If-Match required","status":428,"detail":"this write needs an If-Match header with the site's ETag (GET the site first)"}"#
        );
        assert_eq!(
            answer(&PreconditionError::NotText).body,
            r#"{"type":"urn:allot:problem:bad-request","title":"The request is not understood","status":400,"detail":"the If-Match header is not text"}"#
        );
    }

    #[test]
    fn a_stale_if_match_and_a_lost_compare_and_swap_are_the_same_412() {
        let stale = answer(&PreconditionError::Stale {
            site: "s".into(),
            current: 3,
        });
        assert_eq!(stale.etag.as_deref(), Some("\"s-r3\""));
        assert_eq!(
            stale.body,
            r#"{"type":"urn:allot:problem:stale-revision","title":"The site has changed since you read it","status":412,"detail":"site `s` is at revision 3; the If-Match header names another","current_revision":3,"current_etag":"\"s-r3\""}"#
        );
        let lost = answer(&StoreFailure(StoreError::Stale {
            site: "s".into(),
            expected: 2,
            current: 3,
        }));
        assert_eq!(lost.etag, stale.etag);
        assert_eq!(lost.body, stale.body);
    }

    #[test]
    fn store_errors_are_404_409_503_or_500_with_the_old_details() {
        let cases = [
            (
                StoreError::NoSite("s".into()),
                r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"no site `s`"}"#,
            ),
            (
                StoreError::NoRevision {
                    site: "s".into(),
                    revision: 4,
                },
                r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"site `s` has no revision 4"}"#,
            ),
            (
                StoreError::NoAllocation {
                    site: "s".into(),
                    id: 5,
                },
                r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"site `s` has no allocation 5"}"#,
            ),
            (
                StoreError::SiteExists("s".into()),
                r#"{"type":"urn:allot:problem:conflict","title":"Conflict","status":409,"detail":"a site `s` exists already; change `site.id` in the layout, or PUT /v1/sites/s/layout to replace its layout"}"#,
            ),
            (
                StoreError::AllocationRace {
                    site: "s".into(),
                    expected: Some(1),
                    current: Some(2),
                },
                r#"{"type":"urn:allot:problem:conflict","title":"Conflict","status":409,"detail":"site `s` got allocation Some(2) since this one was started from Some(1); another allocation was made meanwhile, so this one was not stored. Retry to allocate from the new latest"}"#,
            ),
            (
                StoreError::Busy("b".into()),
                r#"{"type":"urn:allot:problem:unavailable","title":"Temporarily unavailable","status":503,"detail":"the database is busy (b); retry shortly"}"#,
            ),
            (
                StoreError::Corrupt("x".into()),
                r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"stored data is unreadable: x"}"#,
            ),
            (
                StoreError::Database("d".into()),
                r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"database error: d"}"#,
            ),
        ];
        for (error, body) in cases {
            let a = answer(&StoreFailure(error));
            assert_eq!(a.body, body);
            assert_eq!(a.etag, None);
        }
    }

    #[test]
    fn an_invalid_input_lists_every_problem_and_the_warnings_only_when_there_are_some() {
        let with = Invalid {
            title: "T",
            problems: one(),
            warnings: one(),
        };
        assert_eq!(
            answer(&with).body,
            r#"{"type":"urn:allot:problem:invalid-input","title":"T","status":422,"detail":"1 problem(s) found; each is listed in `errors`","errors":[{"field":"f","rule":"R3-overlap","message":"m"}],"warnings":[{"field":"f","rule":"R3-overlap","message":"m"}]}"#
        );
        assert_eq!(
            answer(&Invalid::new("T2", one())).body,
            r#"{"type":"urn:allot:problem:invalid-input","title":"T2","status":422,"detail":"1 problem(s) found; each is listed in `errors`","errors":[{"field":"f","rule":"R3-overlap","message":"m"}]}"#
        );
        assert_eq!(
            Invalid::layout(one(), Vec::new()).title,
            "The layout breaks the geometry rules"
        );
    }

    #[test]
    fn a_timeout_is_a_503_saying_nothing_was_stored() {
        assert_eq!(
            answer(&SolveTimeout(Duration::from_millis(1500))).body,
            r#"{"type":"urn:allot:problem:solve-timeout","title":"Over the time limit","status":503,"detail":"the validation or solve took longer than the limit of 1.5 s; nothing was stored. Try again later, or ask the operator to raise --solve-timeout-secs"}"#
        );
    }

    #[test]
    fn message_failures_answer_their_message_under_their_category() {
        let cases: [(&dyn Fn(String) -> HttpResponse, &str); 5] = [
            (
                &|m| BadRequest(m).error_response(),
                r#"{"type":"urn:allot:problem:bad-request","title":"The request is not understood","status":400,"detail":"m"}"#,
            ),
            (
                &|m| NotFound(m).error_response(),
                r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"m"}"#,
            ),
            (
                &|m| NotAcceptable(m).error_response(),
                r#"{"type":"urn:allot:problem:not-acceptable","title":"No acceptable rendering","status":406,"detail":"m"}"#,
            ),
            (
                &|m| Unavailable(m).error_response(),
                r#"{"type":"urn:allot:problem:unavailable","title":"Temporarily unavailable","status":503,"detail":"m"}"#,
            ),
            (
                &|m| Internal(m).error_response(),
                r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"m"}"#,
            ),
        ];
        for (respond, body) in cases {
            let bytes = respond("m".into())
                .into_body()
                .try_into_bytes()
                .unwrap_or_default();
            assert_eq!(String::from_utf8_lossy(&bytes), body);
        }
    }

    handler_error! {
        /// A handler's error, for the test below.
        enum ExampleError {
            Auth(AuthError) { 401: "No valid token" },
            Store(StoreFailure, from StoreError) { 404: "No such site", 503: "Busy" },
        }
    }

    #[test]
    fn a_handler_error_documents_one_problem_response_per_declared_status() {
        use utoipa::IntoResponses;
        let responses = ExampleError::responses();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["401", "404", "503"]);
        let json = serde_json::to_value(&responses["404"]).unwrap();
        assert_eq!(json["description"], "No such site");
        assert_eq!(
            json["content"][PROBLEM_JSON]["schema"]["$ref"],
            "#/components/schemas/ProblemDetails"
        );
    }

    #[test]
    fn a_handler_error_answers_exactly_as_the_failure_it_wraps() {
        let wrapped = ExampleError::from(StoreError::NoSite("s".into()));
        assert!(matches!(wrapped, ExampleError::Store(_)));
        assert_eq!(wrapped.to_string(), "no site `s`");
        assert_eq!(
            answer(&wrapped).body,
            answer(&StoreFailure(StoreError::NoSite("s".into()))).body
        );
        let auth = ExampleError::from(AuthError::Unauthorized("x"));
        assert_eq!(auth.status_code(), StatusCode::UNAUTHORIZED);
        assert!(answer(&auth).www_authenticate.is_some());
    }
}
