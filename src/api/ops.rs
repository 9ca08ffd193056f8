//! Operations: health and the OpenAPI document.

use super::dto::Health;
use super::error::{endpoint, Unavailable};
use super::openapi::ApiDoc;
use actix_web::HttpResponse;
use utoipa::OpenApi;

endpoint! {
    /// Why `GET /healthz` fails.
    HealthError {
        /// The database does not answer (503).
        Unavailable(Unavailable) { 503: "The database does not answer" },
    }
    get "/healthz", tag = "operations",
    ok(status = 200, description = "Serving, and the database answers", body = Health);
    /// Liveness and readiness: answers 200 when the database can be read. No token needed.
    pub async fn healthz(state, _req) {
        state
            .with_store(move |store| {
                crate::service::sites::ping(store).map_err(|e| {
                    HealthError::Unavailable(Unavailable(format!(
                        "the database does not answer: {e}"
                    )))
                })
            })
            .await?;
        Ok(HttpResponse::Ok().json(Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }))
    }
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "This API's OpenAPI 3.1 document", body = Object))
)]
/// The OpenAPI document of this API, generated from the code. No token needed.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
