//! Stored allocations: making one (the site's latest counts as `previous`),
//! listing, renderings, diffs, and a household's standing. The rules are
//! `service::allocations`'; here: content negotiation and answers.

mod create;
mod read;

pub use create::*;
pub use read::*;

use super::error::{Internal, Invalid, NotAcceptable};
use crate::report::i18n::Lang;
use crate::service::allocations::Rendering;
use crate::service::inputs::SolveFailed;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

/// The `Accept-Language` header, for the SVG map's labels.
pub fn accept_language(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The language preference of a rendering: `?lang=` (`zh` or `en`) wins
/// over `Accept-Language`; any other `?lang=` is 406.
pub fn language(req: &HttpRequest, lang: Option<&str>) -> Result<Option<String>, NotAcceptable> {
    match lang {
        None => Ok(accept_language(req)),
        Some(code) => match Lang::parse(code) {
            Some(l) => Ok(Some(l.code().to_string())),
            None => Err(NotAcceptable(format!(
                "lang `{code}` is not offered; use zh or en"
            ))),
        },
    }
}

/// A rendering of an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Csv,
    GeoJson,
    Svg,
    /// An Excel workbook (`report::xlsx`); headers in `?lang=`, else
    /// `Accept-Language`, else English.
    Xlsx,
}

impl Format {
    fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "geojson" => Some(Format::GeoJson),
            "svg" => Some(Format::Svg),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    fn from_media(media: &str) -> Option<Format> {
        match media {
            "application/json" | "application/*" | "*/*" => Some(Format::Json),
            "text/csv" | "text/*" => Some(Format::Csv),
            "application/geo+json" => Some(Format::GeoJson),
            "image/svg+xml" | "image/*" => Some(Format::Svg),
            crate::report::xlsx::XLSX_MEDIA_TYPE => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The service's rendering of this format, in the language of an
    /// `Accept-Language` value: SVG labels in Chinese unless it prefers
    /// English, workbook headers in English without one.
    pub fn rendering(self, accept_language: Option<&str>) -> Rendering {
        match self {
            Format::Json => Rendering::Json,
            Format::Csv => {
                Rendering::Csv(accept_language.map_or(Lang::En, super::lang::from_accept_language))
            }
            Format::GeoJson => Rendering::GeoJson,
            Format::Svg => Rendering::Svg(lang_of(accept_language)),
            Format::Xlsx => {
                Rendering::Xlsx(accept_language.map_or(Lang::En, super::lang::from_accept_language))
            }
        }
    }

    /// The download name of a site's allocation in this format, for the
    /// formats sent as attachments.
    pub fn filename(self, site: &str) -> Option<String> {
        match self {
            Format::Csv => Some(format!("allocation-{site}.csv")),
            Format::Xlsx => Some(format!("allocation-{site}.xlsx")),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::Svg => "image/svg+xml",
            Format::Xlsx => crate::report::xlsx::XLSX_MEDIA_TYPE,
        }
    }
}

/// Picks the rendering: `?format=` wins; else the `Accept` entry with the
/// highest `q` that names a rendering (ties: the first listed); no `Accept`
/// means JSON. Nothing acceptable is 406.
pub fn negotiate(req: &HttpRequest, format: Option<&str>) -> Result<Format, NotAcceptable> {
    if let Some(name) = format {
        return Format::from_name(name).ok_or_else(|| {
            NotAcceptable(format!(
                "format `{name}` is not offered; use json, csv, geojson, svg or xlsx"
            ))
        });
    }
    let Some(accept) = req.headers().get(header::ACCEPT) else {
        return Ok(Format::Json);
    };
    let accept = accept.to_str().unwrap_or("");
    let mut best: Option<(u32, Format)> = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f64>().ok())
            .next()
            .unwrap_or(1.0);
        let q = (q.clamp(0.0, 1.0) * 1000.0).round() as u32;
        if q == 0 {
            continue;
        }
        if let Some(f) = Format::from_media(&media) {
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, f));
            }
        }
    }
    best.map(|(_, f)| f).ok_or_else(|| {
        NotAcceptable(format!(
            "none of `{accept}` is offered; accept application/json, text/csv, application/geo+json, image/svg+xml or {}",
            crate::report::xlsx::XLSX_MEDIA_TYPE
        ))
    })
}

/// A rendered allocation, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub format: Format,
    pub body: Bytes,
    /// For CSV downloads.
    pub filename: Option<String>,
}

impl Rendered {
    pub fn response(&self) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        res.content_type(self.format.content_type());
        if let Some(name) = &self.filename {
            res.insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ));
        }
        res.body(self.body.clone())
    }
}

/// The language of an `Accept-Language` header (Chinese unless it prefers English).
pub fn lang_of(accept_language: Option<&str>) -> Lang {
    super::lang::of_header(accept_language)
}

/// Why a solve gave no allocation: inputs that break rules or a policy
/// nobody can satisfy (422, every problem listed) are the caller's; any
/// other solver failure is the server's (500).
pub fn solve_failure<E: From<Invalid> + From<Internal>>(f: SolveFailed) -> E {
    match f {
        SolveFailed::Rejected(r) => r.into(),
        e @ SolveFailed::Solver(_) => Internal(e.to_string()).into(),
        // Only after its request gave up: the answer is never sent.
        e @ SolveFailed::Cancelled => Internal(e.to_string()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::Role;
    use crate::api::error::testing::problem;
    use crate::api::error::{AuthError, NotFound, SolveTimeout};
    use crate::api::path_number;
    use crate::api::sites::page_size;
    use crate::model::Problem;
    use crate::model::Rule;
    use crate::service::ReadError;
    use crate::service::Rejected;
    use crate::store::{AllocationRecord, StoreError};
    use actix_web::test::TestRequest;
    use serde_json::Value;
    use std::time::Duration;

    #[test]
    fn format_comes_from_the_query_then_the_best_accept_entry() {
        let req = TestRequest::default()
            .insert_header((
                header::ACCEPT,
                "text/html, application/geo+json;q=0.5, text/csv;q=0.9",
            ))
            .to_http_request();
        assert_eq!(negotiate(&req, None).unwrap(), Format::Csv);
        assert_eq!(negotiate(&req, Some("svg")).unwrap(), Format::Svg);
        assert!(matches!(
            negotiate(&req, Some("pdf")),
            Err(NotAcceptable(_))
        ));
        let html = TestRequest::default()
            .insert_header((header::ACCEPT, "text/html"))
            .to_http_request();
        assert!(matches!(negotiate(&html, None), Err(NotAcceptable(_))));
        let none = TestRequest::default().to_http_request();
        assert_eq!(negotiate(&none, None).unwrap(), Format::Json);
    }

    #[test]
    fn an_allocation_race_on_create_allocation_is_a_409_and_a_slow_solve_a_503() {
        let race = CreateAllocationError::from(StoreError::AllocationRace {
            site: "s".into(),
            expected: None,
            current: Some(3),
        });
        let body = problem(&race, 409, "conflict");
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Retry to allocate from the new latest")));
        let slow = CreateAllocationError::from(SolveTimeout(Duration::from_secs(2)));
        let body = problem(&slow, 503, "solve-timeout");
        assert!(body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing was stored")));
    }

    #[test]
    fn a_staff_token_giving_a_policy_on_create_allocation_is_a_403() {
        problem(
            &CreateAllocationError::from(AuthError::Forbidden {
                needed: Role::Planner,
                have: Role::Staff,
            }),
            403,
            "forbidden",
        );
    }

    #[test]
    fn an_infeasible_policy_is_a_422_naming_the_rule_and_any_other_solver_failure_a_500() {
        let infeasible: CreateAllocationError =
            solve_failure(SolveFailed::Rejected(Rejected::new(
                "No allocation can satisfy the policy",
                vec![Problem::new(Rule::PolicyInfeasible, "too many pins").field("policy")],
            )));
        let body = problem(&infeasible, 422, "invalid-input");
        assert_eq!(body["title"], "No allocation can satisfy the policy");
        assert_eq!(body["errors"][0]["rule"], "policy-infeasible");
        assert_eq!(body["errors"][0]["field"], "policy");
        let inputs: CreateAllocationError = solve_failure(SolveFailed::Rejected(Rejected::new(
            "The inputs cannot be allocated",
            vec![Problem::new(Rule::R3Overlap, "m")],
        )));
        let body = problem(&inputs, 422, "invalid-input");
        assert_eq!(body["title"], "The inputs cannot be allocated");
        let broken: CreateAllocationError = solve_failure(SolveFailed::Solver("boom".into()));
        let body = problem(&broken, 500, "internal");
        assert_eq!(body["detail"], "the solver failed: boom");
    }

    #[test]
    fn an_unacceptable_format_on_get_allocation_is_a_406_and_a_missing_one_a_404() {
        let none = TestRequest::default().to_http_request();
        let err = GetAllocationError::from(negotiate(&none, Some("pdf")).unwrap_err());
        let body = problem(&err, 406, "not-acceptable");
        assert_eq!(
            body["detail"],
            "format `pdf` is not offered; use json, csv, geojson, svg or xlsx"
        );
        let missing = GetAllocationError::from(StoreError::NoAllocation {
            site: "s".into(),
            id: 7,
        });
        let body = problem(&missing, 404, "not-found");
        assert_eq!(body["detail"], "site `s` has no allocation 7");
    }

    #[test]
    fn a_non_numeric_id_on_diff_is_a_404_and_an_unreadable_allocation_a_500() {
        let err = DiffAllocationsError::from(path_number("latest", "allocation").unwrap_err());
        let body = problem(&err, 404, "not-found");
        assert_eq!(body["detail"], "no allocation `latest`");
        let record = AllocationRecord {
            meta: crate::store::AllocationMeta {
                site: "s".into(),
                id: 1,
                created: String::new(),
                previous: None,
                revision: 1,
                layout_revision: 1,
                roster_revision: None,
                policy_revision: None,
                seed: String::new(),
                summary: Value::Null,
            },
            policy: Value::Null,
            body: b"not json".to_vec(),
        };
        let err = DiffAllocationsError::from(ReadError::from(
            crate::service::documents::allocation(&record).unwrap_err(),
        ));
        problem(&err, 500, "internal");
    }

    #[test]
    fn an_unknown_household_lookup_is_a_404_and_a_bad_list_limit_a_400() {
        problem(
            &HouseholdLookupError::from(NotFound("site `s` has no household `H9`".into())),
            404,
            "not-found",
        );
        problem(
            &ListAllocationsError::from(page_size(Some(501)).unwrap_err()),
            400,
            "bad-request",
        );
    }
}
