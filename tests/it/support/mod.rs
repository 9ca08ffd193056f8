//! What the integration tests share: fixture readers and checks
//! ([`common`]), a server on port 0 ([`api`]), a real PostgreSQL ([`pg`])
//! and headless Chromium ([`browser`]).

pub mod api;
pub mod browser;
pub mod common;
pub mod pg;
