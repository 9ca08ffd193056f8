//! A whole site's rows read out and written back, as `allot export`,
//! `import` and `migrate` copy them (timestamps included).

use super::{db, load_site, rows, to_i64};
use crate::store::record::{
    allocation_row, draw_row, revision_record, with_body, with_part, ALLOCATION_ROW_COLUMNS,
    DRAW_COLUMNS, REVISION_COLUMNS, SITE_COLUMNS,
};
use crate::store::{SiteHistory, StoreError};
use rusqlite::{params, Connection};

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
            params![
                s.id,
                s.name,
                to_i64(s.revision),
                to_i64(s.parts.layout),
                s.parts.roster.map(to_i64),
                s.parts.policy.map(to_i64),
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
            a.inputs.previous.map(to_i64),
            to_i64(a.inputs.revision),
            to_i64(a.inputs.parts.layout),
            a.inputs.parts.roster.map(to_i64),
            a.inputs.parts.policy.map(to_i64),
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
            to_i64(d.parts.layout),
            d.parts.roster.map(to_i64),
            d.parts.policy.map(to_i64),
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
    Ok(())
}
