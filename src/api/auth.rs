//! Who may do what over HTTP: the `Authorization: Bearer` header read
//! against the configured tokens (`service::access`), 401 without a known
//! token and 403 for a role too low.

use super::error::AuthError;
pub use crate::service::access::{Role, TokenConfigError, Tokens};
use actix_web::http::header;
use actix_web::HttpRequest;

/// Who may do what.
#[derive(Debug, Clone)]
pub enum Access {
    /// `--dev`: no tokens; every request acts as a planner.
    Open,
    Tokens(Tokens),
}

impl Access {
    /// The caller's role, or 401 when no valid token is presented.
    pub fn role(&self, req: &HttpRequest) -> Result<Role, AuthError> {
        let tokens = match self {
            Access::Open => return Ok(Role::Planner),
            Access::Tokens(t) => t,
        };
        let value = req
            .headers()
            .get(header::AUTHORIZATION)
            .ok_or(AuthError::Unauthorized(
                "send `Authorization: Bearer <token>`",
            ))?;
        let value = value
            .to_str()
            .map_err(|_| AuthError::Unauthorized("the Authorization header is not text"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or(AuthError::Unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ))?;
        tokens
            .role_of(token.trim())
            .ok_or(AuthError::Unauthorized("the bearer token is not known"))
    }

    /// The caller's role if it includes `needed`; 401 or 403 otherwise.
    pub fn require(&self, req: &HttpRequest, needed: Role) -> Result<Role, AuthError> {
        let have = self.role(req)?;
        if have >= needed {
            Ok(have)
        } else {
            Err(AuthError::Forbidden { needed, have })
        }
    }
}
