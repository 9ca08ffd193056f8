//! A whole site's rows read out and written back, as `allot export`,
//! `import` and `migrate` copy them (timestamps included).

use super::{db, draws, insert_allocation_row, load_site, rows, to_i64};
use crate::store::record::{
    allocation_row, draw_row, revision_record, site_params, with_body, with_part, AllocationInsert,
    ALLOCATION_ROW_COLUMNS, DRAW_COLUMNS, REVISION_COLUMNS, SITE_COLUMNS,
};
use crate::store::{SiteHistory, StoreError};
use rusqlite::{params, params_from_iter, Connection};

/// Every row of `site`, read in the caller's transaction (one snapshot).
pub(super) fn export(tx: &Connection, site: &str) -> Result<SiteHistory, StoreError> {
    let head = load_site(tx, site)?;
    let revisions = rows(
        tx,
        &format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE site = ?1 ORDER BY revision"),
        params![site],
        |r| revision_record(r),
    )?
    .into_iter()
    .map(with_part)
    .collect::<Result<Vec<_>, StoreError>>()?;
    let allocations = rows(
        tx,
        &format!("SELECT {ALLOCATION_ROW_COLUMNS} FROM allocations WHERE site = ?1 ORDER BY id"),
        params![site],
        |r| allocation_row(r),
    )?
    .into_iter()
    .map(with_body)
    .collect::<Result<Vec<_>, StoreError>>()?;
    let draws = rows(
        tx,
        &format!("SELECT {DRAW_COLUMNS} FROM draws WHERE site = ?1 ORDER BY id"),
        params![site],
        |r| draw_row(r),
    )?;
    Ok(SiteHistory {
        site: head,
        revisions,
        allocations,
        draws,
    })
}

/// Writes `history` in the caller's transaction; [`StoreError::SiteExists`]
/// when the id is taken.
pub(super) fn import(tx: &Connection, history: &SiteHistory) -> Result<(), StoreError> {
    let s = &history.site;
    let inserted = tx
        .execute(
            &format!("INSERT INTO sites ({SITE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING"),
            params_from_iter(site_params(s)),
        )
        .map_err(db)?;
    if inserted != 1 {
        return Err(StoreError::SiteExists(s.id.clone()));
    }
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
    for a in &history.allocations {
        insert_allocation_row(tx, &s.id, &AllocationInsert::copy(a))?;
    }
    for d in &history.draws {
        draws::insert_row(tx, &s.id, d)?;
    }
    Ok(())
}
