//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::Modify;

/// Adds the bearer-token scheme, and requires it of every operation that
/// can answer 401 (its error enum declares that it checks the token).
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
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                if op.responses.responses.contains_key("401") {
                    let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
                    op.security = Some(vec![bearer]);
                }
            }
        }
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
