//! The staff web page in a real browser: headless Chromium driven through
//! chromedriver (WebDriver) against a server from `spawn_app()` holding the
//! `yixinqiao` fixture with two allocations.
//!
//! Needs `chromium`, `chromium-driver` and `fonts-noto-cjk` (Debian); install
//! them with `bash .ci/browser-deps.sh`. Without chromedriver these tests
//! FAIL with that message: they never skip. Run them with
//! `cargo test --test web_browser`; the screenshots land in
//! `target/screenshots/`.

use crate::support::api as api_support;
use crate::support::browser as support_browser;
use crate::support::common::fixture_json;

use allot::report::i18n::Lang;
use allot::report::reasons::unserved_reason;
use allot::report::svg::feature_element_id;
use api_support::*;
use fantoccini::Locator;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use support_browser::Browser;

/// Posts the layout, roster and policy, allocates, removes one household
/// that holds a space and allocates again (so the diff has changes).
/// Returns the site id and the latest allocation.
fn set_up(app: &TestApp) -> (String, Value) {
    let site = app.post_yixinqiao();
    let first = app.allocate(&site);
    // Someone holding a space whom no pin names (removing a pinned household
    // would break the policy).
    let pinned: Vec<&Value> = first["policy"]["pins"]
        .as_array()
        .map(|p| p.iter().map(|p| &p["household"]).collect())
        .unwrap_or_default();
    let leaver = first["assignments"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["kind"] == "parking_space" && !pinned.contains(&&x["household"]))
        })
        .and_then(|x| x["household"].as_str())
        .expect("someone holds a space")
        .to_string();
    let res = app.write_json(
        Method::PATCH,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &app.etag(&site),
        &json!({"remove": [leaver]}),
    );
    assert_eq!(res.status(), 200, "{}", res.text().unwrap_or_default());
    let second = app.allocate(&site);
    (site, second)
}

/// A server whose solves may take long: debug builds on a busy CI machine.
fn app() -> TestApp {
    spawn_app_with(|c| c.solve_timeout = Duration::from_secs(600))
}

/// Runs the browser part on a runtime of its own (the server and the
/// blocking HTTP client stay outside it).
fn in_browser<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f());
}

/// Clicks `css` and waits until a new document has loaded.
async fn click_and_wait(b: &Browser, css: &str) {
    b.js("window.__stale = true; return null;").await;
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    wait_for_new_page(b).await;
}

async fn wait_for_new_page(b: &Browser) {
    let started = std::time::Instant::now();
    loop {
        let fresh = b
            .client
            .execute(
                "return window.__stale !== true && document.readyState === 'complete';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if fresh {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no new page within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

async fn log_in(b: &Browser, address: &str, path: &str, token: &str) {
    b.client
        .goto(&format!("{address}{path}"))
        .await
        .expect("open the page");
    // Not logged in: the page sends us to the login form.
    let url = b.client.current_url().await.expect("url");
    assert_eq!(url.path(), "/login", "{url}");
    b.client
        .find(Locator::Css("#token"))
        .await
        .expect("the token field")
        .send_keys(token)
        .await
        .expect("type the token");
    click_and_wait(b, "#login-button").await;
    let url = b.client.current_url().await.expect("url");
    assert_eq!(
        format!("{}?{}", url.path(), url.query().unwrap_or_default()),
        path,
        "back where we started"
    );
}

/// Every resource id of the fixture layout.
fn resource_ids() -> Vec<String> {
    fixture_json("yixinqiao", "layout.geojson")["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| {
            ["parking_space", "charging_bay", "garden_plot"]
                .contains(&f["properties"]["kind"].as_str().unwrap_or_default())
        })
        .map(|f| {
            f["properties"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn the_site_page_shows_the_map_lookup_language_switch_and_downloads() {
    let app = app();
    let (site, latest) = set_up(&app);
    let address = app.address.clone();
    let assignments = latest["assignments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unserved = latest["unserved"].as_array().cloned().unwrap_or_default();
    let waiting = unserved
        .iter()
        .find(|u| u["waitlist"].as_u64().is_some())
        .cloned()
        .expect("someone is on a waitlist");
    let holder = assignments
        .iter()
        .find(|a| a["kind"] == "parking_space")
        .cloned()
        .expect("someone holds a space");
    let diff = app.get_json(&format!("/v1/sites/{site}/allocations/1/diff/2"), VIEWER);
    let changes = ["moved", "gained", "lost"]
        .iter()
        .map(|k| diff[k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert!(changes > 0, "the roster change moves someone: {diff:#}");

    in_browser(|| async move {
        let b = Browser::start().await;
        b.client
            .set_window_size(1400, 2400)
            .await
            .expect("window size");
        log_in(&b, &address, &format!("/sites/{site}?lang=zh"), VIEWER).await;

        // Chinese labels by default, every resource on the map in its state.
        assert_eq!(text_of(&b, "#lookup h2").await, "查询我的车位");
        let ids = resource_ids();
        let drawn = b
            .js(
                "return Array.from(document.querySelectorAll('#map svg g.resource'))
                    .filter(g => { const r = g.getBBox(); return r.width > 0 && r.height > 0; })
                    .map(g => g.id);",
            )
            .await;
        let drawn: Vec<String> = serde_json::from_value(drawn).expect("ids");
        assert_eq!(
            drawn.len(),
            ids.len(),
            "every resource is drawn with a size"
        );
        for id in &ids {
            assert!(
                drawn.contains(&feature_element_id(id)),
                "{id} is not on the map"
            );
        }
        for a in &assignments {
            let id = feature_element_id(a["resource"].as_str().unwrap_or_default());
            let class = b
                .js(&format!(
                    "return document.getElementById('{id}').getAttribute('class');"
                ))
                .await;
            let class = class.as_str().unwrap_or_default();
            assert!(
                class.contains("assigned") || class.contains("pinned"),
                "{id}: {class}"
            );
        }
        // The viewer sees no run button but the downloads.
        assert!(b
            .client
            .find(Locator::Css("#run-allocation"))
            .await
            .is_err());

        // The household lookup finds the right space…
        let hid = holder["household"].as_str().unwrap_or_default();
        let input = b
            .client
            .find(Locator::Css("#lookup-input"))
            .await
            .expect("lookup");
        input.send_keys(hid).await.expect("type");
        click_and_wait(&b, "#lookup-button").await;
        let got = b
            .js(
                "return Array.from(document.querySelectorAll('#lookup-result .lookup-assignment'))
                    .map(li => li.dataset.kind + ' ' + li.dataset.resource);",
            )
            .await;
        let mut got: Vec<String> = serde_json::from_value(got).expect("list");
        let mut want: Vec<String> = assignments
            .iter()
            .filter(|a| a["household"] == hid)
            .map(|a| {
                format!(
                    "{} {}",
                    a["kind"].as_str().unwrap_or_default(),
                    a["resource"].as_str().unwrap_or_default()
                )
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "lookup of {hid}");
        let lit = b
            .js("return Array.from(document.querySelectorAll('#map svg g.highlight')).length;")
            .await;
        assert_eq!(
            lit.as_u64(),
            Some(want.len() as u64),
            "the map highlights them"
        );
        // …and the waitlist place.
        let wid = waiting["household"].as_str().unwrap_or_default();
        let input = b
            .client
            .find(Locator::Css("#lookup-input"))
            .await
            .expect("lookup");
        input.clear().await.expect("clear");
        input.send_keys(wid).await.expect("type");
        click_and_wait(&b, "#lookup-button").await;
        let place = b
            .js(&format!(
                "const li = document.querySelector('#lookup-result .lookup-waitlist[data-kind=\"{}\"]');
                 return li ? li.dataset.place : null;",
                waiting["kind"].as_str().unwrap_or_default()
            ))
            .await;
        assert_eq!(
            place.as_str().and_then(|p| p.parse::<u64>().ok()),
            waiting["waitlist"].as_u64(),
            "waitlist place of {wid}"
        );
        let text = text_of(&b, "#lookup-result").await;
        let n = waiting["waitlist"].as_u64().unwrap_or_default();
        assert!(text.contains(&format!("候补第 {n} 位")), "{text}");
        // …with its reason in Chinese, from the one catalogue of reasons.
        // The page is a viewer's: the public reason (report::public).
        let entry: allot::model::Unserved =
            serde_json::from_value(waiting.clone()).expect("unserved entry");
        let entry = allot::report::public::public_unserved(&entry);
        let zh_reason = unserved_reason(&entry, Lang::Zh);
        assert!(zh_reason.contains("均已分配"), "{zh_reason}");
        assert!(text.contains(&zh_reason), "{text}");
        assert!(
            !text.contains("taken") && !text.contains("lottery"),
            "{text}"
        );

        // The filter narrows the table to one household's rows.
        let filter = b
            .client
            .find(Locator::Css("#filter"))
            .await
            .expect("filter");
        filter.send_keys(wid).await.expect("type");
        let rows = b
            .js(
                "return Array.from(document.querySelectorAll('#assignment-table tbody tr'))
                    .filter(r => !r.hidden).map(r => r.dataset.household);",
            )
            .await;
        let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|h| h.to_lowercase().contains(&wid.to_lowercase())),
            "{rows:?}"
        );

        // The diff against the previous allocation.
        let diff_rows = b
            .js("return document.querySelectorAll('#diff-table tbody tr').length;")
            .await;
        assert_eq!(diff_rows.as_u64(), Some(changes as u64));

        b.js("window.scrollTo(0, 0); return null;").await;
        let shot = b.screenshot("site.png").await;
        assert!(std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false));

        // The language switch changes the labels (and keeps the lookup).
        click_and_wait(&b, "#lang-switch").await;
        assert_eq!(text_of(&b, "#lookup h2").await, "Find my household");
        let lang = b.js("return document.documentElement.lang;").await;
        assert_eq!(lang.as_str(), Some("en"));
        let legend = b
            .js("return document.querySelector('#map svg #legend text').textContent;")
            .await;
        assert_eq!(legend.as_str(), Some("Legend"));
        let text = text_of(&b, "#lookup-result").await;
        assert!(text.contains(&format!("waitlist place {n}")), "{text}");
        let en_reason = unserved_reason(&entry, Lang::En);
        assert!(!en_reason.is_empty());
        assert!(text.contains(&en_reason), "the English reason: {text}");
        b.js("window.scrollTo(0, 0); return null;").await;
        b.screenshot("site-en.png").await;

        // The download links return the files.
        let links = b
            .js(
                "return Array.from(document.querySelectorAll('#downloads a.download'))
                    .map(a => [a.dataset.format, a.getAttribute('href')]);",
            )
            .await;
        let links: Vec<(String, String)> = serde_json::from_value(links).expect("links");
        let formats: Vec<&str> = links.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(formats, ["csv", "xlsx", "geojson", "svg", "json"]);
        for (format, href) in &links {
            let got = b
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     fetch(arguments[0]).then(async r => done([r.status,
                         r.headers.get('content-type'), r.headers.get('content-disposition'),
                         await r.text()]))
                       .catch(e => done([0, String(e), '', '']));",
                    vec![json!(href)],
                )
                .await
                .expect("fetch");
            let (status, ctype, disposition, body): (u16, String, String, String) =
                serde_json::from_value(got).expect("fetch result");
            let json = || serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
            assert_eq!(status, 200, "{format}: {ctype}");
            assert!(
                disposition.starts_with("attachment"),
                "{format}: {disposition}"
            );
            match format.as_str() {
                "csv" => {
                    assert!(ctype.starts_with("text/csv"), "{ctype}");
                    let rows = body.lines().count();
                    assert_eq!(
                        rows,
                        1 + assignments.len() + unserved.len(),
                        "one row per entry"
                    );
                }
                "xlsx" => {
                    // The bytes are checked in tests/excel.rs; here the link.
                    assert_eq!(ctype, allot::report::xlsx::XLSX_MEDIA_TYPE);
                    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
                }
                "geojson" => {
                    assert_eq!(ctype, "application/geo+json");
                    assert_eq!(json()["type"], "FeatureCollection");
                }
                "svg" => {
                    assert_eq!(ctype, "image/svg+xml");
                    let doc = roxmltree::Document::parse(&body).expect("the SVG parses");
                    let n = doc
                        .descendants()
                        .filter(|e| e.attribute("class").is_some_and(|c| c.contains("resource")))
                        .count();
                    assert_eq!(n, resource_ids().len());
                }
                _ => {
                    assert_eq!(ctype, "application/json");
                    // A viewer's download is the public view (no reasons, no private bases).
                    let staff: allot::model::Allocation =
                        serde_json::from_value(latest.clone()).expect("an allocation");
                    let public = serde_json::to_value(allot::report::public::public_view(&staff))
                        .expect("JSON");
                    assert_eq!(json(), public, "the JSON download is the public allocation");
                }
            }
        }

        let errors = b.console_errors().await;
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        b.stop().await;
    });
}

#[test]
fn staff_run_a_new_allocation_from_the_page_and_log_out() {
    let app = app();
    let (site, _) = set_up(&app);
    let address = app.address.clone();
    in_browser(|| async move {
        let b = Browser::start().await;
        log_in(&b, &address, &format!("/sites/{site}?lang=en"), STAFF).await;
        let shown = b
            .js("return document.getElementById('shown-allocation').dataset.id;")
            .await;
        assert_eq!(shown.as_str(), Some("2"));
        // The button posts to the API with the token from sessionStorage.
        let kept = b.js("return sessionStorage.getItem('allot-token');").await;
        assert_eq!(kept.as_str(), Some(STAFF));
        b.js("window.__stale = true; return null;").await;
        b.client
            .find(Locator::Css("#run-allocation"))
            .await
            .expect("the run button")
            .click()
            .await
            .expect("click");
        wait_for_new_page(&b).await;
        let shown = b
            .js("return document.getElementById('shown-allocation').dataset.id;")
            .await;
        assert_eq!(
            shown.as_str(),
            Some("3"),
            "the page shows the new allocation"
        );
        assert!(text_of(&b, "#diff").await.contains("#2 → #3"));
        let errors = b.console_errors().await;
        assert!(errors.is_empty(), "console errors: {errors:#?}");

        // Log out: the cookie and the stored token are gone.
        click_and_wait(&b, "#logout-form button").await;
        let url = b.client.current_url().await.expect("url");
        assert_eq!(url.path(), "/login");
        let kept = b.js("return sessionStorage.getItem('allot-token');").await;
        assert!(kept.is_null());
        b.client
            .goto(&format!("{address}/sites/{site}"))
            .await
            .expect("open");
        let url = b.client.current_url().await.expect("url");
        assert_eq!(url.path(), "/login", "logged out");
        b.stop().await;
    });
}

/// The one-line explanations next to the form's rotation and stability
/// choices, as the browser lays them out (value, label text, visible).
async fn round_form_choices(b: &Browser) -> Vec<(String, String, bool)> {
    let got = b
        .js(
            "return Array.from(document.querySelectorAll('#round-form input[type=radio]'))
                .map(i => { const l = i.closest('label'); const r = l.getBoundingClientRect();
                            return [i.name + '.' + i.value, l.textContent.trim(), r.width > 0 && r.height > 0]; });",
        )
        .await;
    serde_json::from_value(got).expect("choices")
}

#[test]
fn staff_start_a_new_round_from_the_form_then_see_a_households_history_and_the_chart() {
    let app = app();
    let (site, latest) = set_up(&app);
    let address = app.address.clone();
    // A household short of a parking space in round 2026: it has waited one
    // round when 2027 is drawn.
    let waiting = latest["unserved"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["kind"] == "parking_space"))
        .and_then(|u| u["household"].as_str())
        .expect("someone is short of a space")
        .to_string();
    let hid = waiting.clone();
    let site_in = site.clone();
    in_browser(|| async move {
        let (site, waiting) = (site_in, hid);
        let b = Browser::start().await;
        b.client
            .set_window_size(1400, 2400)
            .await
            .expect("window size");
        log_in(&b, &address, &format!("/sites/{site}?lang=zh"), STAFF).await;

        // The form in both languages: every rotation and stability choice
        // with its one-line explanation, on screen.
        let names = [
            "rotation.none",
            "rotation.waited_first",
            "rotation.tickets",
            "stability.protect",
            "stability.keep_incumbents",
            "stability.none",
        ];
        for (lang, heading, explanations) in [
            (
                "zh",
                "新一轮分配",
                [
                    "普通摇号",
                    "久等者优先",
                    "阶梯签",
                    "保护现有车位",
                    "尽量保留",
                    "全部重抽",
                ],
            ),
            (
                "en",
                "New round",
                [
                    "Plain lottery",
                    "Longest wait first",
                    "Tickets",
                    "Protect",
                    "Keep incumbents",
                    "a fresh redraw",
                ],
            ),
        ] {
            b.client
                .goto(&format!("{address}/sites/{site}?lang={lang}"))
                .await
                .expect("open the page");
            assert_eq!(text_of(&b, "#over-time h2").await, heading, "{lang}");
            let choices = round_form_choices(&b).await;
            let got: Vec<&str> = choices.iter().map(|c| c.0.as_str()).collect();
            assert_eq!(got, names, "{lang}: the choices");
            for ((name, label, shown), want) in choices.iter().zip(explanations) {
                assert!(*shown, "{lang}: {name} is not on screen");
                assert!(
                    label.contains(want) && !label.contains('\n'),
                    "{lang}: {name} reads {label:?}, wanted one line with {want:?}"
                );
            }
            let round = b
                .js("return document.getElementById('round-name').value;")
                .await;
            assert_eq!(round.as_str(), Some("2026"), "{lang}: the current round");
        }

        // Start round 2027 with "longest wait first" and a fresh redraw.
        let name = b
            .client
            .find(Locator::Css("#round-name"))
            .await
            .expect("the round field");
        name.clear().await.expect("clear");
        name.send_keys("2027").await.expect("type");
        for css in [
            "#round-form input[name=rotation][value=waited_first]",
            "#round-form input[name=stability][value=none]",
        ] {
            b.client
                .find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no {css}: {e}"))
                .click()
                .await
                .expect("choose");
        }
        click_and_wait(&b, "#round-form button[type=submit]").await;
        let shown = b
            .js("return document.getElementById('shown-allocation').dataset.id;")
            .await;
        assert_eq!(shown.as_str(), Some("3"), "the page shows the new round");

        // The waiting household's history, through the lookup: newest
        // first, round 2027 drawn with waited_first, one round waited.
        b.client
            .find(Locator::Css("#lookup-input"))
            .await
            .expect("lookup")
            .send_keys(&waiting)
            .await
            .expect("type");
        click_and_wait(&b, "#lookup-button").await;
        assert!(text_of(&b, "#household-history h3")
            .await
            .contains(&waiting));
        let rows = b
            .js(
                "return Array.from(document.querySelectorAll('#household-history tbody tr'))
                    .map(tr => [tr.dataset.allocation].concat(
                        Array.from(tr.cells).map(td => td.textContent.trim())));",
            )
            .await;
        let rows: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
        let order: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let mut firsts = order.clone();
        firsts.dedup();
        assert_eq!(firsts, ["3", "2", "1"], "newest first: {rows:?}");
        let parking_2027 = rows
            .iter()
            .find(|r| r[0] == "3" && r[4] == "parking_space")
            .unwrap_or_else(|| panic!("a parking row for #3: {rows:?}"));
        assert_eq!(parking_2027[2], "2027");
        assert_eq!(parking_2027[3], "waited_first");
        assert_eq!(parking_2027[7], "1", "waited one round: {parking_2027:?}");
        let parking_2026 = rows
            .iter()
            .find(|r| r[0] == "2" && r[4] == "parking_space")
            .unwrap_or_else(|| panic!("a parking row for #2: {rows:?}"));
        assert_eq!(parking_2026[2], "2026");
        assert!(
            parking_2026[6].starts_with("1 / "),
            "short: {parking_2026:?}"
        );

        // The simulator's chart behind its link (10 rounds; the test asks
        // for 2 of the same chart to stay quick in a debug build).
        let href = b
            .js("return document.getElementById('simulate-chart').getAttribute('href');")
            .await;
        let href = href.as_str().expect("the chart link").to_string();
        assert_eq!(
            href,
            format!("/sites/{site}/simulate.svg?rounds=10&lang=en")
        );
        b.client
            .goto(&format!(
                "{address}{}",
                href.replace("rounds=10", "rounds=2")
            ))
            .await
            .expect("open the chart");
        let chart = b
            .js(
                "const s = document.documentElement; const r = s.getBoundingClientRect();
                 return [s.tagName, r.width > 0 && r.height > 0,
                         document.querySelectorAll('polyline').length,
                         Array.from(document.querySelectorAll('text')).map(t => t.textContent)];",
            )
            .await;
        let (tag, drawn, lines, texts): (String, bool, usize, Vec<String>) =
            serde_json::from_value(chart).expect("chart");
        assert_eq!(tag, "svg");
        assert!(drawn, "the chart has a size");
        assert!(
            lines >= 3 && lines % 3 == 0,
            "one line per mode and kind: {lines}"
        );
        assert!(
            texts[0].contains("rounds served per household over 2 rounds"),
            "{texts:?}"
        );
        for mode in ["none", "waited_first", "tickets"] {
            assert!(
                texts.iter().any(|t| t.contains(mode)),
                "{mode} in the legend: {texts:?}"
            );
        }
        b.screenshot("simulation_chart").await;
        let errors = b.console_errors().await;
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        b.stop().await;
    });
    // What the form sent.
    let made = app.get_json(&format!("/v1/sites/{site}/allocations/3"), STAFF);
    assert_eq!(made["round"], "2027");
    assert_eq!(made["policy"]["rotation"], "waited_first");
    assert_eq!(made["policy"]["stability"], "none");
    assert_eq!(made["ledger"]["parking_space"][&waiting], 1);
    assert!(made["draw_order"]["parking_space"].is_array());
}
