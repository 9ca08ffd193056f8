//! Rosters straight from Excel (README "Rosters from Excel"): the Yixinqiao
//! roster as Excel on a Chinese Windows saves it — GBK CSV, UTF-16 "Unicode
//! text" and the `.xlsx` workbook, written by `fixtures/excel/generate.py`
//! with Python's codecs and openpyxl — gives the same allocation as the
//! UTF-8 CSV; bad cells are named by sheet, row and column; the allocation
//! goes back out as `.xlsx`, through the library, the CLI and the API.

use crate::support::api as api_support;
use crate::support::common;

use allot::input::{read_roster, ReadOptions};
use allot::model::{Allocation, ResourceKind};
use allot::pipeline::{Inputs, RosterInput};
use allot::report::i18n::Lang;
use allot::report::xlsx::{allocation_xlsx, XLSX_MEDIA_TYPE};
use api_support::*;
use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use rstest::rstest;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yixinqiao(households: RosterInput) -> Inputs {
    let mut inputs = common::fixture_inputs(&path("fixtures/yixinqiao"));
    inputs.households = households;
    inputs
}

/// The allocation from the UTF-8 CSV, computed once.
fn reference() -> &'static Allocation {
    static REFERENCE: OnceLock<Allocation> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        common::solve(&yixinqiao(RosterInput::Csv(bytes(
            "fixtures/yixinqiao/households.csv",
        ))))
    })
}

#[rstest]
#[case::gbk_csv("yixinqiao-gbk.csv", "roster-encoding")]
#[case::utf16_unicode_text("yixinqiao-unicode.txt", "roster-encoding")]
#[case::xlsx_workbook("yixinqiao.xlsx", "roster-skipped-rows")]
fn the_yixinqiao_roster_as_excel_saves_it_gives_the_same_allocation_as_the_utf8_csv(
    #[case] file: &str,
    #[case] warning: &str,
) {
    let roster = bytes(&format!("fixtures/excel/{file}"));
    let got = common::solve(&yixinqiao(RosterInput::File {
        bytes: roster,
        sheet: None,
    }));
    let want = reference();
    assert_eq!(
        got.inputs_sha256, want.inputs_sha256,
        "the same normalised roster"
    );
    assert_eq!(got.assignments.len(), want.assignments.len());
    assert_eq!(got.assignments, want.assignments);
    assert_eq!(got.unserved, want.unserved);
    assert!(
        got.warnings.iter().any(|w| w.rule == warning),
        "{file}: {:?}",
        got.warnings
    );
}

#[test]
fn the_workbook_is_read_from_its_first_sheet_with_its_title_row_skipped() {
    let roster = read_roster(
        &bytes("fixtures/excel/yixinqiao.xlsx"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(roster.households.len(), 308);
    let rules: Vec<&str> = roster.warnings.iter().map(|w| w.rule.as_str()).collect();
    assert_eq!(rules, ["roster-sheet", "roster-skipped-rows"]);
    assert!(roster.warnings[0].message.contains("住户名单"));
    assert!(
        roster.warnings[1]
            .message
            .contains("住户名单 row 1 above the header (row 3) is ignored"),
        "{}",
        roster.warnings[1].message
    );
    // Units typed as numbers read as "1"; floors stored as 1.0 as 1.
    let first = &roster.households[0];
    assert_eq!((first.unit.as_str(), first.floor), ("1", Some(1)));
}

#[test]
fn a_named_sheet_is_read_and_an_unknown_one_lists_the_sheets() {
    let book = bytes("fixtures/excel/yixinqiao.xlsx");
    let sheet = |name: &str| {
        let options = ReadOptions {
            sheet: Some(name.into()),
            charset: None,
        };
        read_roster(&book, &options)
    };
    let named = sheet("住户名单").unwrap();
    assert_eq!(named.households.len(), 308);
    assert!(named.warnings.iter().all(|w| w.rule != "roster-sheet"));
    let notes = sheet("说明").unwrap_err();
    assert!(notes.0.iter().all(|p| p.message.starts_with("说明")));
    assert_eq!(notes.0[0].rule, "roster-required");
    let missing = sheet("Sheet9").unwrap_err();
    assert_eq!(missing.0[0].field.as_deref(), Some("sheet"));
    assert!(
        missing.0[0].message.contains("住户名单, 说明"),
        "{}",
        missing.0[0].message
    );
}

#[test]
fn a_workbook_with_bad_cells_names_each_by_sheet_row_and_column() {
    let e = read_roster(
        &bytes("fixtures/excel/bad-cells.xlsx"),
        &ReadOptions::default(),
    )
    .unwrap_err();
    let got: Vec<(Option<usize>, Option<&str>, &str, &str)> =
        e.0.iter()
            .map(|p| {
                (
                    p.row,
                    p.field.as_deref(),
                    p.rule.as_str(),
                    p.message.split(':').next().unwrap_or_default(),
                )
            })
            .collect();
    assert_eq!(
        got,
        [
            (Some(4), Some("elderly"), "roster-type", "Sheet1!E4"),
            (Some(5), Some("unit"), "roster-required", "Sheet1!C5"),
            (Some(7), Some("cars"), "roster-type", "Sheet1!D7"),
            (Some(8), Some("cars"), "roster-type", "Sheet1!D8"),
        ]
    );
    assert!(e.0[0].message.contains("#N/A"), "{}", e.0[0].message);
    assert!(e.0[2].message.contains("\"many\""), "{}", e.0[2].message);
}

/// Every (household, resource) of each kind sheet and every waitlist row
/// of an exported workbook, read back with calamine.
fn read_export(
    bytes: Vec<u8>,
    lang: Lang,
) -> (Vec<String>, BTreeSet<(String, String, String)>, usize) {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("calamine opens the export");
    let names = book.sheet_names();
    let mut held = BTreeSet::new();
    for (kind, name) in ResourceKind::ALL.into_iter().zip(&names) {
        assert_eq!(name, allot::report::i18n::kinds_name(lang, kind));
        let sheet = book.worksheet_range(name).unwrap();
        for row in sheet.rows().skip(1) {
            let text = |c: usize| match &row[c] {
                Data::String(s) => s.clone(),
                other => panic!("{name}: {other:?}"),
            };
            held.insert((kind.as_str().to_string(), text(0), text(1)));
            assert!(matches!(row[2], Data::Float(_)), "walk is a number");
        }
    }
    let waitlist = book.worksheet_range(&names[3]).unwrap();
    (names, held, waitlist.rows().count() - 1)
}

#[test]
fn the_exported_workbook_opens_with_calamine_and_holds_every_assignment() {
    let a = reference();
    let want: BTreeSet<(String, String, String)> = a
        .assignments
        .iter()
        .map(|x| {
            (
                x.kind.as_str().to_string(),
                x.household.clone(),
                x.resource.clone(),
            )
        })
        .collect();
    assert_eq!(want.len(), a.assignments.len());
    for lang in [Lang::En, Lang::Zh] {
        let (names, held, waiting) = read_export(allocation_xlsx(a, lang).unwrap(), lang);
        assert_eq!(names.len(), 4, "one sheet per kind and the waitlist");
        assert_eq!(held, want, "{lang:?}");
        assert_eq!(waiting, a.unserved.len());
    }
}

#[test]
fn the_cli_reads_a_workbook_and_writes_one_with_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("allocation.xlsx");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_allot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "solve",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--households",
            "fixtures/excel/yixinqiao.xlsx",
            "--sheet",
            "住户名单",
            "--policy",
            "fixtures/yixinqiao/policy.json",
            "--format",
            "xlsx",
            "--lang",
            "zh",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (names, held, _) = read_export(std::fs::read(&out).unwrap(), Lang::Zh);
    assert_eq!(names, ["车位", "充电位", "菜园", "候补名单"]);
    assert_eq!(held.len(), reference().assignments.len());

    // A GBK CSV: the encoding is a warning on stderr, the exit status 0.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_allot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "solve",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--households",
            "fixtures/excel/yixinqiao-gbk.csv",
            "--policy",
            "fixtures/yixinqiao/policy.json",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("warning: [roster-encoding]"), "{stderr}");

    // A bad workbook: exit 3, the cell on stderr.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_allot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "solve",
            "--layout",
            "fixtures/yixinqiao/layout.geojson",
            "--households",
            "fixtures/excel/bad-cells.xlsx",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&run.stderr).contains("Sheet1!D7"));
}

fn put_roster(app: &TestApp, etag: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .req(Method::PUT, "/v1/sites/yixinqiao/households", Some(STAFF))
        .header("If-Match", etag)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

#[test]
fn the_api_takes_a_workbook_and_gbk_csv_and_exports_the_allocation_as_xlsx() {
    let app = spawn_app();
    let layout: Value =
        serde_json::from_slice(&bytes("fixtures/yixinqiao/layout.geojson")).unwrap();
    let (site, mut etag) = app.create_site(&layout);
    assert_eq!(site, "yixinqiao");
    let mut rosters = Vec::new();
    for (content_type, file) in [
        ("text/csv", "fixtures/yixinqiao/households.csv"),
        (XLSX_MEDIA_TYPE, "fixtures/excel/yixinqiao.xlsx"),
        ("text/csv; charset=gbk", "fixtures/excel/yixinqiao-gbk.csv"),
        ("text/csv", "fixtures/excel/yixinqiao-gbk.csv"),
        (
            "application/vnd.ms-excel",
            "fixtures/excel/yixinqiao-unicode.txt",
        ),
    ] {
        let (status, written) = put_roster(&app, &etag, content_type, bytes(file));
        assert_eq!(status, 200, "{file} as {content_type}: {written:#}");
        assert_eq!(written["households"], 308);
        etag = written["etag"].as_str().unwrap().to_string();
        rosters.push(app.get_json("/v1/sites/yixinqiao/households", STAFF));
    }
    assert!(
        rosters.iter().all(|r| *r == rosters[0]),
        "every upload stores the same roster"
    );

    let (status, problem) = put_roster(
        &app,
        &etag,
        XLSX_MEDIA_TYPE,
        bytes("fixtures/excel/bad-cells.xlsx"),
    );
    assert_eq!(status, 422);
    assert!(problem["errors"][2]["message"]
        .as_str()
        .unwrap()
        .starts_with("Sheet1!D7"));

    let res = app
        .req(Method::POST, "/v1/sites/yixinqiao/allocations", Some(STAFF))
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let allocation: Allocation = res.json().unwrap();
    let res = app.get(
        "/v1/sites/yixinqiao/allocations/1?format=xlsx&lang=zh",
        VIEWER,
    );
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], XLSX_MEDIA_TYPE);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"allocation-yixinqiao.xlsx\""
    );
    let (names, held, waiting) = read_export(res.bytes().unwrap().to_vec(), Lang::Zh);
    assert_eq!(names[3], "候补名单");
    assert_eq!(held.len(), allocation.assignments.len());
    assert_eq!(waiting, allocation.unserved.len());
    // English without a language preference; an unknown ?lang= is 406.
    let res = app.get("/v1/sites/yixinqiao/allocations/1?format=xlsx", VIEWER);
    read_export(res.bytes().unwrap().to_vec(), Lang::En);
    let res = app.get(
        "/v1/sites/yixinqiao/allocations/1?format=xlsx&lang=fr",
        VIEWER,
    );
    assert_eq!(res.status(), 406);
}
