//! The OpenAPI document, generated from the handlers' annotations.

use super::{allocations, draws, dto, error, history, ops, sites, stateless};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds the bearer-token scheme the handlers refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token configured with --tokens or ALLOT_TOKENS; roles planner ⊇ staff ⊇ viewer",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "allot",
        description = "Fair, explainable allocation of a residential compound's parking spaces, e-bike charging bays and garden plots. Errors are application/problem+json (RFC 9457)."
    ),
    paths(
        ops::healthz,
        ops::openapi_json,
        stateless::validate,
        stateless::solve,
        sites::create_site,
        sites::list_sites,
        sites::get_site,
        sites::get_revision,
        sites::get_layout,
        sites::put_layout,
        sites::get_households,
        sites::put_households,
        sites::patch_households,
        sites::get_policy,
        sites::put_policy,
        allocations::create_allocation,
        allocations::list_allocations,
        allocations::get_allocation,
        allocations::diff_allocations,
        allocations::get_household,
        draws::commit_draw,
        draws::reveal_draw,
        draws::list_draws,
        draws::get_draw,
        draws::draw_result,
        draws::get_bundle,
        history::household_history,
        history::simulate_chart,
    ),
    components(schemas(
        error::ProblemDetails,
        dto::SiteView,
        dto::Created,
        dto::Written,
        dto::SitePage,
        dto::RevisionView,
        dto::RosterPatch,
        dto::AllocateRequest,
        dto::SolveRequest,
        dto::ValidationView,
        dto::AllocationSummary,
        dto::AllocationPage,
        dto::Moved,
        dto::Change,
        dto::DiffView,
        dto::HouseholdView,
        dto::Health,
        draws::CommitBody,
        draws::SeedSourceBody,
        draws::DrandBody,
        draws::RevealBody,
        draws::DrawPage,
        crate::service::history::History,
        crate::service::history::HistoryEntry,
        crate::service::history::KindStanding,
        crate::service::history::Held,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "stateless", description = "Validate and solve without storing"),
        (name = "sites", description = "Stored sites and their revisions"),
        (name = "allocations", description = "Stored allocations, renderings, diffs, households"),
        (name = "draws", description = "Public draws (commit, reveal, public results) and verification bundles"),
        (name = "operations", description = "Health and this document"),
    )
)]
pub struct ApiDoc;
