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
    Created, RevisionQuery, RevisionView, RosterPatch, SiteListQuery, SitePage, SiteView, Written,
};
use super::error::{etag, ApiError, ProblemDetails};
use super::{blocking, path_number, valid_site_id, IfMatch, State};
use crate::model::{Household, Problem, Site};
use crate::store::{Change, NewSite, SiteDocuments, Store};
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

pub(crate) fn page_size(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}, not {n}"
        ))),
    }
}

/// The stored layout of a revision, loaded (it was valid when stored).
pub(crate) fn stored_site(docs: &SiteDocuments) -> Result<Site, ApiError> {
    core::load_site(&docs.layout).map_err(|p| {
        ApiError::Internal(format!(
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
async fn write_part<F>(
    state: &State,
    site: String,
    if_match: IfMatch,
    build: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&SiteDocuments) -> Result<(Change, Vec<Problem>), ApiError> + Send + 'static,
{
    let store: Arc<dyn Store> = state.store.clone();
    let (head, warnings) = blocking(move || {
        let docs = store.documents(&site, None)?;
        if !if_match.matches(&site, docs.revision) {
            return Err(ApiError::PreconditionFailed {
                site,
                current: docs.revision,
            });
        }
        let (change, warnings) = build(&docs)?;
        let head = store.write(&site, docs.revision, change)?;
        Ok((head, warnings))
    })
    .await?;
    Ok(written(head, warnings))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Planner)?;
    let layout = body::read_json(&req, payload, state.body_limit).await?;
    let store = state.store.clone();
    let (head, warnings) = blocking(move || {
        let report = core::validate_layout(&layout, None);
        if !report.errors.is_empty() {
            return Err(ApiError::Invalid {
                title: "The layout breaks the geometry rules",
                problems: report.errors,
                warnings: report.warnings,
            });
        }
        let id = match layout.pointer("/site/id") {
            None | Some(Value::Null) => generated_id(),
            Some(Value::String(id)) if valid_site_id(id) => id.clone(),
            Some(other) => {
                return Err(ApiError::invalid(
                    "The site id cannot be used",
                    vec![Problem::new(
                        "site-id",
                        format!("site.id {other} must be 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit"),
                    )
                    .field("site.id")],
                ))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let limit = page_size(query.limit)?;
    let after = query.after.clone();
    let store = state.store.clone();
    let mut sites = blocking(move || Ok(store.list_sites(after.as_deref(), limit + 1)?)).await?;
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let site = path.into_inner();
    let store = state.store.clone();
    let head = blocking(move || Ok(store.site(&site)?)).await?;
    let view = SiteView::from(head);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, view.etag.clone()))
        .json(view))
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
) -> Result<HttpResponse, ApiError> {
    let role = state.access.require(&req, Role::Viewer)?;
    let (site, revision) = path.into_inner();
    let revision = path_number(&revision, "revision")?;
    let store = state.store.clone();
    let docs = blocking(move || Ok(store.documents(&site, Some(revision))?)).await?;
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

async fn read_part(
    state: &State,
    site: String,
    revision: Option<u64>,
) -> Result<SiteDocuments, ApiError> {
    let store = state.store.clone();
    blocking(move || Ok(store.documents(&site, revision)?)).await
}

fn with_revision_etag(docs: &SiteDocuments) -> (header::HeaderName, String) {
    (header::ETAG, etag(&docs.site, docs.revision))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let docs = read_part(&state, path.into_inner(), query.revision).await?;
    let body = serde_json::to_vec(&docs.layout).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .content_type("application/geo+json")
        .body(body))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Staff)?;
    let docs = read_part(&state, path.into_inner(), query.revision).await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .json(&docs.roster))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let docs = read_part(&state, path.into_inner(), query.revision).await?;
    let policy = docs
        .policy
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(HttpResponse::Ok()
        .insert_header(with_revision_etag(&docs))
        .json(policy))
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Planner)?;
    let if_match = IfMatch::from_request(&req)?;
    let layout = body::read_json(&req, payload, state.body_limit).await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        match layout.pointer("/site/id") {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) if *id == docs.site => {}
            Some(other) => {
                return Err(ApiError::invalid(
                    "The layout names another site",
                    vec![Problem::new(
                        "site-id",
                        format!(
                            "site.id {other} differs from this site's id `{}`; create a new site instead",
                            docs.site
                        ),
                    )
                    .field("site.id")],
                ))
            }
        }
        let report = core::validate_layout(&layout, docs.policy.as_ref());
        if !report.errors.is_empty() {
            return Err(ApiError::Invalid {
                title: "The layout breaks the geometry rules",
                problems: report.errors,
                warnings: report.warnings,
            });
        }
        let site = core::load_site(&layout)
            .map_err(|p| ApiError::invalid("The layout cannot be loaded", p))?;
        let mut problems = core::check_roster(&docs.roster, &site);
        problems.extend(pin_problems(docs.policy.as_ref(), &site, &docs.roster));
        if !problems.is_empty() {
            return Err(ApiError::invalid(
                "The new layout does not fit the stored roster or pins",
                problems,
            ));
        }
        Ok((Change::Layout(layout), report.warnings))
    })
    .await
}

/// Checks a whole new roster against the stored layout and pins.
fn roster_change(
    docs: &SiteDocuments,
    roster: core::Roster,
) -> Result<(Change, Vec<Problem>), ApiError> {
    let site = stored_site(docs)?;
    let mut problems = core::check_roster(&roster.households, &site);
    problems.extend(pin_problems(
        docs.policy.as_ref(),
        &site,
        &roster.households,
    ));
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            "The roster does not fit the site or its pins",
            problems,
        ));
    }
    Ok((Change::Roster(roster.households), roster.warnings))
}

#[utoipa::path(
    put, path = "/v1/sites/{site}/households", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
    request_body(description = "The whole roster (FORMAT.md §2)", content(("application/json"), ("text/csv"))),
    responses(
        (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Needs staff", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows (every one listed), or households on unknown entrances", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Replaces the roster, as JSON or CSV (staff).
pub async fn put_households(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let media = body::media_type(&req, &[MediaType::Json, MediaType::Csv])?;
    let bytes = body::read(&req, payload, state.body_limit).await?;
    let roster = blocking(move || {
        match media {
            MediaType::Csv => core::parse_roster_csv(&bytes),
            MediaType::Json => core::parse_roster_json(&body::json(&bytes)?),
        }
        .map_err(|p| ApiError::invalid("The roster has bad rows", p))
    })
    .await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        roster_change(docs, roster)
    })
    .await
}

/// Applies a patch to a roster: removals, then upserts by id (a replaced
/// household keeps its place; new ones are appended in the given order).
fn apply_patch(current: &[Household], patch: &RosterPatch) -> Result<core::Roster, ApiError> {
    let mut problems = Vec::new();
    let upserts = core::parse_roster_json(&Value::Array(patch.upsert.clone())).map_err(|p| {
        ApiError::invalid(
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
        return Err(ApiError::invalid("The patch cannot be applied", problems));
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
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let value = body::read_json(&req, payload, state.body_limit).await?;
    let patch: RosterPatch = serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(
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
) -> Result<HttpResponse, ApiError> {
    let role = state.access.require(&req, Role::Staff)?;
    let if_match = IfMatch::from_request(&req)?;
    let value = body::read_json(&req, payload, state.body_limit).await?;
    write_part(&state, path.into_inner(), if_match, move |docs| {
        let policy = core::parse_policy(&value)
            .map_err(|p| ApiError::invalid("The policy is not valid", p))?;
        if role < Role::Planner {
            let empty = Value::Object(Default::default());
            let mut before =
                core::parse_policy(docs.policy.as_ref().unwrap_or(&empty)).map_err(|p| {
                    ApiError::Internal(format!(
                        "the stored policy no longer parses: {} problem(s)",
                        p.len()
                    ))
                })?;
            let mut after = policy.clone();
            before.pins.clear();
            after.pins.clear();
            if before != after {
                return Err(ApiError::Forbidden {
                    needed: Role::Planner,
                    have: role,
                });
            }
        }
        let site = stored_site(docs)?;
        let report = core::validate_layout(&docs.layout, Some(&value));
        let mut problems = report.errors;
        problems.extend(core::check_pins(&policy, &site, &docs.roster));
        if !problems.is_empty() {
            return Err(ApiError::invalid(
                "The policy does not fit the site or roster",
                problems,
            ));
        }
        Ok((Change::Policy(value), Vec::new()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
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
            Err(ApiError::Invalid { problems, .. }) => {
                let rules: Vec<_> = problems.iter().map(|p| p.rule.as_str()).collect();
                assert_eq!(rules, ["patch-remove-unknown", "patch-remove-upsert"]);
            }
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn page_sizes_outside_one_to_five_hundred_are_refused() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(501)).is_err());
    }
}
