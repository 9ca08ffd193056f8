//! `api::allocations` handler errors.

use super::problem;
use actix_web::http::header;
use actix_web::test::TestRequest;
use allot::api::allocations::*;
use allot::api::auth::Role;
use allot::api::error::BadRequest;
use allot::api::error::NotAcceptable;
use allot::api::error::{AuthError, NotFound, SolveTimeout};
use allot::api::path_number;
use allot::model::Problem;
use allot::model::Rule;
use allot::service::inputs::SolveFailed;
use allot::service::page_size;
use allot::service::ReadError;
use allot::service::Rejected;
use allot::store::{AllocationInputs, AllocationMeta, AllocationRecord, StoreError};
use serde_json::Value;
use std::time::Duration;

#[test]
fn format_comes_from_the_query_then_the_best_accept_entry() {
    let req = TestRequest::default()
        .insert_header((
            header::ACCEPT,
            "text/html, application/geo+json;q=0.5, text/csv;q=0.9",
        ))
        .to_http_request();
    assert_eq!(negotiate(&req, None).unwrap(), Format::Csv);
    assert_eq!(negotiate(&req, Some("svg")).unwrap(), Format::Svg);
    assert!(matches!(
        negotiate(&req, Some("pdf")),
        Err(NotAcceptable(_))
    ));
    let html = TestRequest::default()
        .insert_header((header::ACCEPT, "text/html"))
        .to_http_request();
    assert!(matches!(negotiate(&html, None), Err(NotAcceptable(_))));
    let none = TestRequest::default().to_http_request();
    assert_eq!(negotiate(&none, None).unwrap(), Format::Json);
}

#[test]
fn an_allocation_race_on_create_allocation_is_a_409_and_a_slow_solve_a_503() {
    let race = CreateAllocationError::from(StoreError::AllocationRace {
        site: "s".into(),
        expected: None,
        current: Some(3),
    });
    let body = problem(&race, 409, "conflict");
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("Retry to allocate from the new latest")));
    let slow = CreateAllocationError::from(SolveTimeout(Duration::from_secs(2)));
    let body = problem(&slow, 503, "solve-timeout");
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("nothing was stored")));
}

#[test]
fn a_staff_token_giving_a_policy_on_create_allocation_is_a_403() {
    problem(
        &CreateAllocationError::from(AuthError::Forbidden {
            needed: Role::Planner,
            have: Role::Staff,
        }),
        403,
        "forbidden",
    );
}

#[test]
fn an_infeasible_policy_is_a_422_naming_the_rule_and_any_other_solver_failure_a_500() {
    let infeasible: CreateAllocationError = solve_failure(SolveFailed::Rejected(Rejected::new(
        "No allocation can satisfy the policy",
        vec![Problem::new(Rule::PolicyInfeasible, "too many pins").field("policy")],
    )));
    let body = problem(&infeasible, 422, "invalid-input");
    assert_eq!(body["title"], "No allocation can satisfy the policy");
    assert_eq!(body["errors"][0]["rule"], "policy-infeasible");
    assert_eq!(body["errors"][0]["field"], "policy");
    let inputs: CreateAllocationError = solve_failure(SolveFailed::Rejected(Rejected::new(
        "The inputs cannot be allocated",
        vec![Problem::new(Rule::R3Overlap, "m")],
    )));
    let body = problem(&inputs, 422, "invalid-input");
    assert_eq!(body["title"], "The inputs cannot be allocated");
    let broken: CreateAllocationError = solve_failure(SolveFailed::Solver("boom".into()));
    let body = problem(&broken, 500, "internal");
    assert_eq!(body["detail"], "the solver failed: boom");
}

#[test]
fn an_unacceptable_format_on_get_allocation_is_a_406_and_a_missing_one_a_404() {
    let none = TestRequest::default().to_http_request();
    let err = GetAllocationError::from(negotiate(&none, Some("pdf")).unwrap_err());
    let body = problem(&err, 406, "not-acceptable");
    assert_eq!(
        body["detail"],
        "format `pdf` is not offered; use json, csv, geojson, svg or xlsx"
    );
    let missing = GetAllocationError::from(StoreError::NoAllocation {
        site: "s".into(),
        id: 7,
    });
    let body = problem(&missing, 404, "not-found");
    assert_eq!(body["detail"], "site `s` has no allocation 7");
}

#[test]
fn a_non_numeric_id_on_diff_is_a_404_and_an_unreadable_allocation_a_500() {
    let err = DiffAllocationsError::from(path_number("latest", "allocation").unwrap_err());
    let body = problem(&err, 404, "not-found");
    assert_eq!(body["detail"], "no allocation `latest`");
    let record = AllocationRecord {
        meta: AllocationMeta {
            site: "s".into(),
            id: 1,
            created: "2026-12-06T00:00:00Z".into(),
            inputs: AllocationInputs::at_creation(None),
            seed: String::new(),
            summary: Value::Null,
        },
        policy: Value::Null,
        body: b"not json".to_vec(),
    };
    let err = DiffAllocationsError::from(ReadError::from(
        allot::service::documents::allocation(&record).unwrap_err(),
    ));
    problem(&err, 500, "internal");
}

#[test]
fn an_unknown_household_lookup_is_a_404_and_a_bad_list_limit_a_400() {
    problem(
        &HouseholdLookupError::from(NotFound("site `s` has no household `H9`".into())),
        404,
        "not-found",
    );
    problem(
        &ListAllocationsError::from(BadRequest::from(page_size(Some(501)).unwrap_err())),
        400,
        "bad-request",
    );
}
