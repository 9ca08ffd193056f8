//! Stored allocations: making one (the site's latest counts as `previous`),
//! listing, renderings, diffs, and a household's standing.

use super::auth::Role;
use super::core::{self, HouseholdsInput, SolveFailure, SolveInput};
use super::dto::{
    AllocateRequest, AllocationListQuery, AllocationPage, AllocationSummary, Change, DiffView,
    FormatQuery, HouseholdView, Moved,
};
use super::error::{
    handler_error, AuthError, BadRequest, BodyError, Internal, Invalid, NotAcceptable, NotFound,
    ProblemDetails, SolveTimeout, StoreFailure,
};
use super::sites::{page_size, stored_site};
use super::{blocking, body, path_number, with_time_limit, State};
use crate::model::{Allocation, Problem, ResourceKind, Site};
use crate::store::{AllocationRecord, NewAllocation, Store, StoreError};
use actix_web::http::header;
use actix_web::web::{self, Bytes, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The `Accept-Language` header, for the SVG map's labels.
pub fn accept_language(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The language preference of a rendering: `?lang=` (`zh` or `en`) wins
/// over `Accept-Language`; any other `?lang=` is 406.
pub fn language(req: &HttpRequest, lang: Option<&str>) -> Result<Option<String>, NotAcceptable> {
    match lang {
        None => Ok(accept_language(req)),
        Some(code) => match crate::report::i18n::Lang::parse(code) {
            Some(l) => Ok(Some(l.code().to_string())),
            None => Err(NotAcceptable(format!(
                "lang `{code}` is not offered; use zh or en"
            ))),
        },
    }
}

/// A rendering of an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Csv,
    GeoJson,
    Svg,
    /// An Excel workbook (`report::xlsx`); headers in `?lang=`, else
    /// `Accept-Language`, else English.
    Xlsx,
}

impl Format {
    fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "geojson" => Some(Format::GeoJson),
            "svg" => Some(Format::Svg),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    fn from_media(media: &str) -> Option<Format> {
        match media {
            "application/json" | "application/*" | "*/*" => Some(Format::Json),
            "text/csv" | "text/*" => Some(Format::Csv),
            "application/geo+json" => Some(Format::GeoJson),
            "image/svg+xml" | "image/*" => Some(Format::Svg),
            crate::report::xlsx::XLSX_MEDIA_TYPE => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::Svg => "image/svg+xml",
            Format::Xlsx => crate::report::xlsx::XLSX_MEDIA_TYPE,
        }
    }
}

/// Picks the rendering: `?format=` wins; else the `Accept` entry with the
/// highest `q` that names a rendering (ties: the first listed); no `Accept`
/// means JSON. Nothing acceptable is 406.
pub fn negotiate(req: &HttpRequest, format: Option<&str>) -> Result<Format, NotAcceptable> {
    if let Some(name) = format {
        return Format::from_name(name).ok_or_else(|| {
            NotAcceptable(format!(
                "format `{name}` is not offered; use json, csv, geojson, svg or xlsx"
            ))
        });
    }
    let Some(accept) = req.headers().get(header::ACCEPT) else {
        return Ok(Format::Json);
    };
    let accept = accept.to_str().unwrap_or("");
    let mut best: Option<(u32, Format)> = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f64>().ok())
            .next()
            .unwrap_or(1.0);
        let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u32;
        if q == 0 {
            continue;
        }
        if let Some(f) = Format::from_media(&media) {
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, f));
            }
        }
    }
    best.map(|(_, f)| f).ok_or_else(|| {
        NotAcceptable(format!(
            "none of `{accept}` is offered; accept application/json, text/csv, application/geo+json, image/svg+xml or {}",
            crate::report::xlsx::XLSX_MEDIA_TYPE
        ))
    })
}

/// A rendered allocation, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub format: Format,
    pub body: Bytes,
    /// For CSV downloads.
    pub filename: Option<String>,
}

impl Rendered {
    pub fn response(&self) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        res.content_type(self.format.content_type());
        if let Some(name) = &self.filename {
            res.insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ));
        }
        res.body(self.body.clone())
    }
}

/// Renders an allocation. `site` is needed for GeoJSON and SVG only and is
/// loaded lazily.
pub fn render<E>(
    format: Format,
    allocation: &Allocation,
    json_bytes: Option<Vec<u8>>,
    accept_language: Option<&str>,
    site: impl FnOnce() -> Result<Site, E>,
) -> Result<Rendered, E>
where
    E: From<Internal> + From<NotAcceptable>,
{
    let body: Vec<u8> =
        match format {
            Format::Json => json_bytes.unwrap_or_else(|| core::allocation_json(allocation)),
            Format::Csv => core::allocation_csv(allocation),
            Format::GeoJson => serde_json::to_vec(&core::allocation_geojson(&site()?, allocation))
                .map_err(|e| Internal(e.to_string()))?,
            // The SVG map comes from the web helper's renderer (report::svg).
            Format::Svg => match core::allocation_svg(&site()?, allocation, accept_language) {
                Some(svg) => svg.into_bytes(),
                None => return Err(NotAcceptable(
                    "the SVG rendering is not available in this build; use json, csv or geojson"
                        .into(),
                )
                .into()),
            },
            Format::Xlsx => core::allocation_xlsx(allocation, accept_language)
                .map_err(|e| Internal(e.to_string()))?,
        };
    let filename = match format {
        Format::Csv => Some(format!("allocation-{}.csv", allocation.site)),
        Format::Xlsx => Some(format!("allocation-{}.xlsx", allocation.site)),
        _ => None,
    };
    Ok(Rendered {
        format,
        body: body.into(),
        filename,
    })
}

fn parse_stored(record: &AllocationRecord) -> Result<Allocation, Internal> {
    serde_json::from_slice(&record.body).map_err(|e| {
        Internal(format!(
            "stored allocation {} of {} is unreadable: {e}",
            record.meta.id, record.meta.site
        ))
    })
}

/// Headline figures kept beside each allocation for lists.
pub fn summary(allocation: &Allocation) -> Value {
    let mut out = serde_json::Map::new();
    for (kind, m) in &allocation.metrics {
        let unserved = allocation
            .unserved
            .iter()
            .filter(|u| u.kind == *kind)
            .count();
        out.insert(
            kind.as_str().to_string(),
            json!({"demand": m.demand, "supply": m.supply, "served": m.served, "unserved_households": unserved}),
        );
    }
    Value::Object(out)
}

/// Why a solve gave no allocation: inputs that break rules (422, every
/// problem listed) or a policy nobody can satisfy (422, naming the rule, as
/// the pipeline reports it) are the caller's; any other solver failure is the
/// server's (500).
pub fn solve_failure<E: From<Invalid> + From<Internal>>(f: SolveFailure) -> E {
    match f {
        SolveFailure::Input(problems) => {
            Invalid::new("The inputs cannot be allocated", problems).into()
        }
        SolveFailure::Solver(message) if message.contains("infeasible policy") => Invalid::new(
            "No allocation can satisfy the policy",
            vec![Problem::new("policy-infeasible", message).field("policy")],
        )
        .into(),
        SolveFailure::Solver(message) => Internal(format!("the solver failed: {message}")).into(),
    }
}

handler_error! {
    /// Why `POST /v1/sites/{site}/allocations` fails.
    pub enum CreateAllocationError {
        /// 401; 403 for viewers, and for staff giving a policy.
        Auth(AuthError),
        Body(BodyError),
        /// A request of the wrong shape, inputs that break a rule, or a policy
        /// nobody can satisfy (422).
        Invalid(Invalid),
        /// No such site (404); another allocation was stored meanwhile (409).
        Store(StoreFailure, from StoreError),
        /// The solve took longer than the limit (503).
        Timeout(SolveTimeout),
        Internal(Internal),
    }
}

#[utoipa::path(
    post, path = "/v1/sites/{site}/allocations", tag = "allocations",
    params(("site" = String, Path, description = "Site id")),
    request_body(content = AllocateRequest, content_type = "application/json", description = "Optional: a policy and/or seed for this run; an empty body uses the stored ones"),
    responses(
        (status = 201, description = "The allocation, stored; `Location` names it", body = Object),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Another allocation was stored meanwhile", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The inputs break a rule", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The solve took longer than the limit", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Allocates the site's latest revision (staff); the latest allocation is `previous`.
pub async fn create_allocation(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    payload: Payload,
) -> Result<HttpResponse, CreateAllocationError> {
    let role = state.access.require(&req, Role::Staff)?;
    let site = path.into_inner();
    body::media_type(&req, &[body::MediaType::Json])?;
    let bytes = body::read(&req, payload, state.body_limit).await?;
    let request: AllocateRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        AllocateRequest::default()
    } else {
        serde_json::from_value(body::json(&bytes)?).map_err(|e| {
            Invalid::new(
                "The request is not `{\"policy\"?, \"seed\"?, \"round\"?, \"rotation\"?, \"stability\"?, \"swaps\"?}`",
                vec![Problem::new("allocate-shape", e.to_string())],
            )
        })?
    };
    if request.policy.is_some() && role < Role::Planner {
        // A run under another policy becomes the site's latest allocation:
        // that is a planner's decision (staff may still give a seed).
        return Err(AuthError::Forbidden {
            needed: Role::Planner,
            have: role,
        }
        .into());
    }
    let store: Arc<dyn Store> = state.store.clone();
    let site_id = site.clone();
    // Read the head, its documents and the previous allocation.
    let (head, docs, previous) = blocking(move || -> Result<_, CreateAllocationError> {
        let head = store.site(&site_id)?;
        let docs = store.documents(&site_id, Some(head.revision))?;
        let previous = match head.latest_allocation {
            Some(id) => Some(parse_stored(&store.allocation(&site_id, id)?)?),
            None => None,
        };
        Ok((head, docs, previous))
    })
    .await?;
    let choice = request.round_choice();
    let policy = crate::service::rounds::apply(
        request.policy.clone().or_else(|| docs.policy.clone()),
        &choice,
    )
    .map_err(|p| Invalid::new("The round's choices cannot be applied", p))?;
    let input = SolveInput {
        layout: docs.layout.clone(),
        households: HouseholdsInput::Parsed(docs.roster.clone()),
        policy,
        previous,
        seed: request.seed.clone(),
    };
    let allocation = with_time_limit(state.solve_timeout, move || {
        core::solve(&input).map_err(solve_failure::<CreateAllocationError>)
    })
    .await?;
    let store: Arc<dyn Store> = state.store.clone();
    let site_id = site.clone();
    let (meta, bytes) = blocking(move || -> Result<_, CreateAllocationError> {
        let bytes = core::allocation_json(&allocation);
        let policy =
            serde_json::to_value(&allocation.policy).map_err(|e| Internal(e.to_string()))?;
        let meta = store.add_allocation(
            &site_id,
            NewAllocation {
                previous: head.latest_allocation,
                revision: docs.revision,
                layout_revision: docs.layout_revision,
                roster_revision: docs.roster_revision,
                policy_revision: if request.policy.is_some() || choice.any() {
                    None
                } else {
                    docs.policy_revision
                },
                policy,
                seed: allocation.seed.clone(),
                summary: summary(&allocation),
                body: bytes.clone(),
            },
        )?;
        Ok((meta, bytes))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/sites/{site}/allocations/{}", meta.id),
        ))
        .insert_header(("Allocation-Id", meta.id.to_string()))
        .content_type("application/json")
        .body(bytes))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/allocations` fails.
    pub enum ListAllocationsError {
        Auth(AuthError),
        /// A `limit` outside 1–500 (400).
        Paging(BadRequest),
        /// No such site (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/allocations", tag = "allocations",
    params(("site" = String, Path, description = "Site id"), AllocationListQuery),
    responses(
        (status = 200, description = "Allocations, newest first: id, created, revisions used, headline metrics", body = AllocationPage),
        (status = 404, description = "No such site", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Lists a site's allocations.
pub async fn list_allocations(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<AllocationListQuery>,
) -> Result<HttpResponse, ListAllocationsError> {
    state.access.require(&req, Role::Viewer)?;
    let limit = page_size(query.limit)?;
    let before = query.before;
    let site = path.into_inner();
    let store = state.store.clone();
    let mut rows = blocking(move || -> Result<_, ListAllocationsError> {
        Ok(store.allocations(&site, before, limit + 1)?)
    })
    .await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|a| a.id)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AllocationPage {
        allocations: rows.into_iter().map(AllocationSummary::from).collect(),
        next,
    }))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/allocations/{id}` fails.
    pub enum GetAllocationError {
        Auth(AuthError),
        /// An id that is not a number (404).
        Path(NotFound),
        /// No rendering the client accepts (406).
        Format(NotAcceptable),
        /// No such site or allocation (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/allocations/{id}", tag = "allocations",
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "Allocation id"), FormatQuery),
    responses(
        (status = 200, description = "The allocation", content(
            (Object = "application/json"), (String = "text/csv"), (Object = "application/geo+json"), (String = "image/svg+xml"))),
        (status = 404, description = "No such site or allocation", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable rendering", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// One allocation, as JSON, CSV, GeoJSON or SVG.
pub async fn get_allocation(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, GetAllocationError> {
    state.access.require(&req, Role::Viewer)?;
    let (site, id) = path.into_inner();
    let id = path_number(&id, "allocation")?;
    let format = negotiate(&req, query.format.as_deref())?;
    let lang = language(&req, query.lang.as_deref())?;
    let key = (
        site.clone(),
        id,
        format.content_type(),
        if matches!(format, Format::Svg | Format::Xlsx) {
            lang.clone().unwrap_or_default()
        } else {
            String::new()
        },
    );
    if let Some(hit) = state.cache.get(&key) {
        return Ok(hit.response());
    }
    let store = state.store.clone();
    let rendered = blocking(move || -> Result<_, GetAllocationError> {
        let record = store.allocation(&site, id)?;
        if format == Format::Json {
            return Ok(Rendered {
                format,
                body: record.body.into(),
                filename: None,
            });
        }
        let allocation = parse_stored(&record)?;
        let layout_revision = record.meta.layout_revision;
        render(format, &allocation, None, lang.as_deref(), || {
            Ok(stored_site(
                &store.documents(&site, Some(layout_revision))?,
            )?)
        })
    })
    .await?;
    let rendered = Arc::new(rendered);
    state.cache.put(key, rendered.clone());
    Ok(rendered.response())
}

/// Per household and kind, the resources held.
fn holdings(a: &Allocation) -> BTreeMap<(String, ResourceKind), BTreeSet<String>> {
    let mut out: BTreeMap<(String, ResourceKind), BTreeSet<String>> = BTreeMap::new();
    for x in &a.assignments {
        out.entry((x.household.clone(), x.kind))
            .or_default()
            .insert(x.resource.clone());
    }
    out
}

/// Who moved, gained and lost between two allocations, sorted by household then kind.
pub fn diff(site: &str, from_id: u64, from: &Allocation, to_id: u64, to: &Allocation) -> DiffView {
    let before = holdings(from);
    let after = holdings(to);
    let keys: BTreeSet<&(String, ResourceKind)> = before.keys().chain(after.keys()).collect();
    let empty = BTreeSet::new();
    let mut view = DiffView {
        site: site.to_string(),
        from: from_id,
        to: to_id,
        moved: Vec::new(),
        gained: Vec::new(),
        lost: Vec::new(),
        unchanged: 0,
        swapped: crate::service::history::swaps(to),
    };
    let mut changed_households = BTreeSet::new();
    for key in keys {
        let b = before.get(key).unwrap_or(&empty);
        let a = after.get(key).unwrap_or(&empty);
        if a == b {
            continue;
        }
        let (household, kind) = (key.0.clone(), key.1);
        changed_households.insert(household.clone());
        if b.is_empty() {
            view.gained.push(Change {
                household,
                kind,
                resources: a.iter().cloned().collect(),
            });
        } else if a.is_empty() {
            view.lost.push(Change {
                household,
                kind,
                resources: b.iter().cloned().collect(),
            });
        } else {
            view.moved.push(Moved {
                household,
                kind,
                from: b.iter().cloned().collect(),
                to: a.iter().cloned().collect(),
            });
        }
    }
    let everyone: BTreeSet<&String> = from.lottery.iter().chain(to.lottery.iter()).collect();
    view.unchanged = everyone
        .iter()
        .filter(|h| !changed_households.contains(h.as_str()))
        .count() as u64;
    view
}

handler_error! {
    /// Why `GET /v1/sites/{site}/allocations/{id}/diff/{other}` fails.
    pub enum DiffAllocationsError {
        Auth(AuthError),
        /// An id that is not a number (404).
        Path(NotFound),
        /// No such site or allocation (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/allocations/{id}/diff/{other}", tag = "allocations",
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "The earlier allocation"), ("other" = u64, Path, description = "The later allocation")),
    responses(
        (status = 200, description = "Who moved, gained and lost, per kind", body = DiffView),
        (status = 404, description = "No such site or allocation", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// What changed from allocation `id` to allocation `other`.
pub async fn diff_allocations(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, DiffAllocationsError> {
    state.access.require(&req, Role::Viewer)?;
    let (site, id, other) = path.into_inner();
    let id = path_number(&id, "allocation")?;
    let other = path_number(&other, "allocation")?;
    let store = state.store.clone();
    let view = blocking(move || -> Result<_, DiffAllocationsError> {
        let from = parse_stored(&store.allocation(&site, id)?)?;
        let to = parse_stored(&store.allocation(&site, other)?)?;
        Ok(diff(&site, id, &from, other, &to))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

handler_error! {
    /// Why `GET /v1/sites/{site}/households/{household}` fails.
    pub enum HouseholdLookupError {
        Auth(AuthError),
        /// The household is neither on the roster nor in the latest draw (404).
        Unknown(NotFound),
        /// No such site (404).
        Store(StoreFailure, from StoreError),
        Internal(Internal),
    }
}

#[utoipa::path(
    get, path = "/v1/sites/{site}/households/{household}", tag = "allocations",
    params(("site" = String, Path, description = "Site id"), ("household" = String, Path, description = "Household id")),
    responses(
        (status = 200, description = "What the household holds, its waitlist places and why (its roster record for staff)", body = HouseholdView),
        (status = 404, description = "No such site or household", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// A household's assignments, waitlist places and reasons in the latest allocation.
pub async fn get_household(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, HouseholdLookupError> {
    let role = state.access.require(&req, Role::Viewer)?;
    let (site, household) = path.into_inner();
    let store = state.store.clone();
    let view = blocking(move || -> Result<_, HouseholdLookupError> {
        let head = store.site(&site)?;
        let allocation = match head.latest_allocation {
            Some(id) => Some((id, parse_stored(&store.allocation(&site, id)?)?)),
            None => None,
        };
        let record = store
            .documents(&site, Some(head.revision))?
            .roster
            .into_iter()
            .find(|h| h.id == household);
        let mut view = HouseholdView {
            site: site.clone(),
            household: household.clone(),
            allocation: allocation.as_ref().map(|(id, _)| *id),
            assignments: Vec::new(),
            waitlist: Vec::new(),
            lottery_rank: None,
            waited: Default::default(),
            tickets: None,
            record: None,
        };
        if let Some((_, a)) = &allocation {
            view.assignments = a
                .assignments
                .iter()
                .filter(|x| x.household == household)
                .cloned()
                .collect();
            view.waitlist = a
                .unserved
                .iter()
                .filter(|x| x.household == household)
                .cloned()
                .collect();
            view.lottery_rank = a
                .lottery
                .iter()
                .position(|h| *h == household)
                .map(|i| i as u64 + 1);
            view.waited = crate::service::history::waited(a, &household);
            view.tickets = crate::service::history::tickets(a, &household);
        }
        if record.is_none() && view.lottery_rank.is_none() {
            return Err(NotFound(format!("site `{site}` has no household `{household}`")).into());
        }
        if role >= Role::Staff {
            view.record = record;
        }
        Ok(view)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::testing::problem;
    use crate::model::{Assignment, Policy, SolverInfo};
    use actix_web::test::TestRequest;
    use std::time::Duration;

    fn allocation(pairs: &[(&str, &str)], everyone: &[&str]) -> Allocation {
        Allocation {
            site: "s".into(),
            inputs_sha256: String::new(),
            seed: String::new(),
            policy: Policy::default(),
            assignments: pairs
                .iter()
                .map(|(h, r)| Assignment {
                    household: h.to_string(),
                    kind: ResourceKind::ParkingSpace,
                    resource: r.to_string(),
                    walk_m: 1.0,
                    why: String::new(),
                    basis: String::new(),
                })
                .collect(),
            unserved: Vec::new(),
            lottery: everyone.iter().map(|h| h.to_string()).collect(),
            metrics: BTreeMap::new(),
            solver: SolverInfo {
                engine: String::new(),
                backend: String::new(),
                seconds: 0.0,
                stages: Vec::new(),
            },
            round: None,
            ledger: Default::default(),
            draw_order: None,
            warnings: Vec::new(),
            draw: None,
        }
    }

    #[test]
    fn a_diff_separates_moves_gains_and_losses() {
        let a = allocation(
            &[("H1", "P1"), ("H2", "P2"), ("H3", "P3")],
            &["H1", "H2", "H3", "H4"],
        );
        let b = allocation(
            &[("H1", "P1"), ("H2", "P4"), ("H4", "P3")],
            &["H1", "H2", "H4"],
        );
        let d = diff("s", 1, &a, 2, &b);
        assert_eq!(d.moved.len(), 1);
        assert_eq!(
            (d.moved[0].household.as_str(), d.moved[0].to.clone()),
            ("H2", vec!["P4".to_string()])
        );
        assert_eq!(d.gained[0].household, "H4");
        assert_eq!(d.lost[0].household, "H3");
        assert_eq!(d.unchanged, 1);
    }

    #[test]
    fn format_comes_from_the_query_then_the_best_accept_entry() {
        let req = TestRequest::default()
            .insert_header((
                header::ACCEPT,
                "text/html, application/geo+json;q=0.5, text/csv;q=0.9",
            ))
            .to_http_request();
        assert_eq!(negotiate(&req, None).unwrap(), Format::Csv);
        assert_eq!(negotiate(&req, Some("svg")).unwrap(), Format::Svg);
        assert!(matches!(
            negotiate(&req, Some("pdf")),
            Err(NotAcceptable(_))
        ));
        let html = TestRequest::default()
            .insert_header((header::ACCEPT, "text/html"))
            .to_http_request();
        assert!(matches!(negotiate(&html, None), Err(NotAcceptable(_))));
        let none = TestRequest::default().to_http_request();
        assert_eq!(negotiate(&none, None).unwrap(), Format::Json);
    }

    #[test]
    fn an_allocation_race_on_create_allocation_is_a_409_and_a_slow_solve_a_503() {
        let race = CreateAllocationError::from(StoreError::AllocationRace {
            site: "s".into(),
            expected: None,
            current: Some(3),
        });
        let body = problem(&race, 409, "conflict");
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Retry to allocate from the new latest")));
        let slow = CreateAllocationError::from(SolveTimeout(Duration::from_secs(2)));
        let body = problem(&slow, 503, "solve-timeout");
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing was stored")));
    }

    #[test]
    fn a_staff_token_giving_a_policy_on_create_allocation_is_a_403() {
        problem(
            &CreateAllocationError::from(AuthError::Forbidden {
                needed: Role::Planner,
                have: Role::Staff,
            }),
            403,
            "forbidden",
        );
    }

    #[test]
    fn an_infeasible_policy_is_a_422_naming_the_rule_and_any_other_solver_failure_a_500() {
        let infeasible: CreateAllocationError = solve_failure(SolveFailure::Solver(
            "infeasible policy: too many pins".into(),
        ));
        let body = problem(&infeasible, 422, "invalid-input");
        assert_eq!(body["title"], "No allocation can satisfy the policy");
        assert_eq!(body["errors"][0]["rule"], "policy-infeasible");
        assert_eq!(body["errors"][0]["field"], "policy");
        let inputs: CreateAllocationError =
            solve_failure(SolveFailure::Input(vec![Problem::new("r", "m")]));
        let body = problem(&inputs, 422, "invalid-input");
        assert_eq!(body["title"], "The inputs cannot be allocated");
        let broken: CreateAllocationError = solve_failure(SolveFailure::Solver("boom".into()));
        let body = problem(&broken, 500, "internal");
        assert_eq!(body["detail"], "the solver failed: boom");
    }

    #[test]
    fn an_unacceptable_format_on_get_allocation_is_a_406_and_a_missing_one_a_404() {
        let none = TestRequest::default().to_http_request();
        let err = GetAllocationError::from(negotiate(&none, Some("pdf")).unwrap_err());
        let body = problem(&err, 406, "not-acceptable");
        assert_eq!(
            body["detail"],
            "format `pdf` is not offered; use json, csv, geojson, svg or xlsx"
        );
        let missing = GetAllocationError::from(StoreError::NoAllocation {
            site: "s".into(),
            id: 7,
        });
        let body = problem(&missing, 404, "not-found");
        assert_eq!(body["detail"], "site `s` has no allocation 7");
    }

    #[test]
    fn a_non_numeric_id_on_diff_is_a_404_and_an_unreadable_allocation_a_500() {
        let err = DiffAllocationsError::from(path_number("latest", "allocation").unwrap_err());
        let body = problem(&err, 404, "not-found");
        assert_eq!(body["detail"], "no allocation `latest`");
        let record = AllocationRecord {
            meta: crate::store::AllocationMeta {
                site: "s".into(),
                id: 1,
                created: String::new(),
                previous: None,
                revision: 1,
                layout_revision: 1,
                roster_revision: None,
                policy_revision: None,
                seed: String::new(),
                summary: Value::Null,
            },
            policy: Value::Null,
            body: b"not json".to_vec(),
        };
        let err = DiffAllocationsError::from(parse_stored(&record).unwrap_err());
        problem(&err, 500, "internal");
    }

    #[test]
    fn an_unknown_household_lookup_is_a_404_and_a_bad_list_limit_a_400() {
        problem(
            &HouseholdLookupError::from(NotFound("site `s` has no household `H9`".into())),
            404,
            "not-found",
        );
        problem(
            &ListAllocationsError::from(page_size(Some(501)).unwrap_err()),
            400,
            "bad-request",
        );
    }
}
