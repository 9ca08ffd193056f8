//! Operations: health and the OpenAPI document.

use super::dto::Health;
use super::error::{ApiError, ProblemDetails};
use super::openapi::ApiDoc;
use super::{blocking, State};
use actix_web::HttpResponse;
use utoipa::OpenApi;

#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Serving, and the database answers", body = Health),
        (status = 503, description = "The database does not answer", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
/// Liveness and readiness: answers 200 when the database can be read. No token needed.
pub async fn healthz(state: State) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    blocking(move || {
        store
            .list_sites(None, 1)
            .map(|_| ())
            .map_err(|e| ApiError::Unavailable(format!("the database does not answer: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "This API's OpenAPI 3.1 document", body = Object))
)]
/// The OpenAPI document of this API, generated from the code. No token needed.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
