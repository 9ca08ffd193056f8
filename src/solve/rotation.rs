//! Rotation (FORMAT.md §3 "Over time"): how the rounds a household has
//! waited change its place in a kind's draw. Pure functions anyone can
//! recompute with a SHA-256 tool.

use crate::model::Rotation;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Ticket `k` (1-based) of a household: ticket 1 is the lottery key
/// SHA-256(seed ‖ "\n" ‖ id); ticket k ≥ 2 is SHA-256(seed ‖ "\n" ‖ id ‖ "\n" ‖ k),
/// k in decimal; lowercase hex.
pub fn ticket(seed: &str, id: &str, k: u32) -> String {
    hex::encode(ticket_digest(seed, id, k))
}

/// Ticket `k` as the raw digest: its byte order is the hex order, and the
/// draw compares thousands of them without formatting a string.
fn ticket_digest(seed: &str, id: &str, k: u32) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(b"\n");
    hasher.update(id.as_bytes());
    if k >= 2 {
        hasher.update(b"\n");
        hasher.update(k.to_string().as_bytes());
    }
    hasher.finalize().into()
}

/// `waited` beyond this counts as this many rounds under `tickets`, so that
/// a draw stays bounded in time (a roster rejects larger values; a ledger
/// would need more than a thousand rounds to reach it).
pub use crate::model::household::MAX_WAITED;

/// Tickets a household holds: 1 + `waited` (`waited` capped at [`MAX_WAITED`]).
pub fn tickets_held(waited: u32) -> u32 {
    waited.min(MAX_WAITED) + 1
}

/// A household's key under `tickets`: its smallest ticket, and which one it is.
pub fn ticket_key(seed: &str, id: &str, waited: u32) -> (String, u32) {
    let (digest, k) = smallest_ticket(seed, id, waited);
    (hex::encode(digest), k)
}

/// The smallest of a household's `1 + waited` tickets, as a raw digest.
fn smallest_ticket(seed: &str, id: &str, waited: u32) -> ([u8; 32], u32) {
    (2..=tickets_held(waited))
        .map(|k| (ticket_digest(seed, id, k), k))
        .fold((ticket_digest(seed, id, 1), 1), std::cmp::min)
}

/// One kind's draw order: every id of `lottery` (already in lottery order),
/// re-ordered by `rotation` with `waited` (absent = 0).
pub fn draw_order(
    rotation: Rotation,
    seed: &str,
    lottery: &[String],
    waited: &BTreeMap<String, u32>,
) -> Vec<String> {
    let firsts = match rotation {
        Rotation::Tickets => first_tickets(seed, lottery),
        _ => Vec::new(),
    };
    draw_order_with(rotation, seed, lottery, &firsts, waited)
}

/// Every household's ticket 1 (its lottery key) as a raw digest, in the
/// order of `lottery`: computed once, shared by the kinds' draw orders.
pub fn first_tickets(seed: &str, lottery: &[String]) -> Vec<[u8; 32]> {
    lottery
        .iter()
        .map(|id| ticket_digest(seed, id, 1))
        .collect()
}

/// [`draw_order`] with the tickets 1 given (`firsts[i]` of `lottery[i]`,
/// as [`first_tickets`] gives them; only `tickets` reads them).
pub fn draw_order_with(
    rotation: Rotation,
    seed: &str,
    lottery: &[String],
    firsts: &[[u8; 32]],
    waited: &BTreeMap<String, u32>,
) -> Vec<String> {
    let w = |id: &str| waited.get(id).copied().unwrap_or(0);
    match rotation {
        Rotation::None => lottery.to_vec(),
        Rotation::WaitedFirst => {
            let mut order: Vec<(std::cmp::Reverse<u32>, usize, &String)> = lottery
                .iter()
                .enumerate()
                .map(|(i, id)| (std::cmp::Reverse(w(id)), i, id))
                .collect();
            order.sort();
            order.into_iter().map(|(_, _, id)| id.clone()).collect()
        }
        Rotation::Tickets => {
            let mut keyed: Vec<([u8; 32], &[u8], &String)> = lottery
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let first = firsts
                        .get(i)
                        .copied()
                        .unwrap_or_else(|| ticket_digest(seed, id, 1));
                    let key = (2..=tickets_held(w(id)))
                        .map(|k| ticket_digest(seed, id, k))
                        .fold(first, std::cmp::min);
                    (key, id.as_bytes(), id)
                })
                .collect();
            keyed.sort();
            keyed.into_iter().map(|(_, _, id)| id.clone()).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lottery::{lottery_key, lottery_order};
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ticket_two_is_the_sha256_of_seed_id_and_the_decimal_number() {
        // Computed independently:
        // python3 -c "import hashlib;print(hashlib.sha256(b'draw\nB1-1-101\n2').hexdigest())"
        assert_eq!(
            ticket("draw", "B1-1-101", 2),
            "4faaf52a775b72fafd6386ceaf325338c1474cfb15ef5f72cc79bb0ace5b1fa5"
        );
        assert_eq!(
            ticket("draw", "B1-1-101", 10),
            "1b9ea5b034b932ef9b8715ada0c8f58eb0153132e5dca53e26f61ce760c0d76c"
        );
        assert_eq!(
            ticket("draw", "B1-1-101", 1),
            lottery_key("draw", "B1-1-101")
        );
    }

    #[test]
    fn with_nobody_waiting_every_rotation_is_the_lottery() {
        let lot = lottery_order("s", &ids(&["a", "b", "c", "d", "e", "f"]));
        let none = BTreeMap::new();
        for r in [Rotation::None, Rotation::WaitedFirst, Rotation::Tickets] {
            assert_eq!(draw_order(r, "s", &lot, &none), lot, "{r:?}");
        }
    }

    #[test]
    fn waited_first_puts_the_longest_wait_first_then_the_lottery() {
        let lot = ids(&["a", "b", "c", "d"]);
        let waited: BTreeMap<String, u32> = [("c".to_string(), 1), ("d".to_string(), 2)].into();
        assert_eq!(
            draw_order(Rotation::WaitedFirst, "s", &lot, &waited),
            ids(&["d", "c", "a", "b"])
        );
    }

    #[test]
    fn the_tickets_order_sorts_the_hex_keys_whether_tickets_one_are_given_or_not() {
        let lot = lottery_order("s", &ids(&["a", "b", "c", "d", "e", "f", "g", "h"]));
        let waited: BTreeMap<String, u32> = [("b", 3), ("d", 1), ("g", 7)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let mut want: Vec<(String, String)> = lot
            .iter()
            .map(|id| {
                let w = waited.get(id).copied().unwrap_or(0);
                (ticket_key("s", id, w).0, id.clone())
            })
            .collect();
        want.sort();
        let want: Vec<String> = want.into_iter().map(|(_, id)| id).collect();
        let firsts = first_tickets("s", &lot);
        assert_eq!(
            draw_order_with(Rotation::Tickets, "s", &lot, &firsts, &waited),
            want
        );
        assert_eq!(draw_order(Rotation::Tickets, "s", &lot, &waited), want);
    }

    #[test]
    fn a_tickets_key_is_the_smallest_of_its_tickets() {
        for w in 0..6 {
            let (key, k) = ticket_key("seed", "h", w);
            let all: Vec<String> = (1..=w + 1).map(|k| ticket("seed", "h", k)).collect();
            assert_eq!(Some(&key), all.iter().min());
            assert_eq!(all[k as usize - 1], key);
        }
    }

    /// Over 2,000 seeds, a household's chance of being drawn first is its
    /// share of all tickets: with tickets {a: 3, b: 1, c: 1, d: 2} (7 in
    /// all), a comes first 3/7 of the time and b 1/7, a ratio of 3. Each
    /// count must lie within 4 standard deviations of its expectation
    /// (binomial, n = 2,000), which bounds the ratio a/b to about 2.3–4.1.
    #[test]
    fn tickets_make_a_household_with_three_first_three_times_as_often_as_one_with_one() {
        let lot_ids = ids(&["a", "b", "c", "d"]);
        let waited: BTreeMap<String, u32> = [("a", 2), ("b", 0), ("c", 0), ("d", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let n = 2000u32;
        let mut first: BTreeMap<String, u32> = BTreeMap::new();
        for i in 0..n {
            let seed = format!("statistics seed {i}");
            let lot = lottery_order(&seed, &lot_ids);
            let order = draw_order(Rotation::Tickets, &seed, &lot, &waited);
            *first.entry(order[0].clone()).or_default() += 1;
        }
        for (id, tickets) in [("a", 3.0), ("b", 1.0), ("c", 1.0), ("d", 2.0)] {
            let p: f64 = tickets / 7.0;
            let mean = f64::from(n) * p;
            let sd = (f64::from(n) * p * (1.0 - p)).sqrt();
            let got = f64::from(first.get(id).copied().unwrap_or(0));
            assert!(
                (got - mean).abs() <= 4.0 * sd,
                "{id}: {got} first, expected {mean:.0} ± {:.0}",
                4.0 * sd
            );
        }
        let ratio = f64::from(first["a"]) / f64::from(first["b"]);
        assert!((2.3..=4.1).contains(&ratio), "ratio {ratio}");
    }
}
