//! Headless Chromium driven through chromedriver (WebDriver), for the browser
//! tests. Included by the test files with `#[path]`.
//!
//! The browser runs with a fresh profile in a temporary directory and with
//! the flags that keep it off the network (no background networking,
//! component updates, sync or QUIC); the tests only open pages on 127.0.0.1.
//! chromedriver is started on a free port and killed when the [`Browser`] is
//! dropped. Without chromedriver the test fails with the command that
//! installs it (`bash .ci/browser-deps.sh`): CI installs it, and a browser
//! test that silently skipped would prove nothing.

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running chromedriver and a browser session in it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

impl Browser {
    /// Starts chromedriver and opens a headless Chromium session.
    pub async fn start() -> Browser {
        let driver_path = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| find_program(&["chromedriver"]))
            .unwrap_or_else(|| {
                panic!(
                    "chromedriver is not installed, so the browser tests cannot run. \
                     Install Chromium, its driver and CJK fonts with `bash .ci/browser-deps.sh` \
                     (Debian packages chromium, chromium-driver, fonts-noto-cjk), \
                     or point CHROMEDRIVER at a chromedriver binary."
                )
            });
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| find_program(&["chromium", "chromium-browser", "google-chrome"]))
            .unwrap_or_else(|| panic!("Chromium is not installed: run `bash .ci/browser-deps.sh`"));
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let log_path = profile.path().join("chromedriver.log");
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not listen on port {port} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let user_data = profile.path().join("profile");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--disable-extensions".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            "--hide-scrollbars".into(),
            "--window-size=1400,1000".into(),
            format!("--user-data-dir={}", user_data.display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": chromium.display().to_string(), "args": args}),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut driver = driver;
        let client = match ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
                panic!("chromedriver could not start Chromium: {e}\nlast log lines (newest first):\n{tail}");
            }
        };
        Browser {
            client,
            driver,
            port,
            _profile: profile,
        }
    }

    /// The browser console's entries since the last call (chromedriver's
    /// `se/log` endpoint with `goog:loggingPrefs`), as `(level, message)`.
    pub async fn console(&self) -> Vec<(String, String)> {
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a session id");
        let url = format!("http://127.0.0.1:{}/session/{session}/se/log", self.port);
        let body: Value = tokio::task::spawn_blocking(move || {
            reqwest::blocking::Client::new()
                .post(url)
                .json(&json!({"type": "browser"}))
                .send()
                .and_then(|r| r.json::<Value>())
        })
        .await
        .expect("the log request thread")
        .expect("chromedriver answers the log request");
        body["value"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or_default().to_string(),
                            e["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Console entries at level SEVERE (errors, failed requests, exceptions).
    pub async fn console_errors(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|(level, _)| level == "SEVERE")
            .map(|(_, m)| m)
            .collect()
    }

    /// Saves a PNG screenshot of the viewport under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots directory");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("the screenshot file");
        path
    }

    /// Runs `script` in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Closes the session and stops chromedriver.
    pub async fn stop(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Also on a failed assertion: never leave chromedriver running.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
