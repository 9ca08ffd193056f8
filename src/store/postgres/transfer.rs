//! A whole site's rows read out and written back, as `allot export`,
//! `import` and `migrate` copy them (timestamps included).

use super::{bind, draws, insert_allocation_sql, load_site, to_i64, Fail};
use crate::store::record::{
    allocation_row, revision_record, site_params, with_body, with_part, AllocationInsert,
    ALLOCATION_ROW_COLUMNS, REVISION_COLUMNS, SITE_COLUMNS,
};
use crate::store::{SiteHistory, StoreError};
use postgres::Transaction;

/// Every row of `site`, read in the caller's snapshot.
pub(super) fn export(tx: &mut Transaction<'_>, site: &str) -> Result<SiteHistory, Fail> {
    let head = load_site(tx, site, false)?;
    let revisions = tx
        .query(
            &format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE site = $1 ORDER BY revision"),
            &[&site],
        )?
        .iter()
        .map(|r| Ok(with_part(revision_record(r)?)?))
        .collect::<Result<Vec<_>, Fail>>()?;
    let allocations = tx
        .query(
            &format!(
                "SELECT {ALLOCATION_ROW_COLUMNS} FROM allocations WHERE site = $1 ORDER BY id"
            ),
            &[&site],
        )?
        .iter()
        .map(|r| Ok(with_body(allocation_row(r)?)?))
        .collect::<Result<Vec<_>, Fail>>()?;
    let draws = draws::export(tx, site)?;
    Ok(SiteHistory {
        site: head,
        revisions,
        allocations,
        draws,
    })
}

/// Writes `history` in the caller's transaction; [`StoreError::SiteExists`]
/// when the id is taken.
pub(super) fn import(tx: &mut Transaction<'_>, history: &SiteHistory) -> Result<(), Fail> {
    let s = &history.site;
    let inserted = tx.execute(
        &format!("INSERT INTO sites ({SITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"),
        &bind(&site_params(s)),
    )?;
    if inserted != 1 {
        return Err(StoreError::SiteExists(s.id.clone()).into());
    }
    let revision = tx.prepare(
        "INSERT INTO revisions (site, revision, part, body, created) VALUES ($1, $2, $3, $4, $5)",
    )?;
    for r in &history.revisions {
        tx.execute(
            &revision,
            &[
                &s.id,
                &to_i64(r.revision),
                &r.part.as_str(),
                &r.body,
                &r.created,
            ],
        )?;
    }
    let allocation = tx.prepare(&insert_allocation_sql())?;
    for a in &history.allocations {
        tx.execute(&allocation, &bind(&AllocationInsert::copy(a).params(&s.id)))?;
    }
    draws::import(tx, &s.id, &history.draws)
}
