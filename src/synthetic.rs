//! Synthetic sites of any size, for benchmarks and property tests.
//!
//! A site is a grid of cells, one residential building each, with two rows
//! of parking, a row of e-bike bays and a strip of garden plots in front of
//! it; coordinates are `local_meters`. Every site produced satisfies the
//! geometry rules of FORMAT.md §1 (tests check this), so the whole pipeline
//! runs on it. Generation is a pure function of the parameters and the seed.

use serde_json::{json, Value};

/// Size of a synthetic site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    pub households: usize,
    pub parking_spaces: usize,
    pub charging_bays: usize,
    pub garden_plots: usize,
    /// Draw walkways along each cell (walking distances then follow them).
    pub walkways: bool,
    pub seed: u64,
}

impl SynthParams {
    /// Roughly the proportions of the Yixinqiao compound, scaled to `households`.
    pub fn scaled(households: usize, parking_spaces: usize, seed: u64) -> SynthParams {
        SynthParams {
            households,
            parking_spaces,
            charging_bays: households * 3 / 10,
            garden_plots: households / 10,
            walkways: false,
            seed,
        }
    }
}

/// SplitMix64: a tiny deterministic generator, stable across crate versions.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const CELL_W: f64 = 70.0;
const CELL_H: f64 = 50.0;
const UNITS: usize = 4;
const HOUSEHOLDS_PER_CELL: usize = 120;
const SPACES_PER_ROW: usize = 22;
const BAYS_PER_ROW: usize = 58;
const PLOTS_PER_ROW: usize = 17;

fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Value {
    json!([[
        [x0, y0],
        [x0 + w, y0],
        [x0 + w, y0 + h],
        [x0, y0 + h],
        [x0, y0]
    ]])
}

fn feature(kind: &str, id: &str, geometry: Value, extra: Value) -> Value {
    let mut props = json!({"kind": kind, "id": id});
    if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    json!({"type": "Feature", "properties": props, "geometry": geometry})
}

fn polygon(coords: Value) -> Value {
    json!({"type": "Polygon", "coordinates": coords})
}

/// A synthetic layout (GeoJSON, local metres) and roster (JSON array).
pub fn synthetic_site(p: &SynthParams) -> (Value, Value) {
    let per_cell_cap = [
        p.households.div_ceil(HOUSEHOLDS_PER_CELL),
        p.parking_spaces.div_ceil(2 * SPACES_PER_ROW),
        p.charging_bays.div_ceil(BAYS_PER_ROW),
        p.garden_plots.div_ceil(PLOTS_PER_ROW),
    ];
    let cells = per_cell_cap.into_iter().max().unwrap_or(1).max(1);
    let cols = (cells as f64).sqrt().ceil() as usize;
    let rows = cells.div_ceil(cols);
    let mut rng = SplitMix::new(p.seed);
    let mut features = vec![feature(
        "boundary",
        "boundary",
        polygon(rect(
            -5.0,
            -5.0,
            cols as f64 * CELL_W + 10.0,
            rows as f64 * CELL_H + 10.0,
        )),
        json!({}),
    )];
    let share =
        |total: usize, cell: usize| -> usize { total / cells + usize::from(cell < total % cells) };
    let (mut n_space, mut n_bay, mut n_plot) = (0, 0, 0);
    let mut households = Vec::new();
    for c in 0..cells {
        let cx = (c % cols) as f64 * CELL_W;
        let cy = (c / cols) as f64 * CELL_H;
        let b = format!("S{}", c + 1);
        features.push(feature(
            "building",
            &b,
            polygon(rect(cx + 5.0, cy + 32.0, 60.0, 12.0)),
            json!({"name": format!("Block {}", c + 1)}),
        ));
        for u in 0..UNITS {
            let ex = cx + 12.5 + 15.0 * u as f64;
            features.push(feature(
                "entrance",
                &format!("{b}-E{}", u + 1),
                json!({"type": "Point", "coordinates": [ex, cy + 31.5]}),
                json!({"building": b, "unit": (u + 1).to_string()}),
            ));
        }
        features.push(feature(
            "power_feed",
            &format!("{b}-PF"),
            json!({"type": "Point", "coordinates": [cx + 35.0, cy + 28.0]}),
            json!({}),
        ));
        if p.walkways {
            features.push(feature(
                "walkway",
                &format!("{b}-W"),
                json!({"type": "LineString", "coordinates": [[cx, cy + 29.0], [cx + CELL_W, cy + 29.0]]}),
                json!({}),
            ));
            features.push(feature(
                "walkway",
                &format!("{b}-WV"),
                json!({"type": "LineString", "coordinates": [[cx + 2.0, cy], [cx + 2.0, cy + CELL_H]]}),
                json!({}),
            ));
        }
        // Two rows of parking; the first space of each row is accessible.
        let spaces = share(p.parking_spaces, c);
        for i in 0..spaces {
            let row = i / SPACES_PER_ROW;
            let k = i % SPACES_PER_ROW;
            let y0 = if row == 0 { cy + 20.0 } else { cy + 12.0 };
            let accessible = k == 0;
            let x0 = if accessible {
                cx + 5.0
            } else {
                cx + 5.0 + 3.7 + 2.5 * (k - 1) as f64
            };
            let w = if accessible { 3.7 } else { 2.5 };
            n_space += 1;
            features.push(feature(
                "parking_space",
                &format!("P{n_space}"),
                polygon(rect(x0, y0, w, 5.3)),
                json!({"accessible": accessible, "charger": k % 10 == 5, "zone": format!("{b}-row{}", row + 1)}),
            ));
        }
        for i in 0..share(p.charging_bays, c) {
            n_bay += 1;
            features.push(feature(
                "charging_bay",
                &format!("C{n_bay}"),
                json!({"type": "Point", "coordinates": [cx + 5.5 + i as f64, cy + 7.0]}),
                json!({"zone": format!("{b}-shed")}),
            ));
        }
        for i in 0..share(p.garden_plots, c) {
            n_plot += 1;
            features.push(feature(
                "garden_plot",
                &format!("G{n_plot}"),
                polygon(rect(cx + 5.0 + 3.5 * i as f64, cy + 1.0, 3.0, 3.0)),
                json!({"zone": format!("{b}-garden")}),
            ));
        }
        for i in 0..share(p.households, c) {
            let unit = i % UNITS + 1;
            let floor = i / (UNITS * 4) + 1;
            let cars = match rng.below(10) {
                0..=2 => 0,
                3..=8 => 1,
                _ => 2,
            };
            let evs = if cars > 0 && rng.chance(0.12) { 1 } else { 0 };
            households.push(json!({
                "id": format!("{b}-{unit}-{floor}{:02}", i / UNITS % 4 + 1),
                "building": b,
                "unit": unit.to_string(),
                "floor": floor,
                "cars": cars,
                "evs": evs,
                "ebikes": rng.below(3),
                "accessible": rng.chance(0.02),
                "elderly": rng.chance(0.2),
                "wants_plot": rng.chance(0.2),
            }));
        }
    }
    let layout = json!({
        "type": "FeatureCollection",
        "coordinates": "local_meters",
        "site": {"id": format!("synthetic-{}", p.households), "name": "synthetic site"},
        "features": features,
    });
    (layout, Value::Array(households))
}
