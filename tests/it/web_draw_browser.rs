//! The public draw page in a real browser (headless Chromium through
//! chromedriver), opened without any token: the commitment with its
//! countdown before the reveal, the result and the printable notice after.
//! Needs `bash .ci/browser-deps.sh`; fails, never skips, without it.

use crate::support::api as api_support;
use crate::support::browser as support_browser;
use crate::support::common::fixture_json;

use allot::draw::clock::parse_rfc3339;
use allot::draw::drand::vectors::SIGNATURE_123;
use api_support::*;
use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;
use support_browser::Browser;

#[test]
fn anyone_opens_the_public_draw_page_without_a_token_before_and_after_the_reveal() {
    let app = spawn_app_with(|c| c.now = parse_rfc3339("2023-08-23T15:00:00Z"));
    let (site, etag) = app.create_site(&fixture_json("small/pin", "layout.geojson"));
    let res = app.write_json(
        Method::PUT,
        &format!("/v1/sites/{site}/households"),
        STAFF,
        &etag,
        &fixture_json("small/pin", "households.json"),
    );
    assert_eq!(res.status(), 200);
    let res = app
        .req(
            Method::POST,
            &format!("/v1/sites/{site}/draws"),
            Some(STAFF),
        )
        .json(&json!({"seed_source": {"drand": {"chain": "quicknet", "round": 123}}}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let address = app.address.clone();
    let page = format!("{address}/sites/{site}/draws/1?lang=en");
    let reveal = || {
        let res = app
            .req(
                Method::POST,
                &format!("/v1/sites/{site}/draws/1/reveal"),
                Some(STAFF),
            )
            .json(&json!({"signature": SIGNATURE_123}))
            .send()
            .unwrap();
        assert_eq!(res.status(), 201);
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let b = rt.block_on(async {
        let b = Browser::start().await;
        b.client.goto(&page).await.expect("open the page");
        let url = b.client.current_url().await.expect("url");
        assert_eq!(
            url.path(),
            format!("/sites/{site}/draws/1"),
            "no login asked"
        );
        let round = b
            .client
            .find(Locator::Css("#commitment"))
            .await
            .expect("the commitment")
            .text()
            .await
            .expect("text");
        assert!(round.contains("123") && round.contains("2023-08-23T15:15:33Z"));
        // The countdown runs from the server's (rehearsal) clock: about 15 minutes.
        let left = b
            .js("return document.getElementById('countdown').textContent;")
            .await;
        assert!(left.as_str().unwrap_or("").contains("15m"), "{left}");
        assert!(b.client.find(Locator::Css("#pending")).await.is_ok());
        b
    });
    reveal();
    rt.block_on(async {
        b.client.goto(&page).await.expect("reload");
        let rows = b
            .js("return document.querySelectorAll('#lottery tbody tr').length;")
            .await;
        assert_eq!(rows.as_u64(), Some(2));
        let notice = b
            .client
            .find(Locator::Css("#notice"))
            .await
            .expect("the notice")
            .text()
            .await
            .expect("text");
        assert!(notice.contains("B1-1-101"));
        // The stylesheet sets an A4 page for printing.
        let a4 = b
            .js("return Array.from(document.styleSheets).some(s => Array.from(s.cssRules).some(r => r instanceof CSSPageRule && r.style.getPropertyValue('size').toLowerCase() === 'a4'));")
            .await;
        assert_eq!(a4.as_bool(), Some(true));
        let errors = b.console_errors().await;
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        b.screenshot("public-draw").await;
        b.stop().await;
    });
}
