//! Every call from the HTTP layer into the allocation core, in one place.
//!
//! PLACEHOLDER until the core is merged: these functions keep the API
//! testable with tiny layouts; they are replaced by calls into
//! `pipeline`, `geometry`, `model::roster`, `model::policy` and `report`.

use crate::model::{Allocation, CoordinateMode, Household, Pin, Policy, Problem, Site};
use serde_json::Value;
use std::collections::BTreeSet;

/// Errors and warnings of a layout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutReport {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// A parsed roster with its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    pub households: Vec<Household>,
    pub warnings: Vec<Problem>,
}

/// Households for a solve.
#[derive(Debug, Clone)]
pub enum HouseholdsInput {
    Json(Value),
    Parsed(Vec<Household>),
}

/// Everything a solve needs.
#[derive(Debug, Clone)]
pub struct SolveInput {
    pub layout: Value,
    pub households: HouseholdsInput,
    pub policy: Option<Value>,
    pub previous: Option<Allocation>,
    pub seed: Option<String>,
}

/// Why a solve gave no allocation.
#[derive(Debug, Clone)]
pub enum SolveFailure {
    /// The inputs break rules (422).
    Input(Vec<Problem>),
    /// The solver itself failed (500).
    Solver(String),
}

fn layout_problems(layout: &Value) -> Vec<Problem> {
    let mut errors = Vec::new();
    if layout.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        errors.push(
            Problem::new(
                "layout-type",
                "the layout must be a GeoJSON FeatureCollection",
            )
            .field("type"),
        );
    }
    let mut seen = BTreeSet::new();
    match layout.get("features").and_then(Value::as_array) {
        None => errors
            .push(Problem::new("layout-type", "`features` must be an array").field("features")),
        Some(features) => {
            for (i, f) in features.iter().enumerate() {
                let id = f.pointer("/properties/id").and_then(Value::as_str);
                match id {
                    None => errors.push(Problem::new(
                        "feature-id",
                        format!("feature {} has no id", i + 1),
                    )),
                    Some(id) if !seen.insert(id.to_string()) => errors
                        .push(Problem::new("feature-id", format!("duplicate id {id}")).feature(id)),
                    Some(_) => {}
                }
            }
        }
    }
    errors
}

pub fn validate_layout(layout: &Value, _policy: Option<&Value>) -> LayoutReport {
    LayoutReport {
        errors: layout_problems(layout),
        warnings: Vec::new(),
    }
}

pub fn load_site(layout: &Value) -> Result<Site, Vec<Problem>> {
    let errors = layout_problems(layout);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Site {
        id: layout
            .pointer("/site/id")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: layout
            .pointer("/site/name")
            .and_then(Value::as_str)
            .map(str::to_string),
        coordinates: CoordinateMode::LocalMeters,
        boundary: None,
        buildings: Vec::new(),
        entrances: Vec::new(),
        gates: Vec::new(),
        walkways: Vec::new(),
        fire_lanes: Vec::new(),
        keep_clear: Vec::new(),
        power_feeds: Vec::new(),
        resources: Vec::new(),
        raw: layout.clone(),
    })
}

pub fn parse_roster_json(value: &Value) -> Result<Roster, Vec<Problem>> {
    let rows = value
        .as_array()
        .or_else(|| value.get("households").and_then(Value::as_array))
        .ok_or_else(|| {
            vec![Problem::new(
                "roster-shape",
                "an array of households is expected",
            )]
        })?;
    let mut households = Vec::new();
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, row) in rows.iter().enumerate() {
        let text = |f: &str| row.get(f).and_then(Value::as_str);
        match (text("id"), text("building"), text("unit")) {
            (Some(id), Some(b), Some(u)) => {
                if !ids.insert(id.to_string()) {
                    errors.push(
                        Problem::new("roster-duplicate", format!("duplicate id {id}"))
                            .row(i + 1)
                            .field("id"),
                    );
                }
                let mut h = Household::new(id, b, u);
                h.cars = row.get("cars").and_then(Value::as_u64).unwrap_or(0) as u32;
                h.ebikes = row.get("ebikes").and_then(Value::as_u64).unwrap_or(0) as u32;
                h.wants_plot = row
                    .get("wants_plot")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                households.push(h);
            }
            _ => errors.push(
                Problem::new("roster-field", "id, building and unit are required").row(i + 1),
            ),
        }
    }
    if errors.is_empty() {
        Ok(Roster {
            households,
            warnings: Vec::new(),
        })
    } else {
        Err(errors)
    }
}

pub fn parse_roster_csv(_bytes: &[u8]) -> Result<Roster, Vec<Problem>> {
    Err(vec![Problem::new(
        "roster-csv",
        "CSV rosters arrive with the core",
    )])
}

pub fn check_roster(_households: &[Household], _site: &Site) -> Vec<Problem> {
    Vec::new()
}

pub fn parse_policy(value: &Value) -> Result<Policy, Vec<Problem>> {
    if !value.is_object() {
        return Err(vec![Problem::new(
            "policy-shape",
            "the policy must be an object",
        )]);
    }
    let mut policy = Policy::default();
    if let Some(pins) = value.get("pins") {
        policy.pins = serde_json::from_value::<Vec<Pin>>(pins.clone())
            .map_err(|e| vec![Problem::new("policy-field", e.to_string()).field("pins")])?;
    }
    Ok(policy)
}

pub fn check_pins(policy: &Policy, _site: &Site, households: &[Household]) -> Vec<Problem> {
    policy
        .pins
        .iter()
        .filter(|p| !households.iter().any(|h| h.id == p.household))
        .map(|p| {
            Problem::new(
                "pin-household",
                format!("pin names unknown household {}", p.household),
            )
            .field("pins")
        })
        .collect()
}

pub fn solve(_input: &SolveInput) -> Result<Allocation, SolveFailure> {
    Err(SolveFailure::Solver("the solver is not merged yet".into()))
}

pub fn allocation_json(allocation: &Allocation) -> Vec<u8> {
    serde_json::to_vec(allocation).unwrap_or_default()
}

pub fn allocation_csv(allocation: &Allocation) -> Vec<u8> {
    let mut out = String::from("\u{feff}household,kind,resource\n");
    for a in &allocation.assignments {
        out.push_str(&format!("{},{},{}\n", a.household, a.kind, a.resource));
    }
    out.into_bytes()
}

pub fn allocation_geojson(site: &Site, _allocation: &Allocation) -> Value {
    site.raw.clone()
}

/// The SVG map, once the renderer exists (`None` until then).
pub fn allocation_svg(_site: &Site, _allocation: &Allocation) -> Option<String> {
    None
}
