//! Public draws over HTTP (API.md "Public draws"): commit and reveal
//! (staff), the records and results (public, no token), and the
//! verification bundle of a stored allocation (staff). The rules live in
//! `service::draws`; this file reads bodies, checks roles and maps errors.

use super::auth::Role;
use super::error::{
    declare, handler_error, AuthError, BadRequest, BodyError, Internal, Invalid, NotFound,
    Overloaded, SolveTimeout, StoreFailure,
};
use super::{body, path_number, with_time_limit, State};
use crate::model::Rule;
use crate::model::{DrawRecord, Problem};
use crate::service::draws::{
    self, CommitRequest, DrawError, PublicResult, RevealRequest, SeedSourceRequest,
};
use crate::service::page_size;
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"drand": {"chain": "quicknet", "round": R}}` or `{"ceremony": "…"}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SeedSourceBody {
    Drand(DrandBody),
    Ceremony(String),
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrandBody {
    /// Only `quicknet`.
    #[serde(default = "quicknet")]
    pub chain: String,
    pub round: u64,
}

fn quicknet() -> String {
    crate::draw::drand::CHAIN.to_string()
}

/// `POST /v1/sites/{site}/draws`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitBody {
    pub seed_source: SeedSourceBody,
    /// Members replacing the stored policy's for this draw (no `seed`).
    #[schema(value_type = Option<Object>)]
    pub policy: Option<Value>,
}

/// `POST …/reveal`: `{"signature": "hex"}` (drand) or `{"seed": "…"}` (ceremony).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    pub signature: Option<String>,
    pub seed: Option<String>,
}

/// A page of draw records.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawPage {
    #[schema(value_type = Vec<Object>)]
    pub draws: Vec<DrawRecord>,
    /// Pass as `before` for the next page; null on the last.
    pub next: Option<u64>,
}

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
    match e {
        DrawError::Store(s) => StoreFailure(s).into(),
        DrawError::Request(p) => Invalid::new("The draw request breaks a rule", p).into(),
        DrawError::Inputs(p) => Invalid::new("The inputs cannot be allocated", p).into(),
        e @ DrawError::RoundTooSoon { .. } => Invalid::new(
            "The round is published less than 60 s after the commit",
            e.problems(),
        )
        .into(),
        e @ DrawError::Beacon(_) => {
            Invalid::new("The signature does not verify", e.problems()).into()
        }
        e @ DrawError::Infeasible(_) => {
            Invalid::new("No allocation can satisfy the policy", e.problems()).into()
        }
        DrawError::Internal(m) => Internal(m).into(),
    }
}

fn shape(title: &'static str, e: impl std::fmt::Display) -> Invalid {
    Invalid::new(title, vec![Problem::new(Rule::DrawShape, e.to_string())])
}

handler_error! {
    /// Why `POST /v1/sites/{site}/draws` fails.
    pub enum CommitDrawError {
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
        Internal(Internal) { 500: "The server failed" },
    }
}

#[utoipa::path(
    post, path = "/v1/sites/{site}/draws", tag = "draws",
    params(("site" = String, Path, description = "Site id")),
    request_body(content = CommitBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The committed draw record; `Location` names it", body = Object),
        CommitDrawError,
    ),
    security(("bearer" = []))
)]
/// Commits a draw (staff): freezes the site's revisions and latest allocation.
pub async fn commit_draw(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, CommitDrawError> {
    let role = state.access.require(&req, Role::Staff)?;
    let site = path.into_inner();
    body::media_type(&req, &[body::MediaType::Json])?;
    let bytes = body::read(&req, payload, state.body_limit).await?;
    let request: CommitBody = serde_json::from_value(body::json(&bytes)?).map_err(|e| {
        shape(
            "The request is not {\"seed_source\": {\"drand\": {\"chain\", \"round\"}} or {\"ceremony\": \"…\"}, \"policy\"?: …}",
            e,
        )
    })?;
    if request.policy.is_some() && role < Role::Planner {
        // As for allocations: another policy is a planner's decision.
        return Err(AuthError::Forbidden {
            needed: Role::Planner,
            have: role,
        }
        .into());
    }
    let request = CommitRequest {
        seed_source: match request.seed_source {
            SeedSourceBody::Drand(d) => SeedSourceRequest::Drand {
                chain: d.chain,
                round: d.round,
            },
            SeedSourceBody::Ceremony(how) => SeedSourceRequest::Ceremony(how),
        },
        policy: request.policy,
    };
    let store = state.store.clone();
    let clock = state.clock.clone();
    let site_id = site.clone();
    let record = with_time_limit(&state, move || {
        draws::commit(store.as_ref(), clock.as_ref(), &site_id, &request)
            .map_err(failure::<CommitDrawError>)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/sites/{site}/draws/{}", record.draw),
        ))
        .json(record))
}

handler_error! {
    /// Why `POST /v1/sites/{site}/draws/{draw}/reveal` fails.
    pub enum RevealDrawError {
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
        Internal(Internal) { 500: "The server failed" },
    }
}

#[utoipa::path(
    post, path = "/v1/sites/{site}/draws/{draw}/reveal", tag = "draws",
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id")),
    request_body(content = RevealBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The allocation the draw revealed; `Location` names it", body = Object),
        RevealDrawError,
    ),
    security(("bearer" = []))
)]
/// Reveals a draw once (staff): the seed, then the allocation of the frozen inputs.
pub async fn reveal_draw(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: Payload,
) -> Result<HttpResponse, RevealDrawError> {
    state.access.require(&req, Role::Staff)?;
    let (site, draw) = path.into_inner();
    let draw = path_number(&draw, "draw")?;
    body::media_type(&req, &[body::MediaType::Json])?;
    let bytes = body::read(&req, payload, state.body_limit).await?;
    let body: RevealBody = serde_json::from_value(body::json(&bytes)?).map_err(|e| {
        shape(
            "The request is not {\"signature\": \"hex\"} or {\"seed\": \"…\"}",
            e,
        )
    })?;
    let request = match (body.signature, body.seed) {
        (Some(sig), None) => RevealRequest::Signature(sig),
        (None, Some(seed)) => RevealRequest::Seed(seed),
        _ => {
            return Err(shape(
                "The request is not {\"signature\": \"hex\"} or {\"seed\": \"…\"}",
                "give exactly one of `signature` and `seed`",
            )
            .into())
        }
    };
    let store = state.store.clone();
    let clock = state.clock.clone();
    let site_id = site.clone();
    let outcome = with_time_limit(&state, move || {
        draws::reveal(store.as_ref(), clock.as_ref(), &site_id, draw, &request)
            .map_err(failure::<RevealDrawError>)
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

handler_error! {
    /// Why reading public draws fails.
    pub enum ReadDrawError {
        Path(NotFound) { 404: "An id that is not a number" },
        Paging(BadRequest) { 400: "Bad paging parameters" },
        /// No such site or draw (404).
        Store(StoreFailure, from StoreError) { 404: "No such site or draw", 503: "The database is busy", 500: "The database failed" },
        Invalid(Invalid) { 422: "The draw's documents break a rule" },
        Internal(Internal) { 500: "The server failed" },
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/draws", tag = "draws",
    params(("site" = String, Path, description = "Site id"), DrawListQuery),
    responses(
        (status = 200, description = "The draw records, newest first; public", body = DrawPage),
        ReadDrawError,
    )
)]
/// The site's draws (public, no token).
pub async fn list_draws(
    state: State,
    path: web::Path<String>,
    query: web::Query<DrawListQuery>,
) -> Result<HttpResponse, ReadDrawError> {
    let limit = page_size(query.limit).map_err(BadRequest::from)?;
    let before = query.before;
    let site = path.into_inner();
    let (draws, next) = state
        .with_store(move |store| {
            draws::list_page(store, &site, before, limit).map_err(failure::<ReadDrawError>)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DrawPage { draws, next }))
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/draws/{draw}", tag = "draws",
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id")),
    responses(
        (status = 200, description = "The draw record; public", body = Object),
        ReadDrawError,
    )
)]
/// One draw record (public, no token).
pub async fn get_draw(
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ReadDrawError> {
    let (site, draw) = path.into_inner();
    let draw = path_number(&draw, "draw")?;
    let record = state
        .with_store(move |store| draws::get(store, &site, draw).map_err(failure::<ReadDrawError>))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// Reads a site's newest draws (at most 500) off the async workers.
pub async fn public_list(state: &State, site: String) -> Result<Vec<DrawRecord>, ReadDrawError> {
    state
        .with_store(move |store| {
            draws::list(store, &site, None, 500).map_err(failure::<ReadDrawError>)
        })
        .await
}

/// Reads a draw's public result off the async workers.
pub async fn public_result(
    state: &State,
    site: String,
    draw: u64,
) -> Result<PublicResult, ReadDrawError> {
    state
        .with_store(move |store| {
            draws::result(store, &site, draw).map_err(failure::<ReadDrawError>)
        })
        .await
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/draws/{draw}/result", tag = "draws",
    params(("site" = String, Path, description = "Site id"), ("draw" = u64, Path, description = "Draw id")),
    responses(
        (status = 200, description = "The record, the lottery and who holds what (null before the reveal); no roster fields, reasons or bases", body = Object),
        ReadDrawError,
    )
)]
/// A draw's public result (public, no token).
pub async fn draw_result(
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ReadDrawError> {
    let (site, draw) = path.into_inner();
    let draw = path_number(&draw, "draw")?;
    Ok(HttpResponse::Ok().json(public_result(&state, site, draw).await?))
}

handler_error! {
    /// Why `GET …/allocations/{id}/bundle` fails.
    pub enum BundleHttpError {
        /// 401; 403 below staff (the bundle holds the roster).
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Below staff: the bundle holds the roster" },
        Path(NotFound) { 404: "An id that is not a number" },
        Store(StoreFailure, from StoreError) { 404: "No such site or allocation", 503: "The database is busy", 500: "The database failed" },
        Invalid(Invalid) { 422: "The allocation's documents break a rule" },
        Internal(Internal) { 500: "The server failed" },
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/allocations/{id}/bundle", tag = "draws",
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "Allocation id")),
    responses(
        (status = 200, description = "The verification bundle (FORMAT.md §6); `allot verify` checks it", body = Object),
        BundleHttpError,
    ),
    security(("bearer" = []))
)]
/// The verification bundle of a stored allocation (staff).
pub async fn get_bundle(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, BundleHttpError> {
    state.access.require(&req, Role::Staff)?;
    let (site, id) = path.into_inner();
    let id = path_number(&id, "allocation")?;
    let site_id = site.clone();
    let bundle = state
        .with_store(move |store| {
            draws::bundle(store, &site_id, id).map_err(failure::<BundleHttpError>)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"bundle-{site}-{id}.json\""),
        ))
        .body(bundle.to_json()))
}
