//! The simulator's chart on the staff page
//! (`GET /sites/{site}/simulate.svg?rounds=`, staff, at most 20 rounds); the
//! over-time section itself is `report::html::rounds`.

use super::{page_lang, session_role, to_login, State};
use crate::api::auth::Role;
use crate::report::html::rounds::w;
use crate::service::rounds::{self, SimulateChartError, MAX_WEB_ROUNDS};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// `GET /sites/{site}/simulate.svg?rounds=&lang=`: the simulator's chart
/// for the site's current inputs (staff; 1–20 rounds, default 10).
pub async fn simulate_chart(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ChartQuery>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let Some(role) = session_role(&state, &req) else {
        return to_login(&req, lang);
    };
    let text = |status: StatusCode, msg: String| {
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(msg)
    };
    if role < Role::Staff {
        return text(StatusCode::FORBIDDEN, "the simulator is for staff".into());
    }
    let rounds = query.rounds.unwrap_or(10).min(MAX_WEB_ROUNDS + 1);
    let site = path.into_inner();
    let store = state.store.clone();
    let run = super::super::with_time_limit(&state, move || {
        Ok::<_, crate::api::history::SimulateChartFailure>(rounds::simulate_svg(
            store.as_ref(),
            &site,
            rounds,
            lang,
        ))
    })
    .await;
    match run {
        Ok(Ok(svg)) => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(svg),
        Ok(Err(SimulateChartError::Store(e))) => text(StatusCode::NOT_FOUND, e.to_string()),
        Ok(Err(SimulateChartError::Request(p))) => text(
            StatusCode::UNPROCESSABLE_ENTITY,
            p.iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Ok(Err(e @ SimulateChartError::Solver(_))) => {
            tracing::error!(error = %e, "simulation failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                w(lang, "chart").to_string(),
            )
        }
        Err(e) => text(actix_web::ResponseError::status_code(&e), e.to_string()),
    }
}

/// `?rounds=` and `?lang=` of the chart page.
#[derive(Debug, Default, Deserialize)]
pub struct ChartQuery {
    pub rounds: Option<u32>,
    pub lang: Option<String>,
}
