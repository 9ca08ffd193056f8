//! `api::sites` handler errors.

use super::{answer, problem};
use allot::api::auth::Role;
use allot::api::error::BadRequest;
use allot::api::error::{AuthError, BodyError, Invalid, PreconditionError};
use allot::api::path_number;
use allot::api::sites::*;
use allot::model::Household;
use allot::model::Problem;
use allot::model::Rule;
use allot::service::page_size;
use allot::service::sites::{apply_patch, RosterPatch};
use allot::store::StoreError;

#[test]
fn a_stale_if_match_on_put_layout_is_a_412_naming_the_current_revision() {
    let stale = PutLayoutError::from(PreconditionError::Stale {
        site: "s".into(),
        current: 4,
    });
    let body = problem(&stale, 412, "stale-revision");
    assert_eq!(body["current_revision"], 4);
    assert_eq!(body["current_etag"], "\"s-r4\"");
    assert_eq!(answer(&stale).etag.as_deref(), Some("\"s-r4\""));
    // A writer that lost the compare-and-swap gets the same answer.
    let lost = PutLayoutError::from(StoreError::Stale {
        site: "s".into(),
        expected: 3,
        current: 4,
    });
    assert_eq!(answer(&lost).body, answer(&stale).body);
}

#[test]
fn a_layout_breaking_the_geometry_rules_on_put_layout_is_a_422_with_errors_and_warnings() {
    let err = PutLayoutError::from(Invalid::layout(
        vec![Problem::new(Rule::R1ValidPolygon, "bad")],
        vec![Problem::new(Rule::WAccessibleShare, "odd")],
    ));
    let body = problem(&err, 422, "invalid-input");
    assert_eq!(body["title"], "The layout breaks the geometry rules");
    assert_eq!(body["errors"][0]["rule"], "R1-valid-polygon");
    assert_eq!(body["warnings"][0]["rule"], "W-accessible-share");
}

#[test]
fn a_missing_if_match_on_put_households_is_a_428_and_a_text_upload_a_415() {
    problem(
        &PutHouseholdsError::from(PreconditionError::Required),
        428,
        "precondition-required",
    );
    let body = problem(
        &PutHouseholdsError::from(BodyError::UnsupportedMediaType {
            got: "text/plain".into(),
            expected: "application/json or text/csv",
        }),
        415,
        "unsupported-media-type",
    );
    assert_eq!(
        body["detail"],
        "media type `text/plain` is not accepted here; send application/json or text/csv"
    );
}

#[test]
fn a_patch_removing_unknown_households_is_a_422_on_patch_households() {
    let patch = RosterPatch {
        upsert: Vec::new(),
        remove: vec!["H7".into()],
    };
    let err = match apply_patch(&[Household::new("H1", "B1", "1")], &patch) {
        Err(e) => PatchHouseholdsError::from(e),
        Ok(_) => panic!("an unknown removal must be refused"),
    };
    let body = problem(&err, 422, "invalid-input");
    assert_eq!(body["title"], "The patch cannot be applied");
    assert_eq!(body["errors"][0]["rule"], "patch-remove-unknown");
    assert_eq!(body["errors"][0]["field"], "remove");
}

#[test]
fn a_staff_token_changing_more_than_the_pins_on_put_policy_is_a_403() {
    let err = PutPolicyError::from(AuthError::Forbidden {
        needed: Role::Planner,
        have: Role::Staff,
    });
    let body = problem(&err, 403, "forbidden");
    assert_eq!(
        body["detail"],
        "this needs the planner role; the token has staff"
    );
    assert_eq!(answer(&err).www_authenticate, None);
}

#[test]
fn a_taken_site_id_on_create_site_is_a_409_saying_how_to_replace_the_layout() {
    let err = CreateSiteError::from(StoreError::SiteExists("yx".into()));
    let body = problem(&err, 409, "conflict");
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("PUT /v1/sites/yx/layout")));
    problem(
        &CreateSiteError::from(BodyError::TooLarge { limit: 8 }),
        413,
        "body-too-large",
    );
}

#[test]
fn reading_a_missing_site_or_revision_is_a_404_on_every_get() {
    let no_site = || StoreError::NoSite("nope".into());
    problem(&GetSiteError::from(no_site()), 404, "not-found");
    problem(&GetLayoutError::from(no_site()), 404, "not-found");
    let body = problem(
        &GetRevisionError::from(StoreError::NoRevision {
            site: "s".into(),
            revision: 9,
        }),
        404,
        "not-found",
    );
    assert_eq!(body["detail"], "site `s` has no revision 9");
    problem(
        &GetRevisionError::from(path_number("x", "revision").unwrap_err()),
        404,
        "not-found",
    );
}

#[test]
fn a_viewer_reading_households_is_a_403() {
    problem(
        &GetHouseholdsError::from(AuthError::Forbidden {
            needed: Role::Staff,
            have: Role::Viewer,
        }),
        403,
        "forbidden",
    );
}

#[test]
fn a_bad_limit_on_list_sites_is_a_400_and_a_busy_database_a_503() {
    let err = ListSitesError::from(BadRequest::from(page_size(Some(0)).unwrap_err()));
    let body = problem(&err, 400, "bad-request");
    assert_eq!(body["detail"], "limit must be between 1 and 500, not 0");
    problem(
        &ListSitesError::from(StoreError::Busy("locked".into())),
        503,
        "unavailable",
    );
}
