//! Roles (`planner` ⊇ `staff` ⊇ `viewer`) and the configured bearer tokens
//! that carry them; `api::auth` reads them from requests.
//!
//! Tokens are configured at start, one per line, as `role:<sha256-hex>` (the
//! SHA-256 of the token, so the file holds no secret) or `role <token>` (hashed
//! on load; only the hash is kept in memory). Blank lines and `#` comments are
//! skipped; in `ALLOT_TOKENS` entries may also be separated by commas. A
//! request's token is hashed and compared with every configured hash in
//! constant time (`subtle`), so timing reveals neither which token nor how
//! much of it matched.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

/// A role; later variants include the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads sites and allocations; never rosters.
    Viewer,
    /// Rosters, allocations, pins.
    Staff,
    /// Layouts, policy and everything staff can do.
    Planner,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "staff" => Some(Role::Staff),
            "planner" => Some(Role::Planner),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Viewer => "viewer",
            Role::Staff => "staff",
            Role::Planner => "planner",
        })
    }
}

/// A configuration line that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("token entry {entry}: {message}")]
pub struct TokenConfigError {
    /// 1-based entry (line) number.
    pub entry: usize,
    pub message: String,
}

/// The configured tokens (their SHA-256 digests only).
#[derive(Clone, Default)]
pub struct Tokens {
    entries: Vec<(Role, [u8; 32])>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tokens({} configured)", self.entries.len())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Reads `role:<sha256-hex>` or `role <token>` entries separated by
    /// newlines (and commas). Every bad entry is reported.
    pub fn parse(text: &str) -> Result<Tokens, Vec<TokenConfigError>> {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        let text = text.trim_start_matches('\u{feff}');
        for (i, raw) in text.split(['\n', ',']).enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |message: String| TokenConfigError {
                entry: i + 1,
                message,
            };
            let plain = line
                .split_once(char::is_whitespace)
                .filter(|(r, _)| !r.contains(':'));
            let (role, rest, hashed) = match (plain, line.split_once(':')) {
                (Some((r, t)), _) => (r, t, false),
                (None, Some((r, h))) => (r, h, true),
                (None, None) => {
                    errors.push(fail(
                        "expected `role:<sha256-hex>` or `role <token>`".into(),
                    ));
                    continue;
                }
            };
            let Some(role) = Role::parse(role) else {
                errors.push(fail(format!(
                    "unknown role `{}` (planner, staff or viewer)",
                    role.trim()
                )));
                continue;
            };
            let rest = rest.trim();
            if hashed {
                let mut hash = [0u8; 32];
                match hex::decode_to_slice(rest, &mut hash) {
                    Ok(()) => entries.push((role, hash)),
                    Err(_) => errors.push(fail(
                        "after `role:` give the 64 hex digits of the token's SHA-256 (or write `role <token>`)".into(),
                    )),
                }
            } else if rest.len() < 16 {
                errors.push(fail("a token must be at least 16 characters".into()));
            } else {
                entries.push((role, digest(rest)));
            }
        }
        if errors.is_empty() {
            Ok(Tokens { entries })
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// These tokens and `other`'s.
    pub fn merged(mut self, other: Tokens) -> Tokens {
        self.entries.extend(other.entries);
        self
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The role of a presented token. Compares against every entry without
    /// stopping at a match.
    pub fn role_of(&self, token: &str) -> Option<Role> {
        let presented = digest(token);
        let mut found: Option<Role> = None;
        for (role, hash) in &self.entries {
            let equal: bool = hash.ct_eq(&presented).into();
            if equal {
                found = Some(found.map_or(*role, |r| r.max(*role)));
            }
        }
        found
    }
}

/// Who may do what.
#[derive(Debug, Clone)]
pub enum Access {
    /// `--dev`: no tokens; every request acts as a planner.
    Open,
    Tokens(Tokens),
}

impl Access {
    /// The access of a server listening on `addr`: open with `dev`, which
    /// runs only on a loopback address; else the tokens, of which there must
    /// be at least one.
    pub fn for_server(dev: bool, tokens: &Tokens, addr: SocketAddr) -> Result<Access, String> {
        if dev {
            if !addr.ip().is_loopback() {
                return Err(format!(
                    "--dev runs without access control and only on a loopback address, not {addr}"
                ));
            }
            Ok(Access::Open)
        } else if tokens.is_empty() {
            Err("no tokens configured: pass --tokens FILE or set ALLOT_TOKENS (or use --dev on loopback)".into())
        } else {
            Ok(Access::Tokens(tokens.clone()))
        }
    }

    /// The role a token carries (any token is a planner's when open).
    pub fn role_of(&self, token: &str) -> Option<Role> {
        match self {
            Access::Open => Some(Role::Planner),
            Access::Tokens(tokens) => tokens.role_of(token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_hashed_entries_give_their_roles_and_nothing_else() {
        let hash = hex::encode(Sha256::digest(b"viewer-secret-0123456789"));
        let text = format!(
            "# tokens\nplanner plan-secret-0123456789\nviewer:{hash}\n\n staff  staff-secret-0123456789 \n"
        );
        let tokens = Tokens::parse(&text).unwrap();
        assert_eq!(tokens.len(), 3);
        assert_eq!(
            tokens.role_of("plan-secret-0123456789"),
            Some(Role::Planner)
        );
        assert_eq!(tokens.role_of("staff-secret-0123456789"), Some(Role::Staff));
        assert_eq!(
            tokens.role_of("viewer-secret-0123456789"),
            Some(Role::Viewer)
        );
        assert_eq!(tokens.role_of(&hash), None);
        assert_eq!(tokens.role_of("plan-secret-012345678"), None);
    }

    #[test]
    fn every_bad_entry_is_reported_with_its_number() {
        let errors =
            Tokens::parse("boss secret-secret-secret\nstaff:abc\nviewer short,x").unwrap_err();
        let numbers: Vec<_> = errors.iter().map(|e| e.entry).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert!(errors[0].message.contains("unknown role `boss`"));
        assert!(errors[1].message.contains("64 hex digits"));
        assert!(errors[2].message.contains("at least 16"));
    }

    #[test]
    fn environment_entries_may_be_separated_by_commas() {
        let tokens = Tokens::parse("staff aaaaaaaaaaaaaaaa,viewer bbbbbbbbbbbbbbbb").unwrap();
        assert_eq!(tokens.role_of("bbbbbbbbbbbbbbbb"), Some(Role::Viewer));
    }

    #[test]
    fn roles_include_the_lesser_ones() {
        assert!(Role::Planner > Role::Staff && Role::Staff > Role::Viewer);
    }

    #[test]
    fn dev_mode_is_refused_off_loopback_and_no_tokens_is_refused() {
        let none = Tokens::default();
        let err = Access::for_server(true, &none, "0.0.0.0:0".parse().unwrap()).unwrap_err();
        assert!(err.contains("loopback"), "{err}");
        let loopback = "127.0.0.1:0".parse().unwrap();
        assert!(matches!(
            Access::for_server(true, &none, loopback),
            Ok(Access::Open)
        ));
        let err = Access::for_server(false, &none, loopback).unwrap_err();
        assert!(err.contains("no tokens"), "{err}");
    }
}
