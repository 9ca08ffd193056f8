//! The HTTP API (actix-web). The only layer that knows HTTP.
//!
//! - [`startup`]: the server ([`startup::Application`], [`startup::serve`],
//!   [`startup::ServeConfig`]);
//! - [`stateless`]: `POST /v1/validate`, `POST /v1/solve`;
//! - [`sites`]: stored sites and their revisions (layout, roster, policy);
//! - [`allocations`]: stored allocations, renderings, diffs, household lookups;
//! - [`history`]: a household's history, the simulator's chart;
//! - [`ops`]: `/healthz`, `/openapi.json`;
//! - [`auth`], [`body`], [`error`]: tokens and roles, request bodies, problems.
//!
//! Handlers authenticate, read the body, call `crate::service` on the
//! blocking pool and map its typed error; they never touch the store.

pub mod allocations;
pub mod auth;
pub mod body;
pub mod draws;
pub mod dto;
pub mod error;
pub mod history;
pub mod lang;
pub mod limits;
pub mod openapi;
pub mod ops;
pub mod sites;
pub mod startup;
pub mod stateless;
pub mod webui;

use crate::store::Store;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use auth::Access;
use error::{Internal, NotFound, Overloaded, PreconditionError, SolveTimeout};
use openapi::BearerAuth;
use std::sync::Arc;
use std::time::Duration;

/// Shared state of every worker.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub access: Access,
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// Longest a solve may take before the request answers 503.
    pub solve_timeout: Duration,
    /// Renderings of stored (immutable) allocations.
    pub cache: crate::service::cache::RenderCache<allocations::Rendered>,
    /// Input limits and the bound on concurrent heavy requests.
    pub limits: limits::ServerLimits,
    /// Web page sessions (cookie → role) and their CSRF tokens.
    pub sessions: webui::session::Sessions,
    /// Checks (walking distances, rules) of stored layouts, for the pages.
    pub checks: crate::service::checks::LayoutChecks,
    /// Where draw times come from (`--dev --now` starts it at an instant).
    pub clock: Arc<dyn crate::draw::clock::Clock>,
}

pub type State = web::Data<AppState>;

/// Runs blocking work (database, validation) on the blocking thread pool;
/// a worker thread that fails is the server's error (500).
pub async fn blocking<T, E, F>(f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Internal> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    web::block(f)
        .await
        .map_err(|e| Internal(format!("a worker thread failed: {e}")))?
}

impl AppState {
    /// Runs a service call on the store on the blocking pool ([`blocking`]).
    pub async fn with_store<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Internal> + Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, E> + Send + 'static,
    {
        let store = self.store.clone();
        blocking(move || f(store.as_ref())).await
    }
}

/// Runs heavy work (validation, a solve) on the blocking pool: first waits
/// for one of the server's heavy-work permits (503 `Overloaded` with
/// `Retry-After` when none frees up in time), then gives up (503) after the
/// time limit. Giving up — on the time limit, or because the client went
/// away and the request future is dropped — sets the work's cancellation
/// flag ([`crate::cancel`]): geometry, walking distances and the solver stop
/// at their next check, and the permit is returned when the work has stopped.
pub async fn with_time_limit<T, E, F>(state: &AppState, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Internal> + From<SolveTimeout> + From<Overloaded> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    let limit = state.solve_timeout;
    let permit = state.limits.admit().await?;
    let cancel = crate::cancel::Cancel::new();
    let guard = crate::cancel::CancelOnDrop::new(cancel.clone());
    let work = cancel.clone();
    let run = blocking(move || {
        let _permit = permit;
        let result = work.scope(f);
        // What the work freed goes back to the system, not to a pool
        // thread's arena (src/memory.rs).
        crate::memory::release_free_heap();
        result
    });
    let result = match tokio::time::timeout(limit, run).await {
        Ok(result) => result,
        Err(_) => {
            cancel.cancel();
            Err(SolveTimeout(limit).into())
        }
    };
    guard.disarm();
    result
}

/// A numeric id from the path, or 404 (an id that is not a number names nothing).
pub fn path_number(value: &str, what: &str) -> Result<u64, NotFound> {
    value
        .parse::<u64>()
        .map_err(|_| NotFound(format!("no {what} `{value}`")))
}

/// A site and a numeric id from a `/{site}/…/{id}` path, or 404 ([`path_number`]).
pub fn site_and_number(
    path: web::Path<(String, String)>,
    what: &str,
) -> Result<(String, u64), NotFound> {
    let (site, number) = path.into_inner();
    Ok((site, path_number(&number, what)?))
}

/// `If-Match` as sent: `*` or a list of entity tags.
#[derive(Debug, Clone, PartialEq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Reads the header; 428 when it is missing.
    pub fn from_request(req: &HttpRequest) -> Result<IfMatch, PreconditionError> {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .ok_or(PreconditionError::Required)?
            .to_str()
            .map_err(|_| PreconditionError::NotText)?;
        if value.trim() == "*" {
            return Ok(IfMatch::Any);
        }
        Ok(IfMatch::Tags(
            value
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        ))
    }

    /// Whether the header matches the site's current revision (strong comparison:
    /// weak tags never match).
    pub fn matches(&self, site: &str, revision: u64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => {
                let current = error::etag(site, revision);
                tags.contains(&current)
            }
        }
    }
}

/// The route table, declared once: each path's resource with its methods'
/// handlers, in order ([`routes`]), and the same handlers' operations in the
/// OpenAPI document ([`openapi::ApiDoc`]).
macro_rules! api {
    ($($path:literal => $($method:ident $module:ident::$handler:ident),+;)+) => {
        /// Registers every route: the API's, then public draws (API.md
        /// "Public draws") and verification bundles, then over time (FORMAT.md §3).
        pub fn routes(cfg: &mut web::ServiceConfig) {
            $( cfg.service(web::resource($path)$(.route(web::$method().to($module::$handler)))+); )+
        }

        openapi::api_doc!($($($module::$handler),+),+);
    };
}

api! {
    "/healthz" => get ops::healthz;
    "/openapi.json" => get ops::openapi_json;
    "/v1/validate" => post stateless::validate;
    "/v1/solve" => post stateless::solve;
    "/v1/sites" => post sites::create_site, get sites::list_sites;
    "/v1/sites/{site}" => get sites::get_site;
    "/v1/sites/{site}/revisions/{revision}" => get sites::get_revision;
    "/v1/sites/{site}/layout" => get sites::get_layout, put sites::put_layout;
    "/v1/sites/{site}/households" =>
        get sites::get_households, put sites::put_households, patch sites::patch_households;
    "/v1/sites/{site}/households/{household}" => get allocations::get_household;
    "/v1/sites/{site}/policy" => get sites::get_policy, put sites::put_policy;
    "/v1/sites/{site}/allocations" =>
        post allocations::create_allocation, get allocations::list_allocations;
    "/v1/sites/{site}/allocations/{id}" => get allocations::get_allocation;
    "/v1/sites/{site}/allocations/{id}/diff/{other}" => get allocations::diff_allocations;
    "/v1/sites/{site}/draws" => post draws::commit_draw, get draws::list_draws;
    "/v1/sites/{site}/draws/{draw}" => get draws::get_draw;
    "/v1/sites/{site}/draws/{draw}/reveal" => post draws::reveal_draw;
    "/v1/sites/{site}/draws/{draw}/result" => get draws::draw_result;
    "/v1/sites/{site}/allocations/{id}/bundle" => get draws::get_bundle;
    "/v1/sites/{site}/households/{household}/history" => get history::household_history;
    "/v1/sites/{site}/simulate.svg" => get history::simulate_chart;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strong_tags_and_star_matches_anything() {
        let tags = IfMatch::Tags(vec!["W/\"s-r2\"".into(), "\"s-r3\"".into()]);
        assert!(tags.matches("s", 3));
        assert!(!tags.matches("s", 2));
        assert!(IfMatch::Any.matches("s", 9));
    }
}
