//! `POST /v1/sites`, `GET /v1/sites`.

use crate::api::body;
use crate::api::dto::{Created, SiteListQuery, SitePage, SiteView};
use crate::api::error::{
    declare, endpoint, etag, AuthError, BadRequest, BodyError, Invalid, StoreFailure,
};
use crate::service::page_size;
use crate::service::sites::{self, CreateError};
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::HttpResponse;

endpoint! {
    /// Why `POST /v1/sites` fails.
    CreateSiteError {
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Needs the planner role" },
        Body(BodyError) [declare::JSON_BODY],
        /// The layout breaks rules, or its `site.id` cannot be used (422).
        Invalid(Invalid) { 422: "The layout breaks rules or is over an input limit, or its `site.id` cannot be used" },
        /// A site with this id exists (409), or the database is busy (503).
        Store(StoreFailure, from StoreError) { 409: "A site with this id exists", 503: "The database is busy", 500: "The database failed" },
    }
    post "/v1/sites", tag = "sites", role = Planner,
    ok(status = 201, description = "Created; `Location` and `ETag` set", body = Created),
    request_body(content = Object, content_type = "application/json", description = "A site layout (FORMAT.md §1); `site.id`, if given, becomes the site's id");
    /// Creates a site from a layout (planner).
    pub async fn create_site(state, req, payload: Payload) {
        let layout = body::read_json::<CreateSiteError>(&req, payload, state.body_limit, &state.limits).await?;
        state.limits.layout(&layout)?;
        let written = state
            .with_store(move |store| -> Result<_, CreateSiteError> {
                Ok(sites::create(store, layout)?)
            })
            .await?;
        let head = written.state;
        let tag = etag(&head.id, head.revision);
        Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/sites/{}", head.id)))
            .insert_header((header::ETAG, tag.clone()))
            .json(Created {
                id: head.id,
                revision: head.revision,
                etag: tag,
                warnings: written.warnings,
            }))
    }
}

impl From<CreateError> for CreateSiteError {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Rejected(r) => r.into(),
            CreateError::Store(s) => s.into(),
        }
    }
}

endpoint! {
    /// Why `GET /v1/sites` fails.
    ListSitesError {
        Auth(AuthError) [declare::TOKEN],
        /// A `limit` outside 1–500 (400).
        Paging(BadRequest) { 400: "Bad paging parameters" },
        Store(StoreFailure, from StoreError) [declare::DATABASE],
    }
    get "/v1/sites", tag = "sites", role = Viewer,
    ok(status = 200, description = "A page of sites, by id", body = SitePage),
    params(SiteListQuery);
    /// Lists the sites, a page at a time.
    pub async fn list_sites(state, req, query: web::Query<SiteListQuery>) {
        let limit = page_size(query.limit).map_err(BadRequest::from)?;
        let after = query.after.clone();
        let (sites, next) = state
            .with_store(move |store| -> Result<_, ListSitesError> {
                Ok(sites::list(store, after.as_deref(), limit)?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(SitePage {
            sites: sites.into_iter().map(SiteView::from).collect(),
            next,
        }))
    }
}
