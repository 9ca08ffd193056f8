//! Draw records in PostgreSQL (FORMAT.md §5), as the SQLite store keeps
//! them: committed rows that change once, at the reveal (a trigger refuses
//! anything else). A reveal locks the site's row, then the draw's, so of two
//! reveals through different servers exactly one lands.

use super::{bind, load_site, to_i64, Fail};
use crate::store::record::{
    changed_during_reveal, check_previous, check_unrevealed, committed_draw, draw_params, draw_row,
    no_draw, page_before, reveal_params, stored_draw, to_u64, DrawText, DRAW_COLUMNS,
};
use crate::store::{AllocationMeta, DrawReveal, DrawRow, NewDraw, Page, StoredDraw};
use postgres::{GenericClient, Transaction};

fn find(
    c: &mut impl GenericClient,
    site: &str,
    id: u64,
    lock: bool,
) -> Result<Option<DrawRow>, Fail> {
    let row = c.query_opt(
        &format!(
            "SELECT {DRAW_COLUMNS} FROM draws WHERE site = $1 AND id = $2{}",
            if lock { " FOR UPDATE" } else { "" }
        ),
        &[&site, &to_i64(id)],
    )?;
    Ok(match row {
        Some(r) => Some(draw_row(&r)?),
        None => None,
    })
}

/// The insert of a `draws` row (just committed, or copied by an import)
/// from [`draw_params`], returning it as stored.
fn insert_sql() -> String {
    format!(
        "INSERT INTO draws (site, {DRAW_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING {DRAW_COLUMNS}"
    )
}

pub(super) fn add(
    tx: &mut Transaction<'_>,
    site: &str,
    new: &NewDraw,
    text: &DrawText,
) -> Result<StoredDraw, Fail> {
    let head = load_site(tx, site, true)?;
    check_previous(site, &head, new.inputs.previous)?;
    // Under the site's row lock: the next id, no gaps.
    let next: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM draws WHERE site = $1",
            &[&site],
        )?
        .try_get(0)?;
    let row = committed_draw(to_u64(next), new, text);
    let row = tx.query_one(&insert_sql(), &bind(&draw_params(site, &row)))?;
    Ok(stored_draw(site, draw_row(&row)?)?)
}

pub(super) fn list(
    tx: &mut Transaction<'_>,
    site: &str,
    page: Page,
) -> Result<Vec<StoredDraw>, Fail> {
    load_site(tx, site, false)?;
    let rows = tx.query(
        &format!(
            "SELECT {DRAW_COLUMNS} FROM draws WHERE site = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
        &[&site, &page_before(page), &i64::from(page.limit)],
    )?;
    rows.iter()
        .map(|r| Ok(stored_draw(site, draw_row(r)?)?))
        .collect()
}

pub(super) fn get(c: &mut impl GenericClient, site: &str, id: u64) -> Result<StoredDraw, Fail> {
    match find(c, site, id, false)? {
        Some(row) => Ok(stored_draw(site, row)?),
        None => {
            load_site(c, site, false)?;
            Err(no_draw(site, id).into())
        }
    }
}

/// Reveals draw `id` once; `append` stores its allocation. The caller holds
/// the site's row lock.
pub(super) fn reveal(
    tx: &mut Transaction<'_>,
    site: &str,
    reveal: &DrawReveal,
    append: impl FnOnce(&mut Transaction<'_>) -> Result<AllocationMeta, Fail>,
) -> Result<(StoredDraw, AllocationMeta), Fail> {
    let id = reveal.draw;
    let before = find(tx, site, id, true)?.ok_or_else(|| no_draw(site, id))?;
    check_unrevealed(site, &before)?;
    let meta = append(tx)?;
    // Compare-and-swap: only a row not revealed yet takes the reveal.
    let row = tx.query_opt(
        &format!(
            "UPDATE draws SET seed = $1, signature = $2, revealed_at = $3, allocation = $4, allocation_sha256 = $5 \
             WHERE site = $6 AND id = $7 AND seed IS NULL RETURNING {DRAW_COLUMNS}"
        ),
        &bind(&reveal_params(site, reveal, meta.id)),
    )?;
    match row {
        Some(row) => Ok((stored_draw(site, draw_row(&row)?)?, meta)),
        // Unreachable under the row locks; refuse rather than guess.
        None => Err(changed_during_reveal(site, id).into()),
    }
}

/// Every draw of the site as stored, oldest first.
pub(super) fn export(tx: &mut Transaction<'_>, site: &str) -> Result<Vec<DrawRow>, Fail> {
    let rows = tx.query(
        &format!("SELECT {DRAW_COLUMNS} FROM draws WHERE site = $1 ORDER BY id"),
        &[&site],
    )?;
    Ok(rows.iter().map(draw_row).collect::<Result<Vec<_>, _>>()?)
}

/// Stores exported draws as they were.
pub(super) fn import(tx: &mut Transaction<'_>, site: &str, draws: &[DrawRow]) -> Result<(), Fail> {
    let insert = tx.prepare(&insert_sql())?;
    for d in draws {
        tx.execute(&insert, &bind(&draw_params(site, d)))?;
    }
    Ok(())
}
