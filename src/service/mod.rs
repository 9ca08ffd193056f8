//! The stored workflow's rules, between the HTTP layer and the store.

pub mod draws;
pub mod history;
pub mod rounds;
