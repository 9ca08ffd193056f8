//! Who may do what over HTTP: the `Authorization: Bearer` header read
//! against the configured tokens (`service::access`), 401 without a known
//! token and 403 for a role too low.

use super::error::AuthError;
pub use crate::service::access::{Access, Role, TokenConfigError, Tokens};
use actix_web::http::header;
use actix_web::HttpRequest;

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
        at_least(have, needed).map(|()| have)
    }
}

/// 403 unless `have` includes `needed` (for a choice in a request that
/// needs more than the endpoint itself).
pub fn at_least(have: Role, needed: Role) -> Result<(), AuthError> {
    if have >= needed {
        Ok(())
    } else {
        Err(AuthError::Forbidden { needed, have })
    }
}
