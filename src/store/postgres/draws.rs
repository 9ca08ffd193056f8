//! Draw records in PostgreSQL (FORMAT.md §5), as the SQLite store keeps
//! them: committed rows that change once, at the reveal (a trigger refuses
//! anything else). A reveal locks the site's row, then the draw's, so of two
//! reveals through different servers exactly one lands.

use super::{load_site, opt_u64, to_i64, to_u64, Fail};
use crate::model::{DrawRecord, Revealed, SeedSource};
use crate::store::{
    AllocationMeta, DrawInputs, DrawReveal, DrawRow, NewDraw, StoreError, StoredDraw,
};
use postgres::types::ToSql;
use postgres::{GenericClient, Row, Transaction};

const COLUMNS: &str = "id, revision, layout_revision, roster_revision, policy_revision, previous, policy, inputs_sha256, previous_sha256, committed_at, seed_source, seed, signature, revealed_at, allocation, allocation_sha256";

fn raw(r: &Row) -> Result<DrawRow, postgres::Error> {
    Ok(DrawRow {
        id: to_u64(r.try_get(0)?),
        revision: to_u64(r.try_get(1)?),
        layout_revision: to_u64(r.try_get(2)?),
        roster_revision: opt_u64(r.try_get(3)?),
        policy_revision: opt_u64(r.try_get(4)?),
        previous: opt_u64(r.try_get(5)?),
        policy: r.try_get(6)?,
        inputs_sha256: r.try_get(7)?,
        previous_sha256: r.try_get(8)?,
        committed_at: r.try_get(9)?,
        seed_source: r.try_get(10)?,
        seed: r.try_get(11)?,
        signature: r.try_get(12)?,
        revealed_at: r.try_get(13)?,
        allocation: opt_u64(r.try_get(14)?),
        allocation_sha256: r.try_get(15)?,
    })
}

fn stored(site: &str, row: DrawRow) -> Result<StoredDraw, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("site {site} draw {} {what}: {e}", row.id))
    };
    let policy = serde_json::from_str(&row.policy).map_err(|e| corrupt("policy", e))?;
    let seed_source: SeedSource =
        serde_json::from_str(&row.seed_source).map_err(|e| corrupt("seed source", e))?;
    let revealed = match (
        row.seed.clone(),
        row.revealed_at.clone(),
        row.allocation,
        row.allocation_sha256.clone(),
    ) {
        (Some(seed), Some(revealed_at), Some(allocation), Some(allocation_sha256)) => {
            Some(Revealed {
                seed,
                signature: row.signature.clone(),
                revealed_at,
                allocation,
                allocation_sha256,
            })
        }
        _ => None,
    };
    Ok(StoredDraw {
        record: DrawRecord {
            site: site.to_string(),
            draw: row.id,
            committed_at: row.committed_at,
            inputs_sha256: row.inputs_sha256,
            previous_sha256: row.previous_sha256,
            seed_source,
            revealed,
        },
        inputs: DrawInputs {
            revision: row.revision,
            layout_revision: row.layout_revision,
            roster_revision: row.roster_revision,
            policy_revision: row.policy_revision,
            previous: row.previous,
            policy,
        },
    })
}

fn no_draw(site: &str, id: u64) -> StoreError {
    StoreError::NoDraw {
        site: site.to_string(),
        id,
    }
}

fn find(
    c: &mut impl GenericClient,
    site: &str,
    id: u64,
    lock: bool,
) -> Result<Option<DrawRow>, Fail> {
    let row = c.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM draws WHERE site = $1 AND id = $2{}",
            if lock { " FOR UPDATE" } else { "" }
        ),
        &[&site, &to_i64(id)],
    )?;
    Ok(match row {
        Some(r) => Some(raw(&r)?),
        None => None,
    })
}

pub(super) fn add(
    tx: &mut Transaction<'_>,
    site: &str,
    new: &NewDraw,
    policy: &str,
    seed_source: &str,
) -> Result<StoredDraw, Fail> {
    let head = load_site(tx, site, true)?;
    if head.latest_allocation != new.inputs.previous {
        return Err(StoreError::AllocationRace {
            site: site.to_string(),
            expected: new.inputs.previous,
            current: head.latest_allocation,
        }
        .into());
    }
    let i = &new.inputs;
    let roster_revision = i.roster_revision.map(to_i64);
    let policy_revision = i.policy_revision.map(to_i64);
    let previous = i.previous.map(to_i64);
    let params: [&(dyn ToSql + Sync); 11] = [
        &site,
        &to_i64(i.revision),
        &to_i64(i.layout_revision),
        &roster_revision,
        &policy_revision,
        &previous,
        &policy,
        &new.inputs_sha256,
        &new.previous_sha256,
        &new.committed_at,
        &seed_source,
    ];
    // Under the site's row lock: the next id, no gaps.
    let row = tx.query_one(
        &format!(
            "INSERT INTO draws (site, id, revision, layout_revision, roster_revision, policy_revision, previous, policy, inputs_sha256, previous_sha256, committed_at, seed_source) \
             VALUES ($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM draws WHERE site = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
        ),
        &params,
    )?;
    Ok(stored(site, raw(&row)?)?)
}

pub(super) fn list(
    tx: &mut Transaction<'_>,
    site: &str,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<StoredDraw>, Fail> {
    load_site(tx, site, false)?;
    let rows = tx.query(
        &format!(
            "SELECT {COLUMNS} FROM draws WHERE site = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
        &[
            &site,
            &before.map(to_i64).unwrap_or(i64::MAX),
            &i64::from(limit),
        ],
    )?;
    rows.iter().map(|r| Ok(stored(site, raw(r)?)?)).collect()
}

pub(super) fn get(c: &mut impl GenericClient, site: &str, id: u64) -> Result<StoredDraw, Fail> {
    match find(c, site, id, false)? {
        Some(row) => Ok(stored(site, row)?),
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
    id: u64,
    reveal: &DrawReveal,
    append: impl FnOnce(&mut Transaction<'_>) -> Result<AllocationMeta, Fail>,
) -> Result<(StoredDraw, AllocationMeta), Fail> {
    let before = find(tx, site, id, true)?.ok_or_else(|| no_draw(site, id))?;
    if let Some(allocation) = before.allocation {
        return Err(StoreError::AlreadyRevealed {
            site: site.to_string(),
            draw: id,
            allocation,
        }
        .into());
    }
    let meta = append(tx)?;
    let allocation = to_i64(meta.id);
    let id_i64 = to_i64(id);
    let params: [&(dyn ToSql + Sync); 7] = [
        &reveal.seed,
        &reveal.signature,
        &reveal.revealed_at,
        &allocation,
        &reveal.allocation_sha256,
        &site,
        &id_i64,
    ];
    // Compare-and-swap: only a row not revealed yet takes the reveal.
    let row = tx.query_opt(
        &format!(
            "UPDATE draws SET seed = $1, signature = $2, revealed_at = $3, allocation = $4, allocation_sha256 = $5 \
             WHERE site = $6 AND id = $7 AND seed IS NULL RETURNING {COLUMNS}"
        ),
        &params,
    )?;
    match row {
        Some(row) => Ok((stored(site, raw(&row)?)?, meta)),
        // Unreachable under the row locks; refuse rather than guess.
        None => Err(StoreError::Database(format!(
            "draw {id} of site {site} changed during its reveal"
        ))
        .into()),
    }
}

/// Every draw of the site as stored, oldest first.
pub(super) fn export(tx: &mut Transaction<'_>, site: &str) -> Result<Vec<DrawRow>, Fail> {
    let rows = tx.query(
        &format!("SELECT {COLUMNS} FROM draws WHERE site = $1 ORDER BY id"),
        &[&site],
    )?;
    Ok(rows.iter().map(raw).collect::<Result<Vec<_>, _>>()?)
}

/// Stores exported draws as they were.
pub(super) fn import(tx: &mut Transaction<'_>, site: &str, draws: &[DrawRow]) -> Result<(), Fail> {
    let insert = tx.prepare(&format!(
        "INSERT INTO draws (site, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))?;
    for d in draws {
        let params: [&(dyn ToSql + Sync); 17] = [
            &site,
            &to_i64(d.id),
            &to_i64(d.revision),
            &to_i64(d.layout_revision),
            &d.roster_revision.map(to_i64),
            &d.policy_revision.map(to_i64),
            &d.previous.map(to_i64),
            &d.policy,
            &d.inputs_sha256,
            &d.previous_sha256,
            &d.committed_at,
            &d.seed_source,
            &d.seed,
            &d.signature,
            &d.revealed_at,
            &d.allocation.map(to_i64),
            &d.allocation_sha256,
        ];
        tx.execute(&insert, &params)?;
    }
    Ok(())
}
