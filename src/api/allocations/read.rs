//! The reads of stored allocations: the list, one in a rendering, the diff
//! of two, and a household's standing in the latest.

use super::{negotiate, Rendered};
use crate::api::auth::Role;
use crate::api::dto::{AllocationListQuery, AllocationPage, AllocationSummary, FormatQuery};
use crate::api::error::{
    declare, endpoint, AuthError, BadRequest, Internal, NotAcceptable, NotFound, StoreFailure,
};
use crate::api::lang;
use crate::api::sites::from_service;
use crate::api::{path_number, site_and_number};
use crate::service::allocations::{self, StandingError};
use crate::service::allocations::{DiffView, HouseholdView, Rendering};
use crate::service::page_size;
use crate::service::ReadError;

use crate::store::StoreError;
use actix_web::web;
use actix_web::HttpResponse;
use std::sync::Arc;

from_service!(read: GetAllocationError, DiffAllocationsError);

endpoint! {
    /// Why `GET /v1/sites/{site}/allocations` fails.
    ListAllocationsError {
        Auth(AuthError) [declare::TOKEN],
        /// A `limit` outside 1–500 (400).
        Paging(BadRequest) { 400: "Bad paging parameters" },
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
    }
    get "/v1/sites/{site}/allocations", tag = "allocations", role = Viewer,
    ok(status = 200, description = "Allocations, newest first: id, created, revisions used, headline metrics", body = AllocationPage),
    params(("site" = String, Path, description = "Site id"), AllocationListQuery);
    /// Lists a site's allocations.
    pub async fn list_allocations(
        state, req, path: web::Path<String>, query: web::Query<AllocationListQuery>
    ) {
        let limit = page_size(query.limit).map_err(BadRequest::from)?;
        let before = query.before;
        let site = path.into_inner();
        let (rows, next) = state
            .with_store(move |store| -> Result<_, ListAllocationsError> {
                Ok(allocations::list(store, &site, before, limit)?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(AllocationPage {
            allocations: rows.into_iter().map(AllocationSummary::from).collect(),
            next,
        }))
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/allocations/{id}` fails.
    GetAllocationError {
        Auth(AuthError) [declare::TOKEN],
        /// An id that is not a number (404).
        Path(NotFound) { 404: "An id that is not a number" },
        /// No rendering the client accepts (406).
        Format(NotAcceptable) { 406: "No acceptable rendering" },
        /// No such site or allocation (404).
        Store(StoreFailure, from StoreError) [declare::ALLOCATION],
    }
    get "/v1/sites/{site}/allocations/{id}", tag = "allocations", role = Viewer as role,
    ok(status = 200, description = "The allocation", content(
                (Object = "application/json"), (String = "text/csv"), (Object = "application/geo+json"), (String = "image/svg+xml"))),
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "Allocation id"), FormatQuery);
    /// One allocation, as JSON, CSV, GeoJSON or SVG.
    pub async fn get_allocation(
        state, req, path: web::Path<(String, String)>, query: web::Query<FormatQuery>
    ) {
        // Viewers get the public view (report::public): no reasons, no private bases.
        let public = role < Role::Staff;
        let (site, id) = site_and_number(path, "allocation")?;
        let format = negotiate(&req, query.format.as_deref())?;
        let rendering = Rendering::of(format, lang::asked(&req, query.lang.as_deref())?);
        // The rendering (its language included) and the view name the bytes.
        let view = format!("{rendering:?}{}", if public { "|public" } else { "" });
        let key = (site.clone(), id, format.content_type(), view);
        if let Some(hit) = state.cache.get(&key) {
            return Ok(hit.response());
        }
        let (body, allocation_site) = state
            .with_store(move |store| -> Result<_, GetAllocationError> {
                Ok(allocations::render_stored(
                    store, &site, id, rendering, public,
                )?)
            })
            .await?;
        let rendered = Arc::new(Rendered {
            format,
            body: body.into(),
            filename: format.filename(&allocation_site),
        });
        state.cache.put(key, rendered.clone());
        Ok(rendered.response())
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/allocations/{id}/diff/{other}` fails.
    DiffAllocationsError {
        Auth(AuthError) [declare::TOKEN],
        /// An id that is not a number (404).
        Path(NotFound) { 404: "An id that is not a number" },
        /// No such site or allocation (404).
        Store(StoreFailure, from StoreError) [declare::ALLOCATION],
    }
    get "/v1/sites/{site}/allocations/{id}/diff/{other}", tag = "allocations", role = Viewer as role,
    ok(status = 200, description = "Who moved, gained and lost, per kind", body = DiffView),
    params(("site" = String, Path, description = "Site id"), ("id" = u64, Path, description = "The earlier allocation"), ("other" = u64, Path, description = "The later allocation"));
    /// What changed from allocation `id` to allocation `other`.
    pub async fn diff_allocations(state, req, path: web::Path<(String, String, String)>) {
        // Viewers get the diff of the public views (report::public).
        let public = role < Role::Staff;
        let (site, id, other) = path.into_inner();
        let id = path_number(&id, "allocation")?;
        let other = path_number(&other, "allocation")?;
        let view: DiffView = state
            .with_store(move |store| -> Result<_, DiffAllocationsError> {
                Ok(allocations::diff_stored(store, &site, id, other, public)?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(view))
    }
}

endpoint! {
    /// Why `GET /v1/sites/{site}/households/{household}` fails.
    HouseholdLookupError {
        Auth(AuthError) [declare::TOKEN],
        /// The household is neither on the roster nor in the latest draw (404).
        Unknown(NotFound) { 404: "The household is neither on the roster nor in the latest draw" },
        /// No such site (404).
        Store(StoreFailure, from StoreError) [declare::SITE],
    }
    get "/v1/sites/{site}/households/{household}", tag = "allocations", role = Viewer as role,
    ok(status = 200, description = "What the household holds, its waitlist places and why (its roster record for staff)", body = HouseholdView),
    params(("site" = String, Path, description = "Site id"), ("household" = String, Path, description = "Household id"));
    /// A household's assignments, waitlist places and reasons in the latest allocation.
    pub async fn get_household(state, req, path: web::Path<(String, String)>) {
        let (site, household) = path.into_inner();
        let lang = lang::of_request(&req).unwrap_or_default();
        let view: HouseholdView = state
            .with_store(move |store| -> Result<_, HouseholdLookupError> {
                Ok(allocations::standing(
                    store,
                    &site,
                    &household,
                    role >= Role::Staff,
                    lang,
                )?)
            })
            .await?;
        Ok(HttpResponse::Ok().json(view))
    }
}

impl From<StandingError> for HouseholdLookupError {
    fn from(e: StandingError) -> Self {
        match e {
            StandingError::Read(ReadError::Store(s)) => s.into(),
            StandingError::Read(ReadError::Corrupt(c)) => Internal::from(c).into(),
            e @ StandingError::Unknown { .. } => NotFound(e.to_string()).into(),
        }
    }
}
