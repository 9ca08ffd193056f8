//! The public draw (FORMAT.md §3 "Lottery"): a pure function anyone can
//! recompute with a SHA-256 tool.

use sha2::{Digest, Sha256};

/// The lottery key of one household: hex(SHA-256(seed ‖ "\n" ‖ id)).
pub fn lottery_key(seed: &str, id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(b"\n");
    hasher.update(id.as_bytes());
    hex::encode(hasher.finalize())
}

/// Household ids in draw order: sorted by `lottery_key` ascending (lower-case
/// hex order equals the byte order of the digest). Equal keys are impossible
/// for distinct ids; duplicate ids stay adjacent in a deterministic order.
pub fn lottery_order(seed: &str, ids: &[String]) -> Vec<String> {
    let mut keyed: Vec<(String, &String)> =
        ids.iter().map(|id| (lottery_key(seed, id), id)).collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_key_is_the_hex_sha256_of_seed_newline_id() {
        // Computed independently: python3 -c "import hashlib;print(hashlib.sha256(b'draw\nB1-1-101').hexdigest())"
        assert_eq!(
            lottery_key("draw", "B1-1-101"),
            "f1189d805263c37c76291f543b7e5160dee66983d1fd9e5208365c365df5a730"
        );
    }

    #[test]
    fn households_are_drawn_in_ascending_key_order() {
        // Expected order computed independently with python3 hashlib.
        let order = lottery_order(
            "draw",
            &ids(&["B1-1-101", "B1-1-102", "B2-1-301", "B3-2-502"]),
        );
        assert_eq!(
            order,
            ids(&["B1-1-102", "B3-2-502", "B2-1-301", "B1-1-101"])
        );
    }

    #[test]
    fn the_order_does_not_depend_on_the_input_order() {
        let a = lottery_order("s", &ids(&["a", "b", "c", "d", "e"]));
        let b = lottery_order("s", &ids(&["e", "c", "a", "d", "b"]));
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
    }

    #[test]
    fn an_empty_roster_draws_nobody() {
        assert!(lottery_order("s", &[]).is_empty());
    }
}
