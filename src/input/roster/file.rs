//! Reading a roster file as offices keep them (FORMAT.md §2 and README
//! "Rosters from Excel"): JSON, CSV text in whatever encoding Excel saved it
//! ([`crate::input::encoding`]), and the Excel workbook itself
//! ([`crate::input::xlsx`]). Header names may be FORMAT.md's or their
//! Chinese equivalents ([`crate::input::header`]).
//!
//! The format is told by the content, never by a file name or media type
//! alone ([`sniff`]): a ZIP container is a workbook, an OLE2 container an
//! old `.xls` (refused with advice: see [`crate::input::xlsx`]), text
//! starting with `[` or `{` JSON, anything else CSV text.
//!
//! Each reader turns its input into rows of text cells and hands them to
//! [`super::table`], which owns the field rules with [`super::cells`]; this
//! module only decodes, so every format gives the same households for the
//! same roster.

use super::table::parse_roster_delimited;
use super::{parse_roster_json, Roster};
use crate::input::{encoding, xlsx};
use crate::model::Rule;
use crate::model::{Problem, Problems};

/// What a roster file is, judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFormat {
    /// A JSON document (`[…]` or `{"households": […]}`).
    Json,
    /// Delimited text (CSV, or Excel's tab-separated "Unicode text").
    Text,
    /// An Office Open XML workbook (`.xlsx`; a ZIP container).
    Xlsx,
    /// A legacy Excel 97–2003 workbook (`.xls`; an OLE2 container).
    Xls,
}

/// The ZIP local-file signature every `.xlsx` starts with.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE2 compound-document signature of `.xls` files.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Tells the format of a roster file from its content.
pub fn sniff(bytes: &[u8]) -> RosterFormat {
    if bytes.starts_with(ZIP_MAGIC) {
        return RosterFormat::Xlsx;
    }
    if bytes.starts_with(OLE_MAGIC) {
        return RosterFormat::Xls;
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[' | b'{') => RosterFormat::Json,
        _ => RosterFormat::Text,
    }
}

/// How to read a roster file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The worksheet of a workbook to read; the first (visible) one when `None`.
    pub sheet: Option<String>,
    /// The text encoding the sender declared (the `charset` of a
    /// `Content-Type`); see [`encoding::decode`] for how it is used.
    pub charset: Option<String>,
}

/// Reads a roster file of any format [`sniff`] tells, collecting every
/// problem. Warnings name the encoding of non-UTF-8 text and the sheet read.
pub fn read_roster(bytes: &[u8], options: &ReadOptions) -> Result<Roster, Problems> {
    let format = sniff(bytes);
    if options.sheet.is_some() && !matches!(format, RosterFormat::Xlsx | RosterFormat::Xls) {
        return Err(Problems(vec![Problem::new(
            Rule::RosterFormat,
            "a sheet name was given, but the file is not a workbook (.xlsx)",
        )
        .field("sheet")]));
    }
    match format {
        RosterFormat::Xlsx => xlsx::read_roster_xlsx(bytes, options.sheet.as_deref()),
        RosterFormat::Xls => Err(Problems(vec![xlsx::legacy_xls_problem()])),
        RosterFormat::Json => read_roster_json(bytes, options.charset.as_deref()),
        RosterFormat::Text => read_roster_text(bytes, options.charset.as_deref()),
    }
}

/// Reads a JSON roster (UTF-8, or another encoding with a byte-order mark
/// or a declared charset).
fn read_roster_json(bytes: &[u8], charset: Option<&str>) -> Result<Roster, Problems> {
    let decoded = encoding::decode(bytes, charset).map_err(|e| Problems(vec![e.problem()]))?;
    let value: serde_json::Value = serde_json::from_str(&decoded.text).map_err(|e| {
        let mut p = Problem::new(
            Rule::RosterFormat,
            format!(
                "the roster is not valid JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            ),
        );
        p.row = Some(e.line());
        Problems(vec![p])
    })?;
    let mut roster = parse_roster_json(&value)?;
    roster.warnings.extend(decoded.warning());
    Ok(roster)
}

/// Reads delimited roster text: decoded by [`encoding::decode`], tab
/// separated when the header row has more tabs than commas (Excel's
/// "Unicode text"), else comma separated. Rows are line numbers.
pub fn read_roster_text(bytes: &[u8], charset: Option<&str>) -> Result<Roster, Problems> {
    let decoded = encoding::decode(bytes, charset).map_err(|e| Problems(vec![e.problem()]))?;
    let mut roster = parse_roster_delimited(&decoded.text, delimiter(&decoded.text))?;
    roster.warnings.splice(0..0, decoded.warning());
    Ok(roster)
}

/// The field delimiter of roster text: a tab when the first non-blank line
/// has more tabs than commas, else a comma.
pub fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    if first.matches('\t').count() > first.matches(',').count() {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_by_the_first_bytes_whatever_the_name() {
        assert_eq!(sniff(b"PK\x03\x04rest"), RosterFormat::Xlsx);
        assert_eq!(sniff(OLE_MAGIC), RosterFormat::Xls);
        assert_eq!(sniff(b"\xEF\xBB\xBF \n[{}]"), RosterFormat::Json);
        assert_eq!(sniff(b"{\"households\": []}"), RosterFormat::Json);
        assert_eq!(sniff(b"id,building,unit\n"), RosterFormat::Text);
        assert_eq!(sniff(b"\xFF\xFEi\x00d\x00"), RosterFormat::Text);
        assert_eq!(sniff(b""), RosterFormat::Text);
    }

    #[test]
    fn a_header_with_more_tabs_than_commas_is_tab_separated() {
        assert_eq!(delimiter("\n\nid\tbuilding\tunit\r\n"), b'\t');
        assert_eq!(delimiter("id,building,unit,note\na,b,c,\"x\ty\"\n"), b',');
        assert_eq!(delimiter("id\tbuilding,unit,floor\n"), b',');
        assert_eq!(delimiter(""), b',');
    }

    #[test]
    fn a_tab_separated_roster_reads_like_its_csv() {
        let tsv = read_roster_text(b"id\tbuilding\tunit\tcars\na\tB\t1\t2\n", None).unwrap();
        let csv = read_roster_text(b"id,building,unit,cars\na,B,1,2\n", None).unwrap();
        assert_eq!(tsv.households, csv.households);
        assert_eq!(tsv.households[0].cars, 2);
    }

    #[test]
    fn a_sheet_name_for_a_text_file_is_a_format_error_naming_the_field() {
        let options = ReadOptions {
            sheet: Some("Sheet1".into()),
            charset: None,
        };
        let e = read_roster(b"id,building,unit\n", &options).unwrap_err();
        assert_eq!(e.0[0].rule, "roster-format");
        assert_eq!(e.0[0].field.as_deref(), Some("sheet"));
    }

    #[test]
    fn json_that_does_not_parse_is_a_format_error_naming_its_line() {
        let e = read_roster(b"[\n{\"id\": }\n]", &ReadOptions::default()).unwrap_err();
        assert_eq!(e.0[0].rule, "roster-format");
        assert_eq!(e.0[0].row, Some(2));
        let ok = read_roster(
            br#"[{"id": "a", "building": "B", "unit": "1"}]"#,
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(ok.households.len(), 1);
    }

    #[test]
    fn an_old_xls_workbook_is_refused_with_advice() {
        let mut bytes = OLE_MAGIC.to_vec();
        bytes.extend([0; 64]);
        let e = read_roster(&bytes, &ReadOptions::default()).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert!(e.0[0].message.contains(".xlsx"), "{}", e.0[0].message);
    }
}
