//! Every call from the HTTP layer into the allocation core, in one place,
//! so the handlers depend on one small surface: `pipeline` (checks and
//! solves), `geometry` (loading), `model::roster` / `model::policy_parse`
//! (parsing and cross-checks) and `report` (renderings).

use crate::geometry;
use crate::model::policy_parse;
use crate::model::roster;
use crate::model::{Allocation, Household, Policy, Problem, Site};
use crate::pipeline::{self, Inputs, Options, PipelineError, RosterInput};
use crate::report;
use serde_json::Value;

/// Errors and warnings of a layout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutReport {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

pub use crate::model::roster::Roster;

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

/// The layout's errors and warnings, with the policy's limits (or the defaults).
pub fn validate_layout(layout: &Value, policy: Option<&Value>) -> LayoutReport {
    let r = pipeline::validate_layout(layout, policy);
    LayoutReport {
        errors: r.errors,
        warnings: r.warnings,
    }
}

/// Loads a layout into planar metres.
pub fn load_site(layout: &Value) -> Result<Site, Vec<Problem>> {
    geometry::load_layout(layout).map_err(|p| p.0)
}

pub fn parse_roster_json(value: &Value) -> Result<Roster, Vec<Problem>> {
    roster::parse_roster_json(value).map_err(|p| p.0)
}

pub fn parse_roster_csv(bytes: &[u8]) -> Result<Roster, Vec<Problem>> {
    roster::parse_roster_csv(bytes).map_err(|p| p.0)
}

/// A roster file whose format its content tells: CSV or tab-separated text
/// (UTF-8, UTF-16, GB18030/GBK, or the declared `charset`), JSON, `.xlsx`.
pub fn read_roster_file(
    bytes: &[u8],
    charset: Option<String>,
    sheet: Option<String>,
) -> Result<Roster, Vec<Problem>> {
    crate::input::read_roster(bytes, &crate::input::ReadOptions { sheet, charset }).map_err(|p| p.0)
}

/// Households whose unit has no entrance in the site.
pub fn check_roster(households: &[Household], site: &Site) -> Vec<Problem> {
    roster::check_roster_against_site(households, site)
}

pub fn parse_policy(value: &Value) -> Result<Policy, Vec<Problem>> {
    policy_parse::parse_policy(value).map_err(|p| p.0)
}

/// Pins naming unknown households or resources, pinned twice, or beyond demand.
pub fn check_pins(policy: &Policy, site: &Site, households: &[Household]) -> Vec<Problem> {
    policy_parse::check_pins(policy, site, households)
}

/// Checks and solves (blocking; call it off the async workers).
pub fn solve(input: &SolveInput) -> Result<Allocation, SolveFailure> {
    let inputs = Inputs {
        layout: input.layout.clone(),
        households: match &input.households {
            HouseholdsInput::Json(v) => RosterInput::Json(v.clone()),
            HouseholdsInput::Parsed(h) => RosterInput::Parsed(h.clone()),
        },
        policy: input.policy.clone(),
        previous: input.previous.clone(),
        seed: input.seed.clone(),
        round: None,
    };
    pipeline::solve(&inputs, &Options::default()).map_err(|e| match e {
        PipelineError::Input(problems) => SolveFailure::Input(problems),
        PipelineError::Solver(message) => SolveFailure::Solver(message),
    })
}

pub fn allocation_json(allocation: &Allocation) -> Vec<u8> {
    report::json::allocation_json(allocation)
}

pub fn allocation_csv(allocation: &Allocation) -> Vec<u8> {
    report::csv::allocation_csv(allocation)
}

pub fn allocation_geojson(site: &Site, allocation: &Allocation) -> Value {
    report::geojson::allocation_geojson(site, allocation)
}

/// The allocation as an `.xlsx` workbook, headers in the language of
/// `accept_language` (English when there is none).
pub fn allocation_xlsx(
    allocation: &Allocation,
    accept_language: Option<&str>,
) -> Result<Vec<u8>, report::xlsx::XlsxExportError> {
    let lang = accept_language.map_or(
        report::i18n::Lang::En,
        report::i18n::Lang::from_accept_language,
    );
    report::xlsx::allocation_xlsx(allocation, lang)
}

/// The SVG map of an allocation, labels in the language of `accept_language`
/// (Chinese unless it prefers English).
pub fn allocation_svg(
    site: &Site,
    allocation: &Allocation,
    accept_language: Option<&str>,
) -> Option<String> {
    let lang = report::i18n::Lang::from_accept_language(accept_language.unwrap_or(""));
    Some(report::svg::render_svg(site, Some(allocation), &[], lang))
}

/// The SVG map of a layout with its errors in red and warnings in orange,
/// drawn from the features that load (so loading errors such as a duplicate
/// id are marked too); `None` when the body is not a FeatureCollection at
/// all (there is no plan to draw).
pub fn layout_svg(
    layout: &Value,
    policy: Option<&Value>,
    accept_language: Option<&str>,
) -> Option<(String, LayoutReport)> {
    let site = geometry::load_layout_partial(layout).0?;
    let report = validate_layout(layout, policy);
    let mut opts = report::svg::RenderOptions::new(report::i18n::Lang::from_accept_language(
        accept_language.unwrap_or(""),
    ));
    opts.errors = &report.errors;
    opts.warnings = &report.warnings;
    let svg = report::svg::render_svg_with(&site, &opts);
    Some((svg, report))
}
