//! Stored allocations: making one (the site's latest counts as `previous`),
//! listing, renderings, diffs, and a household's standing. The rules are
//! `service::allocations`'; here: content negotiation and answers.

mod create;
mod read;

pub use create::*;
pub use read::*;

pub use crate::report::format::Format;

use super::error::{Internal, Invalid, NotAcceptable};
use crate::service::inputs::SolveFailed;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

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
        if let Some(f) = Format::from_media_range(&media) {
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

impl AsRef<[u8]> for Rendered {
    fn as_ref(&self) -> &[u8] {
        &self.body
    }
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
