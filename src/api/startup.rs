//! Building and running the server, for `allot serve` and for the tests.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let config = allot::api::startup::ServeConfig::from_env()
//!     .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
//! allot::api::startup::serve(config).await
//! # }
//! ```

use super::auth::Access;
use super::error::{ensure_problem, BadRequest, BodyError, NotFound};
use super::{routes, AppState};
pub use crate::config::{
    init_logging, loopback_host, parse_secs, ConfigError, ServeArgs, ServeConfig,
    DEFAULT_BODY_LIMIT, DEFAULT_SOLVE_TIMEOUT,
};
use crate::service::cache::RenderCache;
use crate::store::{Store, StoreError};
use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use tracing_actix_web::{RequestId, TracingLogger};

/// Memory kept for renderings of stored allocations.
pub const RENDER_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// How long a stopping server lets in-flight requests finish.
pub const SHUTDOWN_GRACE_SECS: u64 = 30;

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
        let access = Access::for_server(config.dev, &config.tokens, addr).map_err(io_error)?;
        if matches!(access, Access::Open) {
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
        }
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
