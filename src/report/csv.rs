//! CSV renderings: the allocation (FORMAT.md §4) and a roster writer that
//! [`crate::input::roster::parse_roster_csv`] reads back identically.
//!
//! Both are UTF-8 with a byte-order mark (so Excel opens Chinese text
//! correctly), RFC 4180: CRLF line ends, cells quoted only when they hold a
//! comma, quote or line break, quotes doubled.

use super::i18n::{kind_name, Lang};
use super::reasons::{assignment_reason, unserved_reason};
use crate::input::roster::ROSTER_FIELDS;
use crate::model::{Allocation, Household, ResourceKind};
use std::collections::BTreeMap;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns of the allocation CSV.
pub const ALLOCATION_COLUMNS: [&str; 8] = [
    "status",
    "household",
    "kind",
    "resource",
    "walk_m",
    "units",
    "waitlist",
    "why",
];

/// The columns of the allocation CSV in Chinese (`?lang=zh`).
pub const ALLOCATION_COLUMNS_ZH: [&str; 8] = [
    "状态",
    "住户",
    "类别",
    "编号",
    "步行距离（米）",
    "缺额",
    "候补顺位",
    "原因",
];

/// A text cell from user input, neutralised against formula injection as
/// OWASP recommends: a cell starting with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a leading single quote, so a spreadsheet shows it
/// as text (the tab or CR stays, visible after the quote). Numeric columns
/// are written as numbers and never pass through here.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn writer() -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(BOM.to_vec())
}

fn finish(w: ::csv::Writer<Vec<u8>>) -> Vec<u8> {
    // Writing into a Vec cannot fail.
    w.into_inner().unwrap_or_default()
}

fn allocation_rows(
    a: &Allocation,
    lang: Lang,
    w: &mut ::csv::Writer<Vec<u8>>,
) -> Result<(), ::csv::Error> {
    let zh = lang == Lang::Zh;
    let kind = |k: ResourceKind| if zh { kind_name(lang, k) } else { k.as_str() };
    w.write_record(if zh {
        ALLOCATION_COLUMNS_ZH
    } else {
        ALLOCATION_COLUMNS
    })?;
    for s in &a.assignments {
        let walk = format!("{:.1}", s.walk_m);
        let why = assignment_reason(s, lang);
        w.write_record([
            if zh { "已分配" } else { "assigned" },
            &neutralise(&s.household),
            kind(s.kind),
            &neutralise(&s.resource),
            walk.as_str(),
            "",
            "",
            &neutralise(&why),
        ])?;
    }
    for u in &a.unserved {
        let units = u.units.to_string();
        let waitlist = u.waitlist.map(|n| n.to_string()).unwrap_or_default();
        let why = unserved_reason(u, lang);
        w.write_record([
            if zh { "未分配" } else { "unserved" },
            &neutralise(&u.household),
            kind(u.kind),
            "",
            "",
            units.as_str(),
            waitlist.as_str(),
            &neutralise(&why),
        ])?;
    }
    Ok(())
}

/// The allocation as CSV: the header
/// `status,household,kind,resource,walk_m,units,waitlist,why`, then one row
/// per assignment (`assigned`, walk to 0.1 m, `units` and `waitlist`
/// empty) in allocation order, then one per unserved entry (`unserved`,
/// `resource` and `walk_m` empty, `units` short, `waitlist` empty when
/// nothing is within reach).
pub fn allocation_csv(a: &Allocation) -> Vec<u8> {
    allocation_csv_in(a, Lang::En)
}

/// The allocation as CSV in `lang`: English as [`allocation_csv`]; Chinese
/// with the headers of [`ALLOCATION_COLUMNS_ZH`], statuses and kinds in
/// Chinese and the reasons of `report::reasons` in the last column.
pub fn allocation_csv_in(a: &Allocation, lang: Lang) -> Vec<u8> {
    let mut w = writer();
    // Writing into a Vec cannot fail; on the impossible error the rows so far are kept.
    let _ = allocation_rows(a, lang, &mut w);
    finish(w)
}

fn kind_map_cell(map: &BTreeMap<ResourceKind, Vec<String>>) -> String {
    if map.is_empty() {
        String::new()
    } else {
        serde_json::to_string(map).unwrap_or_default()
    }
}

fn roster_rows(
    households: &[Household],
    w: &mut ::csv::Writer<Vec<u8>>,
) -> Result<(), ::csv::Error> {
    w.write_record(ROSTER_FIELDS)?;
    let flag = |b: bool| if b { "true" } else { "false" };
    for h in households {
        let floor = h.floor.map(|f| f.to_string()).unwrap_or_default();
        let (cars, evs, ebikes) = (h.cars.to_string(), h.evs.to_string(), h.ebikes.to_string());
        let preferences = kind_map_cell(&h.preferences);
        let previous = kind_map_cell(&h.previous);
        let waited = if h.waited.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&h.waited).unwrap_or_default()
        };
        w.write_record([
            &*neutralise(&h.id),
            &*neutralise(&h.building),
            &*neutralise(&h.unit),
            floor.as_str(),
            cars.as_str(),
            evs.as_str(),
            ebikes.as_str(),
            flag(h.accessible),
            flag(h.elderly),
            flag(h.wants_plot),
            preferences.as_str(),
            previous.as_str(),
            waited.as_str(),
        ])?;
    }
    Ok(())
}

/// Normalised households as a roster CSV (columns in [`ROSTER_FIELDS`]
/// order; booleans `true`/`false`; `floor` empty when absent;
/// `preferences`/`previous` as compact JSON or empty). Households read by
/// the roster parser (trimmed strings) round-trip exactly.
pub fn roster_csv(households: &[Household]) -> Vec<u8> {
    let mut w = writer();
    let _ = roster_rows(households, &mut w);
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::roster::parse_roster_csv;
    use crate::model::fixtures::{allocation as empty, assignment, unserved};
    use crate::model::{Assignment, Basis, Unserved};

    fn allocation() -> Allocation {
        Allocation {
            assignments: vec![Assignment {
                walk_m: 40.0,
                why: "lottery rank 1, \"nearest\" free space".into(),
                ..assignment("B1-1-101", ResourceKind::ParkingSpace, "P1", Basis::Lottery)
            }],
            unserved: vec![
                Unserved {
                    why: "所有菜园已分配".into(),
                    ..unserved("B2-1-301", ResourceKind::GardenPlot, Some(3))
                },
                Unserved {
                    units: 2,
                    why: "no bay within 200 m,\nnone planned".into(),
                    ..unserved("B2-1-302", ResourceKind::ChargingBay, None)
                },
            ],
            ..empty("s")
        }
    }

    #[test]
    fn the_allocation_csv_has_a_bom_and_one_quoted_row_per_assignment_and_unserved_entry() {
        let bytes = allocation_csv(&allocation());
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(
            text,
            "status,household,kind,resource,walk_m,units,waitlist,why\r\n\
             assigned,B1-1-101,parking_space,P1,40.0,,,\"lottery rank 1, \"\"nearest\"\" free space\"\r\n\
             unserved,B2-1-301,garden_plot,,,1,3,所有菜园已分配\r\n\
             unserved,B2-1-302,charging_bay,,,2,,\"no bay within 200 m,\nnone planned\"\r\n"
        );
        let mut r = ::csv::Reader::from_reader(&bytes[3..]);
        let rows: Vec<_> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[2][7], "no bay within 200 m,\nnone planned");
    }

    #[test]
    fn a_roster_written_as_csv_reads_back_identically() {
        let mut a = Household::new("B1-1-101", "B1", "1");
        a.floor = Some(-1);
        a.cars = 2;
        a.evs = 1;
        a.ebikes = 3;
        a.accessible = true;
        a.elderly = true;
        a.wants_plot = true;
        a.preferences.insert(
            ResourceKind::GardenPlot,
            vec!["G3".into(), "east, \"sunny\"".into()],
        );
        a.previous
            .insert(ResourceKind::ParkingSpace, vec!["P3".into(), "P4".into()]);
        let b = Household::new("B2,\"x\" 2", "楼2", "单元 1");
        let households = vec![a, b];
        let bytes = roster_csv(&households);
        assert!(bytes.starts_with(BOM));
        let back = parse_roster_csv(&bytes).unwrap();
        assert_eq!(back.households, households);
        assert!(back.warnings.is_empty());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::input::roster::parse_roster_csv;
    use crate::model::fixtures::{allocation as empty, assignment, unserved};
    use crate::model::{Assignment, Basis, Unserved};
    use proptest::collection::{btree_map, vec};
    use proptest::prelude::*;

    /// Text the roster parser keeps as is: non-empty, no surrounding white
    /// space, no control characters (refused in ids), not starting with a
    /// formula character (the writer neutralises those).
    fn word() -> impl Strategy<Value = String> {
        "[^\\s\"=+@\\-\\p{Cc}]([^\\p{Cc}]{0,10}[^\\s\\p{Cc}])?"
            .prop_filter("no surrounding white space", |s| s.trim() == s)
    }

    fn kind() -> impl Strategy<Value = ResourceKind> {
        prop::sample::select(ResourceKind::ALL.to_vec())
    }

    prop_compose! {
        fn household()(
            id in word(), building in word(), unit in word(),
            floor in proptest::option::of(any::<i64>()),
            cars in 0u32..5, extra in 0u32..3, ebikes in 0u32..=1000,
            flags in any::<(bool, bool, bool)>(),
            preferences in btree_map(kind(), vec(word(), 1..3), 0..3),
            previous in btree_map(kind(), vec(word(), 1..3), 0..3),
            waited in btree_map(kind(), 1u32..40, 0..3),
        ) -> Household {
            Household {
                id, building, unit, floor,
                cars: cars + extra, evs: cars, ebikes,
                accessible: flags.0, elderly: flags.1, wants_plot: flags.2,
                preferences, previous, waited,
            }
        }
    }

    #[test]
    fn formula_cells_from_user_input_are_neutralised_and_numbers_are_not() {
        let mut a = empty("s");
        a.assignments = vec![Assignment {
            walk_m: 3.0,
            why: "\t=1+1".into(),
            ..assignment(
                "=cmd|' /C calc'!A0",
                ResourceKind::ParkingSpace,
                "@P1",
                Basis::Lottery,
            )
        }];
        a.unserved = vec![Unserved {
            why: "+x".into(),
            ..unserved("-2+3", ResourceKind::ParkingSpace, Some(1))
        }];
        let text = String::from_utf8(allocation_csv(&a)).unwrap();
        assert!(
            text.contains("assigned,'=cmd|' /C calc'!A0,parking_space,'@P1,3.0,,,'\t=1+1"),
            "{text}"
        );
        assert!(
            text.contains("unserved,'-2+3,parking_space,,,1,1,'+x"),
            "{text}"
        );
        let mut h = Household::new("+B1", "-1", "@u");
        h.floor = Some(-2);
        let text = String::from_utf8(roster_csv(&[h])).unwrap();
        assert!(text.contains("'+B1,'-1,'@u,-2,"), "{text}");
    }

    proptest! {
        #[test]
        fn any_roster_of_unique_ids_round_trips_through_csv(mut hs in vec(household(), 0..6)) {
            let mut seen = std::collections::BTreeSet::new();
            hs.retain(|h| seen.insert(h.id.clone()));
            let back = parse_roster_csv(&roster_csv(&hs)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back.households, hs);
        }
    }
}
