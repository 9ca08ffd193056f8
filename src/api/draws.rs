//! Public draws over HTTP (API.md "Public draws"): commit and reveal
//! (staff), the records and results (public, no token), and the
//! verification bundle of a stored allocation (staff). The rules live in
//! `service::draws`; this file reads bodies, checks roles and maps errors.

use super::auth::{at_least, Role};
use super::error::{
    declare, endpoint, AuthError, BadRequest, BodyError, Internal, Invalid, NotFound, Overloaded,
    SolveTimeout, StoreFailure,
};
use super::{body, site_and_number, with_time_limit, State};
use crate::draw::clock::Clock;
use crate::model::{DrawRecord, Rule};
use crate::service::draws::{
    self, CommitBody, CommitRequest, DrawError, DrawPage, PublicResult, RevealBody, COMMIT_SHAPE,
    REVEAL_SHAPE,
};
use crate::service::page_size;
use crate::store::{Store, StoreError};
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::HttpResponse;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct DrawListQuery {
    /// Draws older than this id.
    pub before: Option<u64>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// Maps a workflow error onto a handler's error enum.
fn failure<E>(e: DrawError) -> E
where
    E: From<StoreFailure> + From<Invalid> + From<Internal>,
{
    match e.rejection() {
        Ok(rejected) => rejected.into(),
        Err(DrawError::Store(s)) => StoreFailure(s).into(),
        Err(e) => Internal(e.to_string()).into(),
    }
}

/// Runs a draw step that may solve under the time limit
/// ([`with_time_limit`]), its error mapped.
async fn timed<T, E, F>(state: &State, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreFailure> + From<Invalid> + From<Internal> + Send + 'static,
    E: From<SolveTimeout> + From<Overloaded>,
    F: FnOnce(&dyn Store, &dyn Clock) -> Result<T, DrawError> + Send + 'static,
{
    let (store, clock) = (state.store.clone(), state.clock.clone());
    with_time_limit(state, move || {
        f(store.as_ref(), clock.as_ref()).map_err(failure::<E>)
    })
    .await
}

/// Runs a read of `service::draws` on the blocking pool, its error mapped.
async fn read<T, E, F>(state: &State, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreFailure> + From<Invalid> + From<Internal> + Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, DrawError> + Send + 'static,
{
    state
        .with_store(move |store| f(store).map_err(failure::<E>))
        .await
}

endpoint! {
    /// Why `POST /v1/sites/{site}/draws` fails.
    CommitDrawError {
        /// 401; 403 for viewers, and for staff giving a policy.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Viewers; staff giving a policy" },
        Body(BodyError) { 400: "Malformed JSON", 413: "Body over the limit", 415: "Not JSON" },
        /// A request of the wrong shape, a round too soon, inputs that break a rule (422).
        Invalid(Invalid) { 422: "A request of the wrong shape, a round too soon, or inputs that break a rule" },
        /// No such site (404); an allocation was stored meanwhile (409).
        Store(StoreFailure, from StoreError) { 404: "No such site", 409: "An allocation was stored meanwhile", 503: "The database is busy", 500: "The database failed" },
        Timeout(SolveTimeout) { 503: "The solve took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    post "/v1/sites/{site}/draws", tag = "draws", role = Staff as role,
    ok(status = 201, description = "The committed draw record; `Location` names it", body = Object),
    params(("site" = String, Path, description = "Site id")),
    request_body(content = CommitBody, content_type = "application/json");
    /// Commits a draw (staff): freezes the site's revisions and latest allocation.
    pub async fn commit_draw(state, req, path: web::Path<String>, payload: Payload) {
        let site = path.into_inner();
        let request = body::read_as::<CommitBody, CommitDrawError>(
            &req,
            payload,
            state.body_limit,
            None,
            COMMIT_SHAPE,
            Rule::DrawShape,
        )
        .await?;
        if request.policy.is_some() {
            // As for allocations: another policy is a planner's decision.
            at_least(role, Role::Planner)?;
        }
        let request = CommitRequest::from(request);
        let site_id = site.clone();
        let record = timed::<_, CommitDrawError, _>(&state, move |store, clock| {
            draws::commit(store, clock, &site_id, &request)
        })
        .await?;
        Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/sites/{site}/draws/{}", record.draw),
            ))
            .json(record))
    }
}

endpoint! {
    /// Why `POST /v1/sites/{site}/draws/{draw}/reveal` fails.
    RevealDrawError {
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "The token's role may not reveal draws" },
        Body(BodyError) { 400: "Malformed JSON", 413: "Body over the limit", 415: "Not JSON" },
        Path(NotFound) { 404: "A draw id that is not a number" },
        /// A signature that does not verify, a seed of the wrong kind (422).
        Invalid(Invalid) { 422: "A signature that does not verify, or a seed of the wrong kind" },
        /// No such site or draw (404); revealed already (409).
        Store(StoreFailure, from StoreError) { 404: "No such site or draw", 409: "Revealed already", 503: "The database is busy", 500: "The database failed" },
        Timeout(SolveTimeout) { 503: "The solve took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    post "/v1/sites/{site}/draws/{draw}/reveal", tag = "draws", role = Staff,
    ok(status = 201, description = "The allocation the draw revealed; `Location` names it", body = Object),
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id")),
    request_body(content = RevealBody, content_type = "application/json");
    /// Reveals a draw once (staff): the seed, then the allocation of the frozen inputs.
    pub async fn reveal_draw(state, req, path: web::Path<(String, String)>, payload: Payload) {
        let (site, draw) = site_and_number(path, "draw")?;
        let body = body::read_as::<RevealBody, RevealDrawError>(
            &req,
            payload,
            state.body_limit,
            None,
            REVEAL_SHAPE,
            Rule::DrawShape,
        )
        .await?;
        let request = body.request()?;
        let site_id = site.clone();
        let outcome = timed::<_, RevealDrawError, _>(&state, move |store, clock| {
            draws::reveal(store, clock, &site_id, draw, &request)
        })
        .await?;
        Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/sites/{site}/allocations/{}", outcome.allocation),
            ))
            .insert_header(("Allocation-Id", outcome.allocation.to_string()))
            .content_type("application/json")
            .body(outcome.body))
    }
}

endpoint! {
    /// Why reading public draws fails.
    ReadDrawError {
        Path(NotFound) { 404: "An id that is not a number" },
        Paging(BadRequest) { 400: "Bad paging parameters" },
        /// No such site or draw (404).
        Store(StoreFailure, from StoreError) { 404: "No such site or draw", 503: "The database is busy", 500: "The database failed" },
        Invalid(Invalid) { 422: "The draw's documents break a rule" },
    }
    get "/v1/sites/{site}/draws", tag = "draws",
    ok(status = 200, description = "The draw records, newest first; public", body = DrawPage),
    params(("site" = String, Path, description = "Site id"), DrawListQuery);
    /// The site's draws (public, no token).
    pub async fn list_draws(
        state, _req, path: web::Path<String>, query: web::Query<DrawListQuery>
    ) {
        let limit = page_size(query.limit).map_err(BadRequest::from)?;
        let site = path.into_inner();
        let page = read::<_, ReadDrawError, _>(&state, move |store| {
            draws::list_page(store, &site, query.before, limit)
        })
        .await?;
        Ok(HttpResponse::Ok().json(page))
    }
}

endpoint! {
    use ReadDrawError;
    get "/v1/sites/{site}/draws/{draw}", tag = "draws",
    ok(status = 200, description = "The draw record; public", body = Object),
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id"));
    /// One draw record (public, no token).
    pub async fn get_draw(state, _req, path: web::Path<(String, String)>) {
        let (site, draw) = site_and_number(path, "draw")?;
        let record =
            read::<_, ReadDrawError, _>(&state, move |store| draws::get(store, &site, draw));
        Ok(HttpResponse::Ok().json(record.await?))
    }
}

/// Reads a site's newest draws (at most 500) off the async workers.
pub async fn public_list(state: &State, site: String) -> Result<Vec<DrawRecord>, ReadDrawError> {
    read(state, move |store| draws::list(store, &site, None, 500)).await
}

/// Reads a draw's public result off the async workers.
pub async fn public_result(
    state: &State,
    site: String,
    draw: u64,
) -> Result<PublicResult, ReadDrawError> {
    read(state, move |store| draws::result(store, &site, draw)).await
}

endpoint! {
    use ReadDrawError;
    get "/v1/sites/{site}/draws/{draw}/result", tag = "draws",
    ok(status = 200, description = "The record, the lottery and who holds what (null before the reveal); no roster fields, reasons or bases", body = Object),
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id"));
    /// A draw's public result (public, no token).
    pub async fn draw_result(state, _req, path: web::Path<(String, String)>) {
        let (site, draw) = site_and_number(path, "draw")?;
        Ok(HttpResponse::Ok().json(public_result(&state, site, draw).await?))
    }
}

endpoint! {
    /// Why `GET …/allocations/{id}/bundle` fails.
    BundleHttpError {
        /// 401; 403 below staff (the bundle holds the roster).
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Below staff: the bundle holds the roster" },
        Path(NotFound) { 404: "An id that is not a number" },
        Store(StoreFailure, from StoreError) { 404: "No such site or allocation", 503: "The database is busy", 500: "The database failed" },
        Invalid(Invalid) { 422: "The allocation's documents break a rule" },
    }
    get "/v1/sites/{site}/allocations/{id}/bundle", tag = "draws", role = Staff,
    ok(status = 200, description = "The verification bundle (FORMAT.md §6); `allot verify` checks it", body = Object),
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "Allocation id"));
    /// The verification bundle of a stored allocation (staff).
    pub async fn get_bundle(state, req, path: web::Path<(String, String)>) {
        let (site, id) = site_and_number(path, "allocation")?;
        let site_id = site.clone();
        let bundle =
            read::<_, BundleHttpError, _>(&state, move |store| draws::bundle(store, &site_id, id))
                .await?;
        Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bundle-{site}-{id}.json\""),
            ))
            .body(bundle.to_json()))
    }
}
