//! The web page's routes and the SVG renderings over HTTP (no browser): login
//! and session cookie, redirects, HTML errors, headers, languages, downloads,
//! `GET …/allocations/{id}?format=svg` and `POST /v1/validate?format=svg`.

use crate::support::api as api_support;

use allot::report::svg::{feature_element_id, PROBLEM_RED};
use api_support::*;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::PathBuf;

/// A client that does not follow redirects and keeps no cookies.
fn raw() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The session cookie a login with `token` sets (name=value).
fn log_in(app: &TestApp, token: &str) -> String {
    let (csrf_cookie, csrf) = login_csrf(app);
    let res = raw()
        .post(format!("{}/login", app.address))
        .header("Cookie", csrf_cookie)
        .form(&[
            ("token", token),
            ("next", "/sites/tiny?lang=en"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .expect("POST /login");
    assert_eq!(res.status(), 303);
    assert_eq!(header(&res, "location"), "/sites/tiny?lang=en");
    let cookie = header(&res, "set-cookie");
    assert!(cookie.starts_with("allot_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains(token),
        "the cookie does not hold the token in clear"
    );
    cookie.split(';').next().unwrap_or_default().to_string()
}

/// The login form's CSRF cookie (name=value) and its hidden field's value.
fn login_csrf(app: &TestApp) -> (String, String) {
    let res = raw()
        .get(format!("{}/login", app.address))
        .send()
        .expect("GET /login");
    let cookie = header(&res, "set-cookie");
    assert!(cookie.starts_with("allot_login_csrf="), "{cookie}");
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();
    let html = res.text().expect("html");
    let field = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(field.len(), 64, "{html}");
    assert!(cookie.ends_with(&field));
    (cookie, field)
}

fn get_page(app: &TestApp, path: &str, cookie: Option<&str>, lang: Option<&str>) -> Response {
    let mut rb = raw().get(format!("{}{}", app.address, path));
    if let Some(c) = cookie {
        rb = rb.header("Cookie", c);
    }
    if let Some(l) = lang {
        rb = rb.header("Accept-Language", l);
    }
    rb.send().expect("GET")
}

/// The tiny site with a roster and one allocation.
fn tiny_site(app: &TestApp) {
    let (site, _) = app.tiny_site("tiny", 3, 5);
    app.allocate(&site);
}

#[test]
fn pages_send_visitors_without_a_token_to_the_login_form_and_back() {
    let app = spawn_app();
    tiny_site(&app);
    let res = get_page(&app, "/sites/tiny?lang=en", None, None);
    assert_eq!(res.status(), 303);
    assert_eq!(
        header(&res, "location"),
        "/login?next=%2Fsites%2Ftiny%3Flang%3Den&lang=en"
    );
    let res = get_page(&app, "/login?next=%2Fsites%2Ftiny&lang=zh", None, None);
    assert_eq!(res.status(), 200);
    let html = res.text().expect("html");
    assert!(html.contains("id=\"login-form\"") && html.contains("value=\"/sites/tiny\""));
    assert!(html.contains("登录"));

    let bad = raw()
        .post(format!("{}/login", app.address))
        .form(&[("token", "not-a-token-at-all"), ("lang", "en")])
        .send()
        .expect("POST /login");
    assert_eq!(bad.status(), 401);
    assert!(header(&bad, "content-type").starts_with("text/html"));
    assert!(!header(&bad, "set-cookie").contains("allot_session="));
    assert!(bad.text().expect("html").contains("id=\"login-error\""));

    let cookie = log_in(&app, VIEWER);
    let res = get_page(&app, "/sites/tiny?lang=en", Some(&cookie), None);
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-security-policy").contains("script-src 'self'"));
    assert_eq!(header(&res, "cache-control"), "no-store");
    let html = res.text().expect("html");
    assert!(html.contains("<html lang=\"en\">") && html.contains("Find my household"));
    assert!(
        !html.contains("id=\"run-allocation\""),
        "viewers cannot run"
    );
    let staff = log_in(&app, STAFF);
    let html = get_page(&app, "/sites/tiny", Some(&staff), Some("en-GB,en;q=0.9"))
        .text()
        .expect("html");
    assert!(html.contains("id=\"run-allocation\""), "staff can run");
    assert!(
        html.contains("<html lang=\"en\">"),
        "Accept-Language picks English"
    );

    // A bearer token works too (scripts, curl), and logging out clears the cookie.
    let res = raw()
        .get(format!("{}/sites/tiny", app.address))
        .bearer_auth(VIEWER)
        .send()
        .expect("GET");
    assert_eq!(res.status(), 200);
    // Logging out needs the session's CSRF token (a forged post does nothing),
    // ends the session on the server and clears the cookie.
    let forged = raw()
        .post(format!("{}/logout", app.address))
        .header("Cookie", &cookie)
        .send()
        .expect("logout");
    assert_eq!(header(&forged, "location"), "/");
    assert_eq!(
        get_page(&app, "/sites/tiny", Some(&cookie), None).status(),
        200
    );
    let html = get_page(&app, "/sites/tiny", Some(&cookie), None)
        .text()
        .expect("html");
    let csrf = html
        .split("id=\"logout-form\"")
        .nth(1)
        .and_then(|f| f.split("name=\"csrf\" value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        csrf.len(),
        64,
        "the log-out form carries the session's token"
    );
    let out = raw()
        .post(format!("{}/logout", app.address))
        .header("Cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert!(header(&out, "set-cookie").contains("Max-Age=0"));
    let after = get_page(&app, "/sites/tiny", Some(&cookie), None);
    assert_eq!(after.status(), 303, "the old cookie no longer opens pages");
}

#[test]
fn a_login_without_its_csrf_token_is_refused() {
    let app = spawn_app();
    let res = raw()
        .post(format!("{}/login", app.address))
        .form(&[("token", VIEWER), ("next", "/")])
        .send()
        .expect("POST /login");
    assert_eq!(res.status(), 401);
    assert!(!header(&res, "set-cookie").contains("allot_session="));
}

#[rstest::rstest]
#[case("//evil.example/x", "/")]
#[case("https://evil.example/", "/")]
#[case("/\\evil.example", "/")]
#[case("/sites/tiny", "/sites/tiny")]
fn login_only_returns_to_paths_on_this_server(#[case] next: &str, #[case] want: &str) {
    let app = spawn_app();
    let (csrf_cookie, csrf) = login_csrf(&app);
    let res = raw()
        .post(format!("{}/login", app.address))
        .header("Cookie", csrf_cookie)
        .form(&[("token", VIEWER), ("next", next), ("csrf", csrf.as_str())])
        .send()
        .expect("POST /login");
    assert_eq!(res.status(), 303);
    assert_eq!(header(&res, "location"), want);
}

#[test]
fn unknown_sites_and_allocations_are_html_pages_with_their_status() {
    let app = spawn_app();
    tiny_site(&app);
    let cookie = log_in(&app, VIEWER);
    for path in [
        "/sites/nowhere",
        "/sites/tiny?allocation=99",
        "/sites/tiny?allocation=x",
    ] {
        let res = get_page(&app, path, Some(&cookie), Some("zh-CN"));
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(res.text().expect("html").contains("没有找到"), "{path}");
    }
    // The API's own errors stay problem+json.
    let res = app.get("/v1/sites/nowhere", VIEWER);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
}

#[test]
fn the_sites_page_lists_every_site_and_the_assets_are_embedded() {
    let app = spawn_app();
    tiny_site(&app);
    let (other, _) = app.create_site(&tiny_layout("other", 1));
    let cookie = log_in(&app, VIEWER);
    let html = get_page(&app, "/?lang=zh", Some(&cookie), None)
        .text()
        .expect("html");
    assert!(html.contains("href=\"/sites/tiny?lang=zh\""));
    assert!(html.contains(&format!("href=\"/sites/{other}?lang=zh\"")));
    assert!(html.contains("小区列表"));
    for (asset, ctype) in [("style.css", "text/css"), ("site.js", "text/javascript")] {
        let res = get_page(&app, &format!("/assets/{asset}"), None, None);
        assert_eq!(res.status(), 200);
        assert!(header(&res, "content-type").starts_with(ctype));
        assert!(res.text().expect("asset").len() > 500);
    }
    assert_eq!(
        get_page(&app, "/assets/nothing.js", None, None).status(),
        404
    );
}

#[test]
fn downloads_need_a_session_and_return_attachments() {
    let app = spawn_app();
    tiny_site(&app);
    let res = get_page(&app, "/sites/tiny/allocations/1/download/csv", None, None);
    assert_eq!(res.status(), 303, "no session: to the login form");
    let cookie = log_in(&app, VIEWER);
    for (format, ctype) in [
        ("csv", "text/csv; charset=utf-8"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("geojson", "application/geo+json"),
        ("svg", "image/svg+xml"),
        ("json", "application/json"),
    ] {
        let res = get_page(
            &app,
            &format!("/sites/tiny/allocations/1/download/{format}?lang=en"),
            Some(&cookie),
            None,
        );
        assert_eq!(res.status(), 200, "{format}");
        assert_eq!(header(&res, "content-type"), ctype);
        assert_eq!(
            header(&res, "content-disposition"),
            format!("attachment; filename=\"tiny-allocation-1.{format}\"")
        );
    }
    let res = get_page(
        &app,
        "/sites/tiny/allocations/1/download/pdf",
        Some(&cookie),
        None,
    );
    assert_eq!(res.status(), 406);
    let res = get_page(
        &app,
        "/sites/tiny/allocations/7/download/csv",
        Some(&cookie),
        None,
    );
    assert_eq!(res.status(), 404);
}

#[test]
fn a_stored_allocation_renders_as_svg_in_the_asked_language() {
    let app = spawn_app();
    tiny_site(&app);
    let allocation = app.get_json("/v1/sites/tiny/allocations/1", VIEWER);
    for (lang, legend) in [("en", "Legend"), ("zh-CN", "图例")] {
        let res = app
            .req(
                Method::GET,
                "/v1/sites/tiny/allocations/1?format=svg",
                Some(VIEWER),
            )
            .header("Accept-Language", lang)
            .send()
            .expect("GET svg");
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "image/svg+xml");
        let svg = res.text().expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("valid XML");
        assert!(svg.contains(&format!(">{legend}<")), "{lang}");
        for a in allocation["assignments"].as_array().expect("assignments") {
            let id = feature_element_id(a["resource"].as_str().unwrap_or_default());
            let g = doc
                .descendants()
                .find(|n| n.attribute("id") == Some(id.as_str()))
                .expect("the resource is drawn");
            let texts: Vec<&str> = g.descendants().filter_map(|n| n.text()).collect();
            assert!(
                texts.contains(&a["household"].as_str().unwrap_or_default()),
                "{id} is labelled with its holder"
            );
        }
    }
    // Accept: image/svg+xml works as well as ?format=svg.
    let res = app
        .req(Method::GET, "/v1/sites/tiny/allocations/1", Some(VIEWER))
        .header("Accept", "image/svg+xml")
        .send()
        .expect("GET");
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
}

fn fixture(path: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

#[test]
fn validate_as_svg_draws_the_problems_in_red_on_their_features() {
    let app = spawn_app();
    let layout = fixture("fixtures/invalid/r3-overlap/layout.geojson");
    let expected = fixture("fixtures/invalid/r3-overlap/expected.json");
    let res = app
        .req(Method::POST, "/v1/validate?format=svg", Some(VIEWER))
        .json(&layout)
        .send()
        .expect("POST validate");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/svg+xml");
    let errors: usize = header(&res, "allot-errors").parse().expect("a count");
    assert_eq!(errors, expected["errors"].as_array().map_or(0, Vec::len));
    let svg = res.text().expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("valid XML");
    for e in expected["errors"].as_array().expect("errors") {
        for f in e["features"].as_array().expect("features") {
            let suffix = feature_element_id(f.as_str().unwrap_or_default());
            let marker = doc
                .descendants()
                .find(|n| {
                    n.attribute("id")
                        .is_some_and(|id| id.starts_with("error-") && id.ends_with(&suffix))
                })
                .unwrap_or_else(|| panic!("no red marker on {f}"));
            let shape = marker
                .children()
                .find(|c| c.is_element() && !c.has_tag_name("title"))
                .expect("a shape");
            assert_eq!(shape.attribute("stroke"), Some(PROBLEM_RED));
        }
    }
    // The JSON answer is unchanged: 422 with the problems.
    let res = app
        .req(Method::POST, "/v1/validate", Some(VIEWER))
        .json(&layout)
        .send()
        .expect("POST validate");
    assert_problem(res, 422, "invalid-input");
    // A body that is no FeatureCollection has no plan: 422 even as SVG.
    let res = app
        .req(Method::POST, "/v1/validate?format=svg", Some(VIEWER))
        .json(&json!([1, 2, 3]))
        .send()
        .expect("POST validate");
    assert_eq!(res.status(), 422);
    let res = app
        .req(Method::POST, "/v1/validate?format=pdf", Some(VIEWER))
        .json(&layout)
        .send()
        .expect("POST validate");
    assert_eq!(res.status(), 406);
}

#[rstest::rstest]
fn validate_as_svg_also_marks_loading_errors_on_what_loaded(
    #[files("fixtures/invalid/load-*/layout.geojson")] layout: PathBuf,
) {
    let app = spawn_app();
    let value = fixture(layout.to_str().unwrap_or_default());
    let expected = fixture(
        layout
            .with_file_name("expected.json")
            .to_str()
            .unwrap_or_default(),
    );
    let res = app
        .req(Method::POST, "/v1/validate?format=svg", Some(VIEWER))
        .json(&value)
        .send()
        .expect("POST validate");
    assert_eq!(res.status(), 200, "{}", layout.display());
    let errors: usize = header(&res, "allot-errors").parse().expect("a count");
    assert_eq!(errors, expected["errors"].as_array().map_or(0, Vec::len));
    let svg = res.text().expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("valid XML");
    let list = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("problem-list"))
        .expect("the problems are listed under the plan");
    let listed = list.children().filter(|c| c.has_tag_name("text")).count();
    assert_eq!(listed, 1 + errors.min(12) + usize::from(errors > 12));
}
