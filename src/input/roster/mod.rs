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
//!   [`MAX_COUNT`](crate::model::limits::MAX_COUNT) (`roster-range`).
//!
//! Errors are sorted by row (stably); nothing is imported when there is any,
//! and then only the errors are returned (warnings are dropped with the roster).

use crate::model::household::Household;
use crate::model::kind::ResourceKind;
use crate::model::problem::{Problem, Problems};
use crate::model::site::Site;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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

/// One input value of a field, whatever the input format.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    /// Absent, JSON `null`, or a blank CSV cell.
    Missing,
    Json(&'a Value),
    Text(&'a str),
}

impl<'a> Cell<'a> {
    fn from_json(v: Option<&'a Value>) -> Cell<'a> {
        match v {
            None | Some(Value::Null) => Cell::Missing,
            Some(v) => Cell::Json(v),
        }
    }

    fn from_text(s: Option<&'a str>) -> Cell<'a> {
        match s.map(str::trim) {
            None | Some("") => Cell::Missing,
            Some(s) => Cell::Text(s),
        }
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn type_error(field: &str, message: String) -> Problem {
    Problem::new("roster-type", message).field(field)
}

/// `id`, `building`, `unit`: a required, trimmed, non-empty string.
fn required_string(cell: Cell<'_>, field: &str) -> Result<String, Box<Problem>> {
    let text = match cell {
        Cell::Missing => None,
        Cell::Text(s) => Some(s.to_string()),
        Cell::Json(Value::String(s)) => Some(s.trim().to_string()),
        Cell::Json(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Cell::Json(v) => {
            return Err(Box::new(type_error(
                field,
                format!("`{field}` must be a string, not {}", describe(v)),
            )))
        }
    };
    match text {
        Some(s) if !s.is_empty() => match crate::model::limits::id_characters_problem(&s) {
            Some(why) => Err(Box::new(
                Problem::new(
                    "roster-id-characters",
                    format!("`{field}` is not usable: {why}"),
                )
                .field(field),
            )),
            None => Ok(s),
        },
        _ => Err(Box::new(
            Problem::new("roster-required", format!("`{field}` is required")).field(field),
        )),
    }
}

/// An integral value from a JSON number or a CSV text; `None` when it is not one.
fn integral(cell: Cell<'_>) -> Option<Result<i128, String>> {
    let shown;
    let float = match cell {
        Cell::Missing => return None,
        Cell::Json(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Some(Ok(i128::from(i)));
            }
            if let Some(u) = n.as_u64() {
                return Some(Ok(i128::from(u)));
            }
            shown = n.to_string();
            n.as_f64()
        }
        Cell::Json(v) => return Some(Err(describe(v).to_string())),
        Cell::Text(s) => {
            if let Ok(i) = s.parse::<i128>() {
                return Some(Ok(i));
            }
            shown = format!("\"{s}\"");
            // Only plain decimal notation, so that `inf`/`NaN` are rejected.
            if s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
                s.parse::<f64>().ok()
            } else {
                None
            }
        }
    };
    match float {
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e18 => {
            // Exact: |f| < 1e18 is well inside i128 and integral.
            Some(Ok(f as i128))
        }
        _ => Some(Err(shown)),
    }
}

fn floor_field(cell: Cell<'_>) -> Result<Option<i64>, Box<Problem>> {
    match integral(cell) {
        None => Ok(None),
        Some(Ok(i)) => i64::try_from(i).map(Some).map_err(|_| {
            Box::new(
                Problem::new("roster-range", format!("`floor` {i} is out of range")).field("floor"),
            )
        }),
        Some(Err(shown)) => Err(Box::new(type_error(
            "floor",
            format!("`floor` must be an integer, not {shown}"),
        ))),
    }
}

fn count_field(cell: Cell<'_>, field: &str) -> Result<u32, Box<Problem>> {
    match integral(cell) {
        None => Ok(0),
        Some(Ok(i)) if i < 0 => Err(Box::new(
            Problem::new(
                "roster-range",
                format!("`{field}` must be 0 or more, not {i}"),
            )
            .field(field),
        )),
        Some(Ok(i)) => u32::try_from(i)
            .ok()
            .filter(|n| *n <= crate::model::limits::MAX_COUNT)
            .ok_or_else(|| {
                Box::new(
                    Problem::new(
                        "roster-range",
                        format!(
                            "`{field}` {i} is too large (at most {})",
                            crate::model::limits::MAX_COUNT
                        ),
                    )
                    .field(field),
                )
            }),
        Some(Err(shown)) => Err(Box::new(type_error(
            field,
            format!("`{field}` must be a whole number ≥ 0, not {shown}"),
        ))),
    }
}

fn bool_field(cell: Cell<'_>, field: &str) -> Result<bool, Box<Problem>> {
    match cell {
        Cell::Missing => Ok(false),
        Cell::Json(Value::Bool(b)) => Ok(*b),
        Cell::Json(v) => Err(Box::new(type_error(
            field,
            format!("`{field}` must be true or false, not {}", describe(v)),
        ))),
        Cell::Text(s) => match s.to_lowercase().as_str() {
            "true" | "1" | "yes" | "是" => Ok(true),
            "false" | "0" | "no" | "否" => Ok(false),
            _ => Err(Box::new(type_error(
                field,
                format!("`{field}` must be one of true/false/1/0/yes/no/是/否, not \"{s}\""),
            ))),
        },
    }
}

/// `preferences` (`single_allowed` false) or `previous` (true): kind → list of strings.
fn kind_map_field(
    cell: Cell<'_>,
    field: &str,
    single_allowed: bool,
) -> Result<BTreeMap<ResourceKind, Vec<String>>, Vec<Problem>> {
    let parsed;
    let value = match cell {
        Cell::Missing => return Ok(BTreeMap::new()),
        Cell::Json(v) => v,
        Cell::Text(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(e) => {
                return Err(vec![type_error(
                    field,
                    format!("`{field}` must be a JSON object such as {{\"garden_plot\": [\"G3\", \"east\"]}}; the cell is not valid JSON ({e})"),
                )])
            }
        },
    };
    let obj = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(obj) => obj,
        other => {
            return Err(vec![type_error(
                field,
                format!(
                    "`{field}` must be an object of kind → {}, not {}",
                    if single_allowed {
                        "id or list of ids"
                    } else {
                        "list of ids or zone names"
                    },
                    describe(other)
                ),
            )])
        }
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (key, v) in obj {
        let path = format!("{field}.{key}");
        let Some(kind) = kind_key(&path, key, &mut problems) else {
            continue;
        };
        let items: Vec<&Value> = match v {
            Value::Null => Vec::new(),
            Value::Array(items) => items.iter().collect(),
            Value::String(_) if single_allowed => vec![v],
            other => {
                problems.push(type_error(
                    &path,
                    format!(
                        "`{path}` must be {}, not {}",
                        if single_allowed {
                            "an id or a list of ids"
                        } else {
                            "a list of ids or zone names"
                        },
                        describe(other)
                    ),
                ));
                continue;
            }
        };
        let mut list = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => list.push(s.trim().to_string()),
                other => problems.push(type_error(
                    &path,
                    format!(
                        "`{path}[{i}]` must be a non-empty string, not {}",
                        match other {
                            Value::String(_) => "an empty string",
                            v => describe(v),
                        }
                    ),
                )),
            }
        }
        if !list.is_empty() {
            out.insert(kind, list);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

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
                    "roster-evs-exceed-cars",
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

/// `waited`: kind → whole number ≥ 0 (JSON in a CSV cell). Zeros are kept:
/// a roster 0 overrides the ledger too.
fn waited_field(cell: Cell<'_>) -> Result<BTreeMap<ResourceKind, u32>, Vec<Problem>> {
    let parsed;
    let value = match cell {
        Cell::Missing => return Ok(BTreeMap::new()),
        Cell::Json(v) => v,
        Cell::Text(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(e) => {
                return Err(vec![type_error(
                    "waited",
                    format!("`waited` must be a JSON object such as {{\"parking_space\": 2}}; the cell is not valid JSON ({e})"),
                )])
            }
        },
    };
    let obj = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(obj) => obj,
        other => {
            return Err(vec![type_error(
                "waited",
                format!(
                    "`waited` must be an object of kind → rounds waited, not {}",
                    describe(other)
                ),
            )])
        }
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (key, v) in obj {
        let path = format!("waited.{key}");
        let Some(kind) = kind_key(&path, key, &mut problems) else {
            continue;
        };
        match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > crate::model::household::MAX_WAITED => problems.push(
                Problem::new(
                    "roster-range",
                    format!(
                        "`{path}` is {n} rounds; at most {} are accepted",
                        crate::model::household::MAX_WAITED
                    ),
                )
                .field(path),
            ),
            Some(n) => {
                out.insert(kind, n);
            }
            None => problems.push(type_error(
                &path,
                format!("`{path}` must be a whole number of rounds ≥ 0, not {v}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
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
                "roster-duplicate-id",
                format!(
                    "id \"{}\" is used by {} households (rows {})",
                    crate::model::limits::shown(id),
                    rs.len(),
                    crate::model::limits::sample(&rs)
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
        "roster-unknown-field",
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
                    "roster-format",
                    "a roster object must have a \"households\" list",
                )
                .field("households")]))
            }
        },
        other => {
            return Err(Problems(vec![Problem::new(
                "roster-format",
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
                    "roster-format",
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

/// Line numbers of CSV records, from their byte offsets.
///
/// The csv crate's own `Position::line` is one short after a CRLF line end
/// (as Excel writes): a record's position is taken before the `\n` of the
/// previous record's `\r\n` is consumed. Its byte offset then points at
/// that `\n` (or at blank lines before the record), so we skip line-end
/// bytes and count the `\n`s before the record's first byte ourselves.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line of the record starting at (or after line ends from) `offset`;
    /// offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> usize {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.at {
            let between = self.bytes.get(self.at..start).unwrap_or_default();
            self.line += between.iter().filter(|&&b| b == b'\n').count();
            self.at = start;
        }
        self.line
    }
}

fn format_error(message: String, row: Option<usize>) -> Problems {
    let mut p = Problem::new("roster-format", message);
    p.row = row;
    Problems(vec![p])
}

/// Parses a CSV roster from its bytes: UTF-8 (with or without BOM),
/// UTF-16 with a BOM, or GB18030/GBK, comma or tab separated (see
/// [`crate::input::read_roster_text`]). Rows are line numbers, the header
/// being line 1.
pub fn parse_roster_csv(bytes: &[u8]) -> Result<Roster, Problems> {
    crate::input::read_roster_text(bytes, None)
}

/// Parses decoded roster text, its cells separated by `delimiter` (a
/// byte-order mark, if left, is skipped). Rows are line numbers.
pub fn parse_roster_delimited(text: &str, delimiter: u8) -> Result<Roster, Problems> {
    const SAVE_AS: &str =
        "save it from Excel as \"CSV UTF-8 (comma delimited)\" and upload it again";
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text).as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(format_error(
            "the file is empty: it needs a header row naming the fields (id, building, unit, …)"
                .to_string(),
            None,
        )),
        Some(Err(e)) => {
            return Err(format_error(
                format!("the header row cannot be read as CSV: {e}"),
                Some(1),
            ))
        }
        Some(Ok(h)) => h,
    };
    let mut lines = LineCounter::new(body);
    let header_line = header.position().map_or(1, |p| lines.line_at(p.byte()));
    let single = header.get(0).filter(|_| header.len() == 1);
    if single.is_some_and(|h| h.contains(';')) {
        return Err(format_error(
            format!("the header is separated by semicolons, not commas; {SAVE_AS}"),
            Some(header_line),
        ));
    }
    let header: Vec<String> = header.iter().map(str::to_string).collect();
    let rows = records.map(|rec| match rec {
        Ok(rec) => Ok(TableRow {
            row: rec.position().map_or(0, |p| lines.line_at(p.byte())),
            cells: rec.iter().map(str::to_string).collect(),
        }),
        Err(e) => {
            let mut p = Problem::new("roster-format", format!("cannot read the CSV: {e}"));
            p.row = e.position().map(|p| lines.line_at(p.byte()));
            Err(Box::new(p))
        }
    });
    parse_roster_table(header_line, &header, rows)
}

/// One data row of a roster table: its row number and its cells as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub row: usize,
    pub cells: Vec<String>,
}

/// Parses a roster table — a header row of field names (FORMAT.md's, or the
/// Chinese ones of [`crate::input::header`]) and rows of text cells, as a CSV
/// file or a worksheet gives them. A row that could not be read at all comes
/// as its problem. Rows keep the numbers given.
pub fn parse_roster_table(
    header_line: usize,
    header: &[String],
    rows: impl IntoIterator<Item = Result<TableRow, Box<Problem>>>,
) -> Result<Roster, Problems> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    // Column index of each known field; columns to warn about.
    let mut column: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unnamed = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let clean = crate::input::header::canonical(name);
        if clean.is_empty() {
            unnamed.push(i);
            continue;
        }
        match ROSTER_FIELDS.iter().find(|f| **f == clean) {
            Some(f) => {
                if column.insert(f, i).is_some() {
                    problems.push(
                        Problem::new(
                            "roster-format",
                            format!("the header names column \"{f}\" more than once"),
                        )
                        .row(header_line)
                        .field(*f),
                    );
                }
            }
            None => warnings.push(unknown_field_warning(name.trim(), header_line, true)),
        }
    }
    for f in ["id", "building", "unit"] {
        if !column.contains_key(f) {
            problems.push(
                Problem::new(
                    "roster-required",
                    format!("the header has no \"{f}\" column; it is required"),
                )
                .row(header_line)
                .field(f),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }

    let mut households = Vec::new();
    let mut ids = Vec::new();
    let mut unnamed_used = BTreeSet::new();
    for rec in rows {
        let TableRow { row, cells: rec } = match rec {
            Ok(r) => r,
            Err(p) => {
                problems.push(*p);
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() > header.len() {
            let extra = rec
                .iter()
                .skip(header.len())
                .filter(|c| !c.trim().is_empty())
                .count();
            if extra > 0 {
                problems.push(
                    Problem::new(
                        "roster-format",
                        format!(
                            "the row has {} cells but the header only {} columns",
                            rec.len(),
                            header.len()
                        ),
                    )
                    .row(row),
                );
            }
        }
        for &i in &unnamed {
            if rec.get(i).is_some_and(|c| !c.trim().is_empty()) {
                unnamed_used.insert(i);
            }
        }
        let get = |name: &str| {
            Cell::from_text(
                column
                    .get(name)
                    .and_then(|&i| rec.get(i))
                    .map(String::as_str),
            )
        };
        if let Some(id) = row_id(get("id")) {
            ids.push((row, id));
        }
        if let Some(h) = parse_row(row, get, &mut problems) {
            households.push(h);
        }
    }
    for i in unnamed_used {
        warnings.push(
            Problem::new(
                "roster-unknown-field",
                format!("column {} has no header name and is ignored", i + 1),
            )
            .row(header_line)
            .field(format!("column {}", i + 1)),
        );
    }
    finish(households, ids, problems, warnings)
}

/// Checks a parsed roster against a loaded site: every household's
/// `(building, unit)` must have an entrance (`roster-unknown-entrance`,
/// field `building` when the building has no entrance at all, else `unit`),
/// and every preference must be a resource id of that kind or a zone name
/// used by resources of that kind (`roster-unknown-preference`, field
/// `preferences.<kind>[<0-based index>]`). `previous` naming resources that
/// no longer exist is not an error (those are simply not incumbents).
/// Rows are 1-based positions in `households`.
pub fn check_roster_against_site(households: &[Household], site: &Site) -> Vec<Problem> {
    let buildings: BTreeSet<&str> = site.entrances.iter().map(|e| e.building.as_str()).collect();
    let units: BTreeSet<(&str, &str)> = site
        .entrances
        .iter()
        .map(|e| (e.building.as_str(), e.unit.as_str()))
        .collect();
    let mut ids: BTreeMap<&str, ResourceKind> = BTreeMap::new();
    let mut zones: BTreeSet<(ResourceKind, &str)> = BTreeSet::new();
    for r in &site.resources {
        ids.entry(r.id.as_str()).or_insert(r.kind);
        if let Some(z) = &r.zone {
            zones.insert((r.kind, z.as_str()));
        }
    }
    let mut problems = Vec::new();
    for (i, h) in households.iter().enumerate() {
        let row = i + 1;
        if !buildings.contains(h.building.as_str()) {
            problems.push(
                Problem::new(
                    "roster-unknown-entrance",
                    format!(
                        "household {}: building \"{}\" has no entrance in the layout",
                        h.id, h.building
                    ),
                )
                .row(row)
                .field("building"),
            );
        } else if !units.contains(&(h.building.as_str(), h.unit.as_str())) {
            problems.push(
                Problem::new(
                    "roster-unknown-entrance",
                    format!(
                        "household {}: building \"{}\" has no entrance of unit \"{}\" in the layout",
                        h.id, h.building, h.unit
                    ),
                )
                .row(row)
                .field("unit"),
            );
        }
        for (kind, prefs) in &h.preferences {
            for (j, name) in prefs.iter().enumerate() {
                let ok =
                    ids.get(name.as_str()) == Some(kind) || zones.contains(&(*kind, name.as_str()));
                if ok {
                    continue;
                }
                let why = match ids.get(name.as_str()) {
                    Some(other) => format!("\"{name}\" is a {other}, not a {kind}"),
                    None => format!("\"{name}\" is neither a {kind} id nor a zone of {kind}s"),
                };
                problems.push(
                    Problem::new(
                        "roster-unknown-preference",
                        format!("household {}: preference {why}", h.id),
                    )
                    .row(row)
                    .field(format!("preferences.{kind}[{j}]")),
                );
            }
        }
    }
    problems
}

/// The resource kind a per-kind object's key names; else a problem naming
/// the field path is recorded.
fn kind_key(path: &str, key: &str, problems: &mut Vec<Problem>) -> Option<ResourceKind> {
    let kind = ResourceKind::parse(key);
    if kind.is_none() {
        problems.push(Problem::new(
            "roster-unknown-kind",
            format!(
                "`{path}`: \"{key}\" is not a resource kind (parking_space, charging_bay or garden_plot)"
            ),
        )
        .field(path));
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(p: &Problems) -> Vec<(Option<usize>, Option<&str>, &str)> {
        p.0.iter()
            .map(|p| (p.row, p.field.as_deref(), p.rule.as_str()))
            .collect()
    }

    #[test]
    fn a_json_array_of_households_is_normalised_with_defaults() {
        let r = parse_roster_json(&json!([
            {"id": "B1-1-101", "building": "B1", "unit": "1"},
            {"id": "B1-1-102", "building": "B1", "unit": 1, "floor": 1, "cars": 2, "evs": 1.0,
             "accessible": true, "previous": {"parking_space": "P3"},
             "preferences": {"garden_plot": ["G3", "east"], "charging_bay": []}}
        ]))
        .unwrap();
        assert_eq!(r.households[0], Household::new("B1-1-101", "B1", "1"));
        let h = &r.households[1];
        assert_eq!(h.unit, "1");
        assert_eq!(
            (h.floor, h.cars, h.evs, h.accessible),
            (Some(1), 2, 1, true)
        );
        assert_eq!(h.previous[&ResourceKind::ParkingSpace], vec!["P3"]);
        assert_eq!(h.preferences.len(), 1, "empty preference lists are dropped");
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn an_object_with_a_households_list_is_accepted_and_anything_else_is_a_format_error() {
        let r =
            parse_roster_json(&json!({"households": [{"id": "a", "building": "B", "unit": "1"}]}));
        assert_eq!(r.unwrap().households.len(), 1);
        let e = parse_roster_json(&json!({"rows": []})).unwrap_err();
        assert_eq!(e.0[0].rule, "roster-format");
        let e = parse_roster_json(&json!("x")).unwrap_err();
        assert_eq!(e.0[0].rule, "roster-format");
    }

    #[test]
    fn every_bad_field_of_every_row_is_reported_with_row_and_field() {
        let e = parse_roster_json(&json!([
            {"id": "a", "building": "B", "unit": "1", "cars": -1, "ebikes": "two"},
            {"building": "B", "unit": "1", "elderly": "yes", "cars": 1, "evs": 2},
            7,
            {"id": "d", "building": "B", "unit": "1", "preferences": {"bike_rack": ["X"]},
             "previous": {"garden_plot": 3}}
        ]))
        .unwrap_err();
        assert_eq!(
            rules(&e),
            vec![
                (Some(1), Some("cars"), "roster-range"),
                (Some(1), Some("ebikes"), "roster-type"),
                (Some(2), Some("id"), "roster-required"),
                (Some(2), Some("elderly"), "roster-type"),
                (Some(2), Some("evs"), "roster-evs-exceed-cars"),
                (Some(3), None, "roster-format"),
                (
                    Some(4),
                    Some("preferences.bike_rack"),
                    "roster-unknown-kind"
                ),
                (Some(4), Some("previous.garden_plot"), "roster-type"),
            ]
        );
    }

    #[test]
    fn a_duplicate_id_is_reported_once_at_its_first_row_naming_its_rows() {
        let e = parse_roster_json(&json!([
            {"id": "x", "building": "B", "unit": "1"},
            {"id": "y", "building": "B", "unit": "1"},
            {"id": "x", "building": "B", "unit": "2", "cars": "bad"}
        ]))
        .unwrap_err();
        assert_eq!(
            rules(&e),
            vec![
                (Some(1), Some("id"), "roster-duplicate-id"),
                (Some(3), Some("cars"), "roster-type"),
            ]
        );
        assert!(
            e.0[0].message.contains("2 households (rows 1, 3)"),
            "{}",
            e.0[0].message
        );
    }

    #[test]
    fn eight_thousand_rows_of_one_id_give_one_short_problem() {
        let mut csv = String::from("id,building,unit\n");
        for _ in 0..8000 {
            csv.push_str("same,B,1\n");
        }
        let e = parse_roster_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        let m = &e.0[0].message;
        assert!(
            m.contains("8000 households (rows 2, 3, 4, 5, 6 and 7995 more)"),
            "{m}"
        );
    }

    #[test]
    fn control_characters_in_ids_and_huge_counts_are_refused() {
        let e = parse_roster_json(&json!([
            {"id": "a\u{0}b", "building": "B", "unit": "1"},
            {"id": "c", "building": "B\n", "unit": "1\u{7}"},
            {"id": "d", "building": "B", "unit": "1", "cars": 4294967295u64}
        ]))
        .unwrap_err();
        assert_eq!(
            rules(&e),
            vec![
                (Some(1), Some("id"), "roster-id-characters"),
                (Some(2), Some("unit"), "roster-id-characters"),
                (Some(3), Some("cars"), "roster-range"),
            ]
        );
        assert!(
            e.0[2].message.contains("at most 1000"),
            "{}",
            e.0[2].message
        );
    }

    #[test]
    fn unknown_json_fields_give_one_warning_each_at_their_first_row() {
        let r = parse_roster_json(&json!([
            {"id": "a", "building": "B", "unit": "1", "phone": "138"},
            {"id": "b", "building": "B", "unit": "1", "phone": "139", "name": "王"}
        ]))
        .unwrap();
        let w: Vec<_> = r
            .warnings
            .iter()
            .map(|w| (w.row, w.field.clone()))
            .collect();
        assert_eq!(
            w,
            vec![
                (Some(1), Some("phone".into())),
                (Some(2), Some("name".into()))
            ]
        );
        assert!(r.warnings.iter().all(|w| w.rule == "roster-unknown-field"));
    }

    #[test]
    fn csv_rows_are_line_numbers_even_after_a_multi_line_cell_and_blank_lines() {
        for end in ["\n", "\r\n"] {
            let csv = "id,building,unit,cars,notes\n\
                       a,B,1,1,\"line one\nline two\"\n\
                       b,B,1,x,\n\
                       \n\
                       c,B,1,y,\n"
                .replace('\n', end);
            let e = parse_roster_csv(csv.as_bytes()).unwrap_err();
            assert_eq!(
                rules(&e),
                vec![
                    (Some(4), Some("cars"), "roster-type"),
                    (Some(6), Some("cars"), "roster-type")
                ],
                "line ends {end:?}"
            );
        }
    }

    #[test]
    fn csv_accepts_a_bom_chinese_booleans_json_cells_and_blank_rows() {
        let csv =
            "\u{FEFF}ID , building,unit,elderly,wants_plot,accessible,preferences,floor,电话\r\n\
                   a,B,1, 是 ,否,YES,\"{\"\"garden_plot\"\": [\"\"G1\"\"]}\",,138\r\n\
                   ,,,,,,,,\r\n\
                   b,B,2,,1,no,,3,\r\n";
        let r = parse_roster_csv(csv.as_bytes()).unwrap();
        assert_eq!(r.households.len(), 2);
        let a = &r.households[0];
        assert!(a.elderly && !a.wants_plot && a.accessible);
        assert_eq!(a.preferences[&ResourceKind::GardenPlot], vec!["G1"]);
        assert_eq!(a.floor, None);
        let b = &r.households[1];
        assert!(!b.elderly && b.wants_plot && !b.accessible);
        assert_eq!(b.floor, Some(3));
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].field.as_deref(), Some("电话"));
    }

    #[test]
    fn a_gbk_csv_with_chinese_headers_is_read_with_a_warning_naming_the_encoding() {
        let mut bytes = Vec::new();
        bytes.extend([0xB1, 0xE0, 0xBA, 0xC5]); // 编号 in GBK
        bytes.extend(b",building,unit,name\na,B,1,");
        bytes.extend([0xD5, 0xC5, 0xC8, 0xFD]); // 张三 in GBK
        bytes.push(b'\n');
        let r = parse_roster_csv(&bytes).unwrap();
        assert_eq!(r.households, vec![Household::new("a", "B", "1")]);
        let w: Vec<_> = r.warnings.iter().map(|w| w.rule.as_str()).collect();
        assert_eq!(w, ["roster-encoding", "roster-unknown-field"]);
    }

    #[test]
    fn bytes_that_no_encoding_reads_are_one_format_error_naming_the_line() {
        let e = parse_roster_csv(b"id,building,unit\na,B,1\nb,B,\xFF\n").unwrap_err();
        assert_eq!(rules(&e), vec![(Some(3), None, "roster-format")]);
        assert!(e.0[0].message.contains("GB18030"), "{}", e.0[0].message);
    }

    #[test]
    fn a_header_without_required_columns_is_reported_once_per_column() {
        let e = parse_roster_csv(b"id,cars\na,1\n").unwrap_err();
        assert_eq!(
            rules(&e),
            vec![
                (Some(1), Some("building"), "roster-required"),
                (Some(1), Some("unit"), "roster-required")
            ]
        );
        assert_eq!(
            parse_roster_csv(b"").unwrap_err().0[0].rule,
            "roster-format"
        );
    }

    #[test]
    fn a_semicolon_separated_file_is_one_format_error_saying_so() {
        let e = parse_roster_csv("id;building;unit\na;B;1\n".as_bytes()).unwrap_err();
        assert_eq!(rules(&e), vec![(Some(1), None, "roster-format")]);
        assert!(e.0[0].message.contains("semicolons"));
    }

    #[test]
    fn a_csv_cell_that_is_not_json_is_a_type_error_naming_the_field() {
        let e = parse_roster_csv(b"id,building,unit,previous\na,B,1,P3\n").unwrap_err();
        assert_eq!(rules(&e), vec![(Some(2), Some("previous"), "roster-type")]);
    }

    #[test]
    fn extra_non_empty_cells_beyond_the_header_are_a_format_error() {
        let e = parse_roster_csv(b"id,building,unit\na,B,1,,\nb,B,1,oops\n").unwrap_err();
        assert_eq!(rules(&e), vec![(Some(3), None, "roster-format")]);
    }

    fn site_with(
        entrances: &[(&str, &str)],
        resources: &[(&str, ResourceKind, Option<&str>)],
    ) -> Site {
        use crate::model::{CoordinateMode, Entrance, Resource, Shape};
        Site {
            id: None,
            name: None,
            coordinates: CoordinateMode::LocalMeters,
            boundary: None,
            buildings: Vec::new(),
            entrances: entrances
                .iter()
                .map(|(b, u)| Entrance {
                    id: format!("E{b}{u}"),
                    building: b.to_string(),
                    unit: u.to_string(),
                    point: geo::Point::new(0.0, 0.0),
                })
                .collect(),
            gates: Vec::new(),
            walkways: Vec::new(),
            fire_lanes: Vec::new(),
            keep_clear: Vec::new(),
            power_feeds: Vec::new(),
            resources: resources
                .iter()
                .map(|(id, kind, zone)| Resource {
                    id: id.to_string(),
                    kind: *kind,
                    shape: Shape::Point(geo::Point::new(0.0, 0.0)),
                    accessible: false,
                    charger: false,
                    zone: zone.map(str::to_string),
                })
                .collect(),
            raw: Value::Null,
        }
    }

    #[test]
    fn households_must_match_an_entrance_and_prefer_resources_of_the_right_kind() {
        use ResourceKind::*;
        let site = site_with(
            &[("B1", "1")],
            &[
                ("P1", ParkingSpace, Some("north")),
                ("G1", GardenPlot, Some("east")),
            ],
        );
        let mut ok = Household::new("a", "B1", "1");
        ok.preferences
            .insert(ParkingSpace, vec!["P1".into(), "north".into()]);
        ok.preferences.insert(GardenPlot, vec!["east".into()]);
        ok.previous.insert(ParkingSpace, vec!["P-gone".into()]);
        let mut bad = Household::new("b", "B1", "2");
        bad.preferences
            .insert(GardenPlot, vec!["G1".into(), "P1".into(), "north".into()]);
        let nowhere = Household::new("c", "B9", "1");
        let got = check_roster_against_site(&[ok, bad, nowhere], &site);
        let got: Vec<_> = got
            .iter()
            .map(|p| (p.row, p.field.as_deref(), p.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(2), Some("unit"), "roster-unknown-entrance"),
                (
                    Some(2),
                    Some("preferences.garden_plot[1]"),
                    "roster-unknown-preference"
                ),
                (
                    Some(2),
                    Some("preferences.garden_plot[2]"),
                    "roster-unknown-preference"
                ),
                (Some(3), Some("building"), "roster-unknown-entrance"),
            ]
        );
    }

    #[test]
    fn waited_is_read_from_json_and_from_a_json_cell_in_csv() {
        let csv = parse_roster_csv(
            "id,building,unit,waited\na,B,1,\"{\"\"parking_space\"\": 2, \"\"garden_plot\"\": 0}\"\nb,B,1,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(csv.households[0].waited[&ResourceKind::ParkingSpace], 2);
        assert_eq!(csv.households[0].waited[&ResourceKind::GardenPlot], 0);
        assert!(csv.households[1].waited.is_empty());
        let json = parse_roster_json(&serde_json::json!([
            {"id": "a", "building": "B", "unit": "1", "waited": {"parking_space": 2, "garden_plot": 0}},
            {"id": "b", "building": "B", "unit": "1"}
        ]))
        .unwrap();
        assert_eq!(json.households, csv.households);
    }

    #[test]
    fn a_bad_waited_is_an_error_naming_the_row_and_field() {
        let e = parse_roster_json(&serde_json::json!([
            {"id": "a", "building": "B", "unit": "1", "waited": {"parking_space": -1}},
            {"id": "b", "building": "B", "unit": "1", "waited": {"bike_rack": 1}},
            {"id": "c", "building": "B", "unit": "1", "waited": {"garden_plot": 1001}},
            {"id": "d", "building": "B", "unit": "1", "waited": 3}
        ]))
        .unwrap_err();
        assert_eq!(
            rules(&e),
            vec![
                (Some(1), Some("waited.parking_space"), "roster-type"),
                (Some(2), Some("waited.bike_rack"), "roster-unknown-kind"),
                (Some(3), Some("waited.garden_plot"), "roster-range"),
                (Some(4), Some("waited"), "roster-type"),
            ]
        );
    }
}
