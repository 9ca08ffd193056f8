//! The small pages, as pure functions from data to HTML: the login form,
//! an error page and the list of sites. Every user-facing string comes from
//! the message catalogue (`report::i18n`).

use super::{esc, page, url, Frame};
use crate::report::i18n::t;
use crate::store::SiteState;

/// The login form. `next` is where to go after; `failed` shows the error.
pub fn login_page(frame: &Frame<'_>, next: &str, failed: bool) -> String {
    let lang = frame.lang;
    let mut b = String::new();
    if failed {
        b.push_str(&format!(
            "<p class=\"error\" id=\"login-error\">{}</p>",
            esc(t(lang, "web.login_failed"))
        ));
    }
    b.push_str(&format!(
        "<form id=\"login-form\" class=\"card\" method=\"post\" action=\"/login\">\
<label for=\"token\">{}</label> \
<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required> \
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<input type=\"hidden\" name=\"lang\" value=\"{}\">\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<button id=\"login-button\" type=\"submit\">{}</button>\
<p class=\"help\">{}</p></form>\n",
        esc(t(lang, "web.token")),
        esc(next),
        lang.code(),
        esc(frame.csrf.as_deref().unwrap_or("")),
        esc(t(lang, "web.login")),
        esc(t(lang, "web.token_help"))
    ));
    page(frame, t(lang, "web.login"), "", &b)
}

/// The page of a failure with this HTTP status: "not found" or "error"
/// and what went wrong; a server failure (5xx) says only that the page
/// could not be made, never why.
pub fn error_page(frame: &Frame<'_>, status: u16, message: &str) -> String {
    let lang = frame.lang;
    let (title, detail) = match status {
        500.. => (t(lang, "web.error"), t(lang, "web.error_detail")),
        404 => (t(lang, "web.not_found"), message),
        _ => (t(lang, "web.error"), message),
    };
    let body = format!(
        "<p class=\"error\" id=\"error-detail\">{}</p><p><a href=\"{}\">{}</a></p>\n",
        esc(detail),
        esc(&url("/", &[("lang", lang.code())])),
        esc(t(lang, "web.back"))
    );
    page(frame, title, "", &body)
}

/// The list of sites.
pub fn sites_page(frame: &Frame<'_>, sites: &[SiteState]) -> String {
    let lang = frame.lang;
    let mut b = String::new();
    if sites.is_empty() {
        b.push_str(&format!(
            "<p id=\"no-sites\">{}</p>",
            esc(t(lang, "web.no_sites"))
        ));
    } else {
        b.push_str(&format!(
            "<table id=\"sites\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t(lang, "web.site")),
            esc(t(lang, "web.households")),
            esc(t(lang, "web.latest_allocation")),
            esc(t(lang, "web.updated")),
        ));
        for s in sites {
            let name = s.name.clone().unwrap_or_else(|| s.id.clone());
            b.push_str(&format!(
                "<tr><td><a class=\"site-link\" href=\"{}\">{}</a> <span class=\"muted\">{}</span></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&url(&format!("/sites/{}", s.id), &[("lang", lang.code())])),
                esc(&name),
                esc(&s.id),
                s.households,
                s.latest_allocation
                    .map(|a| format!("#{a}"))
                    .unwrap_or_else(|| t(lang, "web.none").to_string()),
                esc(&s.updated)
            ));
        }
        b.push_str("</tbody></table>\n");
    }
    page(frame, t(lang, "web.sites"), "", &b)
}
