//! `POST /v1/sites/{site}/allocations`: allocate the site's latest revision.

use super::solve_failure;
use crate::api::auth::{at_least, Role};
use crate::api::error::{
    declare, endpoint, AuthError, BodyError, Internal, Invalid, Overloaded, SolveTimeout,
    StoreFailure,
};
use crate::api::sites::from_service;
use crate::api::{body, with_time_limit};
use crate::model::Rule;
use crate::service::allocations::{self, AllocateError, AllocateRequest, Run};

use crate::store::StoreError;
use actix_web::http::header;
use actix_web::web::{self, Payload};
use actix_web::HttpResponse;

endpoint! {
    /// Why `POST /v1/sites/{site}/allocations` fails.
    CreateAllocationError {
        /// 401; 403 for viewers, and for staff giving a policy.
        Auth(AuthError) { 401: "Missing or unknown bearer token", 403: "Viewers; staff giving a policy" },
        Body(BodyError) [declare::JSON_BODY],
        /// A request of the wrong shape, inputs that break a rule, or a policy
        /// nobody can satisfy (422).
        Invalid(Invalid) { 422: "A request of the wrong shape, inputs that break a rule, or a policy nobody can satisfy" },
        /// No such site (404); another allocation was stored meanwhile (409).
        Store(StoreFailure, from StoreError) { 404: "No such site", 409: "Another allocation was stored meanwhile", 503: "The database is busy", 500: "The database failed" },
        /// The solve took longer than the limit (503).
        Timeout(SolveTimeout) { 503: "The solve took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    post "/v1/sites/{site}/allocations", tag = "allocations", role = Staff as role,
    ok(status = 201, description = "The allocation, stored; `Location` names it", body = Object),
    params(("site" = String, Path, description = "Site id")),
    request_body(content = AllocateRequest, content_type = "application/json", description = "Optional: a policy and/or seed for this run; an empty body uses the stored ones");
    /// Allocates the site's latest revision (staff); the latest allocation is `previous`.
    pub async fn create_allocation(state, req, path: web::Path<String>, payload: Payload) {
        let site = path.into_inner();
        let request: AllocateRequest = body::read_as::<_, CreateAllocationError>(
            &req,
            payload,
            state.body_limit,
            Some(AllocateRequest::default()),
            "The request is not `{\"policy\"?: …, \"seed\"?: …}`",
            Rule::AllocateShape,
        )
        .await?;
        if request.policy.is_some() {
            // A run under another policy becomes the site's latest allocation:
            // that is a planner's decision (staff may still give a seed).
            at_least(role, Role::Planner)?;
        }
        let run = Run::from(request);
        let site_id = site.clone();
        let prepared = state
            .with_store(move |store| -> Result<_, CreateAllocationError> {
                Ok(allocations::prepare(store, &site_id, run)?)
            })
            .await?;
        let (prepared, allocation) =
            with_time_limit(&state, move || -> Result<_, CreateAllocationError> {
                let allocation =
                    allocations::solve(&prepared).map_err(solve_failure::<CreateAllocationError>)?;
                Ok((prepared, allocation))
            })
            .await?;
        let (meta, bytes) = state
            .with_store(move |store| -> Result<_, CreateAllocationError> {
                Ok(allocations::record(store, &prepared, &allocation)?)
            })
            .await?;
        Ok(HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/v1/sites/{site}/allocations/{}", meta.id),
            ))
            .insert_header(("Allocation-Id", meta.id.to_string()))
            .content_type("application/json")
            .body(bytes))
    }
}

from_service!(read: CreateAllocationError);

impl From<AllocateError> for CreateAllocationError {
    fn from(e: AllocateError) -> Self {
        match e {
            AllocateError::Store(s) => s.into(),
            AllocateError::Solve(f) => super::solve_failure(f),
            AllocateError::Corrupt(c) => Internal::from(c).into(),
        }
    }
}
