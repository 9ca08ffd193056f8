//! Request bodies: size limit (413), media type (415), well-formedness (400).
//! Handlers read the raw payload through these helpers instead of actix's
//! `Json` extractor so every failure is a problem document.

use super::error::{BodyError, Internal, Invalid};
use super::limits::InputLimits;
use crate::model::{Problem, Rule};
use actix_web::http::header;
use actix_web::web::{Bytes, Payload};
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a body is, judged by its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Json,
    Csv,
    /// An Excel workbook (`.xlsx`), or `application/vnd.ms-excel`, which
    /// browsers on Windows also send for `.csv` files: the content decides.
    Spreadsheet,
}

/// The media type of the request. A missing `Content-Type` is taken as JSON
/// (what `curl --data` users mean most often is JSON; CSV must say so).
pub fn media_type(req: &HttpRequest, allowed: &[MediaType]) -> Result<MediaType, BodyError> {
    let expected = if allowed.contains(&MediaType::Spreadsheet) {
        "application/json, text/csv or an .xlsx workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"
    } else if allowed.contains(&MediaType::Csv) {
        "application/json or text/csv"
    } else {
        "application/json (or application/geo+json)"
    };
    let raw = match req.headers().get(header::CONTENT_TYPE) {
        None => return Ok(MediaType::Json),
        Some(v) => v.to_str().unwrap_or("").to_ascii_lowercase(),
    };
    let essence = raw.split(';').next().unwrap_or("").trim().to_string();
    let found = if essence == "application/json" || essence.ends_with("+json") {
        Some(MediaType::Json)
    } else if essence == "text/csv" {
        Some(MediaType::Csv)
    } else if essence == crate::report::xlsx::XLSX_MEDIA_TYPE
        || essence == "application/vnd.ms-excel"
    {
        Some(MediaType::Spreadsheet)
    } else {
        None
    };
    match found {
        Some(t) if allowed.contains(&t) => Ok(t),
        _ => Err(BodyError::UnsupportedMediaType {
            got: essence,
            expected,
        }),
    }
}

/// The `charset` parameter of the request's `Content-Type`, if any.
pub fn charset(req: &HttpRequest) -> Option<String> {
    let raw = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    raw.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Reads the whole body, refusing more than `limit` bytes (413), as soon as
/// `Content-Length` says so or the stream passes the limit.
pub async fn read(req: &HttpRequest, payload: Payload, limit: usize) -> Result<Bytes, BodyError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(BodyError::Malformed(format!(
            "the body could not be read: {e}"
        ))),
        Err(_) => Err(BodyError::TooLarge { limit }),
    }
}

/// Parses JSON, naming line and column of the first syntax error (400).
pub fn json(bytes: &[u8]) -> Result<Value, BodyError> {
    crate::input::value::parse_document(bytes).map_err(BodyError::Malformed)
}

/// Reads a JSON body of an allowed JSON media type; on the blocking pool (a
/// body of megabytes must not stall an async worker) its sizes are checked
/// on the bytes (422 past a limit, nothing built), then it is parsed.
pub async fn read_json<E>(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
    limits: &InputLimits,
) -> Result<Value, E>
where
    E: From<BodyError> + From<Invalid> + From<Internal> + Send + 'static,
{
    media_type(req, &[MediaType::Json])?;
    let bytes = read(req, payload, limit).await?;
    let limits = limits.clone();
    super::blocking(move || {
        limits.json_sizes(&bytes)?;
        Ok(json(&bytes)?)
    })
    .await
}

/// Reads a JSON body (of the JSON media type) of the shape `T`: JSON of
/// another shape is one problem under `rule`, titled `title` (422); a blank
/// body is `blank` when one is given (else malformed JSON).
pub async fn read_as<T, E>(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
    blank: Option<T>,
    title: &'static str,
    rule: Rule,
) -> Result<T, E>
where
    T: DeserializeOwned,
    E: From<BodyError> + From<Invalid>,
{
    media_type(req, &[MediaType::Json])?;
    let bytes = read(req, payload, limit).await?;
    if let Some(blank) = blank.filter(|_| bytes.iter().all(u8::is_ascii_whitespace)) {
        return Ok(blank);
    }
    serde_json::from_value(json(&bytes)?)
        .map_err(|e| Invalid::new(title, vec![Problem::new(rule, e.to_string())]).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_media_type_and_a_declared_charset_are_recognised() {
        use actix_web::test::TestRequest;
        let req = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, "text/csv; Charset=\"GBK\""))
            .to_http_request();
        assert_eq!(charset(&req).as_deref(), Some("GBK"));
        assert_eq!(
            media_type(&req, &[MediaType::Csv, MediaType::Spreadsheet]).unwrap(),
            MediaType::Csv
        );
        let req = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, crate::report::xlsx::XLSX_MEDIA_TYPE))
            .to_http_request();
        assert_eq!(charset(&req), None);
        let all = [MediaType::Json, MediaType::Csv, MediaType::Spreadsheet];
        assert_eq!(media_type(&req, &all).unwrap(), MediaType::Spreadsheet);
        assert!(media_type(&req, &[MediaType::Json, MediaType::Csv]).is_err());
    }
}
