//! The language of a request: `Accept-Language` (RFC 9110 §12.5.4) read
//! here, in the HTTP layer; the renderers and pages take a [`Lang`].

use super::error::NotAcceptable;
use crate::report::i18n::Lang;
use actix_web::http::header;
use actix_web::HttpRequest;

/// Picks the language from an HTTP `Accept-Language` header (RFC 9110
/// §12.5.4): the supported language with the highest `q`, the earlier
/// one on a tie; Chinese when the header names neither.
pub fn from_accept_language(header: &str) -> Lang {
    let mut best: Option<(u32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default();
        let mut q = 1000u32;
        for param in parts {
            let param = param.trim();
            if let Some(v) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                // q is at most three decimals; compare in thousandths.
                q = v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|q| q.is_finite() && (0.0..=1.0).contains(q))
                    .map(|q| (q * 1000.0).round() as u32)
                    .unwrap_or(0);
            }
        }
        if q == 0 {
            continue;
        }
        if let Some(lang) = Lang::parse(tag) {
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

/// The language the request's `Accept-Language` header prefers; `None`
/// without one.
pub fn of_request(req: &HttpRequest) -> Option<Lang> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(from_accept_language)
}

/// The language asked for: `?lang=` (`zh` or `en`) wins over
/// `Accept-Language`; any other `?lang=` is 406.
pub fn asked(req: &HttpRequest, lang: Option<&str>) -> Result<Option<Lang>, NotAcceptable> {
    match lang {
        None => Ok(of_request(req)),
        Some(code) => Lang::parse(code)
            .map(Some)
            .ok_or_else(|| NotAcceptable(format!("lang `{code}` is not offered; use zh or en"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh)]
    #[case("en-US,en;q=0.9", Lang::En)]
    #[case("en-GB;q=0.5, zh-TW;q=0.7", Lang::Zh)]
    #[case("fr-FR, en;q=0.4", Lang::En)]
    #[case("de-DE, fr;q=0.9", Lang::Zh)]
    #[case("", Lang::Zh)]
    #[case("en;q=0, zh;q=0.1", Lang::Zh)]
    #[case("zh;q=0, en;q=0.1", Lang::En)]
    #[case("en;q=abc, zh;q=0.3", Lang::Zh)]
    #[case("*", Lang::Zh)]
    fn accept_language_picks_the_preferred_supported_language(
        #[case] header: &str,
        #[case] want: Lang,
    ) {
        assert_eq!(from_accept_language(header), want);
    }
}
