use super::*;
use crate::input::cross::check_roster_against_site;
use crate::model::kind::ResourceKind;
use crate::model::site::Site;
use rstest::rstest;
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
    let r = parse_roster_json(&json!({"households": [{"id": "a", "building": "B", "unit": "1"}]}));
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

#[rstest]
#[case::a_duplicate_id_once_at_its_first_row_naming_its_rows(
    json!([
        {"id": "x", "building": "B", "unit": "1"},
        {"id": "y", "building": "B", "unit": "1"},
        {"id": "x", "building": "B", "unit": "2", "cars": "bad"}
    ]),
    vec![
        (Some(1), Some("id"), "roster-duplicate-id"),
        (Some(3), Some("cars"), "roster-type"),
    ],
    0,
    "2 households (rows 1, 3)"
)]
#[case::control_characters_in_ids_and_huge_counts(
    json!([
        {"id": "a\u{0}b", "building": "B", "unit": "1"},
        {"id": "c", "building": "B\n", "unit": "1\u{7}"},
        {"id": "d", "building": "B", "unit": "1", "cars": 4294967295u64}
    ]),
    vec![
        (Some(1), Some("id"), "roster-id-characters"),
        (Some(2), Some("unit"), "roster-id-characters"),
        (Some(3), Some("cars"), "roster-range"),
    ],
    2,
    "at most 1000"
)]
fn bad_rows_are_refused_each_problem_at_its_row_and_field(
    #[case] roster: Value,
    #[case] want: Vec<(Option<usize>, Option<&str>, &str)>,
    #[case] at: usize,
    #[case] says: &str,
) {
    let e = parse_roster_json(&roster).unwrap_err();
    assert_eq!(rules(&e), want);
    assert!(e.0[at].message.contains(says), "{}", e.0[at].message);
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
    let csv = "\u{FEFF}ID , building,unit,elderly,wants_plot,accessible,preferences,floor,电话\r\n\
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

fn site_with(entrances: &[(&str, &str)], resources: &[(&str, ResourceKind, Option<&str>)]) -> Site {
    use crate::model::{CoordinateMode, Entrance, Resource, Shape};
    Site {
        entrances: entrances
            .iter()
            .map(|(b, u)| Entrance {
                id: format!("E{b}{u}"),
                building: b.to_string(),
                unit: u.to_string(),
                point: geo::Point::new(0.0, 0.0),
            })
            .collect(),
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
        ..Site::empty(CoordinateMode::LocalMeters)
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

#[test]
fn a_per_kind_field_of_the_wrong_shape_names_what_a_kind_maps_to() {
    let e = parse_roster_json(&json!([
        {"id": "a", "building": "B", "unit": "1", "preferences": 3, "previous": [], "waited": "x"},
        {"id": "b", "building": "B", "unit": "1",
         "preferences": {"garden_plot": "G1"}, "previous": {"parking_space": 7}},
    ]))
    .unwrap_err();
    let messages: Vec<&str> = e.0.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`preferences` must be an object of kind → list of ids or zone names, not a number",
            "`previous` must be an object of kind → id or list of ids, not a list",
            "`waited` must be an object of kind → rounds waited, not a string",
            "`preferences.garden_plot` must be a list of ids or zone names, not a string",
            "`previous.parking_space` must be an id or a list of ids, not a number",
        ]
    );
    let csv = parse_roster_csv(b"id,building,unit,waited,previous\na,B,1,{,{\n").unwrap_err();
    let messages: Vec<&str> = csv.0.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages[0].starts_with("`previous` must be a JSON object such as {\"garden_plot\": [\"G3\", \"east\"]}; the cell is not valid JSON ("),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("`waited` must be a JSON object such as {\"parking_space\": 2}; the cell is not valid JSON ("),
        "{messages:?}"
    );
}
