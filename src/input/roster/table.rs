//! Rosters as tables: a header row of field names and rows of text cells,
//! from delimited text or a worksheet.

use super::cells::Cell;
use super::{finish, parse_row, row_id, unknown_field_warning, Roster, ROSTER_FIELDS};
use crate::model::problem::{Problem, Problems};
use crate::model::Rule;
use std::collections::{BTreeMap, BTreeSet};

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
    let mut p = Problem::new(Rule::RosterFormat, message);
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
            let mut p = Problem::new(Rule::RosterFormat, format!("cannot read the CSV: {e}"));
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
                            Rule::RosterFormat,
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
                    Rule::RosterRequired,
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
                        Rule::RosterFormat,
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
                Rule::RosterUnknownField,
                format!("column {} has no header name and is ignored", i + 1),
            )
            .row(header_line)
            .field(format!("column {}", i + 1)),
        );
    }
    finish(households, ids, problems, warnings)
}
