//! Stored allocations: making one (the site's latest counts as `previous`),
//! listing, renderings, diffs, and a household's standing. The rules are
//! `service::allocations`'; here: content negotiation and answers.

mod create;
mod read;

pub use create::*;
pub use read::*;

pub use crate::report::format::Format;

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

/// The HTTP side of a rendering (`report::format`): its `Accept` media
/// types and its service rendering in the caller's language.
impl Format {
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
