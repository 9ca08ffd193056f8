//! Rosters as Excel workbooks (`.xlsx`), read with `calamine`.
//!
//! - **Sheet.** The one named, else the first visible worksheet (a workbook
//!   of several sheets says in a `roster-sheet` warning which it read).
//! - **Header row.** The first row, among the first ten rows that hold
//!   anything, naming `id`, `building` or `unit` (in English or Chinese,
//!   [`super::header`]); rows above it (a title such as 一心桥小区住户名单)
//!   are skipped with a `roster-skipped-rows` warning. When no row names
//!   one, the first row that holds anything is the header, and the missing
//!   columns are reported.
//! - **Cells** become the text the CSV reader would see: numbers stored as
//!   floats with no fraction (`3.0`) as integers (`3`), other numbers as
//!   written (`2.5`), Excel's TRUE/FALSE as `true`/`false`, text as it is.
//!   A date or an error value (`#N/A`) in a roster column is a `roster-type`
//!   error; a value right of the last header column a `roster-format` error.
//! - **Rows** are the row numbers Excel shows, and every problem's message
//!   starts with where it is: `Sheet1!D7` for a cell, `Sheet1 row 7` for a
//!   row, `Sheet1` for the sheet.
//! - **Limits.** The workbook may unpack to at most [`MAX_UNPACKED_BYTES`]
//!   (a ZIP bomb is refused before it is read), the header may span at most
//!   [`MAX_COLUMNS`] columns and the sheet hold at most [`MAX_CELLS`] values.
//! - **`.xls`** (Excel 97–2003) and **`.ods`** are refused with advice to
//!   save as `.xlsx`: calamine's readers of those formats lay every sheet out
//!   densely in memory (`.xls` as soon as the file is opened), which a
//!   crafted file turns into gigabytes.

use super::header::canonical;
use crate::input::roster::{parse_roster_table, Roster, TableRow};
use crate::model::Rule;
use crate::model::{Problem, Problems};
use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

/// The most a workbook may unpack to (all its parts together).
pub const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
/// The widest header row read (column `IV`).
pub const MAX_COLUMNS: u32 = 256;
/// The most non-empty cells read from the sheet.
pub const MAX_CELLS: usize = 1_000_000;
/// How many non-empty rows from the top are searched for the header row.
const HEADER_SEARCH_ROWS: usize = 10;

/// The problem for an Excel 97–2003 `.xls` file.
pub fn legacy_xls_problem() -> Problem {
    Problem::new(
        Rule::RosterFormat,
        "the file is an Excel 97–2003 workbook (.xls), which is not read; save it in Excel or WPS as \"Excel Workbook (*.xlsx)\" (or as \"CSV UTF-8\") and upload that",
    )
}

/// The column letters of a 0-based column: 0 → `A`, 26 → `AA`.
pub fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A sheet name as Excel writes it in a reference: quoted (`'My sheet'`)
/// unless it is letters, digits and underscores only.
pub fn sheet_ref(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// A cell reference such as `Sheet1!D7` (0-based row and column).
pub fn cell_ref(sheet: &str, row: u32, col: u32) -> String {
    format!(
        "{}!{}{}",
        sheet_ref(sheet),
        column_name(col),
        u64::from(row) + 1
    )
}

/// One cell's value, as the roster parser will see it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    /// A value no roster field can hold (a date, an error), described.
    Bad(String),
}

fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: an integral float below 2^53 converts without loss.
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn cell_value(v: &DataRef<'_>) -> Option<Value> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::Int(i) => Value::Text(i.to_string()),
        DataRef::Float(f) => Value::Text(float_text(*f)),
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) => Value::Text((*s).to_string()),
        DataRef::Bool(b) => Value::Text(b.to_string()),
        DataRef::DateTime(_) | DataRef::DateTimeIso(_) => Value::Bad("a date".into()),
        DataRef::DurationIso(_) => Value::Bad("a duration".into()),
        DataRef::Error(e) => Value::Bad(format!("the Excel error {e}")),
    })
    .filter(|v| !matches!(v, Value::Text(s) if s.trim().is_empty()))
}

fn problem(message: impl Into<String>) -> Problems {
    Problems(vec![Problem::new(Rule::RosterFormat, message)])
}

/// Refuses a file that is not a ZIP archive or unpacks to more than the limit.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), Problems> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| problem(format!("the file is not a readable .xlsx workbook: {e}")))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| problem(format!("the file is not a readable .xlsx workbook: {e}")))?;
        total = total.saturating_add(entry.size());
    }
    if zip.index_for_name("xl/workbook.xml").is_none() {
        let what = if zip.index_for_name("content.xml").is_some() {
            "an OpenDocument spreadsheet (.ods)"
        } else {
            "a ZIP archive"
        };
        return Err(problem(format!(
            "the file is {what}, not an .xlsx workbook; save it as \"Excel Workbook (*.xlsx)\" (or as \"CSV UTF-8\") and upload that"
        )));
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(problem(format!(
            "the workbook unpacks to {} MiB, more than the {} MiB a roster may take",
            total / (1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// The sheet to read: the named one, else the first visible worksheet.
fn pick_sheet(book: &Xlsx<Cursor<&[u8]>>, wanted: Option<&str>) -> Result<String, Problems> {
    let sheets = book.sheets_metadata();
    let names = || {
        sheets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = wanted {
        return match sheets.iter().find(|s| s.name == wanted) {
            Some(s) if s.typ == SheetType::WorkSheet => Ok(s.name.clone()),
            Some(_) => Err(Problems(vec![Problem::new(
                Rule::RosterFormat,
                format!("sheet \"{wanted}\" is not a worksheet"),
            )
            .field("sheet")])),
            None => Err(Problems(vec![Problem::new(
                Rule::RosterFormat,
                format!(
                    "the workbook has no sheet \"{wanted}\"; its sheets are: {}",
                    names()
                ),
            )
            .field("sheet")])),
        };
    }
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or_else(|| problem("the workbook has no worksheet"))
}

/// The non-empty cells of a sheet, by 0-based row and column.
type Grid = BTreeMap<u32, BTreeMap<u32, Value>>;

fn read_grid(book: &mut Xlsx<Cursor<&[u8]>>, sheet: &str) -> Result<Grid, Problems> {
    let unreadable =
        |e: calamine::XlsxError| problem(format!("sheet {} cannot be read: {e}", sheet_ref(sheet)));
    let mut reader = book.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut grid = Grid::new();
    let mut count = 0usize;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let Some(value) = cell_value(cell.get_value()) else {
            continue;
        };
        count += 1;
        if count > MAX_CELLS {
            return Err(problem(format!(
                "sheet {} holds more than {MAX_CELLS} values; a roster has far fewer",
                sheet_ref(sheet)
            )));
        }
        let (row, col) = cell.get_position();
        grid.entry(row).or_default().insert(col, value);
    }
    Ok(grid)
}

fn text_of(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        Value::Bad(_) => "",
    }
}

/// The header row: the first of the top rows naming a required field.
fn header_row(grid: &Grid) -> Option<u32> {
    let names_required = |cells: &BTreeMap<u32, Value>| {
        cells
            .values()
            .any(|v| matches!(canonical(text_of(v)).as_str(), "id" | "building" | "unit"))
    };
    grid.iter()
        .take(HEADER_SEARCH_ROWS)
        .find(|(_, cells)| names_required(cells))
        .or_else(|| grid.iter().next())
        .map(|(row, _)| *row)
}

/// Prefixes a problem's message with where it is in the sheet.
fn locate(p: &mut Problem, sheet: &str, columns: &BTreeMap<String, u32>) {
    let field_col = p.field.as_deref().and_then(|f| {
        let root = f.split(['.', '[']).next().unwrap_or(f);
        columns.get(root).copied().or_else(|| {
            // "column 5": an unnamed column, 1-based.
            root.strip_prefix("column ")
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(|n| n.checked_sub(1))
        })
    });
    let place = match (p.row, field_col) {
        (Some(row), Some(col)) => match u32::try_from(row.saturating_sub(1)) {
            Ok(r) => cell_ref(sheet, r, col),
            Err(_) => format!("{} row {row}", sheet_ref(sheet)),
        },
        (Some(row), None) => format!("{} row {row}", sheet_ref(sheet)),
        (None, _) => sheet_ref(sheet),
    };
    p.message = format!("{place}: {}", p.message);
}

/// Reads a roster from `.xlsx` bytes; `sheet` names the worksheet to read.
pub fn read_roster_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Roster, Problems> {
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<Cursor<&[u8]>> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| problem(format!("the file is not a readable .xlsx workbook: {e}")))?;
    let name = pick_sheet(&book, sheet)?;
    let mut warnings = Vec::new();
    let worksheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    if sheet.is_none() && worksheets.len() > 1 {
        warnings.push(Problem::new(
            Rule::RosterSheet,
            format!(
                "the workbook has {} sheets ({}); read the first, {}; name another with --sheet (API: ?sheet=)",
                worksheets.len(),
                worksheets.join(", "),
                sheet_ref(&name)
            ),
        ));
    }
    let grid = read_grid(&mut book, &name)?;
    let Some(head) = header_row(&grid) else {
        return Err(problem(format!(
            "sheet {} is empty: it needs a header row naming the fields (id, building, unit, … or 编号, 楼栋, 单元, …)",
            sheet_ref(&name)
        )));
    };
    let skipped: Vec<u32> = grid.range(..head).map(|(r, _)| r + 1).collect();
    if let (Some(first), Some(last)) = (skipped.first(), skipped.last()) {
        let rows = if first == last {
            format!("row {first} above the header (row {}) is", head + 1)
        } else {
            format!(
                "rows {first}–{last} above the header (row {}) are",
                head + 1
            )
        };
        warnings.push(Problem::new(
            Rule::RosterSkippedRows,
            format!("{} {rows} ignored (a title?)", sheet_ref(&name)),
        ));
    }

    let header_cells = grid.get(&head).cloned().unwrap_or_default();
    let width = header_cells.keys().next_back().map_or(0, |c| c + 1);
    if width > MAX_COLUMNS {
        return Err(Problems(vec![Problem::new(
            Rule::RosterFormat,
            format!(
                "{}: the header row reaches column {}; a roster has at most {MAX_COLUMNS} columns (up to {})",
                sheet_ref(&name),
                column_name(width - 1),
                column_name(MAX_COLUMNS - 1)
            ),
        )
        .row(head as usize + 1)]));
    }
    let header: Vec<String> = (0..width)
        .map(|c| header_cells.get(&c).map(text_of).unwrap_or("").to_string())
        .collect();
    // Field name → column, for naming cells in problems.
    let mut columns: BTreeMap<String, u32> = BTreeMap::new();
    for (c, h) in (0..width).zip(&header) {
        let field = canonical(h);
        if !field.is_empty() {
            columns.entry(field).or_insert(c);
        }
    }

    let mut own = Vec::new();
    let mut bad_cells: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut rows = Vec::new();
    for (&r, cells) in grid.range(head + 1..) {
        let row = r as usize + 1;
        let mut texts = vec![String::new(); width as usize];
        for (&c, v) in cells {
            match (texts.get_mut(c as usize), v) {
                (Some(slot), Value::Text(s)) => *slot = s.clone(),
                (Some(_), Value::Bad(what)) => {
                    let field = canonical(header.get(c as usize).map_or("", String::as_str));
                    if field.is_empty() {
                        continue;
                    }
                    own.push(
                        Problem::new(
                            Rule::RosterType,
                            format!("`{field}` holds {what}, not a value of the roster"),
                        )
                        .row(row)
                        .field(field.clone()),
                    );
                    bad_cells.insert((row, field));
                }
                (None, _) => own.push(
                    Problem::new(
                        Rule::RosterFormat,
                        format!(
                            "{} holds a value right of the last header column ({})",
                            cell_ref(&name, r, c),
                            column_name(width.saturating_sub(1))
                        ),
                    )
                    .row(row),
                ),
            }
        }
        rows.push(Ok(TableRow { row, cells: texts }));
    }

    let result = parse_roster_table(head as usize + 1, &header, rows);
    let (mut roster, mut problems) = match result {
        Ok(roster) => (Some(roster), Vec::new()),
        Err(p) => (None, p.0),
    };
    // A bad cell's own problem stands for what the parser made of it (empty).
    problems.retain(|p| match (p.row, &p.field) {
        (Some(row), Some(f)) => !bad_cells.contains(&(row, f.clone())),
        _ => true,
    });
    problems.extend(own);
    problems.sort_by_key(|p| p.row.unwrap_or(0));
    for p in &mut problems {
        if !p.message.starts_with(&sheet_ref(&name)) {
            locate(p, &name, &columns);
        }
    }
    match roster.as_mut() {
        Some(roster) if problems.is_empty() => {
            for w in &mut roster.warnings {
                locate(w, &name, &columns);
            }
            warnings.append(&mut roster.warnings);
            roster.warnings = warnings;
        }
        _ => return Err(Problems(problems)),
    }
    roster.ok_or_else(|| problem("the roster could not be read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_cells_are_named_as_excel_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(255), "IV");
        assert_eq!(column_name(16_383), "XFD");
        assert_eq!(cell_ref("Sheet1", 6, 3), "Sheet1!D7");
        assert_eq!(cell_ref("住户名单", 0, 0), "住户名单!A1");
        assert_eq!(cell_ref("my sheet's", 1, 1), "'my sheet''s'!B2");
    }

    #[test]
    fn integral_floats_read_as_integers_and_others_as_written() {
        assert_eq!(float_text(3.0), "3");
        assert_eq!(float_text(-2.0), "-2");
        assert_eq!(float_text(2.5), "2.5");
        assert_eq!(float_text(1e20), "100000000000000000000");
        assert_eq!(
            cell_value(&DataRef::Bool(true)),
            Some(Value::Text("true".into()))
        );
        assert_eq!(cell_value(&DataRef::SharedString("  ")), None);
        assert_eq!(
            cell_value(&DataRef::Error(calamine::CellErrorType::NA)),
            Some(Value::Bad("the Excel error #N/A".into()))
        );
    }

    #[test]
    fn a_workbook_declaring_more_than_the_limit_unpacked_is_refused_unread() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/excel/bad-cells.xlsx");
        let mut bytes = std::fs::read(path).unwrap();
        // The first central-directory entry's uncompressed size (offset 24).
        let at = bytes
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("a central directory");
        bytes[at + 24..at + 28].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        let e = read_roster_xlsx(&bytes, None).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(
            e.0[0].message.contains("unpacks to 2048 MiB"),
            "{}",
            e.0[0].message
        );
    }

    #[test]
    fn a_zip_archive_that_is_not_a_workbook_is_named_for_what_it_is() {
        let mut buf = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"<office:document-content/>").unwrap();
        w.finish().unwrap();
        let e = read_roster_xlsx(buf.get_ref(), None).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(e.0[0].message.contains("(.ods)"), "{}", e.0[0].message);
    }

    #[test]
    fn bytes_that_are_not_a_zip_archive_are_one_format_error() {
        let e = read_roster_xlsx(b"PK\x03\x04 not really a zip", None).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].rule, "roster-format");
        assert!(e.0[0].message.contains(".xlsx"), "{}", e.0[0].message);
    }
}
