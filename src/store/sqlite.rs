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
mod transfer;

use super::record::{
    allocation_meta, allocation_record, check_previous, documents, encode, migrations_done,
    no_allocation, page_before, resolve_revision, site_state, stale, to_i64, to_u64, with_summary,
    AllocationInsert, AllocationText, Cells, Param, Write, ALLOCATION_COLUMNS,
    ALLOCATION_ROW_COLUMNS, SITE_COLUMNS,
};
use super::{
    AllocationMeta, AllocationRecord, Change, DrawReveal, NewAllocation, NewDraw, NewSite, Page,
    Part, SiteDocuments, SiteHistory, SiteState, Store, StoreError, StoredDraw,
};
use rusqlite::types::ToSqlOutput;
use rusqlite::{
    params, params_from_iter, Connection, OpenFlags, OptionalExtension, ToSql, TransactionBehavior,
};
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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db(e)
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Int(n) => n.to_sql(),
            Param::Text(s) => s.to_sql(),
            Param::Bytes(b) => b.to_sql(),
        }
    }
}

impl Cells for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn bytes(&self, i: usize) -> rusqlite::Result<Vec<u8>> {
        self.get(i)
    }
}

/// Every row a statement gives for `params`, through `map`.
fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let rows = stmt.query_map(params, map).map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
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

fn load_site(conn: &Connection, site: &str) -> Result<SiteState, StoreError> {
    conn.query_row(
        &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = ?1"),
        params![site],
        |r| site_state(r),
    )
    .optional()
    .map_err(db)?
    .ok_or_else(|| StoreError::NoSite(site.to_string()))
}

/// A write transaction: takes the write lock at `BEGIN`.
fn begin(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)
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
    let tx = begin(conn)?;
    let done: Option<i64> = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let done = migrations_done(done, MIGRATIONS.len())?;
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
        |r| Ok((r.num(0)?, r.text(1)?)),
    )
    .optional()
    .map_err(db)
}

/// The id after the last of `site`'s rows in `table` (allocations or draws).
fn next_id(tx: &Connection, table: &str, site: &str) -> Result<u64, StoreError> {
    tx.query_row(
        &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table} WHERE site = ?1"),
        params![site],
        |r| r.get(0),
    )
    .map(to_u64)
    .map_err(db)
}

/// Inserts an `allocations` row (new, or copied by an import).
fn insert_allocation_row(
    tx: &Connection,
    site: &str,
    row: &AllocationInsert<'_>,
) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO allocations (site, {ALLOCATION_ROW_COLUMNS}) \
             VALUES (?1, ?2, COALESCE(?3, {NOW}), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))
        .map_err(db)?;
    stmt.execute(params_from_iter(row.params(site)))
        .map_err(db)?;
    Ok(())
}

/// Appends an allocation (numbered after the site's last) and makes it the
/// site's latest; the caller has checked whatever must precede it.
fn insert_allocation(
    tx: &Connection,
    site: &str,
    new: &NewAllocation,
    text: &AllocationText,
) -> Result<AllocationMeta, StoreError> {
    let id = next_id(tx, "allocations", site)?;
    insert_allocation_row(tx, site, &AllocationInsert::new(id, new, text))?;
    let id = to_i64(id);
    tx.execute(
        "UPDATE sites SET latest_allocation = ?1 WHERE id = ?2",
        params![id, site],
    )
    .map_err(db)?;
    let meta = tx
        .query_row(
            &format!("SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE site = ?1 AND id = ?2"),
            params![site, id],
            |r| allocation_meta(r),
        )
        .map_err(db)?;
    with_summary(meta)
}

impl Store for SqliteStore {
    fn create_site(&self, new: NewSite) -> Result<SiteState, StoreError> {
        let body = encode(&new.layout)?;
        let mut conn = lock(&self.writer);
        let tx = begin(&mut conn)?;
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
        rows(
            &self.reader(),
            &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id > ?1 ORDER BY id LIMIT ?2"),
            params![after.unwrap_or(""), i64::from(limit)],
            |r| site_state(r),
        )
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
        let revision = resolve_revision(site, &head, revision)?;
        documents(site, revision, |part| part_at(&tx, site, part, revision))
    }

    fn write(&self, site: &str, expected: u64, change: Change) -> Result<SiteState, StoreError> {
        let write = Write::new(&change)?;
        let mut conn = lock(&self.writer);
        let tx = begin(&mut conn)?;
        let head = load_site(&tx, site)?;
        let next = expected.saturating_add(1);
        // Compare-and-swap on the revision: the only way a write lands.
        let column = write.column;
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
                    write.households,
                    write.name.is_some(),
                    write.name.flatten()
                ],
            )
            .map_err(db)?;
        if updated != 1 {
            return Err(stale(site, expected, head.revision));
        }
        tx.execute(
            &format!("INSERT INTO revisions (site, revision, part, body, created) VALUES (?1, ?2, ?3, ?4, {NOW})"),
            params![site, to_i64(next), write.part.as_str(), write.body],
        )
        .map_err(db)?;
        let state = load_site(&tx, site)?;
        tx.commit().map_err(db)?;
        Ok(state)
    }

    fn add_allocation(&self, site: &str, new: NewAllocation) -> Result<AllocationMeta, StoreError> {
        let text = AllocationText::new(&new)?;
        let mut conn = lock(&self.writer);
        let tx = begin(&mut conn)?;
        let head = load_site(&tx, site)?;
        check_previous(site, &head, new.inputs.previous)?;
        let meta = insert_allocation(&tx, site, &new, &text)?;
        tx.commit().map_err(db)?;
        Ok(meta)
    }

    fn allocations(&self, site: &str, page: Page) -> Result<Vec<AllocationMeta>, StoreError> {
        let mut conn = self.reader();
        let tx = conn.transaction().map_err(db)?;
        load_site(&tx, site)?;
        rows(
            &tx,
            &format!(
                "SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE site = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
            ),
            params![site, page_before(page), i64::from(page.limit)],
            |r| allocation_meta(r),
        )?
        .into_iter()
        .map(with_summary)
        .collect()
    }

    fn allocation(&self, site: &str, id: u64) -> Result<AllocationRecord, StoreError> {
        let conn = self.reader();
        let found = rows(
            &conn,
            &format!(
                "SELECT {ALLOCATION_COLUMNS}, policy, body FROM allocations WHERE site = ?1 AND id = ?2"
            ),
            params![site, to_i64(id)],
            |r| Ok(allocation_record(r)),
        )?;
        match found.into_iter().next() {
            Some(record) => record,
            None => {
                load_site(&conn, site)?;
                Err(no_allocation(site, id))
            }
        }
    }

    fn add_draw(&self, site: &str, new: NewDraw) -> Result<StoredDraw, StoreError> {
        draws::add_draw(&mut lock(&self.writer), site, new)
    }

    fn draws(&self, site: &str, page: Page) -> Result<Vec<StoredDraw>, StoreError> {
        draws::draws(&mut self.reader(), site, page)
    }

    fn draw(&self, site: &str, id: u64) -> Result<StoredDraw, StoreError> {
        draws::draw(&self.reader(), site, id)
    }

    fn reveal_draw(
        &self,
        site: &str,
        reveal: DrawReveal,
    ) -> Result<(StoredDraw, AllocationMeta), StoreError> {
        draws::reveal_draw(&mut lock(&self.writer), site, reveal)
    }

    fn export_site(&self, site: &str) -> Result<SiteHistory, StoreError> {
        let mut conn = self.reader();
        // One read transaction: the head and every row from the same snapshot.
        let tx = conn.transaction().map_err(db)?;
        transfer::export(&tx, site)
    }

    fn import_site(&self, history: &SiteHistory) -> Result<SiteState, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = begin(&mut conn)?;
        transfer::import(&tx, history)?;
        let state = load_site(&tx, &history.site.id)?;
        tx.commit().map_err(db)?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AllocationInputs;
    use serde_json::{json, Value};

    /// A fresh store in a temporary directory (shared with the submodules' tests).
    pub(super) fn store() -> (tempfile::TempDir, SqliteStore) {
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

    /// An allocation at the first revision (shared with the submodules' tests).
    pub(super) fn allocation(previous: Option<u64>) -> NewAllocation {
        NewAllocation {
            inputs: AllocationInputs::at_creation(previous),
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
