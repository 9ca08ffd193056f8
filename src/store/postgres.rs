//! The shared store: one PostgreSQL database for several `allot serve`
//! instances (`--db postgres://…`).
//!
//! The client is rust-postgres' synchronous one (pure Rust) behind an r2d2
//! pool: the [`Store`] trait is blocking and runs on actix's blocking pool,
//! so each call checks a connection out, runs, and returns it.
//!
//! Concurrency across processes: every check-then-write locks the site's row
//! first (`SELECT … FOR UPDATE`), so of two writes based on the same revision
//! the second waits, then sees the new revision and is refused as stale; of
//! two allocations based on the same latest one the second is refused with
//! [`StoreError::AllocationRace`]. Allocation ids are the site's latest + 1
//! under that lock, so they have no gaps (no sequence is used). Multi-statement
//! reads run in one `REPEATABLE READ` snapshot.
//!
//! A lost connection (the server restarted, or the connection was killed) is
//! [`StoreError::Unavailable`], which the HTTP layer answers 503. The closed
//! connection is dropped by the pool; an operation that finds its connection
//! closed before it did anything (at `BEGIN`, or in a read) runs again on
//! another, fresh one, so after a database restart requests succeed again
//! without a server restart.

mod draws;
mod transfer;
mod url;

pub use url::{is_url, redact};

use super::record::{
    self, allocation_record, check_previous, documents, encode, migrations_done, no_allocation,
    page_before, resolve_revision, site_state, stale, to_i64, to_u64, with_summary,
    AllocationInsert, AllocationText, Cells, DrawText, Param, Write, ALLOCATION_COLUMNS,
    ALLOCATION_ROW_COLUMNS, SITE_COLUMNS,
};
use super::{
    AllocationMeta, AllocationRecord, Change, DrawReveal, NewAllocation, NewDraw, NewSite, Page,
    Part, SiteDocuments, SiteHistory, SiteState, Store, StoreError, StoredDraw,
};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{GenericClient, IsolationLevel, NoTls, Row};
use r2d2_postgres::r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
use std::time::Duration;

/// The migrations, in order (`migrations/postgres/`); `schema_version` holds
/// how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_initial.sql"),
    include_str!("../../migrations/postgres/0002_draws.sql"),
];

/// The time now as SQLite's store writes it (`2026-01-31T12:00:00.000Z`).
const NOW: &str = r#"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#;
/// Connections per server process.
const POOL_SIZE: u32 = 16;
/// Longest wait for a connection (pool exhausted, or the server unreachable).
const CONNECT_WAIT: Duration = Duration::from_secs(5);
/// Any lock or statement waits at most this long (then 503, busy).
const STATEMENT_WAIT: &str = "10s";

type Manager = PostgresConnectionManager<NoTls>;
type Conn = PooledConnection<Manager>;

/// PostgreSQL implementation of [`Store`].
///
/// The synchronous client runs a small runtime of its own per connection,
/// which must not be started or dropped on an async worker thread: opening
/// and dropping therefore happen on a thread of their own (the trait's
/// methods already run on blocking threads).
pub struct PgStore {
    /// Always `Some` until dropped.
    pool: Option<Pool<Manager>>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Whether the error means the connection is gone (not an answer about data).
fn is_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some()) {
        return true;
    }
    match e.code() {
        Some(code) => {
            let c = code.code();
            c.starts_with("08")
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        None => false,
    }
}

fn pg(e: postgres::Error) -> StoreError {
    if is_lost(&e) {
        return StoreError::Unavailable(e.to_string());
    }
    match e.code() {
        Some(code)
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::LOCK_NOT_AVAILABLE
                || *code == SqlState::QUERY_CANCELED =>
        {
            StoreError::Busy(e.to_string())
        }
        _ => StoreError::Database(match e.as_db_error() {
            Some(db) => db.to_string(),
            None => e.to_string(),
        }),
    }
}

/// An operation's failure: from the database (maybe a lost connection, then
/// retried) or an answer about the data.
enum Fail {
    Pg(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Pg(e) => pg(e),
            Fail::Store(e) => e,
        }
    }
}

/// Values as the driver binds them.
fn bind<'a>(values: &'a [Param<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| -> &(dyn ToSql + Sync) {
            match v {
                Param::Int(n) => n,
                Param::Text(s) => s,
                Param::Bytes(b) => b,
            }
        })
        .collect()
}

impl Cells for Row {
    type Error = postgres::Error;
    fn text(&self, i: usize) -> Result<String, postgres::Error> {
        self.try_get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, postgres::Error> {
        self.try_get(i)
    }
    fn int(&self, i: usize) -> Result<i64, postgres::Error> {
        self.try_get(i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, postgres::Error> {
        self.try_get(i)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>, postgres::Error> {
        self.try_get(i)
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        pg(e)
    }
}

fn allocation_meta(row: &Row) -> Result<AllocationMeta, Fail> {
    Ok(with_summary(record::allocation_meta(row)?)?)
}

fn load_site(c: &mut impl GenericClient, site: &str, lock: bool) -> Result<SiteState, Fail> {
    let sql = format!(
        "SELECT {SITE_COLUMNS} FROM sites WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    match c.query_opt(&sql, &[&site])? {
        Some(row) => Ok(site_state(&row)?),
        None => Err(StoreError::NoSite(site.to_string()).into()),
    }
}

/// The body of the newest revision of `part` at or before `revision`.
fn part_at(
    c: &mut impl GenericClient,
    site: &str,
    part: Part,
    revision: u64,
) -> Result<Option<(u64, String)>, Fail> {
    let row = c.query_opt(
        "SELECT revision, body FROM revisions WHERE site = $1 AND part = $2 AND revision <= $3 ORDER BY revision DESC LIMIT 1",
        &[&site, &part.as_str(), &to_i64(revision)],
    )?;
    Ok(match row {
        Some(r) => Some((r.num(0)?, r.text(1)?)),
        None => None,
    })
}

/// How a transaction runs.
#[derive(Clone, Copy)]
enum Mode {
    /// Reads several statements from one snapshot.
    Snapshot,
    /// Checks and writes under row locks.
    Write,
}

impl PgStore {
    /// Connects, and migrates the schema to this program's version (one
    /// process at a time: the migration holds an advisory lock).
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        let url = url.to_string();
        std::thread::spawn(move || PgStore::open_here(&url))
            .join()
            .unwrap_or_else(|_| {
                Err(StoreError::Database(
                    "opening the database panicked".to_string(),
                ))
            })
    }

    fn open_here(url: &str) -> Result<PgStore, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Database(format!("bad PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_WAIT);
        }
        let options = format!(
            "{} -c statement_timeout={STATEMENT_WAIT} -c lock_timeout={STATEMENT_WAIT}",
            config.get_options().unwrap_or("")
        );
        config.options(options.trim_start());
        if config.get_application_name().is_none() {
            config.application_name("allot");
        }
        let manager = PostgresConnectionManager::new(config, NoTls);
        // No test query at check-out (it would double the round trips of the
        // hot path): a connection found closed is retried on another instead.
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CONNECT_WAIT)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = PgStore { pool: Some(pool) };
        store.migrate()?;
        Ok(store)
    }

    fn conn(&self) -> Result<Conn, StoreError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the store is closed".to_string()))?
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(pg)?;
        // Several instances may start at once: one migrates, the others wait.
        tx.execute("SELECT pg_advisory_xact_lock(7243010013)", &[])
            .map_err(pg)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(pg)?;
        let done: Option<i64> = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .map_err(pg)?
            .map(|r| r.get(0));
        let done = migrations_done(done, MIGRATIONS.len())?;
        for sql in MIGRATIONS.iter().skip(done) {
            tx.batch_execute(sql).map_err(pg)?;
        }
        tx.execute("DELETE FROM schema_version", &[]).map_err(pg)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(MIGRATIONS.len() as i64)],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)
    }

    /// The schema version stored in the database.
    pub fn schema_version(&self) -> Result<u64, StoreError> {
        self.read(|c| {
            let v: i64 = c
                .query_one("SELECT version FROM schema_version", &[])?
                .get(0);
            Ok(to_u64(v))
        })
    }

    /// The number of migrations this program knows.
    pub fn migrations() -> usize {
        MIGRATIONS.len()
    }

    /// Runs a read; if the connection turns out to be lost, runs it again on
    /// a fresh one (a read changes nothing, so this is safe), up to the pool size.
    fn read<T>(&self, op: impl Fn(&mut Conn) -> Result<T, Fail>) -> Result<T, StoreError> {
        let mut tries = 0;
        loop {
            let mut conn = self.conn()?;
            match op(&mut conn) {
                Err(Fail::Pg(e)) if is_lost(&e) && tries < POOL_SIZE => tries += 1,
                other => return other.map_err(StoreError::from),
            }
        }
    }

    /// Runs `op` in a transaction and commits. A connection found lost at
    /// `BEGIN` (before anything was sent for `op`) is replaced by a fresh one.
    fn transaction<T>(
        &self,
        mode: Mode,
        op: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let mut tries = 0;
        let mut conn = loop {
            let mut conn = self.conn()?;
            match conn.batch_execute("") {
                Err(e) if is_lost(&e) && tries < POOL_SIZE => tries += 1,
                Err(e) => return Err(pg(e)),
                Ok(()) => break conn,
            }
        };
        let builder = conn.build_transaction();
        let builder = match mode {
            Mode::Snapshot => builder
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true),
            Mode::Write => builder.isolation_level(IsolationLevel::ReadCommitted),
        };
        let mut tx = builder.start().map_err(pg)?;
        let out = op(&mut tx)?;
        tx.commit().map_err(pg)?;
        Ok(out)
    }
}

fn documents_in(
    tx: &mut postgres::Transaction<'_>,
    site: &str,
    revision: Option<u64>,
) -> Result<SiteDocuments, Fail> {
    let head = load_site(tx, site, false)?;
    let revision = resolve_revision(site, &head, revision)?;
    documents(site, revision, |part| part_at(tx, site, part, revision))
}

/// The insert of an `allocations` row (new, or copied by an import) from
/// [`AllocationInsert::params`], returning its [`ALLOCATION_COLUMNS`].
fn insert_allocation_sql() -> String {
    format!(
        "INSERT INTO allocations (site, {ALLOCATION_ROW_COLUMNS}) \
         VALUES ($1, $2, COALESCE($3, {NOW}), $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {ALLOCATION_COLUMNS}"
    )
}

/// Appends an allocation numbered after the site's latest (the caller holds
/// the site's row lock, so the id has no gap) and makes it the latest.
fn insert_allocation(
    tx: &mut postgres::Transaction<'_>,
    site: &str,
    head: &SiteState,
    new: &NewAllocation,
    text: &AllocationText,
) -> Result<AllocationMeta, Fail> {
    let id = head.latest_allocation.unwrap_or(0) + 1;
    let values = AllocationInsert::new(id, new, text).params(site);
    let row = tx.query_one(&insert_allocation_sql(), &bind(&values))?;
    let id = to_i64(id);
    tx.execute(
        "UPDATE sites SET latest_allocation = $1 WHERE id = $2",
        &[&id, &site],
    )?;
    allocation_meta(&row)
}

impl Store for PgStore {
    fn create_site(&self, new: NewSite) -> Result<SiteState, StoreError> {
        let body = encode(&new.layout)?;
        self.transaction(Mode::Write, |tx| {
            let inserted = tx.execute(
                &format!("INSERT INTO sites (id, name, revision, layout_revision, created, updated) VALUES ($1, $2, 1, 1, {NOW}, {NOW}) ON CONFLICT (id) DO NOTHING"),
                &[&new.id, &new.name],
            )?;
            if inserted != 1 {
                return Err(StoreError::SiteExists(new.id.clone()).into());
            }
            tx.execute(
                &format!("INSERT INTO revisions (site, revision, part, body, created) VALUES ($1, 1, 'layout', $2, {NOW})"),
                &[&new.id, &body],
            )?;
            load_site(tx, &new.id, false)
        })
    }

    fn list_sites(&self, after: Option<&str>, limit: u32) -> Result<Vec<SiteState>, StoreError> {
        self.read(|c| {
            let rows = c.query(
                &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id > $1 ORDER BY id LIMIT $2"),
                &[&after.unwrap_or(""), &i64::from(limit)],
            )?;
            Ok(rows.iter().map(site_state).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn site(&self, site: &str) -> Result<SiteState, StoreError> {
        self.read(|c| load_site(&mut **c, site, false))
    }

    fn documents(&self, site: &str, revision: Option<u64>) -> Result<SiteDocuments, StoreError> {
        self.transaction(Mode::Snapshot, |tx| documents_in(tx, site, revision))
    }

    fn write(&self, site: &str, expected: u64, change: Change) -> Result<SiteState, StoreError> {
        let write = Write::new(&change)?;
        let column = write.column;
        self.transaction(Mode::Write, |tx| {
            // The row lock makes a concurrent write wait, then see our revision.
            let head = load_site(tx, site, true)?;
            if head.revision != expected {
                return Err(stale(site, expected, head.revision).into());
            }
            let next = to_i64(expected.saturating_add(1));
            let set_name = write.name.is_some();
            let new_name = write.name.clone().flatten();
            let params: [&(dyn ToSql + Sync); 6] = [
                &next,
                &site,
                &to_i64(expected),
                &write.households,
                &set_name,
                &new_name,
            ];
            let updated = tx.execute(
                &format!(
                    "UPDATE sites SET revision = $1, {column} = $1, households = COALESCE($4, households), \
                     name = CASE WHEN $5 THEN $6 ELSE name END, updated = {NOW} \
                     WHERE id = $2 AND revision = $3"
                ),
                &params,
            )?;
            if updated != 1 {
                return Err(stale(site, expected, head.revision).into());
            }
            tx.execute(
                &format!("INSERT INTO revisions (site, revision, part, body, created) VALUES ($1, $2, $3, $4, {NOW})"),
                &[&site, &next, &write.part.as_str(), &write.body],
            )?;
            load_site(tx, site, false)
        })
    }

    fn add_allocation(&self, site: &str, new: NewAllocation) -> Result<AllocationMeta, StoreError> {
        let text = AllocationText::new(&new)?;
        self.transaction(Mode::Write, |tx| {
            let head = load_site(tx, site, true)?;
            check_previous(site, &head, new.inputs.previous)?;
            insert_allocation(tx, site, &head, &new, &text)
        })
    }

    fn allocations(&self, site: &str, page: Page) -> Result<Vec<AllocationMeta>, StoreError> {
        self.transaction(Mode::Snapshot, |tx| {
            load_site(tx, site, false)?;
            let rows = tx.query(
                &format!(
                    "SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE site = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
                ),
                &[&site, &page_before(page), &i64::from(page.limit)],
            )?;
            rows.iter().map(allocation_meta).collect()
        })
    }

    fn allocation(&self, site: &str, id: u64) -> Result<AllocationRecord, StoreError> {
        self.read(|c| {
            let found = c.query_opt(
                &format!(
                    "SELECT {ALLOCATION_COLUMNS}, policy, body FROM allocations WHERE site = $1 AND id = $2"
                ),
                &[&site, &to_i64(id)],
            )?;
            match found {
                Some(row) => Ok(allocation_record(&row)?),
                None => {
                    load_site(&mut **c, site, false)?;
                    Err(no_allocation(site, id).into())
                }
            }
        })
    }

    fn export_site(&self, site: &str) -> Result<SiteHistory, StoreError> {
        self.transaction(Mode::Snapshot, |tx| transfer::export(tx, site))
    }

    fn import_site(&self, history: &SiteHistory) -> Result<SiteState, StoreError> {
        self.transaction(Mode::Write, |tx| {
            transfer::import(tx, history)?;
            load_site(tx, &history.site.id, false)
        })
    }

    fn add_draw(&self, site: &str, new: NewDraw) -> Result<StoredDraw, StoreError> {
        let text = DrawText::new(&new)?;
        self.transaction(Mode::Write, |tx| draws::add(tx, site, &new, &text))
    }

    fn draws(&self, site: &str, page: Page) -> Result<Vec<StoredDraw>, StoreError> {
        self.transaction(Mode::Snapshot, |tx| draws::list(tx, site, page))
    }

    fn draw(&self, site: &str, id: u64) -> Result<StoredDraw, StoreError> {
        self.read(|c| draws::get(&mut **c, site, id))
    }

    fn reveal_draw(
        &self,
        site: &str,
        reveal: DrawReveal,
    ) -> Result<(StoredDraw, AllocationMeta), StoreError> {
        let text = AllocationText::new(&reveal.allocation)?;
        self.transaction(Mode::Write, |tx| {
            let head = load_site(tx, site, true)?;
            draws::reveal(tx, site, &reveal, |tx| {
                insert_allocation(tx, site, &head, &reveal.allocation, &text)
            })
        })
    }
}
