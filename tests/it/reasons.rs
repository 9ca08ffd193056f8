//! Structured reasons on the Yixinqiao compound (issue 15): every entry has a
//! `reason`, its English rendering is the `why`, the `why`s are those of
//! before structured reasons, the JSON is reproducible, and the Chinese
//! renderings (CSV, SVG, web page, household view) carry no English reason
//! words while the English ones carry no Chinese in their reasons.

use crate::support::api as api_support;
use crate::support::common;

use allot::model::Allocation;
use allot::pipeline;
use allot::report::i18n::Lang;
use allot::report::reasons::{assignment_reason, unserved_reason};
use allot::report::{self, csv::allocation_csv_in};
use api_support::*;
use reqwest::Method;
use serde_json::Value;
use std::path::Path;

fn dir() -> &'static Path {
    Path::new("fixtures/yixinqiao")
}

fn yixinqiao() -> Allocation {
    common::solve(&common::fixture_inputs(dir()))
}

/// Words of the English reasons that must not show in a Chinese rendering.
const ENGLISH_REASON_WORDS: [&str; 12] = [
    "lottery",
    "nearest",
    "priority",
    "rank",
    "pinned by",
    "reserved for",
    "kept from",
    "are taken",
    "households",
    "from unit",
    "within",
    "trade-up",
];

fn assert_no_english_reason_words(what: &str, text: &str) {
    for word in ENGLISH_REASON_WORDS {
        assert!(!text.contains(word), "{what} contains `{word}`");
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_entry_has_a_reason_whose_english_is_its_why_and_whose_basis_is_its_code() {
    let a = yixinqiao();
    for x in &a.assignments {
        let r = x.reason.as_ref().expect("assignment reason");
        assert_eq!(assignment_reason(x, Lang::En), x.why, "{}", x.household);
        assert_eq!(r.basis(), x.basis, "{}", x.household);
    }
    for u in &a.unserved {
        assert!(u.reason.is_some(), "{}", u.household);
        assert_eq!(unserved_reason(u, Lang::En), u.why, "{}", u.household);
    }
}

#[test]
fn the_whys_are_those_written_before_structured_reasons() {
    let a = yixinqiao();
    let want = common::read_json(&dir().join("why.json"));
    let got_assigned: Vec<Value> = a
        .assignments
        .iter()
        .map(|x| serde_json::json!([x.household, x.kind, x.resource, x.why]))
        .collect();
    let got_unserved: Vec<Value> = a
        .unserved
        .iter()
        .map(|u| serde_json::json!([u.household, u.kind, u.why]))
        .collect();
    assert_eq!(Value::from(got_assigned), want["assignments"]);
    assert_eq!(Value::from(got_unserved), want["unserved"]);
}

#[test]
fn the_allocation_json_with_reasons_is_byte_identical_across_runs_and_reads_back() {
    let a = yixinqiao();
    let one = report::json::allocation_json(&a);
    let two = report::json::allocation_json(&yixinqiao());
    assert_eq!(one, two);
    let back: Allocation = serde_json::from_slice(&one).expect("reads back");
    assert_eq!(back, a);
    assert!(String::from_utf8_lossy(&one).contains("\"code\": \"lottery\""));
}

#[test]
fn the_chinese_csv_has_chinese_headers_and_reasons_and_the_english_one_no_chinese_reason() {
    let a = yixinqiao();
    let zh = allocation_csv_in(&a, Lang::Zh);
    assert!(zh.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with BOM");
    let text = String::from_utf8(zh[3..].to_vec()).expect("UTF-8");
    assert!(text.starts_with("状态,住户,类别,编号,步行距离（米）,缺额,候补顺位,原因\r\n"));
    // The policy's pin note is the policy's own words, shown as written.
    let pin_notes: Vec<String> = a
        .policy
        .pins
        .iter()
        .filter_map(|p| p.reason.clone())
        .collect();
    let mut without_notes = text.clone();
    for n in &pin_notes {
        without_notes = without_notes.replace(n.as_str(), "");
    }
    assert_no_english_reason_words("zh CSV", &without_notes);
    assert!(text.contains("摇号第"), "lottery reasons in Chinese");
    assert!(text.contains("均已分配"), "unserved reasons in Chinese");

    let en = allocation_csv_in(&a, Lang::En);
    assert_eq!(en, report::csv::allocation_csv(&a));
    let mut rows = ::csv::Reader::from_reader(&en[3..]);
    for row in rows.records() {
        let row = row.expect("row");
        assert!(!has_cjk(&row[7]), "{}", &row[7]);
    }
}

#[test]
fn the_chinese_map_tooltips_carry_chinese_reasons_and_the_english_ones_no_chinese() {
    let a = yixinqiao();
    let checked = pipeline::check(&common::fixture_inputs(dir())).expect("check");
    let zh = report::render_svg(&checked.site, Some(&a), &[], Lang::Zh);
    let mut without_notes = zh.clone();
    for n in a.policy.pins.iter().filter_map(|p| p.reason.as_deref()) {
        without_notes = without_notes.replace(n, "");
    }
    assert_no_english_reason_words("zh SVG", &without_notes);
    let first = &a.assignments[1];
    assert!(zh.contains(&assignment_reason(first, Lang::Zh)));

    let en = report::render_svg(&checked.site, Some(&a), &[], Lang::En);
    // The reason is the tooltip's last line, after "Why: ".
    let reasons: Vec<&str> = en
        .split("<title>")
        .skip(1)
        .filter_map(|t| t.split("</title>").next())
        .filter_map(|t| t.split("Why: ").nth(1))
        .collect();
    assert!(reasons.len() >= a.assignments.len() / 2, "tooltips");
    for r in reasons {
        assert!(!has_cjk(r), "{r}");
    }
    assert!(en.contains("lottery rank"));
}

/// Posts Yixinqiao, allocates; returns the site id and the allocation.
fn yixinqiao_site(app: &TestApp) -> (String, Value) {
    let site = app.post_yixinqiao();
    let allocation = app.allocate(&site);
    (site, allocation)
}

#[test]
fn over_http_the_csv_household_view_and_page_speak_the_readers_language() {
    let app = spawn_app();
    let (site, allocation) = yixinqiao_site(&app);
    let a: Allocation = serde_json::from_value(allocation).expect("allocation");
    let id = 1;

    // CSV: ?lang=zh gives Chinese headers and reasons, UTF-8 with BOM.
    let csv = app
        .req(
            Method::GET,
            &format!("/v1/sites/{site}/allocations/{id}?format=csv&lang=zh"),
            Some(STAFF),
        )
        .send()
        .expect("csv")
        .bytes()
        .expect("body");
    assert_eq!(&csv[..], &allocation_csv_in(&a, Lang::Zh)[..]);
    let csv_en = app
        .req(
            Method::GET,
            &format!("/v1/sites/{site}/allocations/{id}?format=csv"),
            Some(STAFF),
        )
        .send()
        .expect("csv")
        .bytes()
        .expect("body");
    assert_eq!(&csv_en[..], &allocation_csv_in(&a, Lang::En)[..]);

    // The household view: reason_text in the Accept-Language.
    let held = &a.assignments[1];
    for (header, lang) in [("zh-CN,zh;q=0.9", Lang::Zh), ("en-GB,en;q=0.8", Lang::En)] {
        let view: Value = app
            .req(
                Method::GET,
                &format!("/v1/sites/{site}/households/{}", held.household),
                Some(STAFF),
            )
            .header("Accept-Language", header)
            .send()
            .expect("view")
            .json()
            .expect("JSON");
        assert_eq!(view["lang"], lang.code());
        let text = view["assignments"]
            .as_array()
            .and_then(|l| l.iter().find(|x| x["resource"] == held.resource.as_str()))
            .and_then(|x| x["reason_text"].as_str())
            .expect("reason_text")
            .to_string();
        assert_eq!(text, assignment_reason(held, lang));
        assert_eq!(has_cjk(&text), lang == Lang::Zh, "{text}");
    }

    // The page in Chinese: its reasons are Chinese.
    let login = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // The login form's double-submit CSRF token: its cookie and its field.
    let form = login
        .get(format!("{}/login", app.address))
        .send()
        .expect("login form");
    let csrf_cookie = form
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("csrf cookie")
        .to_string();
    let csrf = form
        .text()
        .expect("html")
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf field")
        .to_string();
    let res = login
        .post(format!("{}/login", app.address))
        .header("Cookie", csrf_cookie)
        .form(&[("token", STAFF), ("next", "/"), ("csrf", csrf.as_str())])
        .send()
        .expect("login");
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string();
    let page = |lang: &str, lookup: &str| {
        login
            .get(format!(
                "{}/sites/{site}?lang={lang}&household={lookup}",
                app.address
            ))
            .header("Cookie", &cookie)
            .send()
            .expect("page")
            .text()
            .expect("html")
    };
    let zh = page("zh", &held.household);
    let mut without_notes = zh.clone();
    for n in a.policy.pins.iter().filter_map(|p| p.reason.as_deref()) {
        without_notes = without_notes.replace(n, "");
    }
    let table = without_notes
        .split("id=\"lookup\"")
        .nth(1)
        .expect("lookup section");
    assert_no_english_reason_words("zh page", table);
    assert!(zh.contains(&assignment_reason(held, Lang::Zh)));
    let en = page("en", &held.household);
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    for x in &a.assignments {
        let reason = assignment_reason(x, Lang::En);
        assert!(!has_cjk(&reason), "{reason}");
        assert!(en.contains(&html(&reason)), "{reason}");
    }
    for u in &a.unserved {
        let reason = unserved_reason(u, Lang::En);
        assert!(!has_cjk(&reason), "{reason}");
        assert!(en.contains(&html(&reason)), "{reason}");
    }
    app.stop();
}

#[rstest::rstest]
#[case::serial_dictatorship("serial_dictatorship", "none")]
#[case::waited_first("optimal", "waited_first")]
#[case::tickets("optimal", "tickets")]
fn every_mechanism_and_rotation_gives_reasons_that_agree_and_read_in_chinese(
    #[case] mechanism: &str,
    #[case] rotation: &str,
) {
    let mut inputs = common::fixture_inputs(dir());
    let policy = inputs.policy.get_or_insert_with(|| serde_json::json!({}));
    policy["mechanism"] = mechanism.into();
    policy["rotation"] = rotation.into();
    let a = common::solve(&inputs);
    common::assert_reasons_agree(&a);
    for x in &a.assignments {
        if x.basis == allot::model::Basis::Pin {
            continue; // the pin's note is the policy's own words
        }
        assert_no_english_reason_words(&x.household, &assignment_reason(x, Lang::Zh));
    }
    for u in &a.unserved {
        assert_no_english_reason_words(&u.household, &unserved_reason(u, Lang::Zh));
    }
}
