//! The HTML pages, as pure functions from plain data to `String`: no HTTP,
//! no store, no I/O (the handlers in `api::webui` fetch the data and send
//! the page). Every user-supplied string goes through the one escaper,
//! `report::markup`. Here: URL query encoding, the frame every staff page
//! shares and the embedded stylesheets and scripts; the pages themselves
//! are `pages` (login, errors, the sites), `site` and `changes` (a site),
//! `rounds` (over time) and `draw` (the public draw pages).

pub mod changes;
pub mod draw;
pub mod pages;
pub mod rounds;
pub mod site;

use crate::report::i18n::{t, Lang};

/// Escapes text for HTML content and attribute values (the renderers' escaper).
pub use crate::report::markup::escape as esc;

/// Percent-encodes a query or path value (RFC 3986 unreserved characters kept).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` with the values encoded; pairs with an empty value are left out.
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// What every page's frame needs to know.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub lang: Lang,
    /// The page's path, for the language switch.
    pub path: &'a str,
    /// The page's other query parameters, kept by the language switch.
    pub params: Vec<(&'a str, String)>,
    /// Show the log-out button (a token is in use).
    pub logged_in: bool,
    /// The CSRF token of the session (log-out form) or of the login form.
    pub csrf: Option<String>,
}

impl Frame<'_> {
    /// The same page in `lang`.
    pub fn href_in(&self, lang: Lang) -> String {
        let mut params: Vec<(&str, &str)> =
            self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        params.push(("lang", lang.code()));
        url(self.path, &params)
    }
}

/// A whole page: `title` in the head and the heading, `body` inside `<main>`.
/// `body_attrs` are extra attributes of `<body>` (the script's data).
pub fn page(frame: &Frame<'_>, title: &str, body_attrs: &str, body: &str) -> String {
    let lang = frame.lang;
    let other = lang.other();
    let mut o = String::with_capacity(body.len() + 4096);
    o.push_str("<!DOCTYPE html>\n");
    o.push_str(&format!("<html lang=\"{}\">\n<head>\n", lang.tag()));
    o.push_str("<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str(&format!(
        "<title>{} · {}</title>\n",
        esc(title),
        esc(t(lang, "web.app"))
    ));
    // An empty icon, so the browser asks for no /favicon.ico.
    o.push_str("<link rel=\"icon\" href=\"data:,\">\n");
    o.push_str("<link rel=\"stylesheet\" href=\"/assets/style.css\">\n");
    o.push_str("<script src=\"/assets/site.js\" defer></script>\n");
    o.push_str("</head>\n");
    o.push_str(&format!(
        "<body data-lang=\"{}\"{}>\n",
        lang.code(),
        body_attrs
    ));
    o.push_str("<header class=\"top\">");
    o.push_str(&format!(
        "<a class=\"app\" href=\"{}\">{}</a>",
        esc(&url("/", &[("lang", lang.code())])),
        esc(t(lang, "web.app"))
    ));
    o.push_str("<nav>");
    o.push_str(&format!(
        "<a id=\"lang-switch\" hreflang=\"{}\" lang=\"{}\" href=\"{}\" title=\"{}\">{}</a>",
        other.tag(),
        other.tag(),
        esc(&frame.href_in(other)),
        esc(t(lang, "web.language")),
        esc(t(other, "web.lang_name"))
    ));
    if frame.logged_in {
        o.push_str(&format!(
            "<form id=\"logout-form\" method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">{}</button></form>",
            esc(&url("/logout", &[("lang", lang.code())])),
            esc(frame.csrf.as_deref().unwrap_or("")),
            esc(t(lang, "web.logout"))
        ));
    }
    o.push_str("</nav></header>\n<main>\n");
    o.push_str(&format!("<h1>{}</h1>\n", esc(title)));
    o.push_str(body);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// An embedded asset by its path on the server (`assets/style.css`,
/// `draw-assets/draw.js`, …): its `Content-Type` and its text.
pub fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    const CSS: &str = "text/css; charset=utf-8";
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match path {
        "assets/style.css" => (CSS, include_str!("assets/style.css")),
        "assets/site.js" => (JS, include_str!("assets/site.js")),
        "draw-assets/draw.css" => (CSS, include_str!("assets/draw.css")),
        "draw-assets/draw.js" => (JS, include_str!("assets/draw.js")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_urls_are_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(enc("B2-1-301 中"), "B2-1-301%20%E4%B8%AD");
        assert_eq!(
            url(
                "/sites/s",
                &[("household", "a&b"), ("lang", "en"), ("x", "")]
            ),
            "/sites/s?household=a%26b&lang=en"
        );
    }

    #[test]
    fn the_language_switch_keeps_the_other_parameters() {
        let frame = Frame {
            lang: Lang::Zh,
            path: "/sites/s",
            params: vec![("household", "B1-1-101".into())],
            logged_in: true,
            csrf: None,
        };
        assert_eq!(
            frame.href_in(Lang::En),
            "/sites/s?household=B1-1-101&lang=en"
        );
        let html = page(&frame, "标题", "", "<p>x</p>");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(html.contains("id=\"lang-switch\""));
        assert!(html.contains("English"));
        assert!(html.contains("id=\"logout-form\""));
    }
}
