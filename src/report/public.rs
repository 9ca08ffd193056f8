//! What the public (and viewers) may see of an allocation: FORMAT.md §5 —
//! who holds what, the lottery and the figures are public; roster fields,
//! reasons and bases are not (a reason can name a disability). This is the
//! one place that decides it; the API applies it for every viewer, in every
//! rendering (JSON, CSV, GeoJSON, SVG tooltips, the household view and the
//! web page).
//!
//! - `why` (of assignments and unserved entries) is dropped.
//! - `reason` becomes its public counterpart ([`Reason::public`], decided
//!   on codes: docs/reasons.md "Who may read what"); renderings show that.
//! - `basis` keeps only what follows from public documents: `pin` (the
//!   policy's pins are public) and `incumbent` (the previous allocation is);
//!   every other basis (`reserved`, `priority`, `lottery`, `swap`, `turn`, …)
//!   becomes `allocated`, so no basis tells one household's attributes apart
//!   from another's. With a reason, the basis is the public reason's.

use crate::model::{Allocation, Assignment, Basis, Reason, Unserved};

/// The basis every non-public basis is reduced to.
pub const PUBLIC_BASIS: Basis = Basis::Allocated;

/// An assignment as the public may see it.
pub fn public_assignment(a: &Assignment) -> Assignment {
    let reason = a.reason.as_ref().map(Reason::public);
    let basis = match &reason {
        Some(r) => r.basis(),
        None if a.basis.is_public() => a.basis,
        None => PUBLIC_BASIS,
    };
    Assignment {
        why: String::new(),
        basis,
        reason,
        ..a.clone()
    }
}

/// An unserved entry as the public may see it.
pub fn public_unserved(u: &Unserved) -> Unserved {
    Unserved {
        why: String::new(),
        reason: u.reason.as_ref().map(Reason::public),
        ..u.clone()
    }
}

/// The allocation as the public may see it.
pub fn public_view(a: &Allocation) -> Allocation {
    Allocation {
        assignments: a.assignments.iter().map(public_assignment).collect(),
        unserved: a.unserved.iter().map(public_unserved).collect(),
        ..a.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;

    fn assignment(basis: Basis, why: &str) -> Assignment {
        Assignment {
            household: "B1-1-101".into(),
            kind: ResourceKind::ParkingSpace,
            resource: "P1".into(),
            walk_m: 12.5,
            why: why.into(),
            basis,
            reason: None,
        }
    }

    #[test]
    fn reasons_are_dropped_and_private_bases_become_allocated() {
        for (basis, shown) in [
            (Basis::Reserved, Basis::Allocated),
            (Basis::Priority, Basis::Allocated),
            (Basis::Lottery, Basis::Allocated),
            (Basis::Swap, Basis::Allocated),
            (Basis::Pin, Basis::Pin),
            (Basis::Incumbent, Basis::Incumbent),
        ] {
            let p = public_assignment(&assignment(
                basis,
                "accessible space reserved for disability permit holders",
            ));
            assert_eq!(p.basis, shown);
            assert_eq!(p.why, "");
            assert_eq!((p.household.as_str(), p.walk_m), ("B1-1-101", 12.5));
            let json = serde_json::to_string(&p).unwrap();
            assert!(
                !json.contains("why") && !json.contains("disability"),
                "{json}"
            );
        }
    }

    #[test]
    fn a_reason_becomes_its_public_counterpart_and_gives_the_basis() {
        for reason in Reason::samples() {
            if reason.basis() == Basis::Unstated {
                continue;
            }
            let mut a = assignment(reason.basis(), "private words");
            a.reason = Some(reason.clone());
            let p = public_assignment(&a);
            assert_eq!(p.reason, Some(reason.public()), "{}", reason.code());
            assert_eq!(p.basis, reason.public().basis(), "{}", reason.code());
            assert!(
                [Basis::Pin, Basis::Incumbent, Basis::Allocated].contains(&p.basis),
                "{} gave {}",
                reason.code(),
                p.basis
            );
            assert_eq!(p.why, "");
        }
    }
}
