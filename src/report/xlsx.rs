//! The allocation as an Excel workbook (`.xlsx`), written with
//! `rust_xlsxwriter`, for staff who live in Excel.
//!
//! One sheet per resource kind (every kind, in FORMAT.md order, even when
//! nothing of it was assigned): household, resource, walk (m, a number),
//! basis, why — one row per assignment in allocation order. Then a waitlist
//! sheet: kind, household, units short, waitlist place (a number; "none
//! within reach" when null), why — one row per unserved entry in allocation
//! order. Sheet names and headers come from [`super::i18n`] in Chinese or
//! English.
//!
//! Every text is written as a string cell, never as a formula, so a
//! household id such as `=HYPERLINK(…)` stays the text it is (the CSV
//! rendering neutralises such cells its own way). Texts longer than Excel's
//! 32,767 characters are cut there. The workbook's creation time is fixed,
//! so the same allocation always gives the same bytes.

use super::i18n::{kind_name, kinds_name, t, Lang};
use super::reasons::{assignment_reason, basis_label, unserved_reason};
use crate::model::{Allocation, ResourceKind};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// The media type of a `.xlsx` workbook.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Excel's longest cell text, in characters.
const MAX_CELL_CHARS: usize = 32_767;

/// Why the workbook could not be written (the writer refused a value).
#[derive(Debug, thiserror::Error)]
#[error("the allocation cannot be written as .xlsx: {0}")]
pub struct XlsxExportError(#[from] XlsxError);

/// `s`, cut to Excel's longest cell text.
fn cell_text(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

fn write_header(sheet: &mut Worksheet, headers: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (col, h) in (0u16..).zip(headers) {
        sheet.write_string_with_format(0, col, *h, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn set_widths(sheet: &mut Worksheet, widths: &[f64]) -> Result<(), XlsxError> {
    for (col, w) in (0u16..).zip(widths) {
        sheet.set_column_width(col, *w)?;
    }
    Ok(())
}

fn kind_sheet(
    book: &mut Workbook,
    a: &Allocation,
    kind: ResourceKind,
    lang: Lang,
    bold: &Format,
    metres: &Format,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(kinds_name(lang, kind))?;
    write_header(
        sheet,
        &[
            t(lang, "web.household"),
            t(lang, "web.resource"),
            t(lang, "web.walk_m"),
            t(lang, "web.basis"),
            t(lang, "web.why"),
        ],
        bold,
    )?;
    set_widths(sheet, &[14.0, 10.0, 10.0, 10.0, 80.0])?;
    let rows = a.assignments.iter().filter(|x| x.kind == kind);
    for (row, x) in (1u32..).zip(rows) {
        sheet.write_string(row, 0, cell_text(&x.household))?;
        sheet.write_string(row, 1, cell_text(&x.resource))?;
        sheet.write_number_with_format(row, 2, x.walk_m, metres)?;
        sheet.write_string(row, 3, cell_text(basis_label(x.basis.as_str(), lang)))?;
        sheet.write_string(row, 4, cell_text(&assignment_reason(x, lang)))?;
    }
    Ok(())
}

fn waitlist_sheet(
    book: &mut Workbook,
    a: &Allocation,
    lang: Lang,
    bold: &Format,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(t(lang, "web.waitlist"))?;
    write_header(
        sheet,
        &[
            t(lang, "web.kind"),
            t(lang, "web.household"),
            t(lang, "web.units"),
            t(lang, "web.place"),
            t(lang, "web.why"),
        ],
        bold,
    )?;
    set_widths(sheet, &[18.0, 14.0, 10.0, 14.0, 80.0])?;
    for (row, u) in (1u32..).zip(&a.unserved) {
        sheet.write_string(row, 0, kind_name(lang, u.kind))?;
        sheet.write_string(row, 1, cell_text(&u.household))?;
        sheet.write_number(row, 2, u.units)?;
        match u.waitlist {
            Some(place) => sheet.write_number(row, 3, place)?,
            None => sheet.write_string(row, 3, t(lang, "web.not_reachable"))?,
        };
        sheet.write_string(row, 4, cell_text(&unserved_reason(u, lang)))?;
    }
    Ok(())
}

/// The allocation as a `.xlsx` workbook, sheet names and headers in `lang`.
pub fn allocation_xlsx(a: &Allocation, lang: Lang) -> Result<Vec<u8>, XlsxExportError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(1980, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(cell_text(&format!("allot: {}", a.site)))
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let metres = Format::new().set_num_format("0.0");
    for kind in ResourceKind::ALL {
        kind_sheet(&mut book, a, kind, lang, &bold, &metres)?;
    }
    waitlist_sheet(&mut book, a, lang, &bold)?;
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{allocation as empty, assignment, unserved};
    use crate::model::{Assignment, Basis, Unserved};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn allocation() -> Allocation {
        let mut a = empty("s");
        a.assignments.push(Assignment {
            walk_m: 12.5,
            why: "x".repeat(40_000),
            ..assignment(
                "=HYPERLINK(\"http://x\",\"y\")",
                ResourceKind::ParkingSpace,
                "P1",
                Basis::Lottery,
            )
        });
        a.unserved.push(Unserved {
            why: "nothing within 300 m".into(),
            ..unserved("H2", ResourceKind::GardenPlot, None)
        });
        a
    }

    #[test]
    fn a_formula_looking_id_is_written_as_text_and_long_texts_are_cut() {
        let bytes = allocation_xlsx(&allocation(), Lang::En).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            [
                "Parking spaces",
                "Charging bays",
                "Garden plots",
                "Waitlist"
            ]
        );
        let sheet = book.worksheet_range("Parking spaces").unwrap();
        assert_eq!(
            sheet.get((1, 0)),
            Some(&Data::String("=HYPERLINK(\"http://x\",\"y\")".into()))
        );
        assert_eq!(sheet.get((1, 2)), Some(&Data::Float(12.5)));
        match sheet.get((1, 4)) {
            Some(Data::String(s)) => assert_eq!(s.chars().count(), MAX_CELL_CHARS),
            other => panic!("why cell: {other:?}"),
        }
        let formulas = book.worksheet_formula("Parking spaces").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        let waitlist = book.worksheet_range("Waitlist").unwrap();
        assert_eq!(
            waitlist.get((1, 3)),
            Some(&Data::String("none within reach".into()))
        );
    }

    #[test]
    fn chinese_sheet_names_and_headers_and_the_same_bytes_every_time() {
        let a = allocation();
        let bytes = allocation_xlsx(&a, Lang::Zh).unwrap();
        assert_eq!(bytes, allocation_xlsx(&a, Lang::Zh).unwrap());
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["车位", "充电位", "菜园", "候补名单"]);
        let sheet = book.worksheet_range("车位").unwrap();
        assert_eq!(sheet.get((0, 0)), Some(&Data::String("住户".into())));
        let waitlist = book.worksheet_range("候补名单").unwrap();
        assert_eq!(waitlist.get((1, 0)), Some(&Data::String("菜园地块".into())));
    }
}
