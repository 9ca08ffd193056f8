//! Roster fixtures: every invalid roster reports exactly its expected
//! problems, and the valid roster reads the same from CSV and JSON.

use allot::input::roster::{parse_roster_csv, parse_roster_json, Roster};
use allot::model::{Problems, ResourceKind};
use allot::report::roster_csv;
use rstest::rstest;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Parses `households.csv` or `households.json` in a fixture folder.
fn parse_dir(dir: &Path) -> Result<Roster, Problems> {
    let csv = dir.join("households.csv");
    if csv.exists() {
        return parse_roster_csv(&std::fs::read(&csv).unwrap());
    }
    let json = std::fs::read_to_string(dir.join("households.json")).unwrap();
    parse_roster_json(&serde_json::from_str::<Value>(&json).unwrap())
}

type Expected = (Option<u64>, Option<String>, String);

#[rstest]
fn an_invalid_roster_reports_exactly_its_expected_problems(
    #[files("fixtures/roster_invalid/*/expected.json")] expected: PathBuf,
) {
    let dir = expected.parent().unwrap();
    let want: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
    let want: Vec<Expected> = want
        .iter()
        .map(|p| {
            (
                p["row"].as_u64(),
                p["field"].as_str().map(str::to_string),
                p["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let problems = match parse_dir(dir) {
        Ok(r) => panic!("{} parsed without error: {r:?}", dir.display()),
        Err(p) => p,
    };
    let got: Vec<Expected> = problems
        .0
        .iter()
        .map(|p| (p.row.map(|r| r as u64), p.field.clone(), p.rule.to_string()))
        .collect();
    assert_eq!(got, want, "{}", dir.display());
    for p in &problems.0 {
        assert!(!p.message.is_empty());
        if let Some(field) = &p.field {
            assert!(
                p.message.contains(field.as_str()),
                "message names the field: {p}"
            );
        }
    }
}

#[test]
fn the_valid_roster_reads_the_same_from_csv_with_bom_and_from_json() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/roster");
    let bytes = std::fs::read(dir.join("households.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the fixture has a BOM");
    let from_csv = parse_roster_csv(&bytes).expect("the CSV roster is valid");
    let json = std::fs::read_to_string(dir.join("households.json")).unwrap();
    let from_json = parse_roster_json(&serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(from_csv.households, from_json.households);
    assert_eq!(from_csv.households.len(), 3);
    let first = &from_csv.households[0];
    assert!(first.accessible && !first.elderly && first.wants_plot);
    assert_eq!(
        first.preferences[&ResourceKind::GardenPlot],
        vec!["G3", "east"]
    );
    assert_eq!(
        from_csv.households[1].previous[&ResourceKind::ParkingSpace],
        vec!["P12"]
    );
    // The name column is unknown: one warning naming it, at the header.
    assert_eq!(from_csv.warnings.len(), 1);
    assert_eq!(from_csv.warnings[0].field.as_deref(), Some("姓名"));
    assert_eq!(from_csv.warnings[0].row, Some(1));
    assert!(from_json.warnings.is_empty());
    // And the roster writer reproduces it.
    let again = parse_roster_csv(&roster_csv(&from_csv.households)).unwrap();
    assert_eq!(again.households, from_csv.households);
}

#[test]
fn a_gbk_roster_from_an_older_excel_reads_with_a_warning_naming_the_encoding() {
    // Once refused (fixtures/roster_invalid/not-utf8-gbk): 张三 in GBK.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/roster/households-gbk.csv");
    let bytes = std::fs::read(path).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    let roster = parse_roster_csv(&bytes).expect("GBK is read");
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.households[0].id, "B1-1-101");
    let warnings: Vec<(&str, Option<&str>)> = roster
        .warnings
        .iter()
        .map(|w| (w.rule.as_str(), w.field.as_deref()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("roster-encoding", None),
            ("roster-unknown-field", Some("name"))
        ]
    );
    assert!(roster.warnings[0].message.contains("gb18030"));
}
