//! Over time (FORMAT.md §3): a household's history across the site's
//! allocations, and the simulator's chart for the site's current inputs.
//! Both are staff-only; the rules live in `service::history` and
//! `service::rounds`.

use super::error::{
    declare, endpoint, AuthError, Internal, Invalid, NotAcceptable, NotFound, Overloaded,
    SolveTimeout, StoreFailure,
};
use super::lang;
use crate::service::history::{self, HistoryError, MAX_HISTORY};
use crate::service::rounds::{self, SimulateChartError};
use crate::store::StoreError;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

endpoint! {
    /// Why `GET /v1/sites/{site}/households/{household}/history` fails.
    HistoryLookupError {
        /// 401; 403 below staff.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Below staff" },
        /// The household is in none of the site's allocations and not on its roster (404).
        Unknown(NotFound) { 404: "No such household" },
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
    }
    get "/v1/sites/{site}/households/{household}/history", tag = "allocations", role = Staff,
    ok(status = 200, description = "Per allocation (newest first, at most 100): round, rotation, per kind what the household held and on which basis, units short, waitlist place, waited and (under `tickets`) tickets", body = history::History),
    params(("site" = String, Path, description = "Site id"), ("household" = String, Path, description = "Household id"));
    /// A household's history across the site's allocations (staff).
    pub async fn household_history(state, req, path: web::Path<(String, String)>) {
        let (site, household) = path.into_inner();
        let view = state
            .with_store(move |store| -> Result<_, HistoryLookupError> {
                Ok(history::household_history(
                    store,
                    &site,
                    &household,
                    MAX_HISTORY,
                )?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(view))
    }
}

impl From<HistoryError> for HistoryLookupError {
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::Store(s) => StoreFailure(s).into(),
            e @ HistoryError::UnknownHousehold { .. } => NotFound(e.to_string()).into(),
            e @ HistoryError::Unreadable { .. } => Internal(e.to_string()).into(),
        }
    }
}

/// `?rounds=` (1–20, default 10) and `?lang=` (`zh` or `en`) of the chart.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct SimulateQuery {
    pub rounds: Option<u32>,
    pub lang: Option<String>,
}

endpoint! {
    /// Why `GET /v1/sites/{site}/simulate.svg` fails.
    SimulateChartFailure {
        /// 401; 403 below staff.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Below staff" },
        /// A `lang` not offered (406).
        Language(NotAcceptable) { 406: "A language not offered" },
        /// Rounds outside 1–20, or inputs that break rules (422).
        Invalid(Invalid) { 422: "Rounds outside 1–20, or inputs that break a rule" },
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
        /// The simulation took longer than the limit (503).
        Timeout(SolveTimeout) { 503: "The simulation took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    get "/v1/sites/{site}/simulate.svg", tag = "allocations", role = Staff,
    ok(status = 200, description = "The simulator's chart: rounds served per household under each rotation mode, for the site's current inputs", content_type = "image/svg+xml", body = String),
    params(("site" = String, Path, description = "Site id"), SimulateQuery);
    /// The simulator's chart for the site's current inputs (staff; it costs CPU).
    pub async fn simulate_chart(
        state, req, path: web::Path<String>, query: web::Query<SimulateQuery>
    ) {
        let lang = lang::asked(&req, query.lang.as_deref())?.unwrap_or_default();
        let rounds = query.rounds.unwrap_or(10);
        let site = path.into_inner();
        let store = state.store.clone();
        let svg = super::with_time_limit(&state, move || {
            rounds::simulate_svg(store.as_ref(), &site, rounds, lang)
                .map_err(SimulateChartFailure::from)
        })
        .await?;
        Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
    }
}

impl From<SimulateChartError> for SimulateChartFailure {
    fn from(e: SimulateChartError) -> Self {
        match e {
            SimulateChartError::Store(s) => StoreFailure(s).into(),
            SimulateChartError::Request(p) => Invalid::new("The simulation cannot run", p).into(),
            SimulateChartError::Solver(m) => Internal(format!("the solver failed: {m}")).into(),
        }
    }
}
