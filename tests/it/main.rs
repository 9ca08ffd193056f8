//! The integration tests, one binary: each module is one area of the
//! product, `support` what they share. (`tests/hostile.rs` is a binary of
//! its own: it bounds the memory growth of its process, which other tests
//! running beside it would disturb.)

mod support;

mod api_draws;
mod api_errors;
mod api_http;
mod api_over_time;
mod api_story;
mod cli;
mod cli_pipes;
mod excel;
mod fuzz;
mod geometry_fixtures;
mod gis_exports;
mod golden;
mod milp_cbc;
mod over_time;
mod pg_serve;
mod reasons;
mod roster_fixtures;
mod small_sites;
mod store_suite;
mod svg_map;
mod synthetic;
mod walk_order;
mod web_browser;
mod web_draw_browser;
mod web_http;
mod yixinqiao;
