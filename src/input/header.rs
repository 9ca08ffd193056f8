//! Roster header names: FORMAT.md §2's field names, or the Chinese names
//! staff write in their spreadsheets (README "Rosters from Excel").

/// The Chinese header of each roster field, as README documents them.
pub const CHINESE_HEADERS: [(&str, &str); 13] = [
    ("编号", "id"),
    ("楼栋", "building"),
    ("单元", "unit"),
    ("楼层", "floor"),
    ("汽车", "cars"),
    ("电动汽车", "evs"),
    ("电动自行车", "ebikes"),
    ("残疾人证", "accessible"),
    ("老人", "elderly"),
    ("申请菜园", "wants_plot"),
    ("志愿", "preferences"),
    ("原有", "previous"),
    ("已等轮数", "waited"),
];

/// The field name a header cell stands for: trimmed, ASCII lower-cased,
/// and a Chinese header replaced by its field (`楼栋` → `building`). A name
/// that is neither comes back trimmed and lower-cased; the roster parser
/// then warns that it is ignored.
pub fn canonical(name: &str) -> String {
    let clean = name.trim();
    match CHINESE_HEADERS.iter().find(|(zh, _)| *zh == clean) {
        Some((_, field)) => (*field).to_string(),
        None => clean.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::roster::ROSTER_FIELDS;

    #[test]
    fn chinese_and_english_headers_name_the_same_fields() {
        assert_eq!(canonical(" 楼栋 "), "building");
        assert_eq!(canonical("已等轮数"), "waited");
        assert_eq!(canonical(" Wants_Plot"), "wants_plot");
        assert_eq!(canonical("姓名"), "姓名");
    }

    #[test]
    fn every_roster_field_has_one_chinese_header() {
        for field in ROSTER_FIELDS {
            let n = CHINESE_HEADERS.iter().filter(|(_, f)| *f == field).count();
            assert_eq!(n, 1, "{field}");
        }
    }
}
