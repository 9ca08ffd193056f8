//! Stateless endpoints: validate a layout, solve posted inputs.

use super::allocations::{negotiate, solve_failure, Rendered};
use super::dto::FormatQuery;
use super::error::{
    declare, endpoint, AuthError, BodyError, Internal, Invalid, NotAcceptable, Overloaded,
    SolveTimeout,
};
use super::lang;
use super::{body, with_time_limit};
use crate::service::allocations;
use crate::service::allocations::Rendering;
use crate::service::inputs::{self, SolveRequest, ValidationView};
use actix_web::web::{self, Payload};
use actix_web::HttpResponse;

endpoint! {
    /// Why `POST /v1/validate` fails.
    ValidateError {
        Auth(AuthError) [declare::TOKEN],
        /// A `?format=` other than json or svg (406).
        Format(NotAcceptable) { 406: "A `?format=` other than json or svg" },
        Body(BodyError) [declare::JSON_BODY],
        /// Every error (and warning) of the layout (422).
        Invalid(Invalid) { 422: "Every error (and warning) found" },
        /// The validation took longer than the limit (503).
        Timeout(SolveTimeout) { 503: "The validation took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    post "/v1/validate", tag = "stateless", role = Viewer,
    ok(status = 200, description = "No errors; the warnings. With `?format=svg`: the plan as SVG, errors drawn in red and warnings in orange on their features (counts in the `Allot-Errors` and `Allot-Warnings` headers), whenever the layout loads", body = ValidationView),
    params(FormatQuery),
    request_body(content = Object, content_type = "application/json", description = "A site layout; or `{\"layout\": …, \"policy\": …}` to check chargers against the policy's cable limit");
    /// Checks a layout against the geometry rules. `?format=svg` answers the
    /// plan with the problems drawn on it (200 whenever the layout loads, since
    /// the picture is the answer; a layout that does not load is still 422).
    pub async fn validate(state, req, payload: Payload, query: web::Query<FormatQuery>) {
        let svg = match query
            .format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("json") => false,
            Some("svg") => true,
            Some(other) => {
                return Err(NotAcceptable(format!(
                    "format `{other}` is not offered here; use json or svg"
                ))
                .into())
            }
        };
        let value = body::read_json::<ValidateError>(&req, payload, state.body_limit, &state.limits).await?;
        state.limits.request(&value)?;
        if svg {
            let lang = lang::of_request(&req).unwrap_or_default();
            let (svg, report) = with_time_limit(&state, move || -> Result<_, ValidateError> {
                Ok(inputs::layout_svg_request(value, lang)?)
            })
            .await?;
            return Ok(HttpResponse::Ok()
                .content_type("image/svg+xml")
                .insert_header(("Allot-Errors", report.errors.len().to_string()))
                .insert_header(("Allot-Warnings", report.warnings.len().to_string()))
                .body(svg));
        }
        let view = with_time_limit(&state, move || -> Result<_, ValidateError> {
            Ok(inputs::validate_request(value)?)
        })
        .await?;
        Ok(HttpResponse::Ok().json(view))
    }
}

endpoint! {
    /// Why `POST /v1/solve` fails.
    SolveError {
        Auth(AuthError) [declare::TOKEN],
        /// No rendering the client accepts (406).
        Format(NotAcceptable) { 406: "No acceptable rendering" },
        Body(BodyError) [declare::JSON_BODY],
        /// A request of the wrong shape, inputs that break rules (every
        /// problem listed), or a policy nobody can satisfy (422).
        Invalid(Invalid) { 422: "A request of the wrong shape, inputs that break rules (every problem listed), or a policy nobody can satisfy" },
        /// The solve took longer than the limit (503).
        Timeout(SolveTimeout) { 503: "The solve took longer than the limit" },
        /// Too many heavy requests at once (503, `Retry-After`).
        Busy(Overloaded) [declare::BUSY],
    }
    post "/v1/solve", tag = "stateless", role = Viewer,
    ok(status = 200, description = "The allocation (`?format=` or `Accept` picks the rendering)", body = Object),
    params(FormatQuery),
    request_body(content = SolveRequest, content_type = "application/json");
    /// Allocates posted inputs without storing anything.
    pub async fn solve(state, req, payload: Payload, query: web::Query<FormatQuery>) {
        let format = negotiate(&req, query.format.as_deref())?;
        let value = body::read_json::<SolveError>(&req, payload, state.body_limit, &state.limits).await?;
        state.limits.request(&value)?;
        let input = inputs::solve_inputs(value)?;
        let lang = lang::asked(&req, query.lang.as_deref())?;
        let rendered = with_time_limit(&state, move || -> Result<_, SolveError> {
            let allocation = inputs::solve(&input).map_err(solve_failure::<SolveError>)?;
            let rendering = Rendering::of(format, lang);
            let body = allocations::render(rendering, &allocation, None, || {
                inputs::load_site(&input.layout).map_err(SolveError::from)
            })?;
            Ok(Rendered {
                format,
                body: body.into(),
                filename: format.filename(&allocation.site),
            })
        })
        .await?;
        Ok(rendered.response())
    }
}

impl From<crate::service::Corrupt> for SolveError {
    fn from(c: crate::service::Corrupt) -> Self {
        Internal::from(c).into()
    }
}
