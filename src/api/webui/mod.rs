//! The staff web page, served by the API's actix server: server-rendered
//! HTML, a stylesheet and a small plain script embedded in the binary, no
//! build step, nothing fetched from elsewhere.
//!
//! Routes (registered by [`routes`]):
//! - `GET /` the sites; `GET /sites/{site}` a site: map, household lookup
//!   (`?household=`), metrics, assignments and waitlists, staff actions, the
//!   diff against the previous allocation, revisions; `?allocation=` shows an
//!   older allocation; `?lang=zh|en` overrides `Accept-Language`.
//! - `GET /sites/{site}/allocations/{id}/download/{format}`: the allocation as
//!   `csv`, `geojson`, `svg` or `json`, as a file.
//! - `GET /login`, `POST /login`, `POST /logout`; `GET /assets/{name}`.
//!
//! ## How the browser holds the bearer token
//! With tokens configured, the pages need one (any role; the run button
//! staff). A person types it once into the login form. The server checks it
//! and opens a session ([`session`]): the cookie `allot_session` holds a
//! random session id (never the token), `HttpOnly` (no script can read it),
//! `SameSite=Strict` (no other site's page or link sends it) and `Secure`
//! over HTTPS or with `--cookie-secure`; logging out ends the session on the
//! server. The login and log-out forms carry CSRF tokens. The session
//! authorises only these read-only pages and downloads. The API itself never accepts the cookie:
//! its one write the page makes, `POST /v1/sites/{site}/allocations`, is sent
//! by `fetch` with `Authorization: Bearer …` from a copy of the token the
//! login form keeps in this tab's `sessionStorage` (gone when the tab
//! closes; cleared by the log-out button). So a cross-site request can never
//! make an allocation, and no token ever appears in a URL. With `--dev`
//! (no tokens) there is no login and every page acts as a planner.

pub mod draw_page;
pub mod rounds_page;
pub use crate::service::sessions as session;

use super::allocations::negotiate;
use super::auth::{Access, Role};
use super::error::{declare, handler_error, NotAcceptable, NotFound, StoreFailure};
use super::sites::from_service;
use super::{blocking, State};
use crate::report::html::{pages, site as site_page, url, Frame};
use crate::report::i18n::Lang;
use crate::service::allocations::{self, Rendering};
use crate::store::StoreError;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The session cookie: a random session id ([`session::Sessions`]).
pub const SESSION_COOKIE: &str = "allot_session";
/// The login form's double-submit CSRF cookie.
pub const LOGIN_CSRF_COOKIE: &str = "allot_login_csrf";

/// Nothing but this server: no inline scripts, no other origins.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Registers the web page's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(index)))
        .service(
            web::resource("/login")
                .route(web::get().to(login_form))
                .route(web::post().to(login)),
        )
        .service(web::resource("/logout").route(web::post().to(logout)))
        .service(web::resource("/sites/{site}").route(web::get().to(site)))
        .service(
            web::resource("/sites/{site}/allocations/{id}/download/{format}")
                .route(web::get().to(download)),
        )
        .service(web::resource("/assets/{name}").route(web::get().to(asset)))
        .service(
            web::resource("/sites/{site}/simulate.svg")
                .route(web::get().to(rounds_page::simulate_chart)),
        );
    draw_page::routes(cfg);
}

/// Query parameters the pages understand.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub lang: Option<String>,
    pub household: Option<String>,
    pub allocation: Option<String>,
    pub next: Option<String>,
    /// The page of the assignments table (0-based).
    pub rows: Option<usize>,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub token: String,
    pub next: Option<String>,
    pub lang: Option<String>,
    /// Must equal the `allot_login_csrf` cookie.
    #[serde(default)]
    pub csrf: String,
}

/// The log-out form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    /// Must be the session's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `?lang=` if it names a language we have, else `Accept-Language`.
pub fn page_lang(req: &HttpRequest, query: Option<&str>) -> Lang {
    query
        .and_then(Lang::parse)
        .unwrap_or_else(|| super::lang::of_request(req).unwrap_or_default())
}

/// The caller's role from the `Authorization` header or the session cookie.
pub fn session_role(state: &super::AppState, req: &HttpRequest) -> Option<Role> {
    match &state.access {
        Access::Open => Some(Role::Planner),
        Access::Tokens(_) => {
            if req.headers().contains_key(header::AUTHORIZATION) {
                return state.access.role(req).ok();
            }
            let cookie = req.cookie(SESSION_COOKIE)?;
            state.sessions.role(cookie.value())
        }
    }
}

/// The session's CSRF token, for the log-out form.
fn session_csrf(state: &super::AppState, req: &HttpRequest) -> Option<String> {
    state.sessions.csrf(req.cookie(SESSION_COOKIE)?.value())
}

fn cookie<'c>(name: &'c str, value: String, secure: bool) -> Cookie<'c> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

fn secure_cookies(state: &super::AppState, req: &HttpRequest) -> bool {
    state.sessions.cookie_secure || req.connection_info().scheme() == "https"
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .body(body)
}

/// A redirect (303, never cached) that sets `cookies`.
fn see_other(location: &str, cookies: &[Cookie<'_>]) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c.clone());
    }
    res.finish()
}

/// To the login form, coming back here afterwards.
fn to_login(req: &HttpRequest, lang: Lang) -> HttpResponse {
    let here = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_string(),
    };
    see_other(
        &url("/login", &[("next", &here), ("lang", lang.code())]),
        &[],
    )
}

fn frame<'a>(lang: Lang, path: &'a str, access: &Access, role: Option<Role>) -> Frame<'a> {
    Frame {
        lang,
        path,
        params: Vec::new(),
        logged_in: matches!(access, Access::Tokens(_)) && role.is_some(),
        csrf: None,
    }
}

handler_error! {
    /// Why a web page or download fails (answered as an HTML page).
    pub enum PageError {
        /// An allocation id that is not a number (404).
        NotFound(NotFound) { 404: "An allocation id that is not a number" },
        /// A download format that is not offered (406).
        Format(NotAcceptable) { 406: "A download format that is not offered" },
        /// No such site or allocation (404).
        Store(StoreFailure, from StoreError) [declare::ALLOCATION],
    }
}

/// An error as an HTML page with the error's status.
fn error_html(lang: Lang, access: &Access, role: Option<Role>, err: &PageError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(err);
    if status.is_server_error() {
        tracing::error!(error = %err, "web page failed");
    }
    let f = frame(lang, "/", access, role);
    html(
        status,
        pages::error_page(&f, status.as_u16(), &err.to_string()),
    )
}

async fn index(state: State, req: HttpRequest, query: web::Query<PageQuery>) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let Some(role) = session_role(&state, &req) else {
        return to_login(&req, lang);
    };
    match state
        .with_store(move |store| -> Result<_, PageError> {
            Ok(crate::service::sites::list(store, None, 500)?.0)
        })
        .await
    {
        Ok(sites) => {
            let mut f = frame(lang, "/", &state.access, Some(role));
            f.csrf = session_csrf(&state, &req);
            html(StatusCode::OK, pages::sites_page(&f, &sites))
        }
        Err(e) => error_html(lang, &state.access, Some(role), &e),
    }
}

async fn login_form(state: State, req: HttpRequest, query: web::Query<PageQuery>) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let next = session::safe_next(query.next.as_deref());
    if matches!(state.access, Access::Open) {
        return see_other(&next, &[]);
    }
    login_page(&state, &req, lang, &next, StatusCode::OK, false)
}

/// The login form with a fresh double-submit CSRF token (cookie and field).
fn login_page(
    state: &super::AppState,
    req: &HttpRequest,
    lang: Lang,
    next: &str,
    status: StatusCode,
    failed: bool,
) -> HttpResponse {
    let csrf = session::random_token();
    let mut f = frame(lang, "/login", &state.access, None);
    f.csrf = Some(csrf.clone());
    let mut res = html(status, pages::login_page(&f, next, failed));
    let _ = res.add_cookie(&cookie(LOGIN_CSRF_COOKIE, csrf, secure_cookies(state, req)));
    res
}

async fn login(state: State, req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let lang = page_lang(&req, form.lang.as_deref());
    let next = session::safe_next(form.next.as_deref());
    let csrf_ok = req
        .cookie(LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !form.csrf.is_empty() && session::same_secret(c.value(), &form.csrf));
    let role = state.access.role_of(form.token.trim());
    let Some(role) = role.filter(|_| csrf_ok) else {
        return login_page(&state, &req, lang, &next, StatusCode::UNAUTHORIZED, true);
    };
    let secure = secure_cookies(&state, &req);
    let session = cookie(SESSION_COOKIE, state.sessions.open(role), secure);
    let mut used = cookie(LOGIN_CSRF_COOKIE, String::new(), secure);
    used.make_removal();
    see_other(&next, &[session, used])
}

async fn logout(
    state: State,
    req: HttpRequest,
    query: web::Query<PageQuery>,
    form: Option<web::Form<LogoutForm>>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let csrf = form.map(|f| f.into_inner().csrf).unwrap_or_default();
    let ended = req
        .cookie(SESSION_COOKIE)
        .is_some_and(|c| state.sessions.close(c.value(), &csrf));
    if !ended && session_role(&state, &req).is_some() {
        // A live session and a wrong (or no) CSRF token: a forged request.
        return see_other("/", &[]);
    }
    let mut removal = cookie(SESSION_COOKIE, String::new(), secure_cookies(&state, &req));
    removal.make_removal();
    see_other(&url("/login", &[("lang", lang.code())]), &[removal])
}

from_service!(read: PageError);

async fn site(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    web::Query(query): web::Query<PageQuery>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let Some(role) = session_role(&state, &req) else {
        return to_login(&req, lang);
    };
    let site = path.into_inner();
    let asked = query.allocation.as_deref().filter(|s| !s.is_empty());
    let pick = match asked
        .map(|s| super::path_number(s, "allocation"))
        .transpose()
    {
        Ok(pick) => pick,
        Err(e) => return error_html(lang, &state.access, Some(role), &e.into()),
    };
    let household = query
        .household
        .clone()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    let shared = state.clone();
    let public = role < Role::Staff;
    let (site_id, hh) = (site.clone(), household.clone());
    let data = match blocking(move || -> Result<_, PageError> {
        Ok(allocations::overview(
            shared.store.as_ref(),
            &shared.checks,
            &site_id,
            pick,
            hh.as_deref(),
            lang,
            public,
        )?)
    })
    .await
    {
        Ok(d) => d,
        Err(e) => return error_html(lang, &state.access, Some(role), &e),
    };
    let path = format!("/sites/{site}");
    let mut f = frame(lang, &path, &state.access, Some(role));
    f.csrf = session_csrf(&state, &req);
    if let Some(h) = &household {
        f.params.push(("household", h.clone()));
    }
    if let Some(id) = pick {
        f.params.push(("allocation", id.to_string()));
    }
    let (staff, tokens) = (
        role >= Role::Staff,
        matches!(state.access, Access::Tokens(_)),
    );
    let rows = query.rows.unwrap_or(0);
    let page = site_page::overview_page(&f, &data, household, staff, tokens, rows);
    html(StatusCode::OK, page)
}

async fn download(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    query: web::Query<PageQuery>,
) -> HttpResponse {
    let lang = page_lang(&req, query.lang.as_deref());
    let Some(role) = session_role(&state, &req) else {
        return to_login(&req, lang);
    };
    let (site, id, format) = path.into_inner();
    let fail = |e: PageError| error_html(lang, &state.access, Some(role), &e);
    let id = match super::path_number(&id, "allocation") {
        Ok(id) => id,
        Err(e) => return fail(e.into()),
    };
    let format = match negotiate(&req, Some(&format)) {
        Ok(f) => f,
        Err(e) => return fail(e.into()),
    };
    let store = state.store.clone();
    let site_id = site.clone();
    let rendering = Rendering::of(format, Some(lang));
    // Viewers download the public view (report::public).
    let public = role < Role::Staff;
    let rendered = blocking(move || -> Result<_, PageError> {
        Ok(allocations::render_stored(store.as_ref(), &site_id, id, rendering, public)?.0)
    })
    .await;
    match rendered {
        Ok(r) => {
            let ext = format.name();
            HttpResponse::Ok()
                .content_type(format.content_type())
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{site}-allocation-{id}.{ext}\""),
                ))
                .body(r)
        }
        Err(e) => fail(e),
    }
}

/// `GET /assets/{name}` and `GET /draw-assets/{name}`: the embedded
/// stylesheets and scripts (`report::html::asset`).
async fn asset(req: HttpRequest) -> HttpResponse {
    let dir = if req.path().starts_with("/draw-assets/") {
        "draw-assets"
    } else {
        "assets"
    };
    let name = req.match_info().query("name");
    let Some((content_type, body)) = crate::report::html::asset(&format!("{dir}/{name}")) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset");
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}
