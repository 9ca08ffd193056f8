//! The HTTP API (actix-web). The only layer that knows HTTP.
