//! Stored allocations: making one from the site's stored documents (the
//! latest allocation is its `previous`), renderings, what changed between
//! two, and where a household stands.

use super::checks::LayoutChecks;
pub use super::diff::{diff, diff_stored, Change, DiffView, Moved};
use super::inputs::{self, SolveFailed};
use super::{documents, Corrupt, ReadError, Rejected};
use crate::model::{Allocation, Assignment, Household, ResourceKind, Site, Unserved};
use crate::pipeline::{Inputs, RosterInput};
use crate::report;
use crate::report::format::Format;
use crate::report::i18n::Lang;
use crate::store::{
    AllocationInputs, AllocationMeta, NewAllocation, Page, PartRevisions, SiteDocuments, SiteState,
    Store, StoreError,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Why an allocation was not made or not stored.
#[derive(Debug, thiserror::Error)]
pub enum AllocateError {
    /// No such site, another allocation stored meanwhile, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The inputs break a rule, no allocation can satisfy the policy, the
    /// solver failed, or the request gave up (`inputs::solve`'s failures).
    #[error(transparent)]
    Solve(#[from] SolveFailed),
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
}

impl From<Rejected> for AllocateError {
    fn from(r: Rejected) -> Self {
        AllocateError::Solve(SolveFailed::Rejected(r))
    }
}

impl From<ReadError> for AllocateError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Store(s) => AllocateError::Store(s),
            ReadError::Corrupt(c) => AllocateError::Corrupt(c),
        }
    }
}

/// A run asked for: another policy and/or seed than the stored ones.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub policy: Option<Value>,
    pub seed: Option<String>,
    /// The over-time choices of the run (`round`, `rotation`, `stability`, `swaps`).
    pub choice: super::rounds::RoundChoice,
}

/// `POST /v1/sites/{site}/allocations` body (all optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateRequest {
    /// A policy for this run instead of the stored one.
    #[schema(value_type = Object)]
    pub policy: Option<Value>,
    /// A lottery seed for this run instead of the policy's.
    pub seed: Option<String>,
    /// The round of this run (FORMAT.md §3): a new name is a redraw; absent,
    /// a rerun keeps the previous allocation's round.
    pub round: Option<String>,
    /// `none`, `waited_first` or `tickets` for this run instead of the policy's.
    pub rotation: Option<String>,
    /// `protect`, `keep_incumbents` or `none` for this run instead of the policy's.
    pub stability: Option<String>,
    /// `none` or `trade_up` for this run instead of the policy's.
    pub swaps: Option<String>,
}

impl From<AllocateRequest> for Run {
    fn from(r: AllocateRequest) -> Run {
        Run {
            choice: super::rounds::RoundChoice {
                round: r.round,
                rotation: r.rotation,
                stability: r.stability,
                swaps: r.swaps,
            },
            policy: r.policy,
            seed: r.seed,
        }
    }
}

/// An allocation about to be made: the site's head, its documents and the
/// inputs of the solve (the latest allocation as `previous`).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub head: SiteState,
    pub docs: SiteDocuments,
    /// The policy was given for this run, not the stored one.
    pub policy_given: bool,
    pub inputs: Inputs,
}

/// Reads the head, its documents and the previous allocation.
pub fn prepare(store: &dyn Store, site: &str, run: Run) -> Result<Prepared, ReadError> {
    let head = store.site(site)?;
    let docs = store.documents(site, Some(head.revision))?;
    let previous = match head.latest_allocation {
        Some(id) => Some(documents::allocation(&store.allocation(site, id)?)?),
        None => None,
    };
    let policy_given = run.policy.is_some() || run.choice.any();
    let policy = run.policy.or_else(|| docs.policy.clone());
    // A policy that is no object takes no choice; the checks then name it.
    let policy = super::rounds::apply(policy.clone(), &run.choice).unwrap_or(policy);
    let inputs = Inputs {
        layout: docs.layout.clone(),
        households: RosterInput::Parsed(docs.roster.clone()),
        policy,
        previous,
        seed: run.seed,
        round: None,
    };
    Ok(Prepared {
        head,
        docs,
        policy_given,
        inputs,
    })
}

/// Solves a prepared run (blocking, and as long as the solve takes).
pub fn solve(prepared: &Prepared) -> Result<Allocation, SolveFailed> {
    inputs::solve(&prepared.inputs)
}

/// Stores a solved allocation if no other was stored since it was prepared;
/// returns its record and the allocation JSON.
pub fn record(
    store: &dyn Store,
    prepared: &Prepared,
    allocation: &Allocation,
) -> Result<(AllocationMeta, Vec<u8>), AllocateError> {
    let bytes = report::json::allocation_json(allocation);
    let policy = serde_json::to_value(&allocation.policy)
        .map_err(|e| Corrupt(format!("the resolved policy does not serialise: {e}")))?;
    let docs = &prepared.docs;
    let meta = store.add_allocation(
        &prepared.head.id,
        NewAllocation {
            inputs: AllocationInputs {
                previous: prepared.head.latest_allocation,
                revision: docs.revision,
                parts: PartRevisions {
                    policy: if prepared.policy_given {
                        None
                    } else {
                        docs.parts.policy
                    },
                    ..docs.parts
                },
            },
            policy,
            seed: allocation.seed.clone(),
            summary: summary(allocation),
            body: bytes.clone(),
        },
    )?;
    Ok((meta, bytes))
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

/// A page of a site's allocations, newest first, and the id to continue before.
pub fn list(
    store: &dyn Store,
    site: &str,
    before: Option<u64>,
    limit: u32,
) -> Result<(Vec<AllocationMeta>, Option<u64>), StoreError> {
    let rows = store.allocations(
        site,
        Page {
            before,
            limit: limit + 1,
        },
    )?;
    Ok(super::page(rows, limit, |a| a.id))
}

/// A rendering of an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    Json,
    /// Headers and reasons in this language.
    Csv(Lang),
    GeoJson,
    /// The site map, labels in this language.
    Svg(Lang),
    /// An Excel workbook, sheet names and headers in this language.
    Xlsx(Lang),
}

impl Rendering {
    /// A format's rendering in the language asked for, if any: without
    /// one, SVG labels are in Chinese, CSV and workbook headers in English.
    pub fn of(format: Format, lang: Option<Lang>) -> Rendering {
        match format {
            Format::Json => Rendering::Json,
            Format::Csv => Rendering::Csv(lang.unwrap_or(Lang::En)),
            Format::GeoJson => Rendering::GeoJson,
            Format::Svg => Rendering::Svg(lang.unwrap_or_default()),
            Format::Xlsx => Rendering::Xlsx(lang.unwrap_or(Lang::En)),
        }
    }
}

/// Renders an allocation; `site` (needed for GeoJSON and SVG only) is
/// loaded lazily, and `json` is the stored JSON when there is one.
pub fn render<E: From<Corrupt>>(
    rendering: Rendering,
    allocation: &Allocation,
    json: Option<Vec<u8>>,
    site: impl FnOnce() -> Result<Site, E>,
) -> Result<Vec<u8>, E> {
    Ok(match rendering {
        Rendering::Json => json.unwrap_or_else(|| report::json::allocation_json(allocation)),
        Rendering::Csv(lang) => report::csv::allocation_csv_in(allocation, lang),
        Rendering::GeoJson => {
            serde_json::to_vec(&report::geojson::allocation_geojson(&site()?, allocation))
                .map_err(|e| Corrupt(e.to_string()))?
        }
        Rendering::Svg(lang) => {
            report::svg::render_svg(&site()?, Some(allocation), &[], lang).into_bytes()
        }
        Rendering::Xlsx(lang) => {
            report::xlsx::allocation_xlsx(allocation, lang).map_err(|e| Corrupt(e.to_string()))?
        }
    })
}

/// A stored allocation in a rendering (its JSON as stored), and its
/// allocation's site id; `public`: the public view ([`report::public`]),
/// for viewers.
pub fn render_stored(
    store: &dyn Store,
    site: &str,
    id: u64,
    rendering: Rendering,
    public: bool,
) -> Result<(Vec<u8>, String), ReadError> {
    let record = store.allocation(site, id)?;
    if rendering == Rendering::Json && !public {
        return Ok((record.body, String::new()));
    }
    let mut allocation = documents::allocation(&record)?;
    if public {
        allocation = report::public::public_view(&allocation);
    }
    let stored = (!public).then(|| record.body.clone());
    let layout_revision = record.meta.inputs.parts.layout;
    let body = render(rendering, &allocation, stored, || {
        Ok::<_, ReadError>(documents::site(
            &store.documents(site, Some(layout_revision))?,
        )?)
    })?;
    Ok((body, allocation.site))
}

/// An entry of the household view with its reason in the reader's language.
#[derive(Debug, Clone, Serialize)]
pub struct Reasoned<T> {
    #[serde(flatten)]
    pub entry: T,
    /// The structured `reason` rendered in `lang` (report::reasons).
    pub reason_text: String,
}

/// A resident's view: what a household holds, where it waits, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdView {
    pub site: String,
    pub household: String,
    /// The allocation answered from (the site's latest); `null` if none yet.
    pub allocation: Option<u64>,
    /// The language of `reason_text`: `zh` or `en` (from `Accept-Language`).
    pub lang: String,
    #[schema(value_type = Vec<Object>)]
    pub assignments: Vec<Reasoned<Assignment>>,
    /// Unserved entries: units short, waitlist place (`null`: nothing in reach) and why.
    #[schema(value_type = Vec<Object>)]
    pub waitlist: Vec<Reasoned<Unserved>>,
    /// The household's lottery rank (1-based) in that allocation.
    pub lottery_rank: Option<u64>,
    /// Per kind, rounds in a row it ended unserved (the allocation's ledger; 0s left out).
    #[schema(value_type = Object)]
    pub waited: BTreeMap<ResourceKind, u32>,
    /// Per kind, its tickets (1 + waited) when the allocation's rotation is `tickets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub tickets: Option<BTreeMap<ResourceKind, u32>>,
    /// The current roster record; staff and planners only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub record: Option<Household>,
}

/// Why a household's standing cannot be told.
#[derive(Debug, thiserror::Error)]
pub enum StandingError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Neither on the roster nor in the latest draw.
    #[error("site `{site}` has no household `{household}`")]
    Unknown { site: String, household: String },
}

impl From<StoreError> for StandingError {
    fn from(e: StoreError) -> Self {
        StandingError::Read(e.into())
    }
}

impl From<Corrupt> for StandingError {
    fn from(e: Corrupt) -> Self {
        StandingError::Read(e.into())
    }
}

/// A household's assignments, waitlist places and lottery rank in the latest
/// allocation; its roster record only `with_record` (staff: personal data),
/// else its entries in the public view ([`report::public`]).
pub fn standing(
    store: &dyn Store,
    site: &str,
    household: &str,
    with_record: bool,
    lang: Lang,
) -> Result<HouseholdView, StandingError> {
    let head = store.site(site)?;
    let allocation = match head.latest_allocation {
        Some(id) => {
            let a = documents::allocation(&store.allocation(site, id)?)?;
            // Viewers get the public view (report::public): public reasons and bases.
            Some((
                id,
                if with_record {
                    a
                } else {
                    report::public::public_view(&a)
                },
            ))
        }
        None => None,
    };
    let record = store
        .documents(site, Some(head.revision))?
        .roster
        .into_iter()
        .find(|h| h.id == household);
    let mut view = HouseholdView {
        site: site.to_string(),
        household: household.to_string(),
        allocation: allocation.as_ref().map(|(id, _)| *id),
        lang: lang.code().to_string(),
        assignments: Vec::new(),
        waitlist: Vec::new(),
        lottery_rank: None,
        waited: BTreeMap::new(),
        tickets: None,
        record: None,
    };
    if let Some((_, a)) = &allocation {
        view.assignments = a
            .assignments
            .iter()
            .filter(|x| x.household == household)
            .map(|x| Reasoned {
                reason_text: report::reasons::assignment_reason(x, lang),
                entry: x.clone(),
            })
            .collect();
        view.waitlist = a
            .unserved
            .iter()
            .filter(|x| x.household == household)
            .map(|x| Reasoned {
                reason_text: report::reasons::unserved_reason(x, lang),
                entry: x.clone(),
            })
            .collect();
        view.lottery_rank = a
            .lottery
            .iter()
            .position(|h| *h == household)
            .map(|i| i as u64 + 1);
        view.waited = super::history::waited(a, household);
        view.tickets = super::history::tickets(a, household);
    }
    if record.is_none() && view.lottery_rank.is_none() {
        return Err(StandingError::Unknown {
            site: site.to_string(),
            household: household.to_string(),
        });
    }
    if with_record {
        view.record = record;
    }
    Ok(view)
}

/// What the web page of a site is made from.
#[derive(Debug, Clone)]
pub struct Overview {
    pub head: SiteState,
    pub metas: Vec<AllocationMeta>,
    pub shown: Option<(AllocationMeta, Allocation)>,
    pub diff: Option<DiffView>,
    pub svg: String,
    /// Staff only (not `public`): the looked-up household across the site's
    /// allocations; `None` when there is none to look up or it is unknown.
    pub history: Option<super::history::History>,
}

/// The site's head, its allocations, the one shown (`pick`, else the
/// latest) with its diff against its previous, and the map as that
/// allocation saw the plan (else the current layout), the layout's problems
/// drawn and `household`'s resources highlighted; `public`: the shown
/// allocation in the public view ([`report::public`]), for viewers; else
/// (staff) also `household`'s history across the allocations.
pub fn overview(
    store: &dyn Store,
    checks: &LayoutChecks,
    site: &str,
    pick: Option<u64>,
    household: Option<&str>,
    lang: Lang,
    public: bool,
) -> Result<Overview, ReadError> {
    let head = store.site(site)?;
    let metas = store.allocations(site, Page::newest(100))?;
    let shown = match pick.or(head.latest_allocation) {
        Some(id) => {
            let record = store.allocation(site, id)?;
            let mut allocation = documents::allocation(&record)?;
            if public {
                // Viewers see the public view (report::public), map tooltips included.
                allocation = report::public::public_view(&allocation);
            }
            Some((record.meta, allocation))
        }
        None => None,
    };
    let diff = match &shown {
        Some((meta, a)) => match meta.inputs.previous {
            Some(prev) => {
                let before = documents::allocation(&store.allocation(site, prev)?)?;
                Some(diff(site, prev, &before, meta.id, a))
            }
            None => None,
        },
        None => None,
    };
    let revision = shown.as_ref().map(|(m, _)| m.inputs.parts.layout);
    let docs = store.documents(site, revision.or(Some(head.revision)))?;
    let check = checks.of(&docs);
    let site_model = documents::checked_site(&docs, &check)?;
    let report = check.report();
    let highlight: Vec<String> = match (&shown, household) {
        (Some((_, a)), Some(h)) => a
            .assignments
            .iter()
            .filter(|x| x.household == h.trim())
            .map(|x| x.resource.clone())
            .collect(),
        _ => Vec::new(),
    };
    let mut opts = report::svg::RenderOptions::new(lang);
    opts.allocation = shown.as_ref().map(|(_, a)| a);
    opts.warnings = &report.warnings;
    opts.errors = &report.errors;
    opts.highlight = &highlight;
    let svg = report::svg::render_svg_with(site_model, &opts);
    let history = match household {
        Some(h) if !public => {
            use super::history::{household_history, MAX_HISTORY};
            household_history(store, site, h, MAX_HISTORY).ok()
        }
        _ => None,
    };
    Ok(Overview {
        head,
        metas,
        shown,
        diff,
        svg,
        history,
    })
}
