//! `api::stateless` and `api::ops` handler errors.

use super::problem;
use allot::api::error::*;
use allot::api::ops::HealthError;
use allot::api::stateless::*;
use allot::model::{Problem, Rule};
use std::time::Duration;
#[test]
fn a_broken_layout_on_validate_is_a_422_with_its_errors_and_warnings() {
    let err = ValidateError::from(Invalid::layout(
        vec![Problem::new(Rule::R3Overlap, "overlap")],
        vec![Problem::new(Rule::WUnreachableByWalk, "close")],
    ));
    let body = problem(&err, 422, "invalid-input");
    assert_eq!(body["title"], "The layout breaks the geometry rules");
    assert_eq!(body["errors"][0]["rule"], "R3-overlap");
    assert_eq!(body["warnings"][0]["rule"], "W-unreachable-by-walk");
}

#[test]
fn an_unknown_format_on_validate_is_a_406_and_a_slow_one_a_503() {
    problem(
        &ValidateError::from(NotAcceptable("format `pdf` is not offered here".into())),
        406,
        "not-acceptable",
    );
    problem(
        &ValidateError::from(SolveTimeout(Duration::from_secs(1))),
        503,
        "solve-timeout",
    );
}

#[test]
fn a_request_of_the_wrong_shape_on_solve_is_a_422_and_a_non_json_body_a_415() {
    let err = SolveError::from(Invalid::new(
        "`previous` is not an allocation",
        vec![Problem::new(Rule::PreviousShape, "expected a map").field("previous")],
    ));
    let body = problem(&err, 422, "invalid-input");
    assert_eq!(body["errors"][0]["field"], "previous");
    problem(
        &SolveError::from(BodyError::UnsupportedMediaType {
            got: "text/csv".into(),
            expected: "application/json (or application/geo+json)",
        }),
        415,
        "unsupported-media-type",
    );
    problem(
        &SolveError::from(AuthError::Unauthorized(
            "send `Authorization: Bearer <token>`",
        )),
        401,
        "unauthorized",
    );
}

#[test]
fn a_database_that_does_not_answer_makes_healthz_a_503() {
    let err = HealthError::Unavailable(Unavailable("the database does not answer: x".into()));
    let body = problem(&err, 503, "unavailable");
    assert_eq!(body["detail"], "the database does not answer: x");
    problem(
        &HealthError::from(Internal("a worker thread failed".into())),
        500,
        "internal",
    );
}
