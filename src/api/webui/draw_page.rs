//! The public draw pages, no token needed: `GET /sites/{site}/draws` and
//! `GET /sites/{site}/draws/{draw}`, rendered by `report::html::draw` from
//! `service::draws::PublicResult` alone.

use super::page_lang;
use crate::api::draws::{public_list, public_result, ReadDrawError};
use crate::api::State;
use crate::report::html::draw::{error_page, render, render_list};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// Registers the public draw page and its two assets.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/sites/{site}/draws").route(web::get().to(list_page)))
        .service(web::resource("/sites/{site}/draws/{draw}").route(web::get().to(draw_page)))
        .service(web::resource("/draw-assets/{name}").route(web::get().to(super::asset)));
}

async fn list_page(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<DrawPageQuery>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let site = path.into_inner();
    let page = public_list(&state, site.clone()).await;
    answer(page.map(|draws| render_list(lang, &site, &draws)), "list")
}

/// Query of the public page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DrawPageQuery {
    pub lang: Option<String>,
}

async fn draw_page(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<DrawPageQuery>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let (site, draw) = path.into_inner();
    let Ok(draw) = draw.parse::<u64>() else {
        return page_error(404, "no such draw");
    };
    let page = public_result(&state, site, draw).await;
    answer(page.map(|r| render(lang, state.clock.now(), &r)), "page")
}

/// The rendered page, or the failure as a bare page (500s logged, not shown).
fn answer(page: Result<String, ReadDrawError>, what: &str) -> HttpResponse {
    match page {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("Content-Security-Policy", super::CSP))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(body),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            if status.is_server_error() {
                tracing::error!(error = %e, "public draw {what} failed");
                page_error(500, "the page could not be made")
            } else {
                page_error(status.as_u16(), &e.to_string())
            }
        }
    }
}

fn page_error(status: u16, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::NOT_FOUND);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", super::CSP))
        .body(error_page(message))
}
