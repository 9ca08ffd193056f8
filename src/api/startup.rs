//! Building and running the server, for `allot serve` and for the tests.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let config = allot::api::startup::ServeConfig::from_env()
//!     .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
//! allot::api::startup::serve(config).await
//! # }
//! ```

use super::auth::{Access, Tokens};
use super::cache::RenderCache;
use super::error::{ensure_problem, BadRequest, BodyError, NotFound};
use super::{routes, AppState};
use crate::input::limits::{Limits, MAX_ROSTER_ROWS_CEILING};
use crate::store::{Store, StoreError};
use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::{RequestId, TracingLogger};

/// Default body limit: 10 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;
/// Default solve time limit.
pub const DEFAULT_SOLVE_TIMEOUT: Duration = Duration::from_secs(30);
/// Memory kept for renderings of stored allocations.
pub const RENDER_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// How long a stopping server lets in-flight requests finish.
pub const SHUTDOWN_GRACE_SECS: u64 = 30;

/// How to run the server. `allot serve` fills it from flags, falling back to
/// [`ServeConfig::from_env`].
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// `host:port`; port 0 picks a free port (tests). Default `127.0.0.1:8080`.
    pub addr: String,
    /// The SQLite file, created if missing, or a `postgres://` URL. Default `allot.db`.
    pub db_path: PathBuf,
    /// Accepted bearer tokens (hashes only).
    pub tokens: Tokens,
    /// Run without tokens; refused unless `addr` is a loopback address.
    pub dev: bool,
    /// Largest request body in bytes (413 beyond).
    pub body_limit: usize,
    /// Longest a solve may run before its request answers 503.
    pub solve_timeout: Duration,
    /// HTTP worker threads; `None`: one per core.
    pub workers: Option<usize>,
    /// Input limits (features, vertices, roster rows, columns, id length).
    pub limits: Limits,
    /// Heavy requests (validate, solve, allocate) running at once.
    pub max_heavy: usize,
    /// How long a heavy request waits for its turn before a 503.
    pub queue_wait: Duration,
    /// Mark the session cookies `Secure` (the server is reached over TLS).
    pub cookie_secure: bool,
    /// The server's clock starts at this instant (UTC seconds); `allot
    /// serve` sets it only with `--dev --now` (tests set it directly).
    pub now: Option<i64>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: "127.0.0.1:8080".into(),
            db_path: PathBuf::from("allot.db"),
            tokens: Tokens::default(),
            dev: false,
            body_limit: DEFAULT_BODY_LIMIT,
            solve_timeout: DEFAULT_SOLVE_TIMEOUT,
            workers: None,
            limits: Limits::default(),
            max_heavy: super::limits::default_max_heavy(),
            queue_wait: super::limits::DEFAULT_QUEUE_WAIT,
            cookie_secure: false,
            now: None,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("tokens file {path}: {message}")]
    TokensFile { path: PathBuf, message: String },
    #[error("{0}")]
    Flag(String),
}

fn token_errors(errors: Vec<super::auth::TokenConfigError>) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl ServeConfig {
    /// Reads `ALLOT_ADDR`, `ALLOT_DB`, `ALLOT_TOKENS` (entries, see
    /// [`Tokens::parse`]), `ALLOT_TOKENS_FILE`, `ALLOT_DEV` (`1`/`true`),
    /// `ALLOT_BODY_LIMIT` (bytes) and `ALLOT_SOLVE_TIMEOUT_SECS` (may be
    /// fractional); unset ones keep their defaults.
    pub fn from_env() -> Result<ServeConfig, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ServeConfig::from_env`] over any variable source (testable).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ServeConfig, ConfigError> {
        let mut config = ServeConfig::default();
        if let Some(addr) = var("ALLOT_ADDR") {
            config.addr = addr;
        }
        if let Some(db) = var("ALLOT_DB") {
            config.db_path = PathBuf::from(db);
        }
        if let Some(path) = var("ALLOT_TOKENS_FILE") {
            config.tokens = Self::tokens_file(Path::new(&path))?;
        }
        if let Some(text) = var("ALLOT_TOKENS") {
            let more = Tokens::parse(&text).map_err(|e| ConfigError::Env {
                var: "ALLOT_TOKENS",
                message: token_errors(e),
            })?;
            config.tokens = config.tokens.merged(more);
        }
        if let Some(dev) = var("ALLOT_DEV") {
            config.dev = matches!(
                dev.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes"
            );
        }
        if let Some(limit) = var("ALLOT_BODY_LIMIT") {
            config.body_limit = limit
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError::Env {
                    var: "ALLOT_BODY_LIMIT",
                    message: format!("`{limit}` is not a positive number of bytes"),
                })?;
        }
        if let Some(secs) = var("ALLOT_SOLVE_TIMEOUT_SECS") {
            config.solve_timeout = parse_secs(&secs).ok_or(ConfigError::Env {
                var: "ALLOT_SOLVE_TIMEOUT_SECS",
                message: format!("`{secs}` is not a positive number of seconds"),
            })?;
        }
        if let Some(secs) = var("ALLOT_QUEUE_WAIT_SECS") {
            config.queue_wait = parse_secs(&secs).ok_or(ConfigError::Env {
                var: "ALLOT_QUEUE_WAIT_SECS",
                message: format!("`{secs}` is not a positive number of seconds"),
            })?;
        }
        if let Some(v) = var("ALLOT_COOKIE_SECURE") {
            config.cookie_secure =
                matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes");
        }
        let count = |name: &'static str| -> Result<Option<usize>, ConfigError> {
            var(name)
                .map(|v| {
                    positive(&v).ok_or(ConfigError::Env {
                        var: name,
                        message: format!("`{v}` is not a positive whole number"),
                    })
                })
                .transpose()
        };
        let l = &mut config.limits;
        for (name, slot) in [
            ("ALLOT_MAX_HEAVY", &mut config.max_heavy),
            ("ALLOT_MAX_FEATURES", &mut l.max_features),
            ("ALLOT_MAX_VERTICES", &mut l.max_vertices),
            ("ALLOT_MAX_TOTAL_VERTICES", &mut l.max_total_vertices),
            ("ALLOT_MAX_ROSTER_ROWS", &mut l.max_roster_rows),
            ("ALLOT_MAX_COLUMNS", &mut l.max_columns),
            ("ALLOT_MAX_ID_LEN", &mut l.max_id_len),
        ] {
            if let Some(n) = count(name)? {
                *slot = n;
            }
        }
        config.check_limits().map_err(|message| ConfigError::Env {
            var: "ALLOT_MAX_ROSTER_ROWS",
            message,
        })?;
        Ok(config)
    }

    fn check_limits(&self) -> Result<(), String> {
        if self.limits.max_roster_rows > MAX_ROSTER_ROWS_CEILING {
            return Err(format!(
                "at most {MAX_ROSTER_ROWS_CEILING} roster rows can be allowed (sums of demand must fit)"
            ));
        }
        Ok(())
    }

    /// Reads a tokens file (`--tokens FILE`).
    pub fn tokens_file(path: &Path) -> Result<Tokens, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::TokensFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Tokens::parse(&text).map_err(|e| ConfigError::TokensFile {
            path: path.to_path_buf(),
            message: token_errors(e),
        })
    }
}

/// The flags of `allot serve`; each falls back to its `ALLOT_*` variable,
/// then to the default. `allot serve` is
/// `Command::Serve(args) => allot::api::startup::serve_blocking(args.into_config()?)`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, `host:port` [env ALLOT_ADDR; default 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<String>,
    /// SQLite database file, created if missing, or a PostgreSQL URL
    /// `postgres://user:password@host:port/db` [env ALLOT_DB; default allot.db].
    #[arg(long = "db")]
    pub db: Option<PathBuf>,
    /// Tokens file: lines `role:<sha256-hex>` or `role <token>` [env ALLOT_TOKENS_FILE, ALLOT_TOKENS].
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Run without access control (loopback only; for development) [env ALLOT_DEV].
    #[arg(long)]
    pub dev: bool,
    /// Largest request body in bytes [env ALLOT_BODY_LIMIT; default 10485760].
    #[arg(long)]
    pub body_limit: Option<usize>,
    /// Longest a solve may take, seconds [env ALLOT_SOLVE_TIMEOUT_SECS; default 30].
    #[arg(long)]
    pub solve_timeout_secs: Option<f64>,
    /// HTTP worker threads [default: one per core].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Heavy requests (validate, solve, allocate) at once [env ALLOT_MAX_HEAVY; default: one per core].
    #[arg(long)]
    pub max_heavy: Option<usize>,
    /// Seconds a heavy request waits for its turn before 503 [env ALLOT_QUEUE_WAIT_SECS; default 5].
    #[arg(long)]
    pub queue_wait_secs: Option<f64>,
    /// Features in a layout [env ALLOT_MAX_FEATURES; default 20000].
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Vertices in one feature [env ALLOT_MAX_VERTICES; default 4000].
    #[arg(long)]
    pub max_vertices: Option<usize>,
    /// Vertices in a whole layout [env ALLOT_MAX_TOTAL_VERTICES; default 400000].
    #[arg(long)]
    pub max_total_vertices: Option<usize>,
    /// Rows of a roster [env ALLOT_MAX_ROSTER_ROWS; default 200000, at most 1000000].
    #[arg(long)]
    pub max_roster_rows: Option<usize>,
    /// Columns of a roster CSV [env ALLOT_MAX_COLUMNS; default 64].
    #[arg(long)]
    pub max_columns: Option<usize>,
    /// Characters of an id [env ALLOT_MAX_ID_LEN; default 128].
    #[arg(long)]
    pub max_id_len: Option<usize>,
    /// Mark session cookies `Secure` (serving behind TLS) [env ALLOT_COOKIE_SECURE].
    #[arg(long)]
    pub cookie_secure: bool,
    /// Rehearsals and tests, with --dev only: run the clock from this
    /// RFC 3339 instant (e.g. 2023-08-23T15:00:00Z).
    #[arg(long)]
    pub now: Option<String>,
}

impl ServeArgs {
    /// The environment's configuration with these flags on top.
    pub fn into_config(self) -> Result<ServeConfig, ConfigError> {
        let mut config = ServeConfig::from_env()?;
        if let Some(addr) = self.addr {
            config.addr = addr;
        }
        if let Some(db) = self.db {
            config.db_path = db;
        }
        if let Some(path) = self.tokens {
            config.tokens = config.tokens.merged(ServeConfig::tokens_file(&path)?);
        }
        config.dev |= self.dev;
        if let Some(limit) = self.body_limit {
            if limit == 0 {
                return Err(ConfigError::Flag("--body-limit must be positive".into()));
            }
            config.body_limit = limit;
        }
        if let Some(secs) = self.solve_timeout_secs {
            config.solve_timeout = parse_secs(&secs.to_string()).ok_or_else(|| {
                ConfigError::Flag("--solve-timeout-secs must be a positive number".into())
            })?;
        }
        if self.workers.is_some() {
            config.workers = self.workers;
        }
        if let Some(secs) = self.queue_wait_secs {
            config.queue_wait = parse_secs(&secs.to_string()).ok_or_else(|| {
                ConfigError::Flag("--queue-wait-secs must be a positive number".into())
            })?;
        }
        config.cookie_secure |= self.cookie_secure;
        let l = &mut config.limits;
        for (flag, value, slot) in [
            ("--max-heavy", self.max_heavy, &mut config.max_heavy),
            ("--max-features", self.max_features, &mut l.max_features),
            ("--max-vertices", self.max_vertices, &mut l.max_vertices),
            (
                "--max-total-vertices",
                self.max_total_vertices,
                &mut l.max_total_vertices,
            ),
            (
                "--max-roster-rows",
                self.max_roster_rows,
                &mut l.max_roster_rows,
            ),
            ("--max-columns", self.max_columns, &mut l.max_columns),
            ("--max-id-len", self.max_id_len, &mut l.max_id_len),
        ] {
            match value {
                Some(0) => return Err(ConfigError::Flag(format!("{flag} must be positive"))),
                Some(n) => *slot = n,
                None => {}
            }
        }
        config
            .check_limits()
            .map_err(|m| ConfigError::Flag(format!("--max-roster-rows: {m}")))?;
        if let Some(now) = self.now {
            if !config.dev {
                return Err(ConfigError::Flag(
                    "--now sets the clock for rehearsals and tests; it is refused without --dev"
                        .into(),
                ));
            }
            config.now = Some(crate::draw::clock::parse_rfc3339(&now).ok_or_else(|| {
                ConfigError::Flag(format!(
                    "--now `{now}` is not an RFC 3339 time such as 2023-08-23T15:00:00Z"
                ))
            })?);
        }
        Ok(config)
    }
}

/// A positive whole number.
fn positive(text: &str) -> Option<usize> {
    text.trim().parse::<usize>().ok().filter(|n| *n > 0)
}

/// Seconds, possibly fractional, positive and finite.
pub fn parse_secs(text: &str) -> Option<Duration> {
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

/// In `--dev` mode: a request whose `Host` is not a loopback name (DNS
/// rebinding), or with a body but no `Content-Type` (a cross-site form can
/// send `text/plain`, which is refused as 415 anyway, but not JSON), is
/// refused before it reaches a route.
fn dev_refusal(
    req: &actix_web::dev::ServiceRequest,
) -> Option<(HttpRequest, super::error::ProblemDetails)> {
    use super::error::{Category, ProblemDetails};
    use actix_web::http::header;
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let problem = if !loopback_host(host) {
        Some(ProblemDetails::of(
            Category::Forbidden,
            format!("--dev answers only requests to a loopback name (localhost, 127.0.0.1, [::1]), not Host `{}`", crate::input::limits::shown(host)),
        ))
    } else {
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
            || req.headers().contains_key(header::TRANSFER_ENCODING);
        (has_body && !req.headers().contains_key(header::CONTENT_TYPE)).then(|| {
            ProblemDetails::of(
                Category::UnsupportedMediaType,
                "--dev requires a Content-Type on every body (application/json for JSON)",
            )
        })
    }?;
    Some((req.request().clone(), problem))
}

/// `localhost`, `127.0.0.1` or `[::1]`, with or without a port.
pub fn loopback_host(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inner, port)) if port.is_empty() || port.starts_with(':') => {
                return inner == "::1" && port_ok(port.strip_prefix(':'));
            }
            _ => return false,
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => {
                if !port_ok(Some(port)) {
                    return false;
                }
                name.to_string()
            }
            None => host,
        }
    };
    matches!(name.as_str(), "localhost" | "127.0.0.1")
}

fn port_ok(port: Option<&str>) -> bool {
    port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()))
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

fn io_error(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

fn resolve(addr: &str) -> std::io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io_error(format!("address `{addr}` resolves to nothing")))
}

/// Answers any path no route matches.
async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, NotFound> {
    Err(NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

impl Application {
    /// Opens the database, binds the address and builds the server.
    pub fn build(config: ServeConfig) -> std::io::Result<Application> {
        let addr = resolve(&config.addr)?;
        let access = if config.dev {
            if !addr.ip().is_loopback() {
                return Err(io_error(format!(
                    "--dev runs without access control and only on a loopback address, not {addr}"
                )));
            }
            tracing::warn!(
                %addr,
                "DEV MODE: no access control. Every request acts as a planner. Never expose this server."
            );
            // Not eprintln!: a closed stderr must not panic the server.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "!!! allot serve --dev: NO ACCESS CONTROL on {addr}; every request is a planner. For local development only. !!!"
            );
            Access::Open
        } else if config.tokens.is_empty() {
            return Err(io_error(
                "no tokens configured: pass --tokens FILE or set ALLOT_TOKENS (or use --dev on loopback)".into(),
            ));
        } else {
            Access::Tokens(config.tokens.clone())
        };
        // A `postgres://` URL is PostgreSQL, anything else a SQLite file.
        let location = config.db_path.to_string_lossy();
        let store: Arc<dyn Store> = crate::store::open(&location).map_err(|e: StoreError| {
            io_error(format!(
                "database {}: {e}",
                crate::store::describe(&location)
            ))
        })?;
        let state = web::Data::new(AppState {
            store,
            access,
            body_limit: config.body_limit,
            solve_timeout: config.solve_timeout,
            cache: RenderCache::new(RENDER_CACHE_BYTES),
            limits: super::limits::ServerLimits::new(
                config.limits,
                config.max_heavy,
                config.queue_wait,
            ),
            sessions: super::webui::session::Sessions::with_secure_cookies(config.cookie_secure),
            checks: crate::service::checks::LayoutChecks::new(64),
            clock: match config.now {
                Some(start) => {
                    tracing::warn!(start, "the clock runs from --now (rehearsals and tests)");
                    Arc::new(crate::draw::clock::StartedAt::new(start))
                }
                _ => Arc::new(crate::draw::clock::SystemClock),
            },
        });
        let dev = config.dev;
        let listener = TcpListener::bind(addr)?;
        let port = listener.local_addr()?.port();
        tracing::info!(addr = %listener.local_addr()?, db = %crate::store::describe(&location), "allot serving");
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| BadRequest(format!("bad query string: {e}")).into()),
                )
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|e, _| NotFound(format!("bad path: {e}")).into()),
                )
                .app_data(web::JsonConfig::default().error_handler(|e, _| {
                    BodyError::Malformed(format!("the body is not valid JSON: {e}")).into()
                }))
                .wrap(ErrorHandlers::new().default_handler(ensure_problem))
                .wrap_fn(|req, srv| {
                    let id = req.extensions().get::<RequestId>().copied();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(id) = id {
                            if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                                res.headers_mut()
                                    .insert(HeaderName::from_static("x-request-id"), value);
                            }
                        }
                        Ok(res)
                    }
                })
                .wrap_fn(move |mut req, srv| {
                    // --dev has no access control: refuse what a web page the
                    // developer visits could send (DNS rebinding, cross-site
                    // form posts).
                    let refused = if dev { dev_refusal(&req) } else { None };
                    // HEAD is answered like GET, without the body (actix
                    // leaves the body out of HEAD responses).
                    if req.method() == actix_web::http::Method::HEAD {
                        req.head_mut().method = actix_web::http::Method::GET;
                    }
                    let next = match refused {
                        Some((r, problem)) => {
                            Err(actix_web::dev::ServiceResponse::new(r, problem.response()))
                        }
                        None => Ok(srv.call(req)),
                    };
                    async move {
                        match next {
                            Ok(fut) => fut.await.map(|r| r.map_into_left_body()),
                            Err(res) => Ok(res.map_into_right_body()),
                        }
                    }
                })
                .wrap(TracingLogger::default())
                .configure(routes)
                .configure(super::webui::routes)
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(SHUTDOWN_GRACE_SECS);
        if let Some(n) = config.workers {
            server = server.workers(n.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Application { port, server })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (graceful: in-flight requests finish).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Sets up logging (`RUST_LOG`, default `info`; `ALLOT_LOG=json` for JSON
/// lines) unless already set up, then serves until SIGTERM/SIGINT.
pub async fn serve(config: ServeConfig) -> std::io::Result<()> {
    init_logging();
    Application::build(config)?.run_until_stopped().await
}

/// [`serve`] on its own actix system, for a synchronous `main`.
pub fn serve_blocking(config: ServeConfig) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(serve(config))
}

/// Installs the tracing subscriber once; later calls do nothing.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("ALLOT_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_environment_sets_every_field_and_defaults_fill_the_rest() {
        let c = ServeConfig::from_vars(vars(&[
            ("ALLOT_ADDR", "0.0.0.0:9000"),
            ("ALLOT_DB", "/tmp/x.db"),
            ("ALLOT_TOKENS", "staff staff-token-0123456789"),
            ("ALLOT_BODY_LIMIT", "2048"),
            ("ALLOT_SOLVE_TIMEOUT_SECS", "2.5"),
        ]))
        .unwrap();
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert_eq!(c.db_path, PathBuf::from("/tmp/x.db"));
        assert_eq!(c.tokens.len(), 1);
        assert_eq!(c.body_limit, 2048);
        assert_eq!(c.solve_timeout, Duration::from_millis(2500));
        let d = ServeConfig::from_vars(vars(&[])).unwrap();
        assert_eq!(
            (d.body_limit, d.solve_timeout),
            (DEFAULT_BODY_LIMIT, DEFAULT_SOLVE_TIMEOUT)
        );
    }

    #[test]
    fn bad_environment_values_name_their_variable() {
        let e = ServeConfig::from_vars(vars(&[("ALLOT_SOLVE_TIMEOUT_SECS", "-1")])).unwrap_err();
        assert!(e.to_string().starts_with("ALLOT_SOLVE_TIMEOUT_SECS"), "{e}");
        let e = ServeConfig::from_vars(vars(&[("ALLOT_TOKENS", "root x")])).unwrap_err();
        assert!(e.to_string().contains("unknown role"), "{e}");
    }

    #[test]
    fn serve_flags_override_the_environment_and_bad_ones_are_named() {
        let c = ServeArgs {
            addr: Some("127.0.0.1:9999".into()),
            dev: true,
            body_limit: Some(4096),
            solve_timeout_secs: Some(0.5),
            ..ServeArgs::default()
        }
        .into_config()
        .unwrap();
        assert_eq!(c.addr, "127.0.0.1:9999");
        assert!(c.dev);
        assert_eq!(
            (c.body_limit, c.solve_timeout),
            (4096, Duration::from_millis(500))
        );
        let zero = ServeArgs {
            body_limit: Some(0),
            ..ServeArgs::default()
        };
        assert!(zero
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("--body-limit"));
        let missing = ServeArgs {
            tokens: Some(PathBuf::from("/nonexistent/tokens")),
            ..ServeArgs::default()
        };
        assert!(missing
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/tokens"));
    }

    #[test]
    fn only_loopback_names_with_or_without_a_port_are_loopback_hosts() {
        for ok in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:9",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "[::2]",
            "localhost:x",
            "",
            "[::1]x",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn limits_come_from_the_environment_and_flags_and_zero_is_refused() {
        let c = ServeConfig::from_vars(vars(&[
            ("ALLOT_MAX_VERTICES", "100"),
            ("ALLOT_MAX_HEAVY", "3"),
            ("ALLOT_QUEUE_WAIT_SECS", "0.5"),
            ("ALLOT_COOKIE_SECURE", "1"),
        ]))
        .unwrap();
        assert_eq!((c.limits.max_vertices, c.max_heavy), (100, 3));
        assert_eq!(c.queue_wait, Duration::from_millis(500));
        assert!(c.cookie_secure);
        let e = ServeConfig::from_vars(vars(&[("ALLOT_MAX_ID_LEN", "0")])).unwrap_err();
        assert!(e.to_string().starts_with("ALLOT_MAX_ID_LEN"), "{e}");
        let e = ServeConfig::from_vars(vars(&[("ALLOT_MAX_ROSTER_ROWS", "2000000")])).unwrap_err();
        assert!(e.to_string().contains("1000000"), "{e}");
        let flags = ServeArgs {
            max_features: Some(0),
            ..ServeArgs::default()
        };
        assert!(flags
            .into_config()
            .unwrap_err()
            .to_string()
            .contains("--max-features"));
    }

    #[test]
    fn dev_mode_is_refused_off_loopback_and_no_tokens_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dev = ServeConfig {
            addr: "0.0.0.0:0".into(),
            db_path: dir.path().join("a.db"),
            dev: true,
            ..ServeConfig::default()
        };
        let err = Application::build(dev).err().unwrap();
        assert!(err.to_string().contains("loopback"), "{err}");
        let closed = ServeConfig {
            addr: "127.0.0.1:0".into(),
            db_path: dir.path().join("a.db"),
            ..ServeConfig::default()
        };
        let err = Application::build(closed).err().unwrap();
        assert!(err.to_string().contains("no tokens"), "{err}");
    }
}
