//! The configuration of `allot serve`: its flags ([`ServeArgs`], each with
//! its `ALLOT_*` variable read by clap), the same environment for library
//! users ([`ServeConfig::from_env`]) and the defaults, each value checked
//! with the variable or flag named. No HTTP here; the server
//! itself is built by `api::startup`.

use crate::input::limits::{Limits, MAX_ROSTER_ROWS_CEILING};
use crate::service::access::Tokens;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default body limit: 10 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;
/// Default solve time limit.
pub const DEFAULT_SOLVE_TIMEOUT: Duration = Duration::from_secs(30);

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
            limits: Limits::server(),
            max_heavy: crate::api::limits::default_max_heavy(),
            queue_wait: crate::api::limits::DEFAULT_QUEUE_WAIT,
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

fn token_errors(errors: Vec<crate::service::access::TokenConfigError>) -> String {
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

/// The flags of `allot serve`; each falls back to its `ALLOT_*` variable
/// (read by clap, shown in `--help`), then to the default. `allot serve` is
/// `Command::Serve(args) => allot::api::startup::serve_blocking(args.into_config()?)`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, `host:port` [default 127.0.0.1:8080].
    #[arg(long, env = "ALLOT_ADDR")]
    pub addr: Option<String>,
    /// SQLite database file, created if missing, or a PostgreSQL URL
    /// `postgres://user:password@host:port/db` [default allot.db].
    #[arg(long = "db", env = "ALLOT_DB", hide_env_values = true)]
    pub db: Option<PathBuf>,
    /// Tokens file: lines `role:<sha256-hex>` or `role <token>`.
    #[arg(long, env = "ALLOT_TOKENS_FILE")]
    pub tokens: Option<PathBuf>,
    /// Token entries as in a tokens file, separated by newlines or commas,
    /// added to the file's (prefer the variable: a flag shows in `ps`).
    #[arg(
        long = "token-entries",
        env = "ALLOT_TOKENS",
        hide_env_values = true,
        value_name = "ENTRIES"
    )]
    pub token_entries: Option<String>,
    /// Run without access control (loopback only; for development);
    /// the variable is on when `1`, `true` or `yes`.
    #[arg(long, env = "ALLOT_DEV", value_parser = yes)]
    pub dev: bool,
    /// Largest request body in bytes [default 10485760].
    #[arg(long, env = "ALLOT_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Longest a solve may take, seconds [default 30].
    #[arg(long, env = "ALLOT_SOLVE_TIMEOUT_SECS")]
    pub solve_timeout_secs: Option<f64>,
    /// HTTP worker threads [default: one per core].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Heavy requests (validate, solve, allocate) at once [default: one per core].
    #[arg(long, env = "ALLOT_MAX_HEAVY")]
    pub max_heavy: Option<usize>,
    /// Seconds a heavy request waits for its turn before 503 [default 5].
    #[arg(long, env = "ALLOT_QUEUE_WAIT_SECS")]
    pub queue_wait_secs: Option<f64>,
    /// Features in a layout [default 10000].
    #[arg(long, env = "ALLOT_MAX_FEATURES")]
    pub max_features: Option<usize>,
    /// Vertices in one feature [default 4000].
    #[arg(long, env = "ALLOT_MAX_VERTICES")]
    pub max_vertices: Option<usize>,
    /// Vertices in a whole layout [default 100000].
    #[arg(long, env = "ALLOT_MAX_TOTAL_VERTICES")]
    pub max_total_vertices: Option<usize>,
    /// Rows of a roster [default 20000, at most 1000000].
    #[arg(long, env = "ALLOT_MAX_ROSTER_ROWS")]
    pub max_roster_rows: Option<usize>,
    /// Columns of a roster CSV [default 64].
    #[arg(long, env = "ALLOT_MAX_COLUMNS")]
    pub max_columns: Option<usize>,
    /// Characters of an id [default 128].
    #[arg(long, env = "ALLOT_MAX_ID_LEN")]
    pub max_id_len: Option<usize>,
    /// Mark session cookies `Secure` (serving behind TLS); the variable is
    /// on when `1`, `true` or `yes`.
    #[arg(long, env = "ALLOT_COOKIE_SECURE", value_parser = yes)]
    pub cookie_secure: bool,
    /// Rehearsals and tests, with --dev only: run the clock from this
    /// RFC 3339 instant (e.g. 2023-08-23T15:00:00Z).
    #[arg(long)]
    pub now: Option<String>,
}

/// A switch's value: on for `1`, `true` or `yes` (any case), off otherwise,
/// as [`ServeConfig::from_vars`] reads it.
fn yes(text: &str) -> Result<bool, std::convert::Infallible> {
    Ok(matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    ))
}

impl ServeArgs {
    /// The configuration these flags (or their variables) give, defaults for the rest.
    pub fn into_config(self) -> Result<ServeConfig, ConfigError> {
        let mut config = ServeConfig::default();
        if let Some(addr) = self.addr {
            config.addr = addr;
        }
        if let Some(db) = self.db {
            config.db_path = db;
        }
        if let Some(path) = self.tokens {
            config.tokens = ServeConfig::tokens_file(&path)?;
        }
        if let Some(text) = self.token_entries {
            let more = Tokens::parse(&text).map_err(|e| ConfigError::Env {
                var: "ALLOT_TOKENS",
                message: token_errors(e),
            })?;
            config.tokens = config.tokens.merged(more);
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
}
