//! The reads of a stored site: its head, a whole revision, and each of
//! layout, roster and policy.

use super::with_revision_etag;
use crate::api::auth::Role;
use crate::api::dto::{RevisionQuery, SiteView};
use crate::api::error::{declare, endpoint, AuthError, Internal, NotFound, StoreFailure};
use crate::api::{site_and_number, State};
use crate::service::sites;
use crate::service::sites::RevisionView;
use crate::store::{SiteDocuments, StoreError};
use actix_web::http::header;
use actix_web::web;
use actix_web::HttpResponse;
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

endpoint! {
    /// Why `GET /v1/sites/{site}` fails.
    GetSiteError {
        Auth(AuthError) [declare::TOKEN],
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
    }
    get "/v1/sites/{site}", tag = "sites", role = Viewer,
    ok(status = 200, description = "The site's revisions and latest allocation; `ETag` set", body = SiteView),
    params(("site" = String, Path, description = "Site id"));
    /// A site's head: revisions of layout, roster and policy, latest allocation.
    pub async fn get_site(state, req, path: web::Path<String>) {
        let site = path.into_inner();
        let head = state
            .with_store(move |store| -> Result<_, GetSiteError> { Ok(sites::head(store, &site)?) })
            .await?;
        let view = SiteView::from(head);
        Ok(HttpResponse::Ok()
            .insert_header((header::ETAG, view.etag.clone()))
            .json(view))
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/revisions/{revision}` fails.
    GetRevisionError {
        Auth(AuthError) [declare::TOKEN],
        /// A revision that is not a number (404).
        Path(NotFound) { 404: "A revision that is not a number" },
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
    }
    get "/v1/sites/{site}/revisions/{revision}", tag = "sites", role = Viewer as role,
    ok(status = 200, description = "The layout, policy and (staff) roster as they stood at that revision", body = RevisionView),
    params(("site" = String, Path, description = "Site id"), ("revision" = u64, Path, description = "Site revision"));
    /// A whole old revision of a site (rosters only for staff and planners).
    pub async fn get_revision(state, req, path: web::Path<(String, String)>) {
        let (site, revision) = site_and_number(path, "revision")?;
        let view = state
            .with_store(move |store| -> Result<_, GetRevisionError> {
                Ok(sites::revision(
                    store,
                    &site,
                    revision,
                    role >= Role::Staff,
                )?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(view))
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/layout` and `GET /v1/sites/{site}/policy` fail.
    GetLayoutError {
        Auth(AuthError) [declare::TOKEN],
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
    }
    get "/v1/sites/{site}/layout", tag = "sites", role = Viewer,
    ok(status = 200, description = "The layout (GeoJSON)", body = Object, content_type = "application/geo+json"),
    params(("site" = String, Path, description = "Site id"), RevisionQuery);
    /// The site's layout (latest, or at `?revision=`).
    pub async fn get_layout(state, req, path: web::Path<String>, query: web::Query<RevisionQuery>) {
        let docs = read_part::<GetLayoutError>(&state, path.into_inner(), query.revision).await?;
        let body = serde_json::to_vec(&docs.layout).map_err(|e| Internal(e.to_string()))?;
        Ok(HttpResponse::Ok()
            .insert_header(with_revision_etag(&docs))
            .content_type("application/geo+json")
            .body(body))
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/households` fails.
    GetHouseholdsError {
        /// 401, or 403 for viewers: rosters are for staff.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Viewers may not read rosters" },
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError) [declare::REVISION],
    }
    get "/v1/sites/{site}/households", tag = "sites", role = Staff,
    ok(status = 200, description = "The normalised roster", body = Vec<Object>),
    params(("site" = String, Path, description = "Site id"), RevisionQuery);
    /// The site's roster (staff; latest, or at `?revision=`).
    pub async fn get_households(
        state, req, path: web::Path<String>, query: web::Query<RevisionQuery>
    ) {
        let docs =
            read_part::<GetHouseholdsError>(&state, path.into_inner(), query.revision).await?;
        Ok(HttpResponse::Ok()
            .insert_header(with_revision_etag(&docs))
            .json(&docs.roster))
    }
}

endpoint! {
    use GetLayoutError;
    get "/v1/sites/{site}/policy", tag = "sites", role = Viewer,
    ok(status = 200, description = "The stored policy as posted (`{}` when none: the defaults apply)", body = Object),
    params(("site" = String, Path, description = "Site id"), RevisionQuery);
    /// The site's policy (latest, or at `?revision=`).
    pub async fn get_policy(state, req, path: web::Path<String>, query: web::Query<RevisionQuery>) {
        let docs = read_part::<GetLayoutError>(&state, path.into_inner(), query.revision).await?;
        let policy = docs
            .policy
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default()));
        Ok(HttpResponse::Ok()
            .insert_header(with_revision_etag(&docs))
            .json(policy))
    }
}
