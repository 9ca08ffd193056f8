//! Input limits: what one request (or one CLI run) may ask of the engine,
//! so that hostile input costs little. Every limit is checked on the raw
//! input, before any parsing or geometry, in one linear pass; each broken
//! limit is one problem (rule `limit-<name>`) that names the limit, its
//! value and the first few offenders with a count.
//!
//! The HTTP server takes them from its configuration (`allot serve
//! --max-…`, `ALLOT_MAX_…`); the CLI uses [`Limits::default`].
//!
//! Also here: the grouped lists every problem message uses ([`sample`]),
//! so that no message grows with the input, and the characters an id may
//! not hold ([`id_characters_problem`]).

mod scan;

use crate::model::Problem;
use crate::model::Rule;
pub use scan::check_json_sizes;
use serde_json::Value;
use std::fmt::Display;

/// The largest count of cars, EVs or e-bikes a roster row may give, and the
/// largest `per_household` of a policy. With at most
/// [`MAX_ROSTER_ROWS_CEILING`] rows, every sum of demands fits in a `u32`.
pub const MAX_COUNT: u32 = 1000;
/// The most roster rows any configuration may allow (so that
/// `rows × MAX_COUNT` fits in a `u32`).
pub const MAX_ROSTER_ROWS_CEILING: usize = 1_000_000;
/// How many offenders a grouped problem names before it only counts the rest.
pub const SAMPLE: usize = 5;

/// The limits on one input; see docs/serve.md "Limits and hardening".
/// [`Limits::default`] is the command line's (the operator's own files);
/// [`Limits::server`] the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Features in a layout.
    pub max_features: usize,
    /// Vertices (positions) in one feature's geometry, all rings and parts.
    pub max_vertices: usize,
    /// Vertices in the whole layout.
    pub max_total_vertices: usize,
    /// Rows of a roster (JSON entries or CSV records after the header).
    pub max_roster_rows: usize,
    /// Columns of a roster CSV.
    pub max_columns: usize,
    /// Characters of an id (feature, household, building, unit).
    pub max_id_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_features: 20_000,
            max_vertices: 4_000,
            max_total_vertices: 400_000,
            max_roster_rows: 200_000,
            max_columns: 64,
            max_id_len: 128,
        }
    }
}

impl Limits {
    /// The server's defaults (`allot serve`): tighter than the command
    /// line's, because anyone with a viewer token may post a layout or a
    /// roster. A real compound has hundreds to a few thousand households and
    /// features; these bound one request's memory to tens of megabytes.
    pub fn server() -> Limits {
        Limits {
            max_features: 10_000,
            max_total_vertices: 100_000,
            max_roster_rows: 20_000,
            ..Limits::default()
        }
    }

    /// No limit at all (inputs already checked, e.g. stored documents).
    pub fn unbounded() -> Limits {
        Limits {
            max_features: usize::MAX,
            max_vertices: usize::MAX,
            max_total_vertices: usize::MAX,
            max_roster_rows: MAX_ROSTER_ROWS_CEILING,
            max_columns: usize::MAX,
            max_id_len: usize::MAX,
        }
    }
}

/// The first [`SAMPLE`] items joined by commas, then "and N more" when there
/// are more: a list that never grows with the input.
pub fn sample<T: Display>(items: &[T]) -> String {
    let mut out = items
        .iter()
        .take(SAMPLE)
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SAMPLE {
        out.push_str(&format!(" and {} more", items.len() - SAMPLE));
    }
    out
}

/// An id shown in a message: at most 64 characters, then an ellipsis.
pub fn shown(id: &str) -> String {
    let mut chars = id.chars();
    let head: String = chars.by_ref().take(64).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Why an id may not be used because of its characters: NUL and other
/// control characters (they break CSV, logs and terminals and no one types
/// them). `None` when it is fine.
pub fn id_characters_problem(id: &str) -> Option<String> {
    id.chars().find(|c| c.is_control()).map(|c| {
        format!(
            "it holds the control character U+{:04X}; ids may not hold control characters",
            c as u32
        )
    })
}

fn limit_problem(rule: Rule, message: String) -> Problem {
    Problem::new(rule, message)
}

/// Positions in a GeoJSON `coordinates` value (any nesting depth), stopping
/// early once past `cap`.
fn positions(v: &Value, cap: usize) -> usize {
    match v {
        Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
        Value::Array(items) => {
            let mut n = 0usize;
            for item in items {
                n = n.saturating_add(positions(item, cap));
                if n > cap {
                    break;
                }
            }
            n
        }
        _ => 0,
    }
}

fn geometry_positions(g: &Value, cap: usize) -> usize {
    match g.get("geometries") {
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| geometry_positions(p, cap))
            .fold(0usize, usize::saturating_add),
        _ => g.get("coordinates").map_or(0, |c| positions(c, cap)),
    }
}

/// A layout's features, vertices and id lengths against the limits.
pub fn check_layout(layout: &Value, limits: &Limits) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(features) = layout.get("features").and_then(Value::as_array) else {
        return problems;
    };
    if features.len() > limits.max_features {
        problems.push(features_problem(features.len(), limits));
        return problems;
    }
    let mut heavy: Vec<String> = Vec::new();
    let mut long_ids: Vec<String> = Vec::new();
    let mut total = 0usize;
    for (i, f) in features.iter().enumerate() {
        let id = f.pointer("/properties/id").and_then(Value::as_str);
        let label = match id {
            Some(id) => shown(id),
            None => format!("feature #{}", i + 1),
        };
        if let Some(id) = id {
            let len = id.chars().count();
            if len > limits.max_id_len {
                long_ids.push(format!("#{} ({len} characters)", i + 1));
            }
        }
        let n = f
            .get("geometry")
            .map_or(0, |g| geometry_positions(g, limits.max_vertices));
        if n > limits.max_vertices {
            heavy.push(label);
        }
        total = total.saturating_add(n);
    }
    problems.extend(vertices_problem(&heavy, total, limits));
    if !long_ids.is_empty() {
        problems.push(limit_problem(
            Rule::LimitIdLength,
            format!(
                "{} feature id(s) are longer than {} characters (max_id_len): features {}",
                long_ids.len(),
                limits.max_id_len,
                sample(&long_ids)
            ),
        ));
    }
    problems
}

fn features_problem(features: usize, limits: &Limits) -> Problem {
    limit_problem(
        Rule::LimitFeatures,
        format!(
            "the layout has {features} features; the limit is {} (max_features)",
            limits.max_features
        ),
    )
    .field("features")
}

/// The features over `max_vertices` (their labels), else the layout's
/// `total` over `max_total_vertices`.
fn vertices_problem(heavy: &[String], total: usize, limits: &Limits) -> Option<Problem> {
    if let Some(first) = heavy.first() {
        Some(
            limit_problem(
                Rule::LimitVertices,
                format!(
                    "{} feature(s) have more than {} vertices (max_vertices): {}",
                    heavy.len(),
                    limits.max_vertices,
                    sample(heavy)
                ),
            )
            .feature(first.clone()),
        )
    } else {
        (total > limits.max_total_vertices).then(|| {
            limit_problem(
                Rule::LimitTotalVertices,
                format!(
                    "the layout has {total} vertices; the limit is {} (max_total_vertices)",
                    limits.max_total_vertices
                ),
            )
        })
    }
}

fn id_length_problem(rows: &[String], limits: &Limits) -> Option<Problem> {
    (!rows.is_empty()).then(|| {
        limit_problem(
            Rule::LimitIdLength,
            format!(
                "{} roster row(s) have an id, building or unit longer than {} characters (max_id_len): rows {}",
                rows.len(),
                limits.max_id_len,
                sample(rows)
            ),
        )
        .field("id")
    })
}

fn rows_problem(rows: usize, limits: &Limits) -> Problem {
    limit_problem(
        Rule::LimitRosterRows,
        format!(
            "the roster has {rows} rows; the limit is {} (max_roster_rows)",
            limits.max_roster_rows
        ),
    )
}

/// A JSON roster (a list, or `{"households": [...]}`) against the limits.
pub fn check_roster_json(roster: &Value, limits: &Limits) -> Vec<Problem> {
    let rows = match roster {
        Value::Array(rows) => rows,
        Value::Object(o) => match o.get("households") {
            Some(Value::Array(rows)) => rows,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    if rows.len() > limits.max_roster_rows {
        return vec![rows_problem(rows.len(), limits)];
    }
    let long: Vec<String> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            ["id", "building", "unit"].iter().any(|k| {
                r.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.chars().count() > limits.max_id_len)
            })
        })
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    id_length_problem(&long, limits).into_iter().collect()
}

/// A CSV roster (raw bytes, any encoding) against the limits: rows, columns
/// and the length of every cell of the `id`, `building` and `unit` columns.
pub fn check_roster_csv(bytes: &[u8], limits: &Limits) -> Vec<Problem> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    let mut id_columns: Vec<usize> = Vec::new();
    let mut rows = 0usize;
    let mut long: Vec<String> = Vec::new();
    let mut first = true;
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if first {
            first = false;
            if record.len() > limits.max_columns {
                problems.push(
                    limit_problem(
                        Rule::LimitColumns,
                        format!(
                            "the roster has {} columns; the limit is {} (max_columns)",
                            record.len(),
                            limits.max_columns
                        ),
                    )
                    .row(1),
                );
                return problems;
            }
            id_columns = record
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    let h = String::from_utf8_lossy(h);
                    let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
                    matches!(h.as_str(), "id" | "building" | "unit")
                })
                .map(|(i, _)| i)
                .collect();
            continue;
        }
        rows += 1;
        if rows > limits.max_roster_rows {
            continue;
        }
        let too_long = id_columns.iter().any(|&c| {
            record
                .get(c)
                // Bytes bound characters from above; count characters only when needed.
                .is_some_and(|cell| {
                    cell.len() > limits.max_id_len
                        && String::from_utf8_lossy(cell).trim().chars().count() > limits.max_id_len
                })
        });
        if too_long {
            let line = record.position().map_or(rows + 1, |p| p.line() as usize);
            long.push(line.to_string());
        }
    }
    if rows > limits.max_roster_rows {
        problems.push(rows_problem(rows, limits));
        return problems;
    }
    problems.extend(id_length_problem(&long, limits));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_sample_names_five_and_counts_the_rest() {
        let items: Vec<usize> = (1..=8000).collect();
        assert_eq!(sample(&items), "1, 2, 3, 4, 5 and 7995 more");
        assert_eq!(sample(&[1, 2]), "1, 2");
    }

    #[test]
    fn control_characters_in_ids_are_named_and_ordinary_text_is_not() {
        assert!(id_characters_problem("a\0b").unwrap().contains("U+0000"));
        assert!(id_characters_problem("\tx").unwrap().contains("U+0009"));
        assert_eq!(id_characters_problem("B1-1-101 楼"), None);
    }

    #[test]
    fn a_polygon_over_the_vertex_limit_is_one_problem_naming_the_limit() {
        let ring: Vec<[f64; 2]> = (0..50).map(|i| [i as f64, (i % 2) as f64]).collect();
        let f = |id: &str| {
            json!({"type": "Feature", "properties": {"id": id},
            "geometry": {"type": "Polygon", "coordinates": [ring.clone()]}})
        };
        let layout =
            json!({"features": [f("a"), f("b"), {"type": "Feature", "properties": {"id": "c"}}]});
        let limits = Limits {
            max_vertices: 40,
            ..Limits::default()
        };
        let p = check_layout(&layout, &limits);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].rule, "limit-vertices");
        assert!(p[0].message.contains("2 feature(s)") && p[0].message.contains("max_vertices"));
        assert!(check_layout(&layout, &Limits::default()).is_empty());
        let total = Limits {
            max_total_vertices: 99,
            ..Limits::default()
        };
        assert_eq!(
            check_layout(&layout, &total)[0].rule,
            "limit-total-vertices"
        );
    }

    #[test]
    fn too_many_features_or_rows_is_one_problem() {
        let layout = json!({"features": [{}, {}, {}]});
        let limits = Limits {
            max_features: 2,
            max_roster_rows: 2,
            ..Limits::default()
        };
        assert_eq!(check_layout(&layout, &limits)[0].rule, "limit-features");
        let roster = json!([{"id": "a"}, {"id": "b"}, {"id": "c"}]);
        assert_eq!(
            check_roster_json(&roster, &limits)[0].rule,
            "limit-roster-rows"
        );
        let csv = b"id,building,unit\na,B,1\nb,B,1\nc,B,1\n";
        assert_eq!(check_roster_csv(csv, &limits)[0].rule, "limit-roster-rows");
        assert!(check_roster_csv(csv, &Limits::default()).is_empty());
    }

    #[test]
    fn long_ids_and_wide_csvs_are_refused_naming_the_limit() {
        let long = "x".repeat(200);
        let roster = json!([{"id": long.clone()}, {"id": "ok"}]);
        let p = check_roster_json(&roster, &Limits::default());
        assert_eq!(p[0].rule, "limit-id-length");
        assert!(p[0].message.contains("rows 1"), "{}", p[0].message);
        let csv = format!("ID,building,unit\nok,B,1\n{long},B,1\n");
        let p = check_roster_csv(csv.as_bytes(), &Limits::default());
        assert!(p[0].message.contains("rows 3"), "{}", p[0].message);
        let wide = format!("id,building,unit{}\n", ",x".repeat(100));
        assert_eq!(
            check_roster_csv(wide.as_bytes(), &Limits::default())[0].rule,
            "limit-columns"
        );
    }
}
