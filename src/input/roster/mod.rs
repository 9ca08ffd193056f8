//! Reading a household roster (FORMAT.md §2) from JSON or CSV into
//! normalised [`Household`] records, and checking it against a site.
//!
//! Readings of the spec chosen here (the contract for staff who upload):
//!
//! - **Rows.** JSON: the 1-based index in the array. CSV: the line number
//!   where the record starts (the header is line 1; a quoted cell spanning
//!   several lines does not shift later rows off their real line).
//!   [`check_roster_against_site`] gets a plain list, so there the row is the
//!   1-based position in that list (equal to the JSON row).
//! - **Strings.** `id`, `building` and `unit` are trimmed of surrounding
//!   white space; empty means missing. In JSON an integer is accepted where
//!   one of these strings is expected and normalised to its decimal digits
//!   (`"unit": 1` is unit `"1"`), since spreadsheets turn unit numbers into
//!   numbers; any other non-string is a type error.
//! - **Integers.** An integral number written as a float (`2.0`) is accepted
//!   in JSON and CSV; `2.5`, text or ±infinity is a type error, a negative
//!   count or one beyond 2³²−1 a range error.
//! - **Missing values.** An absent JSON field, JSON `null` and an empty (or
//!   all-blank) CSV cell take the default of FORMAT.md §2.
//! - **Booleans.** JSON booleans; in CSV `true/false/1/0/yes/no/是/否`,
//!   trimmed and case-insensitive.
//! - **`preferences` / `previous`.** A JSON object (in CSV: JSON text in the
//!   cell). Keys must be resource kinds (`roster-unknown-kind`, field
//!   `preferences.<key>`). Preference values are lists of non-empty strings;
//!   previous values are one string or a list of them, normalised to a list.
//!   A kind with an empty list (or `null`) is dropped, so that equivalent
//!   rosters normalise (and hash) identically.
//! - **`waited`.** A JSON object (in CSV: JSON text in the cell) of kind →
//!   whole number 0–1000; a given 0 is kept (it overrides the ledger).
//! - **Unknown fields/columns** are ignored with one warning per name
//!   (`roster-unknown-field`): in CSV at row 1 (the header), in JSON at the
//!   first row that carries it. Header names are matched trimmed and
//!   ASCII-case-insensitively, and may be the Chinese names of
//!   [`crate::input::header`]. A column with an empty header is ignored
//!   silently when all its cells are empty, else with a warning.
//! - **CSV shape.** A row whose every cell is blank is skipped (Excel leaves
//!   such rows). Missing trailing cells are empty; extra non-empty cells
//!   beyond the header are a `roster-format` error. A header without an `id`,
//!   `building` or `unit` column is one `roster-required` error at row 1,
//!   a column named twice a `roster-format` error at row 1.
//! - **Encoding.** CSV bytes are decoded by [`crate::input::encoding`]:
//!   UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's tab-separated
//!   "Unicode text") or GB18030/GBK, the encoding named in a
//!   `roster-encoding` warning; bytes that are none of these are one
//!   `roster-format` error naming the first bad line. Workbooks (`.xlsx`)
//!   come through [`crate::input::xlsx`] into [`parse_roster_table`].
//! - An input with no header at all (empty file) is a `roster-format` error;
//!   a header (or JSON array) with no rows gives an empty roster.
//! - **Duplicate ids** give one `roster-duplicate-id` error per id, at its
//!   first row, naming the first five rows and the count.
//! - **Ids** (`id`, `building`, `unit`) may not hold control characters
//!   (NUL, tab, line breaks…): `roster-id-characters`. Counts are at most
//!   [`MAX_COUNT`](crate::input::limits::MAX_COUNT) (`roster-range`).
//!
//! Errors are sorted by row (stably); nothing is imported when there is any,
//! and then only the errors are returned (warnings are dropped with the roster).

mod cells;
pub mod file;
mod table;

use crate::input::value::describe;
use crate::model::household::Household;
use crate::model::problem::{Problem, Problems};
use crate::model::Rule;
use cells::{
    bool_field, count_field, floor_field, kind_map_field, required_string, waited_field, Cell,
};
use serde_json::Value;
use std::collections::BTreeMap;

pub use table::{parse_roster_csv, parse_roster_delimited, parse_roster_table, TableRow};

/// A parsed roster and its warnings (unknown fields/columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    pub households: Vec<Household>,
    pub warnings: Vec<Problem>,
}

/// The field names of a roster row, in the order the CSV writer uses.
pub const ROSTER_FIELDS: [&str; 13] = [
    "id",
    "building",
    "unit",
    "floor",
    "cars",
    "evs",
    "ebikes",
    "accessible",
    "elderly",
    "wants_plot",
    "preferences",
    "previous",
    "waited",
];

fn keep<T>(r: Result<T, Box<Problem>>, row: usize, bad: &mut Vec<Problem>) -> Option<T> {
    r.map_err(|p| bad.push(p.row(row))).ok()
}

fn keep_all<T>(r: Result<T, Vec<Problem>>, row: usize, bad: &mut Vec<Problem>) -> Option<T> {
    r.map_err(|ps| bad.extend(ps.into_iter().map(|p| p.row(row))))
        .ok()
}

/// Parses one row given a lookup of its cells; problems get the row number.
fn parse_row<'a>(
    row: usize,
    get: impl Fn(&str) -> Cell<'a>,
    problems: &mut Vec<Problem>,
) -> Option<Household> {
    let mut bad = Vec::new();
    let id = keep(required_string(get("id"), "id"), row, &mut bad);
    let building = keep(required_string(get("building"), "building"), row, &mut bad);
    let unit = keep(required_string(get("unit"), "unit"), row, &mut bad);
    let floor = keep(floor_field(get("floor")), row, &mut bad);
    let cars = keep(count_field(get("cars"), "cars"), row, &mut bad);
    let evs = keep(count_field(get("evs"), "evs"), row, &mut bad);
    let ebikes = keep(count_field(get("ebikes"), "ebikes"), row, &mut bad);
    let accessible = keep(bool_field(get("accessible"), "accessible"), row, &mut bad);
    let elderly = keep(bool_field(get("elderly"), "elderly"), row, &mut bad);
    let wants_plot = keep(bool_field(get("wants_plot"), "wants_plot"), row, &mut bad);
    let preferences = keep_all(
        kind_map_field(get("preferences"), "preferences", false),
        row,
        &mut bad,
    );
    let previous = keep_all(
        kind_map_field(get("previous"), "previous", true),
        row,
        &mut bad,
    );
    let waited = keep_all(waited_field(get("waited")), row, &mut bad);
    if let (Some(cars), Some(evs)) = (cars, evs) {
        if evs > cars {
            bad.push(
                Problem::new(
                    Rule::RosterEvsExceedCars,
                    format!(
                        "`evs` is {evs} but `cars` is only {cars}: EVs are counted among the cars"
                    ),
                )
                .row(row)
                .field("evs"),
            );
        }
    }
    if !bad.is_empty() {
        problems.extend(bad);
        return None;
    }
    Some(Household {
        id: id?,
        building: building?,
        unit: unit?,
        floor: floor?,
        cars: cars?,
        evs: evs?,
        ebikes: ebikes?,
        accessible: accessible?,
        elderly: elderly?,
        wants_plot: wants_plot?,
        preferences: preferences?,
        previous: previous?,
        waited: waited?,
    })
}

/// Adds one `roster-duplicate-id` error per id seen more than once, at its
/// first row, naming the first few rows and how many there are (so that
/// the list never grows with the square of the input).
fn duplicate_ids(ids: &[(usize, String)], problems: &mut Vec<Problem>) {
    let mut rows: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (row, id) in ids {
        rows.entry(id.as_str()).or_default().push(*row);
    }
    for (id, rs) in rows {
        if rs.len() < 2 {
            continue;
        }
        problems.push(
            Problem::new(
                Rule::RosterDuplicateId,
                format!(
                    "id \"{}\" is used by {} households (rows {})",
                    crate::input::limits::shown(id),
                    rs.len(),
                    crate::input::limits::sample(&rs)
                ),
            )
            .row(rs[0])
            .field("id"),
        );
    }
}

/// The id of a row for the duplicate check, even when other fields are bad.
fn row_id(cell: Cell<'_>) -> Option<String> {
    required_string(cell, "id").ok()
}

fn finish(
    households: Vec<Household>,
    ids: Vec<(usize, String)>,
    mut problems: Vec<Problem>,
    warnings: Vec<Problem>,
) -> Result<Roster, Problems> {
    duplicate_ids(&ids, &mut problems);
    problems.sort_by_key(|p| p.row.unwrap_or(0));
    Problems(problems).into_result(Roster {
        households,
        warnings,
    })
}

fn unknown_field_warning(name: &str, row: usize, csv: bool) -> Problem {
    let what = if csv { "column" } else { "field" };
    Problem::new(
        Rule::RosterUnknownField,
        format!("{what} \"{name}\" is not a roster field and is ignored"),
    )
    .row(row)
    .field(name)
}

/// Parses a JSON roster: an array of household objects, or
/// `{"households": [...]}`. Rows are 1-based array indices.
pub fn parse_roster_json(value: &Value) -> Result<Roster, Problems> {
    let rows = match value {
        Value::Array(rows) => rows,
        Value::Object(obj) => match obj.get("households") {
            Some(Value::Array(rows)) => rows,
            _ => {
                return Err(Problems(vec![Problem::new(
                    Rule::RosterFormat,
                    "a roster object must have a \"households\" list",
                )
                .field("households")]))
            }
        },
        other => {
            return Err(Problems(vec![Problem::new(
                Rule::RosterFormat,
                format!(
                    "a roster must be a list of households or {{\"households\": [...]}}, not {}",
                    describe(other)
                ),
            )]))
        }
    };
    let mut households = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, v) in rows.iter().enumerate() {
        let row = i + 1;
        let Some(obj) = v.as_object() else {
            problems.push(
                Problem::new(
                    Rule::RosterFormat,
                    format!("each household must be an object, not {}", describe(v)),
                )
                .row(row),
            );
            continue;
        };
        for key in obj.keys() {
            if !ROSTER_FIELDS.contains(&key.as_str()) {
                unknown.entry(key.as_str()).or_insert(row);
            }
        }
        let get = |name: &str| Cell::from_json(obj.get(name));
        if let Some(id) = row_id(get("id")) {
            ids.push((row, id));
        }
        if let Some(h) = parse_row(row, get, &mut problems) {
            households.push(h);
        }
    }
    let mut warnings: Vec<Problem> = unknown
        .into_iter()
        .map(|(name, row)| unknown_field_warning(name, row, false))
        .collect();
    warnings.sort_by_key(|w| w.row);
    finish(households, ids, problems, warnings)
}

#[cfg(test)]
mod tests;
