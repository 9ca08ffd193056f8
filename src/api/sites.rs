//! Stored sites: creation, listing, revisions, and the writes of layout,
//! roster and policy under `If-Match`.
//!
//! Every stored revision is kept consistent: the layout valid (with the
//! stored policy's cable limit), every household on an existing entrance,
//! every pin naming an existing household and resource. A write that would
//! break this is refused with 422 and changes nothing.

use super::auth::Role;
use super::body::{self, MediaType};
use super::core;
use super::dto::{
    Created, RevisionQuery, RevisionView, RosterPatch, RosterQuery, SiteListQuery, SitePage,
    SiteView, Written,
};
use super::error::{
    etag, handler_error, AuthError, BadRequest, BodyError, Internal, Invalid, NotFound,
    PreconditionError, ProblemDetails, StoreFailure,
};
use super::{blocking, path_number, valid_site_id, IfMatch, State};
use crate::model::{Household, Problem, Site};
use crate::store::{Change, NewSite, SiteDocuments, Store, StoreError};
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub(crate) fn page_size(limit: Option<u32>) -> Result<u32, BadRequest> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}, not {n}"
        ))),
    }
}

/// The stored layout of a revision, loaded (it was valid when stored).
pub(crate) fn stored_site(docs: &SiteDocuments) -> Result<Site, Internal> {
    core::load_site(&docs.layout).map_err(|p| {
        Internal(format!(
            "the stored layout of site {} revision {} no longer loads: {} problem(s)",
            docs.site,
            docs.layout_revision,
            p.len()
        ))
    })
}

/// Problems of pins against a site and roster, given a policy document.
fn pin_problems(policy: Option<&Value>, site: &Site, roster: &[Household]) -> Vec<Problem> {
    match policy {
        None => Vec::new(),
        Some(v) => match core::parse_policy(v) {
            Ok(p) => core::check_pins(&p, site, roster),
            Err(problems) => problems,
        },
    }
}

fn written(state: crate::store::SiteState, warnings: Vec<Problem>) -> HttpResponse {
    let view = SiteView::from(state);
    HttpResponse::Ok()
        .insert_header((header::ETAG, view.etag.clone()))
        .json(Written {
            site: view,
            warnings,
        })
}

/// The shared path of every write: find the site, check `If-Match` against
/// its head, build the change from the head's documents, and store it if the
/// head has not moved meanwhile (else 412). Runs on the blocking pool.
async fn write_part<F, E>(
    state: &State,
    site: String,
    if_match: IfMatch,
    build: F,
) -> Result<HttpResponse, E>
where
    F: FnOnce(&SiteDocuments) -> Result<(Change, Vec<Problem>), E> + Send + 'static,
    E: From<StoreError> + From<PreconditionError> + From<Internal> + Send + 'static,
{
    let store: Arc<dyn Store> = state.store.clone();
    let (head, warnings) = blocking(move || -> Result<_, E> {
        let docs = store.documents(&site, None)?;
        if !if_match.matches(&site, docs.revision) {
            return Err(PreconditionError::Stale {
                site,
                current: docs.revision,
            }
            .into());
        }
        let (change, warnings) = build(&docs)?;
        let head = store.write(&site, docs.revision, change)?;
        Ok((head, warnings))
    })
    .await?;
    Ok(written(head, warnings))
}

handler_error! {
    /// Why `POST /v1/sites` fails.
    pub enum CreateSiteError {
        Auth(AuthError),
        Body(BodyError),
        /// The layout breaks rules, or its `site.id` cannot be used (422).
        Invalid(Invalid),
        /// A site with this id exists (409), or the database is busy (503).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    post, path = "/v1/sites", tag = "sites",
    request_body(content = Object, content_type = "application/json", description = "A site layout (FORMAT.md §1); `site.id`, if given, becomes the site's id"),
    responses(
        (status = 201, description = "Created; `Location` and `ETag` set", body = Created),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "A site with this id exists", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The layout breaks rules", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Creates a site from a layout (planner).
pub async fn create_site(
    state: State,
    req: HttpRequest,
    payload: Payload,
) -> Result<HttpResponse, CreateSiteError> {
    state.access.require(&req, Role::Planner)?;
    let layout = body::read_json::<CreateSiteError>(&req, payload, state.body_limit).await?;
    let store = state.store.clone();
    let (head, warnings) = blocking(move || -> Result<_, CreateSiteError> {
        let report = core::validate_layout(&layout, None);
        if !report.errors.is_empty() {
            return Err(Invalid::layout(report.errors, report.warnings).into());
        }
        let id = match layout.pointer("/site/id") {
            None | Some(Value::Null) => generated_id(),
            Some(Value::String(id)) if valid_site_id(id) => id.clone(),
            Some(other) => {
                return Err(Invalid::new(
                    "The site id cannot be used",
                    vec![Problem::new(
                        "site-id",
                        format!("site.id {other} must be 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"),
                    )
                    .field("site.id")],
                )
                .into())
            }
        };
        let name = layout
            .pointer("/site/name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let head = store.create_site(NewSite { id, name, layout })?;
        Ok((head, report.warnings))
    })
    .await?;
    let tag = etag(&head.id, head.revision);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/sites/{}", head.id)))
        .insert_header((header::ETAG, tag.clone()))
        .json(Created {
            id: head.id,
            revision: head.revision,
            etag: tag,
            warnings,
        }))
}

fn generated_id() -> String {
    let n: u64 = rand::random();
    format!("site-{:012x}", n & 0xffff_ffff_ffff)
}

handler_error! {
    /// Why `GET /v1/sites` fails.
    pub enum ListSitesError {
        Auth(AuthError),
        /// A `limit` outside 1–500 (400).
        Paging(BadRequest),
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites", tag = "sites", params(SiteListQuery),
    responses(
        (status = 200, description = "A page of sites, by id", body = SitePage),
        (status = 400, description = "Bad paging parameters", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Lists the sites, a page at a time.
pub async fn list_sites(
    state: State,
    req: HttpRequest,
    query: web::Query<SiteListQuery>,
) -> Result<HttpResponse, ListSitesError> {
    state.access.require(&req, Role::Viewer)?;
    let limit = page_size(query.limit)?;
    let after = query.after.clone();
    let store = state.store.clone();
    let mut sites = blocking(move || -> Result<_, ListSitesError> {
        Ok(store.list_sites(after.as_deref(), limit + 1)?)
    })
    .await?;
    let next = if sites.len() > limit as usize {
        sites.truncate(limit as usize);
        sites.last().map(|s| s.id.clone())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(SitePage {
        sites: sites.into_iter().map(SiteView::from).collect(),
        next,
    }))
}

handler_error! {
    /// Why `GET /v1/sites/{site}` fails.
    pub enum GetSiteError {
        Auth(AuthError),
        /// No such site (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}", tag = "sites",
    params(("site" = String, Path, description = "Site id")),
    responses(
        (status = 200, description = "The site's revisions and latest allocation; `ETag` set", body = SiteView),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
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
    let store = state.store.clone();
    let head = blocking(move || -> Result<_, GetSiteError> { Ok(store.site(&site)?) }).await?;
    let view = SiteView::from(head);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, view.etag.clone()))
        .json(view))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/revisions/{revision}` fails.
    pub enum GetRevisionError {
        Auth(AuthError),
        /// A revision that is not a number (404).
        Path(NotFound),
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/revisions/{revision}", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("revision" = u64, Path, description = "Site revision")),
    responses(
        (status = 200, description = "The layout, policy and (staff) roster as they stood at that revision", body = RevisionView),
        (status = 404, description = "No such site or revision", body = ProblemDetails, content_type = "application/problem+json"),
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
        layout_revision: docs.layout_revision,
        roster_revision: docs.roster_revision,
        policy_revision: docs.policy_revision,
        layout: docs.layout,
        policy: docs.policy,
        households: (role >= Role::Staff).then_some(docs.roster),
    }))
}

async fn read_part<E>(
    state: &State,
    site: String,
    revision: Option<u64>,
) -> Result<SiteDocuments, E>
where
    E: From<StoreError> + From<Internal> + Send + 'static,
{
    let store = state.store.clone();
    blocking(move || Ok(store.documents(&site, revision)?)).await
}

fn with_revision_etag(docs: &SiteDocuments) -> (header::HeaderName, String) {
    (header::ETAG, etag(&docs.site, docs.revision))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/layout` fails.
    pub enum GetLayoutError {
        Auth(AuthError),
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/layout", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The layout (GeoJSON)", body = Object, content_type = "application/geo+json"),
        (status = 404, description = "No such site or revision", body = ProblemDetails, content_type = "application/problem+json"),
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
        Auth(AuthError),
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/households", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The normalised roster", body = Vec<Object>),
        (status = 403, description = "Viewers may not read rosters", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site or revision", body = ProblemDetails, content_type = "application/problem+json"),
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
        Auth(AuthError),
        /// No such site or revision (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/policy", tag = "sites",
    params(("site" = String, Path, description = "Site id"), RevisionQuery),
    responses(
        (status = 200, description = "The stored policy as posted (`{}` when none: the defaults apply)", body = Object),
        (status = 404, description = "No such site or revision", body = ProblemDetails, content_type = "application/problem+json"),
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

handler_error! {
    /// Why `PUT /v1/sites/{site}/layout` fails.
    pub enum PutLayoutError {
        Auth(AuthError),
        /// `If-Match` missing (428), unreadable (400) or stale (412).
        IfMatch(PreconditionError),
        Body(BodyError),
        /// The layout breaks rules, names another site, or no longer fits the
        /// stored roster or pins (422).
        Invalid(Invalid),
        /// No such site (404); another write won meanwhile (412).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    put, path = "/v1/sites/{site}/layout", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
    request_body(content = Object, content_type = "application/json", description = "A site layout (FORMAT.md §1)"),
    responses(
        (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match; the problem names the current revision", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The layout breaks rules, or no longer fits the roster or pins", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Replaces the layout (planner).
pub async fn put_layout(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, PutLayoutError> {
    state.access.require(&req, Role::Planner)?;
    let if_match = IfMatch::from_request(&req)?;
    let layout = body::read_json::<PutLayoutError>(&req, payload, state.body_limit).await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        match layout.pointer("/site/id") {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) if *id == docs.site => {}
            Some(other) => {
                return Err(Invalid::new(
                    "The layout names another site",
                    vec![Problem::new(
                        "site-id",
                        format!(
                            "site.id {other} differs from this site's id `{}`; create a new site instead",
                            docs.site
                        ),
                    )
                    .field("site.id")],
                )
                .into())
            }
        }
        let report = core::validate_layout(&layout, docs.policy.as_ref());
        if !report.errors.is_empty() {
            return Err(Invalid::layout(report.errors, report.warnings).into());
        }
        let site =
            core::load_site(&layout).map_err(|p| Invalid::new("The layout cannot be loaded", p))?;
        let mut problems = core::check_roster(&docs.roster, &site);
        problems.extend(pin_problems(docs.policy.as_ref(), &site, &docs.roster));
        if !problems.is_empty() {
            return Err(Invalid::new(
                "The new layout does not fit the stored roster or pins",
                problems,
            )
            .into());
        }
        Ok((Change::Layout(layout), report.warnings))
    })
    .await
}

/// Checks a whole new roster against the stored layout and pins.
fn roster_change<E>(docs: &SiteDocuments, roster: core::Roster) -> Result<(Change, Vec<Problem>), E>
where
    E: From<Invalid> + From<Internal>,
{
    let site = stored_site(docs)?;
    let mut problems = core::check_roster(&roster.households, &site);
    problems.extend(pin_problems(
        docs.policy.as_ref(),
        &site,
        &roster.households,
    ));
    if !problems.is_empty() {
        return Err(Invalid::new("The roster does not fit the site or its pins", problems).into());
    }
    Ok((Change::Roster(roster.households), roster.warnings))
}

handler_error! {
    /// Why `PUT /v1/sites/{site}/households` fails.
    pub enum PutHouseholdsError {
        /// 401, or 403 for viewers.
        Auth(AuthError),
        /// `If-Match` missing (428), unreadable (400) or stale (412).
        IfMatch(PreconditionError),
        /// Malformed JSON (400), too large (413), neither JSON nor CSV (415).
        Body(BodyError),
        /// Bad rows (every one listed), or households on unknown entrances or
        /// breaking pins (422).
        Invalid(Invalid),
        /// No such site (404); another write won meanwhile (412).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    put, path = "/v1/sites/{site}/households", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
    params(RosterQuery),
    request_body(description = "The whole roster (FORMAT.md §2): JSON; CSV or tab-separated text in UTF-8, UTF-16 with BOM or GB18030/GBK (`charset=` honoured); or an .xlsx workbook (README \"Rosters from Excel\"). The content decides the format.", content(("application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Needs staff", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON, CSV nor .xlsx", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (every one listed), or households on unknown entrances", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Replaces the roster, as JSON, CSV or an .xlsx workbook (staff).
pub async fn put_households(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RosterQuery>,
    payload: Payload,
) -> Result<HttpResponse, PutHouseholdsError> {
    state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let allowed = [MediaType::Json, MediaType::Csv, MediaType::Spreadsheet];
    let media = body::media_type(&req, &allowed)?;
    let charset = body::charset(&req);
    let bytes = body::read(&req, payload, state.body_limit).await?;
    let sheet = query.into_inner().sheet;
    let roster = blocking(move || -> Result<_, PutHouseholdsError> {
        let parsed = match media {
            MediaType::Csv | MediaType::Spreadsheet => {
                core::read_roster_file(&bytes, charset, sheet)
            }
            MediaType::Json => core::parse_roster_json(&body::json(&bytes)?),
        };
        Ok(parsed.map_err(|p| Invalid::new("The roster has bad rows", p))?)
    })
    .await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        roster_change(docs, roster)
    })
    .await
}

/// Applies a patch to a roster: removals, then upserts by id (a replaced
/// household keeps its place; new ones are appended in the given order).
fn apply_patch(current: &[Household], patch: &RosterPatch) -> Result<core::Roster, Invalid> {
    let mut problems = Vec::new();
    let upserts = core::parse_roster_json(&Value::Array(patch.upsert.clone())).map_err(|p| {
        Invalid::new(
            "The upserted households have bad rows",
            p.into_iter()
                .map(|mut q| {
                    q.field = Some(match q.field.take() {
                        Some(f) => format!("upsert.{f}"),
                        None => "upsert".to_string(),
                    });
                    q
                })
                .collect(),
        )
    })?;
    let upsert_ids: BTreeMap<&str, usize> = upserts
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id.as_str(), i))
        .collect();
    for (i, id) in patch.remove.iter().enumerate() {
        if !current.iter().any(|h| &h.id == id) {
            problems.push(
                Problem::new(
                    "patch-remove-unknown",
                    format!("remove[{i}]: there is no household {id} to remove"),
                )
                .field("remove"),
            );
        }
        if upsert_ids.contains_key(id.as_str()) {
            problems.push(
                Problem::new(
                    "patch-remove-upsert",
                    format!("household {id} is both upserted and removed"),
                )
                .field("remove"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Invalid::new("The patch cannot be applied", problems));
    }
    let mut households: Vec<Household> = current
        .iter()
        .filter(|h| !patch.remove.contains(&h.id))
        .cloned()
        .collect();
    for h in upserts.households {
        match households.iter_mut().find(|old| old.id == h.id) {
            Some(old) => *old = h,
            None => households.push(h),
        }
    }
    Ok(core::Roster {
        households,
        warnings: upserts.warnings,
    })
}

handler_error! {
    /// Why `PATCH /v1/sites/{site}/households` fails.
    pub enum PatchHouseholdsError {
        /// 401, or 403 for viewers.
        Auth(AuthError),
        /// `If-Match` missing (428), unreadable (400) or stale (412).
        IfMatch(PreconditionError),
        Body(BodyError),
        /// A patch of the wrong shape, bad upserts, unknown removals, or a
        /// result that breaks the site's rules (422).
        Invalid(Invalid),
        /// No such site (404); another write won meanwhile (412).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    patch, path = "/v1/sites/{site}/households", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
    request_body(content = Object, content_type = "application/json", description = "`{\"upsert\": [households], \"remove\": [ids]}`"),
    responses(
        (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Bad upserts, unknown removals, or a result that breaks the site's rules", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Adds, replaces and removes households (staff).
pub async fn patch_households(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, PatchHouseholdsError> {
    state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let value = body::read_json::<PatchHouseholdsError>(&req, payload, state.body_limit).await?;
    let patch: RosterPatch = serde_json::from_value(value).map_err(|e| {
        Invalid::new(
            "The patch is not `{\"upsert\": [...], \"remove\": [...]}`",
            vec![Problem::new("patch-shape", e.to_string())],
        )
    })?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        let roster = apply_patch(&docs.roster, &patch)?;
        roster_change(docs, roster)
    })
    .await
}

handler_error! {
    /// Why `PUT /v1/sites/{site}/policy` fails.
    pub enum PutPolicyError {
        /// 401; 403 for viewers, and for staff changing more than the pins.
        Auth(AuthError),
        /// `If-Match` missing (428), unreadable (400) or stale (412).
        IfMatch(PreconditionError),
        Body(BodyError),
        /// Unknown fields or values, bad pins, or a cable limit the layout
        /// breaks (422).
        Invalid(Invalid),
        /// No such site (404); another write won meanwhile (412).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    put, path = "/v1/sites/{site}/policy", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
    request_body(content = Object, content_type = "application/json", description = "A policy (FORMAT.md §3)"),
    responses(
        (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Staff may change only `pins`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Unknown fields or values, bad pins, or a cable limit the layout breaks", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Replaces the policy (planner; staff may change the pins only).
pub async fn put_policy(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, PutPolicyError> {
    let role = state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let value = body::read_json::<PutPolicyError>(&req, payload, state.body_limit).await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        let policy =
            core::parse_policy(&value).map_err(|p| Invalid::new("The policy is not valid", p))?;
        if role < Role::Planner {
            let empty = Value::Object(Default::default());
            let mut before =
                core::parse_policy(docs.policy.as_ref().unwrap_or(&empty)).map_err(|p| {
                    Internal(format!(
                        "the stored policy no longer parses: {} problem(s)",
                        p.len()
                    ))
                })?;
            let mut after = policy.clone();
            before.pins.clear();
            after.pins.clear();
            if before != after {
                return Err(AuthError::Forbidden {
                    needed: Role::Planner,
                    have: role,
                }
                .into());
            }
        }
        let site = stored_site(docs)?;
        let report = core::validate_layout(&docs.layout, Some(&value));
        let mut problems = report.errors;
        problems.extend(core::check_pins(&policy, &site, &docs.roster));
        if !problems.is_empty() {
            return Err(
                Invalid::new("The policy does not fit the site or roster", problems).into(),
            );
        }
        Ok((Change::Policy(value), Vec::new()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::testing::{answer, problem};
    use serde_json::json;

    fn roster(ids: &[&str]) -> Vec<Household> {
        ids.iter().map(|id| Household::new(id, "B1", "1")).collect()
    }

    #[test]
    fn a_patch_removes_replaces_in_place_and_appends() {
        let patch = RosterPatch {
            upsert: vec![
                json!({"id": "H2", "building": "B1", "unit": "2"}),
                json!({"id": "H9", "building": "B1", "unit": "1"}),
            ],
            remove: vec!["H1".into()],
        };
        let out = apply_patch(&roster(&["H1", "H2", "H3"]), &patch).unwrap();
        let ids: Vec<_> = out.households.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["H2", "H3", "H9"]);
        assert_eq!(out.households[0].unit, "2");
    }

    #[test]
    fn a_patch_removing_an_unknown_or_upserted_household_lists_both_problems() {
        let patch = RosterPatch {
            upsert: vec![json!({"id": "H2", "building": "B1", "unit": "2"})],
            remove: vec!["H7".into(), "H2".into()],
        };
        match apply_patch(&roster(&["H1", "H2"]), &patch) {
            Err(Invalid { problems, .. }) => {
                let rules: Vec<_> = problems.iter().map(|p| p.rule.as_str()).collect();
                assert_eq!(rules, ["patch-remove-unknown", "patch-remove-upsert"]);
            }
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn a_stale_if_match_on_put_layout_is_a_412_naming_the_current_revision() {
        let stale = PutLayoutError::from(PreconditionError::Stale {
            site: "s".into(),
            current: 4,
        });
        let body = problem(&stale, 412, "stale-revision");
        assert_eq!(body["current_revision"], 4);
        assert_eq!(body["current_etag"], "\"s-r4\"");
        assert_eq!(answer(&stale).etag.as_deref(), Some("\"s-r4\""));
        // A writer that lost the compare-and-swap gets the same answer.
        let lost = PutLayoutError::from(StoreError::Stale {
            site: "s".into(),
            expected: 3,
            current: 4,
        });
        assert_eq!(answer(&lost).body, answer(&stale).body);
    }

    #[test]
    fn a_layout_breaking_the_geometry_rules_on_put_layout_is_a_422_with_errors_and_warnings() {
        let err = PutLayoutError::from(Invalid::layout(
            vec![Problem::new("rule-1", "bad")],
            vec![Problem::new("warn", "odd")],
        ));
        let body = problem(&err, 422, "invalid-input");
        assert_eq!(body["title"], "The layout breaks the geometry rules");
        assert_eq!(body["errors"][0]["rule"], "rule-1");
        assert_eq!(body["warnings"][0]["rule"], "warn");
    }

    #[test]
    fn a_missing_if_match_on_put_households_is_a_428_and_a_text_upload_a_415() {
        problem(
            &PutHouseholdsError::from(PreconditionError::Required),
            428,
            "precondition-required",
        );
        let body = problem(
            &PutHouseholdsError::from(BodyError::UnsupportedMediaType {
                got: "text/plain".into(),
                expected: "application/json or text/csv",
            }),
            415,
            "unsupported-media-type",
        );
        assert_eq!(
            body["detail"],
            "media type `text/plain` is not accepted here; send application/json or text/csv"
        );
    }

    #[test]
    fn a_patch_removing_unknown_households_is_a_422_on_patch_households() {
        let patch = RosterPatch {
            upsert: Vec::new(),
            remove: vec!["H7".into()],
        };
        let err = match apply_patch(&roster(&["H1"]), &patch) {
            Err(e) => PatchHouseholdsError::from(e),
            Ok(_) => panic!("an unknown removal must be refused"),
        };
        let body = problem(&err, 422, "invalid-input");
        assert_eq!(body["title"], "The patch cannot be applied");
        assert_eq!(body["errors"][0]["rule"], "patch-remove-unknown");
        assert_eq!(body["errors"][0]["field"], "remove");
    }

    #[test]
    fn a_staff_token_changing_more_than_the_pins_on_put_policy_is_a_403() {
        let err = PutPolicyError::from(AuthError::Forbidden {
            needed: Role::Planner,
            have: Role::Staff,
        });
        let body = problem(&err, 403, "forbidden");
        assert_eq!(
            body["detail"],
            "this needs the planner role; the token has staff"
        );
        assert_eq!(answer(&err).www_authenticate, None);
    }

    #[test]
    fn a_taken_site_id_on_create_site_is_a_409_saying_how_to_replace_the_layout() {
        let err = CreateSiteError::from(StoreError::SiteExists("yx".into()));
        let body = problem(&err, 409, "conflict");
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("PUT /v1/sites/yx/layout")));
        problem(
            &CreateSiteError::from(BodyError::TooLarge { limit: 8 }),
            413,
            "body-too-large",
        );
    }

    #[test]
    fn reading_a_missing_site_or_revision_is_a_404_on_every_get() {
        let no_site = || StoreError::NoSite("nope".into());
        problem(&GetSiteError::from(no_site()), 404, "not-found");
        problem(&GetLayoutError::from(no_site()), 404, "not-found");
        problem(&GetPolicyError::from(no_site()), 404, "not-found");
        let body = problem(
            &GetRevisionError::from(StoreError::NoRevision {
                site: "s".into(),
                revision: 9,
            }),
            404,
            "not-found",
        );
        assert_eq!(body["detail"], "site `s` has no revision 9");
        problem(
            &GetRevisionError::from(path_number("x", "revision").unwrap_err()),
            404,
            "not-found",
        );
    }

    #[test]
    fn a_viewer_reading_households_is_a_403() {
        problem(
            &GetHouseholdsError::from(AuthError::Forbidden {
                needed: Role::Staff,
                have: Role::Viewer,
            }),
            403,
            "forbidden",
        );
    }

    #[test]
    fn a_bad_limit_on_list_sites_is_a_400_and_a_busy_database_a_503() {
        let err = ListSitesError::from(page_size(Some(0)).unwrap_err());
        let body = problem(&err, 400, "bad-request");
        assert_eq!(body["detail"], "limit must be between 1 and 500, not 0");
        problem(
            &ListSitesError::from(StoreError::Busy("locked".into())),
            503,
            "unavailable",
        );
    }

    #[test]
    fn page_sizes_outside_one_to_five_hundred_are_refused() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(501)).is_err());
    }
}
