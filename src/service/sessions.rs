//! Web page sessions: the cookie is a random session id, never the token.
//!
//! Choice: a server-side table (in memory) rather than a signed, expiring
//! cookie. Logging out must end the session for real, which a signed
//! value cannot do without server state anyway (it stays valid until it
//! expires), and a leaked cookie then reveals nothing about any token. The
//! cost: sessions live in one process, so several instances behind one
//! name need sticky sessions (or a login per instance), and a restart
//! logs everyone out. The API itself never accepts the cookie.
//!
//! Each session has a CSRF token, rendered into the log-out form and
//! checked on `POST /logout`; the login form is protected by a
//! double-submit token (a random cookie `allot_login_csrf` and the same
//! value in a hidden field). Sessions expire after [`SESSION_TTL`]; at most
//! [`MAX_SESSIONS`] are kept (the oldest is dropped first).

use super::access::Role;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long a session lasts after login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The most sessions kept at once.
pub const MAX_SESSIONS: usize = 10_000;

/// 32 random bytes from the thread's CSPRNG, hex-encoded.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// Whether two secrets are equal, in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Where to go after logging in: `next` if it is a path on this server
/// (no other host, no backslash, no control character), else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Debug, Clone)]
struct Session {
    role: Role,
    csrf: String,
    created: Instant,
}

/// The live sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    table: Mutex<HashMap<String, Session>>,
    /// Mark cookies `Secure` (`--cookie-secure`: the server is reached over
    /// TLS, e.g. behind a TLS-terminating proxy).
    pub cookie_secure: bool,
}

impl Sessions {
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// Sessions whose cookies are `Secure` when `secure`.
    pub fn with_secure_cookies(secure: bool) -> Sessions {
        Sessions {
            cookie_secure: secure,
            ..Sessions::default()
        }
    }

    /// Opens a session for `role`: its id (the cookie value).
    pub fn open(&self, role: Role) -> String {
        let id = random_token();
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        table.retain(|_, s| now.duration_since(s.created) < SESSION_TTL);
        if table.len() >= MAX_SESSIONS {
            if let Some(oldest) = table
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
            {
                table.remove(&oldest);
            }
        }
        table.insert(
            id.clone(),
            Session {
                role,
                csrf: random_token(),
                created: now,
            },
        );
        id
    }

    fn live(&self, id: &str) -> Option<Session> {
        let table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        table
            .get(id)
            .filter(|s| s.created.elapsed() < SESSION_TTL)
            .cloned()
    }

    /// The role of a live session.
    pub fn role(&self, id: &str) -> Option<Role> {
        self.live(id).map(|s| s.role)
    }

    /// The CSRF token of a live session (for its log-out form).
    pub fn csrf(&self, id: &str) -> Option<String> {
        self.live(id).map(|s| s.csrf)
    }

    /// Ends a session if `csrf` is its token; whether it was ended.
    pub fn close(&self, id: &str, csrf: &str) -> bool {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let ok = table.get(id).is_some_and(|s| same_secret(&s.csrf, csrf));
        if ok {
            table.remove(id);
        }
        ok
    }

    pub fn len(&self) -> usize {
        self.table.lock().map_or(0, |t| t.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_is_random_and_ends_only_with_its_csrf_token() {
        let s = Sessions::new();
        let a = s.open(Role::Viewer);
        let b = s.open(Role::Staff);
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(s.role(&a), Some(Role::Viewer));
        assert!(!s.close(&a, "wrong"));
        let csrf = s.csrf(&a).unwrap();
        assert!(s.close(&a, &csrf));
        assert_eq!(s.role(&a), None);
        assert_eq!(s.role(&b), Some(Role::Staff));
        assert_eq!(s.role("not-a-session"), None);
    }

    #[rstest::rstest]
    #[case(Some("/sites/a?lang=en"), "/sites/a?lang=en")]
    #[case(Some("//evil.example/"), "/")]
    #[case(Some("/\\evil.example"), "/")]
    #[case(Some("https://evil.example/"), "/")]
    #[case(Some("/a\nb"), "/")]
    #[case(None, "/")]
    fn after_login_only_a_path_on_this_server_is_followed(
        #[case] next: Option<&str>,
        #[case] want: &str,
    ) {
        assert_eq!(safe_next(next), want);
    }
}
