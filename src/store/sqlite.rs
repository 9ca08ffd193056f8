//! The embedded store: one SQLite file (bundled SQLite, nothing to install).
//!
//! Connections: one writer connection behind a mutex and a few reader
//! connections. SQLite allows one writer at a time anyway, so a single
//! writer connection costs nothing and avoids `SQLITE_BUSY` between our own
//! threads; in WAL mode readers never wait for the writer, so reads (the hot
//! path: `GET` of a stored allocation) scale over the reader connections. No
//! pool crate is needed for a fixed handful of connections. Every write is a
//! `BEGIN IMMEDIATE` transaction that compares and increments the site's
//! revision, so it is also correct if another process writes the same file.

mod draws;

use super::{
    AllocationMeta, AllocationRecord, AllocationRow, Change, DrawReveal, DrawRow, NewAllocation,
    NewDraw, NewSite, Part, RevisionRecord, SiteDocuments, SiteHistory, SiteState, Store,
    StoreError, StoredDraw,
};
use crate::model::Household;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The migrations, in order (`migrations/sqlite/`, then the draws'); the
/// table `schema_version` holds how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_initial.sql"),
    draws::MIGRATION,
];

/// The draws' columns as export and import copy them (after `site`).
const DRAW_COLUMNS: &str = "id, revision, layout_revision, roster_revision, policy_revision, previous, policy, inputs_sha256, previous_sha256, committed_at, seed_source, seed, signature, revealed_at, allocation, allocation_sha256";

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const READERS: usize = 4;
const BUSY_WAIT: Duration = Duration::from_secs(5);

/// SQLite implementation of [`Store`].
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn db(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Busy(e.to_string())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn opt_u64(n: Option<i64>) -> Option<u64> {
    n.map(to_u64)
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves the connection usable (every
    // statement is its own transaction or rolled back on drop).
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_WAIT).map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(db)?;
    Ok(())
}

const SITE_COLUMNS: &str = "id, name, revision, layout_revision, roster_revision, policy_revision, households, latest_allocation, created, updated";

fn site_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SiteState> {
    Ok(SiteState {
        id: row.get(0)?,
        name: row.get(1)?,
        revision: to_u64(row.get(2)?),
        layout_revision: to_u64(row.get(3)?),
        roster_revision: opt_u64(row.get(4)?),
        policy_revision: opt_u64(row.get(5)?),
        households: to_u64(row.get(6)?),
        latest_allocation: opt_u64(row.get(7)?),
        created: row.get(8)?,
        updated: row.get(9)?,
    })
}

const ALLOCATION_COLUMNS: &str = "site, id, created, previous, revision, layout_revision, roster_revision, policy_revision, seed, summary";

fn allocation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(AllocationMeta, String)> {
    Ok((
        AllocationMeta {
            site: row.get(0)?,
            id: to_u64(row.get(1)?),
            created: row.get(2)?,
            previous: opt_u64(row.get(3)?),
            revision: to_u64(row.get(4)?),
            layout_revision: to_u64(row.get(5)?),
            roster_revision: opt_u64(row.get(6)?),
            policy_revision: opt_u64(row.get(7)?),
            seed: row.get(8)?,
            summary: Value::Null,
        },
        row.get(9)?,
    ))
}

fn with_summary(
    (mut meta, summary): (AllocationMeta, String),
) -> Result<AllocationMeta, StoreError> {
    meta.summary = serde_json::from_str(&summary)
        .map_err(|e| StoreError::Corrupt(format!("allocation {} summary: {e}", meta.id)))?;
    Ok(meta)
}

fn load_site(conn: &Connection, site: &str) -> Result<SiteState, StoreError> {
    conn.query_row(
        &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = ?1"),
        params![site],
        site_row,
    )
    .optional()
    .map_err(db)?
    .ok_or_else(|| StoreError::NoSite(site.to_string()))
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let writer = Connection::open(path).map_err(db)?;
        configure(&writer)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!(
                "could not switch {} to WAL mode (got {mode})",
                path.display()
            )));
        }
        let mut writer = writer;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(db)?;
            conn.busy_timeout(BUSY_WAIT).map_err(db)?;
            readers.push(Mutex::new(conn));
        }
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A reader connection: a free one if any, else waits on the next in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        for m in &self.readers {
            if let Ok(guard) = m.try_lock() {
                return guard;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len().max(1);
        match self.readers.get(i) {
            Some(m) => lock(m),
            None => lock(&self.writer),
        }
    }
}

/// Runs the migrations not yet applied, each in its own transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(db)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let done: Option<i64> = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let done = usize::try_from(done.unwrap_or(0)).unwrap_or(0);
    if done > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {done}, newer than this program's {}",
            MIGRATIONS.len()
        )));
    }
    for sql in MIGRATIONS.iter().skip(done) {
        tx.execute_batch(sql).map_err(db)?;
    }
    tx.execute("DELETE FROM schema_version", []).map_err(db)?;
    tx.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        params![MIGRATIONS.len() as i64],
    )
    .map_err(db)?;
    tx.commit().map_err(db)
}

/// The body of the newest revision of `part` at or before `revision`.
fn part_at(
    conn: &Connection,
    site: &str,
    part: Part,
    revision: u64,
) -> Result<Option<(u64, String)>, StoreError> {
    conn.query_row(
        "SELECT revision, body FROM revisions WHERE site = ?1 AND part = ?2 AND revision <= ?3 ORDER BY revision DESC LIMIT 1",
        params![site, part.as_str(), to_i64(revision)],
        |r| Ok((to_u64(r.get(0)?), r.get::<_, String>(1)?)),
    )
    .optional()
    .map_err(db)
}

fn parse_json(site: &str, revision: u64, body: &str) -> Result<Value, StoreError> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::Corrupt(format!("site {site} revision {revision}: {e}")))
}

/// Appends an allocation (numbered after the site's last) and makes it the
/// site's latest; the caller has checked whatever must precede it.
fn insert_allocation(
    tx: &Connection,
    site: &str,
    new: &NewAllocation,
    policy: &str,
    summary: &str,
) -> Result<AllocationMeta, StoreError> {
    let id: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM allocations WHERE site = ?1",
            params![site],
            |r| r.get(0),
        )
        .map_err(db)?;
    tx.execute(
        &format!(
        "INSERT INTO allocations (site, id, previous, revision, layout_revision, roster_revision, policy_revision, seed, policy, summary, body, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {NOW})"
        ),
        params![
        site,
        id,
        new.previous.map(to_i64),
        to_i64(new.revision),
        to_i64(new.layout_revision),
        new.roster_revision.map(to_i64),
        new.policy_revision.map(to_i64),
        new.seed,
        policy,
        summary,
        new.body,
        ],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE sites SET latest_allocation = ?1 WHERE id = ?2",
        params![id, site],
    )
    .map_err(db)?;
    let meta = tx
        .query_row(
            &format!("SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE site = ?1 AND id = ?2"),
            params![site, id],
            allocation_row,
        )
        .map_err(db)?;
    with_summary(meta)
}

impl Store for SqliteStore {
    fn create_site(&self, new: NewSite) -> Result<SiteState, StoreError> {
        let body =
            serde_json::to_string(&new.layout).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let exists: Option<String> = tx
            .query_row("SELECT id FROM sites WHERE id = ?1", params![new.id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        if exists.is_some() {
            return Err(StoreError::SiteExists(new.id));
        }
        tx.execute(
            &format!("INSERT INTO sites (id, name, revision, layout_revision, created, updated) VALUES (?1, ?2, 1, 1, {NOW}, {NOW})"),
            params![new.id, new.name],
        )
        .map_err(db)?;
        tx.execute(
            &format!("INSERT INTO revisions (site, revision, part, body, created) VALUES (?1, 1, 'layout', ?2, {NOW})"),
            params![new.id, body],
        )
        .map_err(db)?;
        let state = load_site(&tx, &new.id)?;
        tx.commit().map_err(db)?;
        Ok(state)
    }

    fn list_sites(&self, after: Option<&str>, limit: u32) -> Result<Vec<SiteState>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {SITE_COLUMNS} FROM sites WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![after.unwrap_or(""), i64::from(limit)], site_row)
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn site(&self, site: &str) -> Result<SiteState, StoreError> {
        let conn = self.reader();
        load_site(&conn, site)
    }

    fn documents(&self, site: &str, revision: Option<u64>) -> Result<SiteDocuments, StoreError> {
        let mut conn = self.reader();
        // One read transaction: every part from the same snapshot.
        let tx = conn.transaction().map_err(db)?;
        let head = load_site(&tx, site)?;
        let revision = match revision {
            None => head.revision,
            Some(n) if n >= 1 && n <= head.revision => n,
            Some(n) => {
                return Err(StoreError::NoRevision {
                    site: site.to_string(),
                    revision: n,
                })
            }
        };
        let (layout_revision, layout) = part_at(&tx, site, Part::Layout, revision)?
            .ok_or_else(|| StoreError::Corrupt(format!("site {site} has no layout")))?;
        let layout = parse_json(site, layout_revision, &layout)?;
        let (roster_revision, roster) = match part_at(&tx, site, Part::Roster, revision)? {
            Some((n, body)) => {
                let households: Vec<Household> = serde_json::from_str(&body).map_err(|e| {
                    StoreError::Corrupt(format!("site {site} roster revision {n}: {e}"))
                })?;
                (Some(n), households)
            }
            None => (None, Vec::new()),
        };
        let (policy_revision, policy) = match part_at(&tx, site, Part::Policy, revision)? {
            Some((n, body)) => (Some(n), Some(parse_json(site, n, &body)?)),
            None => (None, None),
        };
        Ok(SiteDocuments {
            site: site.to_string(),
            revision,
            layout_revision,
            layout,
            roster_revision,
            roster,
            policy_revision,
            policy,
        })
    }

    fn write(&self, site: &str, expected: u64, change: Change) -> Result<SiteState, StoreError> {
        let part = change.part();
        let households = match &change {
            Change::Roster(h) => Some(h.len() as i64),
            _ => None,
        };
        let body = match &change {
            Change::Layout(v) | Change::Policy(v) => serde_json::to_string(v),
            Change::Roster(h) => serde_json::to_string(h),
        }
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let name = match &change {
            Change::Layout(v) => Some(
                v.pointer("/site/name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            _ => None,
        };
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let head = load_site(&tx, site)?;
        let next = expected.saturating_add(1);
        // Compare-and-swap on the revision: the only way a write lands.
        let column = match part {
            Part::Layout => "layout_revision",
            Part::Roster => "roster_revision",
            Part::Policy => "policy_revision",
        };
        let updated = tx
            .execute(
                &format!(
                    "UPDATE sites SET revision = ?1, {column} = ?1, households = COALESCE(?4, households), \
                     name = CASE WHEN ?5 THEN ?6 ELSE name END, updated = {NOW} \
                     WHERE id = ?2 AND revision = ?3"
                ),
                params![
                    to_i64(next),
                    site,
                    to_i64(expected),
                    households,
                    name.is_some(),
                    name.flatten()
                ],
            )
            .map_err(db)?;
        if updated != 1 {
            return Err(StoreError::Stale {
                site: site.to_string(),
                expected,
                current: head.revision,
            });
        }
        tx.execute(
            &format!("INSERT INTO revisions (site, revision, part, body, created) VALUES (?1, ?2, ?3, ?4, {NOW})"),
            params![site, to_i64(next), part.as_str(), body],
        )
        .map_err(db)?;
        let state = load_site(&tx, site)?;
        tx.commit().map_err(db)?;
        Ok(state)
    }

    fn add_allocation(&self, site: &str, new: NewAllocation) -> Result<AllocationMeta, StoreError> {
        let policy =
            serde_json::to_string(&new.policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let summary =
            serde_json::to_string(&new.summary).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let head = load_site(&tx, site)?;
        if head.latest_allocation != new.previous {
            return Err(StoreError::AllocationRace {
                site: site.to_string(),
                expected: new.previous,
                current: head.latest_allocation,
            });
        }
        let meta = insert_allocation(&tx, site, &new, &policy, &summary)?;
        tx.commit().map_err(db)?;
        Ok(meta)
    }

    fn allocations(
        &self,
        site: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AllocationMeta>, StoreError> {
        let mut conn = self.reader();
        let tx = conn.transaction().map_err(db)?;
        load_site(&tx, site)?;
        let rows = {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE site = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(
                    params![
                        site,
                        before.map(to_i64).unwrap_or(i64::MAX),
                        i64::from(limit)
                    ],
                    allocation_row,
                )
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)?
        };
        rows.into_iter().map(with_summary).collect()
    }

    fn allocation(&self, site: &str, id: u64) -> Result<AllocationRecord, StoreError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ALLOCATION_COLUMNS}, policy, body FROM allocations WHERE site = ?1 AND id = ?2"
            ))
            .map_err(db)?;
        let found = stmt
            .query_row(params![site, to_i64(id)], |r| {
                Ok((
                    allocation_row(r)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, Vec<u8>>(11)?,
                ))
            })
            .optional()
            .map_err(db)?;
        match found {
            Some((meta, policy, body)) => {
                let meta = with_summary(meta)?;
                let policy = serde_json::from_str(&policy)
                    .map_err(|e| StoreError::Corrupt(format!("allocation {id} policy: {e}")))?;
                Ok(AllocationRecord { meta, policy, body })
            }
            None => {
                load_site(&conn, site)?;
                Err(StoreError::NoAllocation {
                    site: site.to_string(),
                    id,
                })
            }
        }
    }

    fn add_draw(&self, site: &str, new: NewDraw) -> Result<StoredDraw, StoreError> {
        draws::add_draw(&mut lock(&self.writer), site, new)
    }

    fn draws(
        &self,
        site: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<StoredDraw>, StoreError> {
        draws::draws(&mut self.reader(), site, before, limit)
    }

    fn draw(&self, site: &str, id: u64) -> Result<StoredDraw, StoreError> {
        draws::draw(&self.reader(), site, id)
    }

    fn reveal_draw(
        &self,
        site: &str,
        draw: u64,
        reveal: DrawReveal,
        allocation: NewAllocation,
    ) -> Result<(StoredDraw, AllocationMeta), StoreError> {
        draws::reveal_draw(&mut lock(&self.writer), site, draw, reveal, allocation)
    }

    fn export_site(&self, site: &str) -> Result<SiteHistory, StoreError> {
        let mut conn = self.reader();
        // One read transaction: the head and every row from the same snapshot.
        let tx = conn.transaction().map_err(db)?;
        let head = load_site(&tx, site)?;
        let revisions = {
            let mut stmt = tx
                .prepare("SELECT revision, part, created, body FROM revisions WHERE site = ?1 ORDER BY revision")
                .map_err(db)?;
            let rows = stmt
                .query_map(params![site], |r| {
                    Ok((
                        to_u64(r.get(0)?),
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)?
        };
        let revisions = revisions
            .into_iter()
            .map(|(revision, part, created, body)| {
                Ok(RevisionRecord {
                    revision,
                    part: match part.as_str() {
                        "layout" => Part::Layout,
                        "roster" => Part::Roster,
                        "policy" => Part::Policy,
                        other => {
                            return Err(StoreError::Corrupt(format!("unknown part `{other}`")))
                        }
                    },
                    created,
                    body,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let allocations = {
            let mut stmt = tx
                .prepare(
                    "SELECT id, created, previous, revision, layout_revision, roster_revision, policy_revision, seed, policy, summary, body \
                     FROM allocations WHERE site = ?1 ORDER BY id",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map(params![site], |r| {
                    Ok((
                        AllocationRow {
                            id: to_u64(r.get(0)?),
                            created: r.get(1)?,
                            previous: opt_u64(r.get(2)?),
                            revision: to_u64(r.get(3)?),
                            layout_revision: to_u64(r.get(4)?),
                            roster_revision: opt_u64(r.get(5)?),
                            policy_revision: opt_u64(r.get(6)?),
                            seed: r.get(7)?,
                            policy: r.get(8)?,
                            summary: r.get(9)?,
                            body: String::new(),
                        },
                        r.get::<_, Vec<u8>>(10)?,
                    ))
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)?
        };
        let allocations = allocations
            .into_iter()
            .map(|(mut row, body)| {
                row.body = String::from_utf8(body).map_err(|_| {
                    StoreError::Corrupt(format!("allocation {} is not UTF-8 text", row.id))
                })?;
                Ok(row)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let draws = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {DRAW_COLUMNS} FROM draws WHERE site = ?1 ORDER BY id"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(params![site], |r| {
                    Ok(DrawRow {
                        id: to_u64(r.get(0)?),
                        revision: to_u64(r.get(1)?),
                        layout_revision: to_u64(r.get(2)?),
                        roster_revision: opt_u64(r.get(3)?),
                        policy_revision: opt_u64(r.get(4)?),
                        previous: opt_u64(r.get(5)?),
                        policy: r.get(6)?,
                        inputs_sha256: r.get(7)?,
                        previous_sha256: r.get(8)?,
                        committed_at: r.get(9)?,
                        seed_source: r.get(10)?,
                        seed: r.get(11)?,
                        signature: r.get(12)?,
                        revealed_at: r.get(13)?,
                        allocation: opt_u64(r.get(14)?),
                        allocation_sha256: r.get(15)?,
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)?
        };
        Ok(SiteHistory {
            site: head,
            revisions,
            allocations,
            draws,
        })
    }

    fn import_site(&self, history: &SiteHistory) -> Result<SiteState, StoreError> {
        let s = &history.site;
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let inserted = tx
            .execute(
                &format!("INSERT INTO sites ({SITE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING"),
                params![
                    s.id,
                    s.name,
                    to_i64(s.revision),
                    to_i64(s.layout_revision),
                    s.roster_revision.map(to_i64),
                    s.policy_revision.map(to_i64),
                    to_i64(s.households),
                    s.latest_allocation.map(to_i64),
                    s.created,
                    s.updated
                ],
            )
            .map_err(db)?;
        if inserted != 1 {
            return Err(StoreError::SiteExists(s.id.clone()));
        }
        {
            let mut stmt = tx
                .prepare("INSERT INTO revisions (site, revision, part, body, created) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(db)?;
            for r in &history.revisions {
                stmt.execute(params![
                    s.id,
                    to_i64(r.revision),
                    r.part.as_str(),
                    r.body,
                    r.created
                ])
                .map_err(db)?;
            }
            let mut stmt = tx
                .prepare(
                    "INSERT INTO allocations (site, id, previous, revision, layout_revision, roster_revision, policy_revision, seed, policy, summary, body, created) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(db)?;
            for a in &history.allocations {
                stmt.execute(params![
                    s.id,
                    to_i64(a.id),
                    a.previous.map(to_i64),
                    to_i64(a.revision),
                    to_i64(a.layout_revision),
                    a.roster_revision.map(to_i64),
                    a.policy_revision.map(to_i64),
                    a.seed,
                    a.policy,
                    a.summary,
                    a.body.as_bytes(),
                    a.created
                ])
                .map_err(db)?;
            }
            let mut stmt = tx
                .prepare(&format!(
                    "INSERT INTO draws (site, {DRAW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
                ))
                .map_err(db)?;
            for d in &history.draws {
                stmt.execute(params![
                    s.id,
                    to_i64(d.id),
                    to_i64(d.revision),
                    to_i64(d.layout_revision),
                    d.roster_revision.map(to_i64),
                    d.policy_revision.map(to_i64),
                    d.previous.map(to_i64),
                    d.policy,
                    d.inputs_sha256,
                    d.previous_sha256,
                    d.committed_at,
                    d.seed_source,
                    d.seed,
                    d.signature,
                    d.revealed_at,
                    d.allocation.map(to_i64),
                    d.allocation_sha256
                ])
                .map_err(db)?;
            }
        }
        let state = load_site(&tx, &s.id)?;
        tx.commit().map_err(db)?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("allot.db")).unwrap();
        (dir, store)
    }

    fn layout(name: &str) -> Value {
        json!({"type": "FeatureCollection", "site": {"id": "s", "name": name}, "features": []})
    }

    fn new_site(id: &str) -> NewSite {
        NewSite {
            id: id.to_string(),
            name: Some("One".to_string()),
            layout: layout("One"),
        }
    }

    fn allocation(previous: Option<u64>) -> NewAllocation {
        NewAllocation {
            previous,
            revision: 1,
            layout_revision: 1,
            roster_revision: None,
            policy_revision: None,
            policy: json!({"mechanism": "optimal"}),
            seed: "seed".to_string(),
            summary: json!({"parking_space": {"served": 1}}),
            body: b"{\"site\":\"s\"}".to_vec(),
        }
    }

    #[test]
    fn stored_allocations_cannot_be_updated() {
        let (_dir, store) = store();
        store.create_site(new_site("s")).unwrap();
        store.add_allocation("s", allocation(None)).unwrap();
        let conn = lock(&store.writer);
        let err = conn.execute("UPDATE allocations SET seed = 'x'", []);
        assert!(err.is_err());
    }

    #[test]
    fn data_survives_reopening_the_file_and_migrations_are_not_rerun() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("allot.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store.create_site(new_site("s")).unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.site("s").unwrap().revision, 1);
        let version: i64 = lock(&store.writer)
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }
}
