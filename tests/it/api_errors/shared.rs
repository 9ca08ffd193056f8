//! What every shared failure answers, byte for byte, and what a handler
//! error declares.

use super::answer;
use actix_web::body::MessageBody;
use actix_web::http::header;
use actix_web::HttpResponse;
use allot::api::auth::Role;
use allot::api::error::*;
use allot::model::{Problem, Rule};
use allot::store::StoreError;
use std::time::Duration;

#[test]
fn a_long_problem_list_is_cut_to_the_limit_and_counts_the_rest() {
    let many: Vec<Problem> = (0..250)
        .map(|i| Problem::new(Rule::R3Overlap, format!("p{i}")))
        .collect();
    let p = Invalid::layout(many.clone(), many[..120].to_vec()).problem();
    assert_eq!(
        (p.errors.len(), p.warnings.len()),
        (MAX_PROBLEMS, MAX_PROBLEMS)
    );
    assert_eq!(p.truncated, Some(150 + 20));
    let body = serde_json::to_value(&p).unwrap();
    assert_eq!(body["truncated"], 170);
    let short = Invalid::new("t", many[..3].to_vec()).problem();
    assert_eq!(short.truncated, None);
    assert!(serde_json::to_value(&short)
        .unwrap()
        .get("truncated")
        .is_none());
    let logged = format!("{:?}", Invalid::new("t", many));
    assert!(logged.len() < 400 && logged.contains("250"), "{logged}");
}

#[test]
fn an_overloaded_server_answers_503_with_retry_after() {
    let res = Overloaded {
        running: 2,
        retry_after: 5,
    }
    .problem()
    .response();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "5");
}
use actix_web::ResponseError;

fn one() -> Vec<Problem> {
    vec![Problem::new(Rule::R3Overlap, "m").field("f")]
}

#[test]
fn an_unknown_token_is_a_401_with_a_bearer_challenge() {
    let a = answer(&AuthError::Unauthorized("the bearer token is not known"));
    assert_eq!(a.status, 401);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(
        a.www_authenticate.as_deref(),
        Some("Bearer realm=\"allot\"")
    );
    assert_eq!(
        a.body,
        r#"{"type":"urn:allot:problem:unauthorized","title":"Missing or unknown bearer token","status":401,"detail":"the bearer token is not known"}"#
    );
}

#[test]
fn a_role_too_low_is_a_403_naming_both_roles_without_a_challenge() {
    let a = answer(&AuthError::Forbidden {
        needed: Role::Planner,
        have: Role::Staff,
    });
    assert_eq!(a.www_authenticate, None);
    assert_eq!(
        a.body,
        r#"{"type":"urn:allot:problem:forbidden","title":"The token's role may not do this","status":403,"detail":"this needs the planner role; the token has staff"}"#
    );
}

#[test]
fn body_failures_are_400_413_and_415_problems() {
    assert_eq!(
        answer(&BodyError::Malformed("bad".into())).body,
        r#"{"type":"urn:allot:problem:malformed-body","title":"The body is not well-formed","status":400,"detail":"bad"}"#
    );
    assert_eq!(
        answer(&BodyError::TooLarge { limit: 10 }).body,
        r#"{"type":"urn:allot:problem:body-too-large","title":"The body is too large","status":413,"detail":"the body is larger than the limit of 10 bytes"}"#
    );
    let a = answer(&BodyError::UnsupportedMediaType {
        got: "text/plain".into(),
        expected: "application/json (or application/geo+json)",
    });
    assert_eq!(
        a.body,
        r#"{"type":"urn:allot:problem:unsupported-media-type","title":"Unsupported media type","status":415,"detail":"media type `text/plain` is not accepted here; send application/json (or application/geo+json)"}"#
    );
}

#[test]
fn a_missing_if_match_is_a_428_and_an_unreadable_one_a_400() {
    assert_eq!(
        answer(&PreconditionError::Required).body,
        r#"{"type":"urn:allot:problem:precondition-required","title":"If-Match required","status":428,"detail":"this write needs an If-Match header with the site's ETag (GET the site first)"}"#
    );
    assert_eq!(
        answer(&PreconditionError::NotText).body,
        r#"{"type":"urn:allot:problem:bad-request","title":"The request is not understood","status":400,"detail":"the If-Match header is not text"}"#
    );
}

#[test]
fn a_stale_if_match_and_a_lost_compare_and_swap_are_the_same_412() {
    let stale = answer(&PreconditionError::Stale {
        site: "s".into(),
        current: 3,
    });
    assert_eq!(stale.etag.as_deref(), Some("\"s-r3\""));
    assert_eq!(
        stale.body,
        r#"{"type":"urn:allot:problem:stale-revision","title":"The site has changed since you read it","status":412,"detail":"site `s` is at revision 3; the If-Match header names another","current_revision":3,"current_etag":"\"s-r3\""}"#
    );
    let lost = answer(&StoreFailure(StoreError::Stale {
        site: "s".into(),
        expected: 2,
        current: 3,
    }));
    assert_eq!(lost.etag, stale.etag);
    assert_eq!(lost.body, stale.body);
}

#[test]
fn store_errors_are_404_409_503_or_500_with_the_old_details() {
    let cases = [
        (
            StoreError::NoSite("s".into()),
            r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"no site `s`"}"#,
        ),
        (
            StoreError::NoRevision {
                site: "s".into(),
                revision: 4,
            },
            r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"site `s` has no revision 4"}"#,
        ),
        (
            StoreError::NoAllocation {
                site: "s".into(),
                id: 5,
            },
            r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"site `s` has no allocation 5"}"#,
        ),
        (
            StoreError::SiteExists("s".into()),
            r#"{"type":"urn:allot:problem:conflict","title":"Conflict","status":409,"detail":"a site `s` exists already; change `site.id` in the layout, or PUT /v1/sites/s/layout to replace its layout"}"#,
        ),
        (
            StoreError::AllocationRace {
                site: "s".into(),
                expected: Some(1),
                current: Some(2),
            },
            r#"{"type":"urn:allot:problem:conflict","title":"Conflict","status":409,"detail":"site `s` got allocation Some(2) since this one was started from Some(1); another allocation was made meanwhile, so this one was not stored. Retry to allocate from the new latest"}"#,
        ),
        (
            StoreError::Busy("b".into()),
            r#"{"type":"urn:allot:problem:unavailable","title":"Temporarily unavailable","status":503,"detail":"the database is busy (b); retry shortly"}"#,
        ),
        (
            StoreError::Corrupt("x".into()),
            r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"stored data is unreadable: x"}"#,
        ),
        (
            StoreError::Database("d".into()),
            r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"database error: d"}"#,
        ),
    ];
    for (error, body) in cases {
        let a = answer(&StoreFailure(error));
        assert_eq!(a.body, body);
        assert_eq!(a.etag, None);
    }
}

#[test]
fn an_invalid_input_lists_every_problem_and_the_warnings_only_when_there_are_some() {
    let with = Invalid {
        title: "T",
        problems: one(),
        warnings: one(),
    };
    assert_eq!(
        answer(&with).body,
        r#"{"type":"urn:allot:problem:invalid-input","title":"T","status":422,"detail":"1 problem(s) found; each is listed in `errors`","errors":[{"field":"f","rule":"R3-overlap","message":"m"}],"warnings":[{"field":"f","rule":"R3-overlap","message":"m"}]}"#
    );
    assert_eq!(
        answer(&Invalid::new("T2", one())).body,
        r#"{"type":"urn:allot:problem:invalid-input","title":"T2","status":422,"detail":"1 problem(s) found; each is listed in `errors`","errors":[{"field":"f","rule":"R3-overlap","message":"m"}]}"#
    );
    assert_eq!(
        Invalid::layout(one(), Vec::new()).title,
        "The layout breaks the geometry rules"
    );
}

#[test]
fn a_timeout_is_a_503_saying_nothing_was_stored() {
    assert_eq!(
        answer(&SolveTimeout(Duration::from_millis(1500))).body,
        r#"{"type":"urn:allot:problem:solve-timeout","title":"Over the time limit","status":503,"detail":"the validation or solve took longer than the limit of 1.5 s; nothing was stored. Try again later, or ask the operator to raise --solve-timeout-secs"}"#
    );
}

#[test]
fn message_failures_answer_their_message_under_their_category() {
    let cases: [(&dyn Fn(String) -> HttpResponse, &str); 5] = [
        (
            &|m| BadRequest(m).error_response(),
            r#"{"type":"urn:allot:problem:bad-request","title":"The request is not understood","status":400,"detail":"m"}"#,
        ),
        (
            &|m| NotFound(m).error_response(),
            r#"{"type":"urn:allot:problem:not-found","title":"Not found","status":404,"detail":"m"}"#,
        ),
        (
            &|m| NotAcceptable(m).error_response(),
            r#"{"type":"urn:allot:problem:not-acceptable","title":"No acceptable rendering","status":406,"detail":"m"}"#,
        ),
        (
            &|m| Unavailable(m).error_response(),
            r#"{"type":"urn:allot:problem:unavailable","title":"Temporarily unavailable","status":503,"detail":"m"}"#,
        ),
        (
            &|m| Internal(m).error_response(),
            r#"{"type":"urn:allot:problem:internal","title":"Internal server error","status":500,"detail":"m"}"#,
        ),
    ];
    for (respond, body) in cases {
        let bytes = respond("m".into())
            .into_body()
            .try_into_bytes()
            .unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&bytes), body);
    }
}
