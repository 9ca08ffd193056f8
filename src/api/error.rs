//! HTTP errors: every failure is answered with `application/problem+json`
//! (RFC 9457), never with actix's plain-text defaults.

use super::auth::Role;
use crate::model::Problem;
use crate::store::StoreError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
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
}

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
        }
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
        res.body(body)
    }
}

/// The errors of the HTTP layer. Each maps to one status and problem type.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this needs the {needed} role; the token has {have}")]
    Forbidden { needed: Role, have: Role },
    #[error("{0}")]
    MalformedBody(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the body is larger than the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("media type `{got}` is not accepted here; send {expected}")]
    UnsupportedMediaType { got: String, expected: &'static str },
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    NotFound(String),
    /// A well-formed body that breaks rules: every problem listed.
    #[error("{title}: {} problem(s)", problems.len())]
    Invalid {
        title: &'static str,
        problems: Vec<Problem>,
        warnings: Vec<Problem>,
    },
    #[error("this write needs an If-Match header with the site's ETag (GET the site first)")]
    PreconditionRequired,
    #[error("site `{site}` is at revision {current}; the If-Match header names another")]
    PreconditionFailed { site: String, current: u64 },
    #[error("{0}")]
    Conflict(String),
    #[error("the validation or solve took longer than the limit of {} s", .0.as_secs_f64())]
    SolveTimeout(Duration),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

/// The quoted entity tag of a site revision.
pub fn etag(site: &str, revision: u64) -> String {
    format!("\"{site}-r{revision}\"")
}

impl ApiError {
    pub fn problem(&self) -> ProblemDetails {
        use ApiError::*;
        let detail = self.to_string();
        match self {
            Unauthorized(_) => ProblemDetails::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or unknown bearer token",
                detail,
            ),
            Forbidden { .. } => ProblemDetails::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The token's role may not do this",
                detail,
            ),
            MalformedBody(_) => ProblemDetails::new(
                StatusCode::BAD_REQUEST,
                "malformed-body",
                "The body is not well-formed",
                detail,
            ),
            BadRequest(_) => ProblemDetails::new(
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is not understood",
                detail,
            ),
            BodyTooLarge { .. } => ProblemDetails::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "The body is too large",
                detail,
            ),
            UnsupportedMediaType { .. } => ProblemDetails::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                detail,
            ),
            NotAcceptable(_) => ProblemDetails::new(
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "No acceptable rendering",
                detail,
            ),
            NotFound(_) => {
                ProblemDetails::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
            }
            Invalid {
                title,
                problems,
                warnings,
            } => {
                let mut p = ProblemDetails::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-input",
                    title,
                    format!("{} problem(s) found; each is listed in `errors`", problems.len()),
                );
                p.errors = problems.clone();
                p.warnings = warnings.clone();
                p
            }
            PreconditionRequired => ProblemDetails::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "If-Match required",
                detail,
            ),
            PreconditionFailed { site, current } => {
                let mut p = ProblemDetails::new(
                    StatusCode::PRECONDITION_FAILED,
                    "stale-revision",
                    "The site has changed since you read it",
                    detail,
                );
                p.current_revision = Some(*current);
                p.current_etag = Some(etag(site, *current));
                p
            }
            Conflict(_) => {
                ProblemDetails::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
            }
            SolveTimeout(_) => ProblemDetails::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "solve-timeout",
                "Over the time limit",
                format!("{detail}; nothing was stored. Try again later, or ask the operator to raise --solve-timeout-secs"),
            ),
            Unavailable(_) => ProblemDetails::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
                detail,
            ),
            Internal(_) => ProblemDetails::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                detail,
            ),
        }
    }

    /// 422 with every problem.
    pub fn invalid(title: &'static str, problems: Vec<Problem>) -> ApiError {
        ApiError::Invalid {
            title,
            problems,
            warnings: Vec::new(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        if matches!(self, ApiError::Internal(_)) {
            tracing::error!(error = %self, "internal error");
        }
        self.problem().response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSite(site) => ApiError::NotFound(format!("no site `{site}`")),
            StoreError::NoRevision { site, revision } => {
                ApiError::NotFound(format!("site `{site}` has no revision {revision}"))
            }
            StoreError::NoAllocation { site, id } => {
                ApiError::NotFound(format!("site `{site}` has no allocation {id}"))
            }
            StoreError::Stale { site, current, .. } => {
                ApiError::PreconditionFailed { site, current }
            }
            StoreError::SiteExists(site) => ApiError::Conflict(format!(
                "a site `{site}` exists already; change `site.id` in the layout, or PUT /v1/sites/{site}/layout to replace its layout"
            )),
            e @ StoreError::AllocationRace { .. } => ApiError::Conflict(format!(
                "{e}; another allocation was made meanwhile, so this one was not stored. Retry to allocate from the new latest"
            )),
            StoreError::Busy(e) => ApiError::Unavailable(format!("the database is busy ({e}); retry shortly")),
            e @ (StoreError::Corrupt(_) | StoreError::Database(_)) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
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
