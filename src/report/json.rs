//! The allocation as JSON (FORMAT.md §4).

use crate::model::Allocation;

/// The allocation as pretty-printed JSON (two-space indent) with a trailing
/// newline. Deterministic: every map in [`Allocation`] is ordered and the
/// field order is the struct's.
pub fn allocation_json(a: &Allocation) -> Vec<u8> {
    // Serialising an `Allocation` cannot fail: its maps have string keys and
    // serde_json writes non-finite floats as `null`.
    let mut out = serde_json::to_vec_pretty(a).unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{allocation as empty, assignment};
    use crate::model::{Assignment, Basis, ResourceKind};

    fn allocation() -> Allocation {
        Allocation {
            assignments: vec![Assignment {
                walk_m: 42.5,
                why: "lottery rank 1".into(),
                ..assignment("B1-1-101", ResourceKind::ParkingSpace, "P1", Basis::Lottery)
            }],
            lottery: vec!["B1-1-101".into()],
            ..empty("s")
        }
    }

    #[test]
    fn the_json_reads_back_to_the_same_allocation_and_ends_with_a_newline() {
        let a = allocation();
        let bytes = allocation_json(&a);
        assert_eq!(bytes.last(), Some(&b'\n'));
        let back: Allocation = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, a);
        assert_eq!(allocation_json(&back), bytes, "deterministic");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\n  \"assignments\": ["), "{text}");
    }
}
