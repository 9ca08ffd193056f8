//! A whole site's rows read out and written back, as `allot export`,
//! `import` and `migrate` copy them (timestamps included).

use super::{draws, load_site, to_i64, Fail};
use crate::store::record::{
    allocation_row, revision_record, with_body, with_part, ALLOCATION_ROW_COLUMNS,
    REVISION_COLUMNS, SITE_COLUMNS,
};
use crate::store::{SiteHistory, StoreError};
use postgres::types::ToSql;
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
    let params: [&(dyn ToSql + Sync); 10] = [
        &s.id,
        &s.name,
        &to_i64(s.revision),
        &to_i64(s.parts.layout),
        &s.parts.roster.map(to_i64),
        &s.parts.policy.map(to_i64),
        &to_i64(s.households),
        &s.latest_allocation.map(to_i64),
        &s.created,
        &s.updated,
    ];
    let inserted = tx.execute(
        &format!("INSERT INTO sites ({SITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"),
        &params,
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
    let allocation = tx.prepare(
        "INSERT INTO allocations (site, id, previous, revision, layout_revision, roster_revision, policy_revision, seed, policy, summary, body, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )?;
    for a in &history.allocations {
        let params: [&(dyn ToSql + Sync); 12] = [
            &s.id,
            &to_i64(a.id),
            &a.inputs.previous.map(to_i64),
            &to_i64(a.inputs.revision),
            &to_i64(a.inputs.parts.layout),
            &a.inputs.parts.roster.map(to_i64),
            &a.inputs.parts.policy.map(to_i64),
            &a.seed,
            &a.policy,
            &a.summary,
            &a.body.as_bytes(),
            &a.created,
        ];
        tx.execute(&allocation, &params)?;
    }
    draws::import(tx, &s.id, &history.draws)
}
