//! The OpenAPI document against the handlers' error declarations.

use allot::api::error::Declared;
use allot::api::openapi::ApiDoc;
use allot::api::webui::PageError;
use allot::api::{allocations, draws, history, ops, sites, stateless};
use std::collections::BTreeSet;
use utoipa::OpenApi;

/// Every documented operation, its success status and its handler's error enum.
fn operations() -> Vec<(&'static str, &'static str, u16, Vec<Declared>)> {
    vec![
        ("get", "/healthz", 200, ops::HealthError::declared()),
        ("get", "/openapi.json", 200, Vec::new()),
        (
            "post",
            "/v1/validate",
            200,
            stateless::ValidateError::declared(),
        ),
        ("post", "/v1/solve", 200, stateless::SolveError::declared()),
        ("post", "/v1/sites", 201, sites::CreateSiteError::declared()),
        ("get", "/v1/sites", 200, sites::ListSitesError::declared()),
        (
            "get",
            "/v1/sites/{site}",
            200,
            sites::GetSiteError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/revisions/{revision}",
            200,
            sites::GetRevisionError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/layout",
            200,
            sites::GetLayoutError::declared(),
        ),
        (
            "put",
            "/v1/sites/{site}/layout",
            200,
            sites::PutLayoutError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/households",
            200,
            sites::GetHouseholdsError::declared(),
        ),
        (
            "put",
            "/v1/sites/{site}/households",
            200,
            sites::PutHouseholdsError::declared(),
        ),
        (
            "patch",
            "/v1/sites/{site}/households",
            200,
            sites::PatchHouseholdsError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/policy",
            200,
            sites::GetLayoutError::declared(),
        ),
        (
            "put",
            "/v1/sites/{site}/policy",
            200,
            sites::PutPolicyError::declared(),
        ),
        (
            "post",
            "/v1/sites/{site}/allocations",
            201,
            allocations::CreateAllocationError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/allocations",
            200,
            allocations::ListAllocationsError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/allocations/{id}",
            200,
            allocations::GetAllocationError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/allocations/{id}/diff/{other}",
            200,
            allocations::DiffAllocationsError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/households/{household}",
            200,
            allocations::HouseholdLookupError::declared(),
        ),
        (
            "post",
            "/v1/sites/{site}/draws",
            201,
            draws::CommitDrawError::declared(),
        ),
        (
            "post",
            "/v1/sites/{site}/draws/{draw}/reveal",
            201,
            draws::RevealDrawError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/draws",
            200,
            draws::ReadDrawError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/draws/{draw}",
            200,
            draws::ReadDrawError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/draws/{draw}/result",
            200,
            draws::ReadDrawError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/allocations/{id}/bundle",
            200,
            draws::BundleHttpError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/households/{household}/history",
            200,
            history::HistoryLookupError::declared(),
        ),
        (
            "get",
            "/v1/sites/{site}/simulate.svg",
            200,
            history::SimulateChartFailure::declared(),
        ),
    ]
}

#[test]
fn every_endpoint_documents_exactly_the_statuses_its_handler_error_declares() {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut listed = 0;
    for (method, path, success, declared) in operations() {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        let documented: BTreeSet<u16> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.parse().unwrap())
            .collect();
        let mut expected: BTreeSet<u16> = declared.iter().map(|d| d.status).collect();
        expected.insert(success);
        assert_eq!(documented, expected, "{method} {path}");
        listed += 1;
    }
    let all: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        listed, all,
        "an operation is missing from this test's table"
    );
}

#[test]
fn every_declared_status_is_one_its_failure_can_answer_and_every_guarded_endpoint_a_401() {
    let mut pages = PageError::declared();
    for (method, path, _, declared) in operations() {
        for d in &declared {
            assert!(
                d.possible.contains(&d.status),
                "{method} {path}: {} cannot answer {}",
                d.variant,
                d.status
            );
        }
        let statuses: BTreeSet<u16> = declared.iter().map(|d| d.status).collect();
        // Public: health, this document and the draws' public reads.
        let public = matches!(path, "/healthz" | "/openapi.json")
            || (method == "get" && path.starts_with("/v1/sites/{site}/draws"));
        if public {
            assert!(!statuses.contains(&401), "{method} {path} is public");
        } else {
            assert!(statuses.contains(&401), "{method} {path} documents no 401");
        }
        if !matches!(path, "/healthz" | "/openapi.json") {
            // Whatever touches the store or the blocking pool can fail on the server.
            assert!(statuses.contains(&500), "{method} {path} documents no 500");
        }
    }
    pages.retain(|d| !d.possible.contains(&d.status));
    assert_eq!(pages, Vec::new());
    let create = allocations::CreateAllocationError::declared();
    for status in [403, 415] {
        assert!(create.iter().any(|d| d.status == status), "{status}");
    }
}
