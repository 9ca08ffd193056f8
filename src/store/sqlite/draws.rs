//! Draw records in SQLite (FORMAT.md §5): committed rows that change once,
//! at the reveal, and never otherwise (a trigger refuses any other update).

use super::{begin, db, insert_allocation, load_site, next_id, rows};
use crate::store::record::{
    changed_during_reveal, check_previous, check_unrevealed, committed_draw, draw_params, draw_row,
    no_draw, page_before, reveal_params, stored_draw, to_i64, AllocationText, DrawText,
    DRAW_COLUMNS,
};
use crate::store::{AllocationMeta, DrawReveal, DrawRow, NewDraw, Page, StoreError, StoredDraw};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

/// Schema version 2: the draws table and its append-only trigger.
pub(super) const MIGRATION: &str = r#"
CREATE TABLE draws (
    site              TEXT NOT NULL REFERENCES sites(id),
    id                INTEGER NOT NULL,
    revision          INTEGER NOT NULL,
    layout_revision   INTEGER NOT NULL,
    roster_revision   INTEGER,
    policy_revision   INTEGER,
    previous          INTEGER,
    policy            TEXT NOT NULL,
    inputs_sha256     TEXT NOT NULL,
    previous_sha256   TEXT,
    committed_at      TEXT NOT NULL,
    seed_source       TEXT NOT NULL,
    seed              TEXT,
    signature         TEXT,
    revealed_at       TEXT,
    allocation        INTEGER,
    allocation_sha256 TEXT,
    PRIMARY KEY (site, id),
    CHECK ((seed IS NULL) = (revealed_at IS NULL)
       AND (seed IS NULL) = (allocation IS NULL)
       AND (seed IS NULL) = (allocation_sha256 IS NULL))
);
CREATE TRIGGER draws_change_only_by_their_reveal BEFORE UPDATE ON draws
WHEN OLD.seed IS NOT NULL OR NEW.seed IS NULL
  OR NEW.site IS NOT OLD.site OR NEW.id IS NOT OLD.id
  OR NEW.revision IS NOT OLD.revision OR NEW.layout_revision IS NOT OLD.layout_revision
  OR NEW.roster_revision IS NOT OLD.roster_revision
  OR NEW.policy_revision IS NOT OLD.policy_revision
  OR NEW.previous IS NOT OLD.previous OR NEW.policy IS NOT OLD.policy
  OR NEW.inputs_sha256 IS NOT OLD.inputs_sha256
  OR NEW.previous_sha256 IS NOT OLD.previous_sha256
  OR NEW.committed_at IS NOT OLD.committed_at OR NEW.seed_source IS NOT OLD.seed_source
BEGIN SELECT RAISE(ABORT, 'a draw changes only by its one reveal'); END;
CREATE TRIGGER draws_are_never_deleted BEFORE DELETE ON draws
BEGIN SELECT RAISE(ABORT, 'draws are never deleted'); END;
"#;

fn find(conn: &Connection, site: &str, id: u64) -> Result<Option<DrawRow>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {DRAW_COLUMNS} FROM draws WHERE site = ?1 AND id = ?2"
    ))
    .map_err(db)?
    .query_row(params![site, to_i64(id)], |r| draw_row(r))
    .optional()
    .map_err(db)
}

/// The draw `id` of `site`, read in the caller's transaction.
fn read(conn: &Connection, site: &str, id: u64) -> Result<StoredDraw, StoreError> {
    let row = find(conn, site, id)?.ok_or_else(|| no_draw(site, id))?;
    stored_draw(site, row)
}

/// Inserts a `draws` row (just committed, or copied by an import).
pub(super) fn insert_row(tx: &Connection, site: &str, row: &DrawRow) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO draws (site, {DRAW_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        ))
        .map_err(db)?;
    stmt.execute(params_from_iter(draw_params(site, row)))
        .map_err(db)?;
    Ok(())
}

pub(super) fn add_draw(
    conn: &mut Connection,
    site: &str,
    new: NewDraw,
) -> Result<StoredDraw, StoreError> {
    let text = DrawText::new(&new)?;
    let tx = begin(conn)?;
    let head = load_site(&tx, site)?;
    check_previous(site, &head, new.inputs.previous)?;
    let id = next_id(&tx, "draws", site)?;
    insert_row(&tx, site, &committed_draw(id, &new, &text))?;
    let draw = read(&tx, site, id)?;
    tx.commit().map_err(db)?;
    Ok(draw)
}

pub(super) fn draws(
    conn: &mut Connection,
    site: &str,
    page: Page,
) -> Result<Vec<StoredDraw>, StoreError> {
    let tx = conn.transaction().map_err(db)?;
    load_site(&tx, site)?;
    rows(
        &tx,
        &format!(
            "SELECT {DRAW_COLUMNS} FROM draws WHERE site = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
        ),
        params![site, page_before(page), i64::from(page.limit)],
        |r| draw_row(r),
    )?
    .into_iter()
    .map(|row| stored_draw(site, row))
    .collect()
}

pub(super) fn draw(conn: &Connection, site: &str, id: u64) -> Result<StoredDraw, StoreError> {
    match find(conn, site, id)? {
        Some(row) => stored_draw(site, row),
        None => {
            load_site(conn, site)?;
            Err(no_draw(site, id))
        }
    }
}

pub(super) fn reveal_draw(
    conn: &mut Connection,
    site: &str,
    reveal: DrawReveal,
) -> Result<(StoredDraw, AllocationMeta), StoreError> {
    let (id, allocation) = (reveal.draw, &reveal.allocation);
    let text = AllocationText::new(allocation)?;
    let tx = begin(conn)?;
    load_site(&tx, site)?;
    let before = find(&tx, site, id)?.ok_or_else(|| no_draw(site, id))?;
    check_unrevealed(site, &before)?;
    let meta = insert_allocation(&tx, site, allocation, &text)?;
    // Compare-and-swap: only a row not revealed yet takes the reveal.
    let updated = tx
        .execute(
            "UPDATE draws SET seed = ?1, signature = ?2, revealed_at = ?3, allocation = ?4, allocation_sha256 = ?5 \
             WHERE site = ?6 AND id = ?7 AND seed IS NULL",
            params_from_iter(reveal_params(site, &reveal, meta.id)),
        )
        .map_err(db)?;
    if updated != 1 {
        return Err(changed_during_reveal(site, id));
    }
    let draw = read(&tx, site, id)?;
    tx.commit().map_err(db)?;
    Ok((draw, meta))
}

#[cfg(test)]
mod tests {
    //! What only SQLite has: the triggers that keep a draw as committed.
    //! The draw workflow itself is tested on both backends
    //! (`tests/it/store_suite.rs`).
    use super::super::lock;
    use super::super::tests::store;
    use crate::store::{NewSite, Store};
    use serde_json::json;

    #[test]
    fn the_database_refuses_any_other_change_to_a_draw() {
        let (_dir, store) = store();
        store
            .create_site(NewSite {
                id: "s".into(),
                name: None,
                layout: json!({"type": "FeatureCollection", "features": []}),
            })
            .unwrap();
        let conn = lock(&store.writer);
        conn.execute(
            "INSERT INTO draws (site, id, revision, layout_revision, policy, inputs_sha256, committed_at, seed_source) \
             VALUES ('s', 1, 1, 1, '[1]', 'aa', '2026-12-06T02:00:00Z', '{}')",
            [],
        )
        .unwrap();
        for sql in [
            "UPDATE draws SET inputs_sha256 = 'bb'",
            "UPDATE draws SET committed_at = '2020-01-01T00:00:00Z'",
            "UPDATE draws SET seed = 'x', revealed_at = 'now', allocation = 1, allocation_sha256 = 'h', policy = '{}'",
            "DELETE FROM draws",
        ] {
            assert!(conn.execute(sql, []).is_err(), "{sql} was allowed");
        }
        conn.execute(
            "UPDATE draws SET seed = 'x', revealed_at = 'now', allocation = 1, allocation_sha256 = 'h'",
            [],
        )
        .unwrap();
        assert!(conn.execute("UPDATE draws SET seed = 'y'", []).is_err());
    }
}
