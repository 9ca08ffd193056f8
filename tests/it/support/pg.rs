//! A real PostgreSQL for the tests: Debian's `postgresql` package (installed
//! by `.ci/deps.sh`), `initdb` into a temporary folder, the server listening
//! only on a Unix socket in that folder. [`shared`] starts one per test
//! binary and gives each test a database of its own; [`PgServer::start`]
//! starts a private one a test may stop and start again.
//!
//! A guardian shell holds a pipe from the test process: when the process
//! ends (however it ends), the pipe closes, and the guardian stops the
//! server and removes the folder. Tests that need PostgreSQL fail, never
//! skip, when it is not installed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// A running PostgreSQL cluster in a temporary folder.
pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    guardian: Mutex<Option<(Child, ChildStdin)>>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The folder of `initdb` and `pg_ctl` (the newest installed version).
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             run .ci/deps.sh, which installs Debian's `postgresql` package"
        ),
    }
}

/// A command that runs as the `postgres` user when we are root (initdb and
/// the server refuse to run as root).
fn as_owner(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str, log: &Path) {
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if !status.success() {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        panic!("{what} failed ({status}); log:\n{log}");
    }
}

impl PgServer {
    /// Creates and starts a cluster in a new temporary folder.
    pub fn start() -> PgServer {
        let bin = bin_dir();
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "allot-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the PostgreSQL folder");
        if root {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&dir);
                    c
                },
                "chown the PostgreSQL folder to postgres",
                Path::new("/dev/null"),
            );
        }
        let log = dir.join("server.log");
        let mut initdb = as_owner(&bin.join("initdb"), root);
        initdb
            .current_dir(&dir)
            .arg("-D")
            .arg(dir.join("data"))
            .args([
                "-U",
                "allot",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]);
        run(initdb, "initdb", &log);
        // The guardian: stops the server and removes the folder when the
        // test process's end closes its stdin.
        let pg_ctl = bin.join("pg_ctl");
        let stop = if root {
            format!(
                "runuser -u postgres -- {} -D {} stop -m immediate",
                pg_ctl.display(),
                dir.join("data").display()
            )
        } else {
            format!(
                "{} -D {} stop -m immediate",
                pg_ctl.display(),
                dir.join("data").display()
            )
        };
        let mut guardian = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf '{}'",
                dir.display()
            ))
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the guardian shell");
        let stdin = guardian.stdin.take().expect("guardian stdin");
        let server = PgServer {
            dir,
            bin,
            guardian: Mutex::new(Some((guardian, stdin))),
        };
        server.start_again();
        server
    }

    /// Starts the (stopped) server; waits until it accepts connections.
    pub fn start_again(&self) {
        let log = self.dir.join("server.log");
        let mut pg_ctl = as_owner(&self.bin.join("pg_ctl"), is_root());
        pg_ctl
            .current_dir(&self.dir)
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(&log)
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-k {} -c listen_addresses='' -c fsync=off -c max_connections=300",
                self.dir.display()
            ))
            .arg("start");
        run(pg_ctl, "pg_ctl start", &log);
    }

    /// Stops the server at once (connections are cut).
    pub fn stop(&self) {
        let log = self.dir.join("server.log");
        let mut pg_ctl = as_owner(&self.bin.join("pg_ctl"), is_root());
        pg_ctl
            .current_dir(&self.dir)
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "stop", "-m", "immediate"]);
        run(pg_ctl, "pg_ctl stop", &log);
    }

    /// The URL of database `db` on this server (Unix socket in the folder).
    pub fn url(&self, db: &str) -> String {
        format!("postgresql:///{db}?host={}&user=allot", self.dir.display())
    }

    /// A new, empty database; its URL.
    pub fn fresh_database(&self) -> String {
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        self.url(&name)
    }

    /// A plain client on `url` (for looking under the store).
    pub fn client(url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls).expect("connect to the test PostgreSQL")
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some((mut child, mut stdin)) = self.guardian.lock().ok().and_then(|mut g| g.take()) {
            let _ = stdin.flush();
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// The server shared by this test binary's tests (started on first use).
pub fn shared() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(PgServer::start)
}

/// A fresh database on the shared server; its URL.
pub fn fresh_database() -> String {
    shared().fresh_database()
}
