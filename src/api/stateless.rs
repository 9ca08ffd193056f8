//! Stateless endpoints: validate a layout, solve posted inputs.

use super::allocations::{accept_language, negotiate, render, solver_failure};
use super::auth::Role;
use super::core::{self, HouseholdsInput, SolveFailure, SolveInput};
use super::dto::{FormatQuery, SolveRequest, ValidationView};
use super::error::{ApiError, ProblemDetails};
use super::{body, with_time_limit, State};
use crate::model::{Allocation, Problem};
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

#[utoipa::path(
    post, path = "/v1/validate", tag = "stateless",
    params(FormatQuery),
    request_body(content = Object, content_type = "application/json", description = "A site layout; or `{\"layout\": …, \"policy\": …}` to check chargers against the policy's cable limit"),
    responses(
        (status = 200, description = "No errors; the warnings. With `?format=svg`: the plan as SVG, errors drawn in red and warnings in orange on their features (counts in the `Allot-Errors` and `Allot-Warnings` headers), whenever the layout loads", body = ValidationView),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Every error (and warning) found", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Checks a layout against the geometry rules. `?format=svg` answers the
/// plan with the problems drawn on it (200 whenever the layout loads, since
/// the picture is the answer; a layout that does not load is still 422).
pub async fn validate(
    state: State,
    req: HttpRequest,
    payload: Payload,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let svg = match query
        .format
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("json") => false,
        Some("svg") => true,
        Some(other) => {
            return Err(ApiError::NotAcceptable(format!(
                "format `{other}` is not offered here; use json or svg"
            )))
        }
    };
    let value = body::read_json(&req, payload, state.body_limit).await?;
    if svg {
        let lang = accept_language(&req);
        let drawn = with_time_limit(state.solve_timeout, move || {
            let wrapped = value.get("type").is_none() && value.get("layout").is_some();
            let (layout, policy) = if wrapped {
                (
                    value.get("layout").cloned().unwrap_or(Value::Null),
                    value.get("policy").cloned(),
                )
            } else {
                (value, None)
            };
            Ok(
                match core::layout_svg(&layout, policy.as_ref(), lang.as_deref()) {
                    Some(drawn) => Ok(drawn),
                    None => Err(core::validate_layout(&layout, policy.as_ref())),
                },
            )
        })
        .await?;
        return match drawn {
            Ok((svg, report)) => Ok(HttpResponse::Ok()
                .content_type("image/svg+xml")
                .insert_header(("Allot-Errors", report.errors.len().to_string()))
                .insert_header(("Allot-Warnings", report.warnings.len().to_string()))
                .body(svg)),
            Err(report) => Err(ApiError::Invalid {
                title: "The layout breaks the geometry rules",
                problems: report.errors,
                warnings: report.warnings,
            }),
        };
    }
    let report = with_time_limit(state.solve_timeout, move || {
        let wrapped = value.get("type").is_none() && value.get("layout").is_some();
        Ok(if wrapped {
            let layout = value.get("layout").cloned().unwrap_or(Value::Null);
            core::validate_layout(&layout, value.get("policy"))
        } else {
            core::validate_layout(&value, None)
        })
    })
    .await?;
    if report.errors.is_empty() {
        Ok(HttpResponse::Ok().json(ValidationView {
            errors: Vec::new(),
            warnings: report.warnings,
        }))
    } else {
        Err(ApiError::Invalid {
            title: "The layout breaks the geometry rules",
            problems: report.errors,
            warnings: report.warnings,
        })
    }
}

#[utoipa::path(
    post, path = "/v1/solve", tag = "stateless",
    params(FormatQuery),
    request_body(content = SolveRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The allocation (`?format=` or `Accept` picks the rendering)", body = Object),
        (status = 400, description = "Malformed JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable rendering", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The inputs break rules: every problem listed", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The solve took longer than the limit", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
/// Allocates posted inputs without storing anything.
pub async fn solve(
    state: State,
    req: HttpRequest,
    payload: Payload,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    state.access.require(&req, Role::Viewer)?;
    let format = negotiate(&req, query.format.as_deref())?;
    let value = body::read_json(&req, payload, state.body_limit).await?;
    let request: SolveRequest = serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(
            "The request is not `{\"layout\", \"households\", \"policy\"?, \"previous\"?, \"seed\"?}`",
            vec![Problem::new("solve-shape", e.to_string())],
        )
    })?;
    let previous: Option<Allocation> = match request.previous {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value(v).map_err(|e| {
            ApiError::invalid(
                "`previous` is not an allocation",
                vec![Problem::new("previous-shape", e.to_string()).field("previous")],
            )
        })?),
    };
    let input = SolveInput {
        layout: request.layout,
        households: HouseholdsInput::Json(request.households),
        policy: request.policy,
        previous,
        seed: request.seed,
    };
    let lang = accept_language(&req);
    let rendered = with_time_limit(state.solve_timeout, move || {
        let allocation = core::solve(&input).map_err(|f| match f {
            SolveFailure::Input(problems) => {
                ApiError::invalid("The inputs cannot be allocated", problems)
            }
            SolveFailure::Solver(m) => solver_failure(m),
        })?;
        render(format, &allocation, None, lang.as_deref(), || {
            core::load_site(&input.layout)
                .map_err(|p| ApiError::invalid("The layout cannot be loaded", p))
        })
    })
    .await?;
    Ok(rendered.response())
}
