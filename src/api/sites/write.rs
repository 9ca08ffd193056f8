//! The writes of a stored site under `If-Match`: layout, roster (whole or
//! patched) and policy. `service::sites` checks that the site stays
//! consistent and stores by compare-and-swap.

use super::{from_service, written};
use crate::api::auth::Role;
use crate::api::body::{self, MediaType};
use crate::api::dto::{RosterQuery, Written};
use crate::api::error::{
    declare, handler_error, AuthError, BodyError, Internal, Invalid, PreconditionError,
    StoreFailure,
};
use crate::api::{blocking, IfMatch, State};
use crate::input::roster::Roster;
use crate::service::sites::{self, Edit, PolicyScope, RosterUpload, WriteError};
use crate::store::StoreError;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};

/// A site write, declared once: its error enum (the same failures for
/// every write, each telling its role's 403, its body's statuses and its
/// 422), its OpenAPI operation (the site and `If-Match`, its own extra
/// parameters and body, the new head or the failures) and its handler,
/// which checks the role, reads `If-Match`, then runs its body, whose value
/// is the [`Edit`] that [`write_with`] hands to `service::sites::edit`.
macro_rules! site_write {
    (
        $(#[$emeta:meta])* $error:ident { 403: $forbidden:literal, body: $body:tt, 422: $invalid:literal }
        $method:ident $path:literal, [$($extra:tt)*]
        $(#[$meta:meta])* pub async fn $name:ident(
            $state:ident, $req:ident, $path_arg:ident $(, $arg:ident: $ty:ty)*;
            $role:pat = $needed:expr
        ) $handler:block
    ) => {
        handler_error! {
            $(#[$emeta])*
            pub enum $error {
                Auth(AuthError) { 401: "Missing or unknown bearer token", 403: $forbidden },
                /// `If-Match` missing (428), unreadable (400) or stale (412).
                IfMatch(PreconditionError) [declare::IF_MATCH],
                Body(BodyError) $body,
                Invalid(Invalid) { 422: $invalid },
                /// No such site (404); another write won meanwhile (412).
                Store(StoreFailure, from StoreError) [declare::SITE_WRITE],
            }
        }

        from_service!(write: $error);

        #[utoipa::path(
            $method, path = $path, tag = "sites",
            params(("site" = String, Path, description = "Site id"), ("If-Match" = String, Header, description = "The site's current ETag")),
            $($extra)*
            responses(
                (status = 200, description = "Stored as a new revision; `ETag` set", body = Written),
                $error,
            )
        )]
        $(#[$meta])*
        pub async fn $name(
            $state: State,
            $req: HttpRequest,
            $path_arg: web::Path<String>,
            $($arg: $ty,)*
        ) -> Result<HttpResponse, $error> {
            let $role = $state.access.require(&$req, $needed)?;
            let if_match = IfMatch::from_request(&$req)?;
            write_with(&$state, $path_arg, if_match, $handler).await
        }
    };
}

/// Runs a write of the service on the blocking pool, `If-Match` as its
/// precondition, and answers the new head.
async fn write_with<E>(
    state: &State,
    path: web::Path<String>,
    if_match: IfMatch,
    edit: Edit,
) -> Result<HttpResponse, E>
where
    E: From<WriteError> + From<Internal> + Send + 'static,
{
    let site = path.into_inner();
    let done = state
        .with_store(move |store| -> Result<_, E> {
            let matches = |revision: u64| if_match.matches(&site, revision);
            Ok(sites::edit(store, &site, &matches, edit)?)
        })
        .await?;
    Ok(written(done.state, done.warnings))
}

site_write! {
    /// Why `PUT /v1/sites/{site}/layout` fails.
    PutLayoutError {
        403: "Needs the planner role",
        body: [declare::JSON_BODY],
        422: "The layout breaks rules, is over an input limit, names another site, or no longer fits the roster or pins"
    }
    put "/v1/sites/{site}/layout",
    [request_body(content = Object, content_type = "application/json", description = "A site layout (FORMAT.md §1)"),]
    /// Replaces the layout (planner).
    pub async fn put_layout(state, req, path, payload: Payload; _ = Role::Planner) {
        let layout = body::read_json::<PutLayoutError>(&req, payload, state.body_limit, &state.limits).await?;
        state.limits.layout(&layout)?;
        Edit::Layout(layout)
    }
}

site_write! {
    /// Why `PUT /v1/sites/{site}/households` fails: malformed JSON (400), too
    /// large (413), neither JSON nor CSV (415); bad rows (every one listed),
    /// or households on unknown entrances or breaking pins (422).
    PutHouseholdsError {
        403: "Needs staff",
        body: { 400: "Malformed JSON", 413: "Body over the limit", 415: "Neither JSON, CSV nor .xlsx" },
        422: "Bad rows (every one listed), a roster over an input limit, or households on unknown entrances or breaking pins"
    }
    put "/v1/sites/{site}/households",
    [
        params(RosterQuery),
        request_body(description = "The whole roster (FORMAT.md §2): JSON; CSV or tab-separated text in UTF-8, UTF-16 with BOM or GB18030/GBK (`charset=` honoured); or an .xlsx workbook (README \"Rosters from Excel\"). The content decides the format.", content(("application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    ]
    /// Replaces the roster, as JSON, CSV or an .xlsx workbook (staff).
    pub async fn put_households(
        state, req, path, query: web::Query<RosterQuery>, payload: Payload;
        _ = Role::Staff
    ) {
        let allowed = [MediaType::Json, MediaType::Csv, MediaType::Spreadsheet];
        let media = body::media_type(&req, &allowed)?;
        let charset = body::charset(&req);
        let bytes = body::read(&req, payload, state.body_limit).await?;
        let sheet = query.into_inner().sheet;
        let limits = state.limits.clone();
        let roster: Roster = blocking(move || -> Result<_, PutHouseholdsError> {
            let upload = match media {
                MediaType::Csv | MediaType::Spreadsheet => {
                    // UTF-8 CSV is checked before parsing; other encodings and
                    // workbooks after decoding (below).
                    if media == MediaType::Csv && std::str::from_utf8(&bytes).is_ok() {
                        limits.roster_csv(&bytes)?;
                    }
                    RosterUpload::File {
                        bytes: bytes.to_vec(),
                        charset,
                        sheet,
                    }
                }
                MediaType::Json => {
                    limits.json_sizes(&bytes)?;
                    let value = body::json(&bytes)?;
                    limits.roster_json(&value)?;
                    RosterUpload::Json(value)
                }
            };
            let roster = sites::parse_roster(&upload)?;
            limits.households(&roster.households)?;
            Ok(roster)
        })
        .await?;
        Edit::Roster(roster)
    }
}

site_write! {
    /// Why `PATCH /v1/sites/{site}/households` fails: a patch of the wrong
    /// shape, bad upserts, unknown removals, or a result that breaks the
    /// site's rules (422).
    PatchHouseholdsError {
        403: "Needs staff",
        body: [declare::JSON_BODY],
        422: "Bad upserts, upserts over an input limit, unknown removals, or a result that breaks the site's rules"
    }
    patch "/v1/sites/{site}/households",
    [request_body(content = Object, content_type = "application/json", description = "`{\"upsert\": [households], \"remove\": [ids]}`"),]
    /// Adds, replaces and removes households (staff).
    pub async fn patch_households(state, req, path, payload: Payload; _ = Role::Staff) {
        let value =
            body::read_json::<PatchHouseholdsError>(&req, payload, state.body_limit, &state.limits).await?;
        state.limits.roster_patch(&value)?;
        let patch = sites::parse_patch(value)?;
        Edit::Patch(patch)
    }
}

site_write! {
    /// Why `PUT /v1/sites/{site}/policy` fails: 403 for viewers, and for
    /// staff changing more than the pins; unknown fields or values, bad pins,
    /// or a cable limit the layout breaks (422).
    PutPolicyError {
        403: "Viewers; staff changing more than `pins`",
        body: [declare::JSON_BODY],
        422: "Unknown fields or values, bad pins, or a cable limit the layout breaks"
    }
    put "/v1/sites/{site}/policy",
    [request_body(content = Object, content_type = "application/json", description = "A policy (FORMAT.md §3)"),]
    /// Replaces the policy (planner; staff may change the pins only).
    pub async fn put_policy(state, req, path, payload: Payload; role = Role::Staff) {
        let value = body::read_json::<PutPolicyError>(&req, payload, state.body_limit, &state.limits).await?;
        let scope = if role < Role::Planner {
            PolicyScope::PinsOnly
        } else {
            PolicyScope::Everything
        };
        Edit::Policy(value, scope)
    }
}
