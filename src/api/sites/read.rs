//! The reads of a stored site: its head, a whole revision, and each of
//! layout, roster and policy.

use super::with_revision_etag;
use crate::api::auth::Role;
use crate::api::dto::{RevisionQuery, RevisionView, SiteView};
use crate::api::error::{declare, handler_error, AuthError, Internal, NotFound, StoreFailure};
use crate::api::{path_number, State};
use crate::service::sites;
use crate::store::{SiteDocuments, StoreError};
use actix_web::http::header;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

async fn read_part<E>(
    state: &State,
    site: String,
    revision: Option<u64>,
) -> Result<SiteDocuments, E>
where
    E: From<StoreError> + From<Internal> + Send + 'static,
{
    state
        .with_store(move |store| Ok(sites::documents(store, &site, revision)?))
        .await
}

handler_error! {
    /// Why `GET /v1/sites/{site}` fails.
    pub enum GetSiteError {
        Auth(AuthError) [declare::TOKEN],
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
        Internal(Internal) [declare::SERVER],
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}", tag = "sites",
    params(("site" = String, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site's revisions and latest allocation; `ETag` set", body = SiteView),
        GetSiteError,
    ),
    security(("bearer" = []))
)]
/// A site's head: revisions of layout, roster and policy, latest allocation.
pub async fn get_site(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, GetSiteError> {
    state.access.require(&req, Role::Viewer)?;
    let site = path.into_inner();
    let head = state
        .with_store(move |store| -> Result<_, GetSiteError> { Ok(sites::head(store, &site)?) })
        .await?;
    let view = SiteView::from(head);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, view.etag.clone()))
        .json(view))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/revisions/{revision}` fails.
    pub enum GetRevisionError {
        Auth(AuthError) [declare::TOKEN],
        /// A revision that is not a number (404).
        Path(NotFound) { 404: "A revision that is not a number" },
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
        Internal(Internal) [declare::SERVER],
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/revisions/{revision}", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("revision" = u64, Path, description = "Site revision")),
    responses(
        (status = 200, description = "The layout, policy and (staff) roster as they stood at that revision", body = RevisionView),
        GetRevisionError,
    ),
    security(("bearer" = []))
)]
/// A whole old revision of a site (rosters only for staff and planners).
pub async fn get_revision(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, GetRevisionError> {
    let role = state.access.require(&req, Role::Viewer)?;
    let (site, revision) = path.into_inner();
    let revision = path_number(&revision, "revision")?;
    let docs = read_part::<GetRevisionError>(&state, site, Some(revision)).await?;
    Ok(HttpResponse::Ok().json(RevisionView {
        site: docs.site,
        revision: docs.revision,
        parts: docs.parts,
        layout: docs.layout,
        policy: docs.policy,
        households: (role >= Role::Staff).then_some(docs.roster),
    }))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/layout` fails.
    pub enum GetLayoutError {
        Auth(AuthError) [declare::TOKEN],
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
        Internal(Internal) [declare::SERVER],
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/layout", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The layout (GeoJSON)", body = Object, content_type = "application/geo+json"),
        GetLayoutError,
    ),
    security(("bearer" = []))
)]
/// The site's layout (latest, or at `?revision=`).
pub async fn get_layout(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RevisionQuery>,
) -> Result<HttpResponse, GetLayoutError> {
    state.access.require(&req, Role::Viewer)?;
    let docs = read_part::<GetLayoutError>(&state, path.into_inner(), query.revision).await?;
    let body = serde_json::to_vec(&docs.layout).map_err(|e| Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .content_type("application/geo+json")
        .body(body))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/households` fails.
    pub enum GetHouseholdsError {
        /// 401, or 403 for viewers: rosters are for staff.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Viewers may not read rosters" },
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
        Internal(Internal) [declare::SERVER],
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/households", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The normalised roster", body = Vec<Object>),
        GetHouseholdsError,
    ),
    security(("bearer" = []))
)]
/// The site's roster (staff; latest, or at `?revision=`).
pub async fn get_households(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RevisionQuery>,
) -> Result<HttpResponse, GetHouseholdsError> {
    state.access.require(&req, Role::Staff)?;
    let docs = read_part::<GetHouseholdsError>(&state, path.into_inner(), query.revision).await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .json(&docs.roster))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/policy` fails.
    pub enum GetPolicyError {
        Auth(AuthError) [declare::TOKEN],
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
        Internal(Internal) [declare::SERVER],
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/policy", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The stored policy as posted (`{}` when none: the defaults apply)", body = Object),
        GetPolicyError,
    ),
    security(("bearer" = []))
)]
/// The site's policy (latest, or at `?revision=`).
pub async fn get_policy(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RevisionQuery>,
) -> Result<HttpResponse, GetPolicyError> {
    state.access.require(&req, Role::Viewer)?;
    let docs = read_part::<GetPolicyError>(&state, path.into_inner(), query.revision).await?;
    let policy = docs
        .policy
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .json(policy))
}
