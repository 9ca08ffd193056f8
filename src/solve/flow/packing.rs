//! Lexicographic cost vectors packed exactly into one scalar, so the
//! solvers compare integers instead of `[i64; 11]` (see `Packing`).

use super::mcf::{Cost, TIERS, ZERO};

/// An exact embedding of cost vectors into `i128`: `Σ_j w_j c_j` with mixed
/// radix weights `w_j = Π_{k>j} (2 M_k + 1)`, where `M_k` bounds tier k of
/// every quantity the solver compares. With `N` nodes and `a_k` the largest
/// `|c_k|` of an arc, every potential is, tier by tier, a sum of at most three
/// simple-path costs (`≤ 3 (N−1) a_k`), every Dijkstra label a path cost minus
/// a potential, so every compared difference is below `8 N a_k`; `M_k =
/// 8 N a_k + 1` makes the embedding order-preserving and injective on them,
/// so the scalar run takes exactly the steps the vector run would. When
/// the whole span fits ([`Packing::fits_i64`]) the runs use `i64` instead.
#[derive(Debug, Clone)]
pub struct Packing {
    /// `(tier, weight)` of the tiers that are not constant zero, most
    /// significant first.
    live: Vec<(usize, i128)>,
    /// The product of all radices: every packed quantity compared is
    /// smaller in magnitude than half of it.
    span: i128,
}

impl Packing {
    /// `None` when the weights would not fit comfortably in an `i128`.
    pub fn new(costs: &[Cost], nodes: usize) -> Option<Packing> {
        let mut amax = [0i128; TIERS];
        for c in costs {
            for (m, &x) in amax.iter_mut().zip(c) {
                *m = (*m).max(i128::from(x).abs());
            }
        }
        let n = i128::try_from(nodes).ok()?.max(1);
        let mut live = Vec::new();
        let mut w: i128 = 1;
        for k in (0..TIERS).rev() {
            if amax[k] == 0 {
                continue;
            }
            let bound = amax[k].checked_mul(n)?.checked_mul(8)?.checked_add(1)?;
            live.push((k, w));
            w = w.checked_mul(bound.checked_mul(2)?.checked_add(1)?)?;
        }
        // Headroom for the sums of two bounded values.
        if w > i128::MAX / 16 {
            return None;
        }
        live.reverse();
        Some(Packing { live, span: w })
    }

    /// Whether every packed value, and the sum of two, fits an `i64` with
    /// the same headroom as the `i128` check.
    pub fn fits_i64(&self) -> bool {
        self.span <= i128::from(i64::MAX / 16)
    }

    pub fn pack(&self, c: &Cost) -> i128 {
        self.live
            .iter()
            .map(|&(k, w)| w.wrapping_mul(i128::from(c[k])))
            .fold(0i128, i128::wrapping_add)
    }

    /// The inverse of `pack` on vectors within the bounds (balanced digits).
    pub fn unpack(&self, x: i128) -> Cost {
        let mut c = ZERO;
        let mut rest = x;
        for &(k, w) in &self.live {
            // Digits from the most significant tier: round to nearest.
            let d = if rest >= 0 {
                (rest + w / 2) / w
            } else {
                -((-rest + w / 2) / w)
            };
            c[k] = d as i64;
            rest -= d * w;
        }
        c
    }
}
