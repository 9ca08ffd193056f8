//! Runs the HTTP server configured only by `ALLOT_*` environment variables
//! (see `allot::api::startup::ServeConfig::from_env`), e.g. for benches/http.sh.

fn main() -> std::io::Result<()> {
    let config = allot::api::startup::ServeConfig::from_env()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    allot::api::startup::serve_blocking(config)
}
