//! What the API's failures answer (status, headers, problem+json body)
//! and what each handler declares in the OpenAPI document: the error
//! types driven through actix's `ResponseError`, without a server.

mod allocations;
mod openapi;
mod shared;
mod sites;
mod stateless;

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
    assert_eq!(a.content_type, allot::api::error::PROBLEM_JSON);
    let body = a.json();
    assert_eq!(body["status"], status, "{a:?}");
    assert_eq!(body["type"], format!("urn:allot:problem:{slug}"), "{a:?}");
    body
}
