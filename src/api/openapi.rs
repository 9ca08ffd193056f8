//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

/// Adds the bearer-token scheme the handlers refer to.
pub struct BearerAuth;

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

/// The OpenAPI document of the operations in `api`'s route table
/// ([`super::routes`] comes from the same table); the schemas their bodies
/// name are collected from the operations, the rest listed here.
macro_rules! api_doc {
    ($($module:ident :: $handler:ident),+) => {
        #[derive(utoipa::OpenApi)]
        #[openapi(
            info(
                title = "allot",
                description = "Fair, explainable allocation of a residential compound's parking spaces, e-bike charging bays and garden plots. Errors are application/problem+json (RFC 9457)."
            ),
            paths($($module::$handler),+),
            components(schemas(
                error::ProblemDetails,
                crate::service::sites::RosterPatch,
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
    };
}
pub(crate) use api_doc;

pub use super::ApiDoc;
