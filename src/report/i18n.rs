//! The one message catalogue of every user-facing string of the site map and
//! the web page, in Simplified Chinese (zh-CN) and English.
//!
//! Strings are looked up by a stable key with [`t`]; a key missing from the
//! catalogue comes back unchanged (a test checks that every key used in the
//! source exists, so this never shows in practice). Strings with parameters
//! use `{name}` placeholders filled by [`tf`].

use crate::model::ResourceKind;

/// A language of the user interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lang {
    /// Simplified Chinese, the default: the residents and staff read it.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Both languages, in the order the language switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag written in `lang` attributes: `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The short code used in `?lang=` and `--lang`: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses a language code or tag (`zh`, `zh-CN`, `zh-Hans`, `en`,
    /// `en-GB`, any case); `None` for any other language.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// `(key, zh-CN, en)`, one line per message. Keys are unique (tested).
const CATALOGUE: &[(&str, &str, &str)] = &[
    // Resource kinds.
    ("kind.parking_space", "车位", "Parking space"),
    ("kind.charging_bay", "电动自行车充电位", "E-bike charging bay"),
    ("kind.garden_plot", "菜园地块", "Garden plot"),
    ("kinds.parking_space", "车位", "Parking spaces"),
    ("kinds.charging_bay", "充电位", "Charging bays"),
    ("kinds.garden_plot", "菜园", "Garden plots"),
    // Map features.
    ("feature.boundary", "小区边界", "Site boundary"),
    ("feature.building", "楼栋", "Building"),
    ("feature.entrance", "单元门", "Unit entrance"),
    ("feature.gate", "小区大门", "Gate"),
    ("feature.walkway", "步行道", "Walkway"),
    ("feature.fire_lane", "消防通道", "Fire lane"),
    ("feature.keep_clear", "禁止占用区", "Keep-clear zone"),
    ("feature.power_feed", "配电箱", "Power feed"),
    // Resource states.
    ("state.assigned", "已分配", "Assigned"),
    ("state.free", "空闲", "Free"),
    ("state.pinned", "预先指定", "Pinned"),
    ("state.accessible", "无障碍车位（预留）", "Accessible space (reserved)"),
    ("state.charger", "充电车位（预留）", "Charger space (reserved)"),
    ("state.problem", "问题", "Problem"),
    ("state.warning", "警告", "Warning"),
    ("attr.accessible", "无障碍", "accessible"),
    ("attr.charger", "带充电桩", "with charger"),
    // Map furniture.
    ("map.legend", "图例", "Legend"),
    ("map.north", "北", "N"),
    ("map.scale", "比例尺", "Scale"),
    ("map.title", "小区平面图", "Site plan"),
    ("map.holder", "住户", "Household"),
    ("map.walk", "步行距离", "Walk"),
    ("map.why", "原因", "Why"),
    ("map.rule", "规则", "Rule"),
    ("map.zone", "区域", "Zone"),
    ("map.unit", "单元", "Unit"),
    ("map.reason", "说明", "Reason"),
    ("map.served", "已满足", "served"),
    ("map.problems", "布局问题", "Layout problems"),
    ("map.more_problems", "另有 {n} 个问题", "{n} more problems"),
    ("map.metres", "米", "m"),
    ("map.unit_label", "{unit}单元", "Unit {unit}"),
    ("map.summary", "{kind}：已分配 {served} / 需求 {demand}（共 {supply}）", "{kind}: {served} served of {demand} ({supply} in all)"),
    ("legend.accessible", "蓝色粗边：无障碍车位", "Blue border: accessible space"),
    ("legend.charger", "橙色虚边：充电车位", "Dashed amber border: charger space"),
    // Web page.
    ("web.app", "小区共享资源分配", "Shared resource allocation"),
    ("web.sites", "小区列表", "Sites"),
    ("web.no_sites", "还没有小区。", "No sites yet."),
    ("web.site", "小区", "Site"),
    ("web.map", "平面图", "Map"),
    ("web.revisions", "版本", "Revisions"),
    ("web.revision.layout", "布局版本", "Layout revision"),
    ("web.revision.households", "住户名单版本", "Roster revision"),
    ("web.revision.policy", "规则版本", "Policy revision"),
    ("web.latest_allocation", "最新分配", "Latest allocation"),
    ("web.no_allocation", "尚未分配。", "No allocation yet."),
    ("web.allocations", "历次分配", "Allocations"),
    ("web.created", "创建时间", "Created"),
    ("web.metrics", "指标", "Metrics"),
    ("web.kind", "类别", "Kind"),
    ("web.demand", "需求", "Demand"),
    ("web.supply", "供给", "Supply"),
    ("web.served", "已分配", "Served"),
    ("web.entitled", "应得份额", "Entitled"),
    ("web.building", "楼栋", "Building"),
    ("web.walk_mean", "平均步行（米）", "Mean walk (m)"),
    ("web.walk_p90", "90% 步行（米）", "90th pct walk (m)"),
    ("web.walk_max", "最远步行（米）", "Longest walk (m)"),
    ("web.kept", "保留原位", "Kept"),
    ("web.moved", "变动", "Moved"),
    ("web.by_building", "按楼栋", "By building"),
    ("web.assignments", "分配结果", "Assignments"),
    ("web.waitlist", "候补名单", "Waitlist"),
    ("web.household", "住户", "Household"),
    ("web.resource", "资源", "Resource"),
    ("web.walk_m", "步行（米）", "Walk (m)"),
    ("web.why", "原因", "Why"),
    ("web.units", "缺少数量", "Units short"),
    ("web.place", "候补位次", "Waitlist place"),
    ("web.not_reachable", "步行范围内没有", "none within reach"),
    ("web.filter", "筛选", "Filter"),
    ("web.filter_placeholder", "输入住户、资源或楼栋", "household, resource or building"),
    ("web.lookup", "查询我的车位", "Find my household"),
    ("web.lookup_placeholder", "住户编号，例如 B2-1-301", "household id, e.g. B2-1-301"),
    ("web.lookup_button", "查询", "Look up"),
    ("web.lookup_none", "没有找到该住户。", "No such household."),
    ("web.lookup_nothing", "该住户没有分配也没有候补。", "This household has no assignment and no waitlist place."),
    ("web.has_resource", "已分配", "has"),
    ("web.waitlist_place", "候补第 {n} 位", "waitlist place {n}"),
    ("web.staff", "工作人员", "Staff"),
    ("web.token", "工作人员令牌", "Staff token"),
    ("web.token_help", "令牌只保存在本浏览器标签页（sessionStorage）中，随请求以 Authorization 头发送。", "The token stays in this browser tab (sessionStorage) and is sent in the Authorization header."),
    ("web.save_token", "保存令牌", "Save token"),
    ("web.run", "重新分配", "Run a new allocation"),
    ("web.running", "正在分配…", "Allocating…"),
    ("web.run_failed", "分配失败：", "Allocation failed: "),
    ("web.downloads", "下载", "Downloads"),
    ("web.download_csv", "CSV 表格", "CSV table"),
    ("web.download_xlsx", "Excel 工作簿", "Excel workbook"),
    ("web.download_geojson", "GeoJSON 地图数据", "GeoJSON"),
    ("web.download_svg", "SVG 平面图", "SVG map"),
    ("web.download_json", "JSON 分配结果", "JSON allocation"),
    ("web.diff", "与上次分配相比", "Compared with the previous allocation"),
    ("web.no_diff", "没有上一次分配可比较。", "No previous allocation to compare with."),
    ("web.no_changes", "没有变化。", "No changes."),
    ("web.diff.moved", "更换", "Moved"),
    ("web.diff.gained", "新获得", "Gained"),
    ("web.diff.lost", "失去", "Lost"),
    ("web.diff.from", "原资源", "From"),
    ("web.diff.to", "新资源", "To"),
    ("web.language", "语言", "Language"),
    ("web.lang_name", "中文", "English"),
    ("web.back", "返回小区列表", "Back to sites"),
    ("web.draws", "公开抽签记录", "Public draws"),
    ("web.not_found", "没有找到", "Not found"),
    ("web.error", "出错了", "Something went wrong"),
    ("web.all_kinds", "全部类别", "All kinds"),
    ("web.none", "无", "none"),
    ("web.login", "登录", "Log in"),
    ("web.logout", "退出", "Log out"),
    ("web.login_failed", "令牌无效，请重新输入。", "That token is not valid; try again."),
    ("web.login_again", "请在本标签页重新登录后再分配。", "Log in again in this tab to run an allocation."),
    ("web.households", "户", "households"),
    ("web.updated", "更新时间", "Updated"),
    ("web.allocation", "分配", "Allocation"),
    ("web.status", "状态", "Status"),
    ("web.change", "变化", "Change"),
    ("web.revision.site", "小区版本", "Site revision"),
    ("web.error_detail", "服务器内部错误，请稍后再试。", "The server could not show this page; try again shortly."),
    ("web.basis", "依据", "Basis"),
];

/// The message `key` in `lang`; the key itself when it is not in the catalogue.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    match CATALOGUE.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => key,
    }
}

/// The message `key` with every `{name}` placeholder replaced by its value.
pub fn tf(lang: Lang, key: &'static str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// The name of one resource (“Parking space”).
pub fn kind_name(lang: Lang, kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ParkingSpace => t(lang, "kind.parking_space"),
        ResourceKind::ChargingBay => t(lang, "kind.charging_bay"),
        ResourceKind::GardenPlot => t(lang, "kind.garden_plot"),
    }
}

/// The plural heading of a kind (“Parking spaces”).
pub fn kinds_name(lang: Lang, kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ParkingSpace => t(lang, "kinds.parking_space"),
        ResourceKind::ChargingBay => t(lang, "kinds.charging_bay"),
        ResourceKind::GardenPlot => t(lang, "kinds.garden_plot"),
    }
}

/// Every key of the catalogue, in catalogue order.
pub fn keys() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|(k, _, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut seen = BTreeSet::new();
        for (key, zh, en) in CATALOGUE {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(!zh.trim().is_empty(), "{key} has no Chinese text");
            assert!(!en.trim().is_empty(), "{key} has no English text");
        }
    }

    #[test]
    fn chinese_messages_are_written_in_chinese() {
        // Every Chinese message except pure abbreviations holds a CJK character.
        for (key, zh, _) in CATALOGUE {
            if ["map.north"].contains(key) {
                continue;
            }
            let cjk = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert!(cjk || *key == "map.metres", "{key} = {zh} is not Chinese");
        }
    }

    #[test]
    fn lookups_follow_the_language_and_placeholders_are_filled() {
        assert_eq!(t(Lang::Zh, "web.lookup"), "查询我的车位");
        assert_eq!(t(Lang::En, "web.lookup"), "Find my household");
        assert_eq!(
            tf(Lang::En, "web.waitlist_place", &[("n", "3")]),
            "waitlist place 3"
        );
        assert_eq!(
            tf(Lang::Zh, "web.waitlist_place", &[("n", "3")]),
            "候补第 3 位"
        );
        assert_eq!(t(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(kind_name(Lang::Zh, ResourceKind::GardenPlot), "菜园地块");
    }

    #[test]
    fn every_key_used_in_the_source_is_in_the_catalogue() {
        // Scan the renderers and the web pages for t(…, "key") / tf(…, "key", …).
        let known: BTreeSet<&str> = keys().collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![root.join("report/xlsx.rs")];
        for dir in ["report/svg", "report/html", "api/webui"] {
            let Ok(dir) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let mut more: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
            more.sort();
            files.extend(
                more.into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "rs")),
            );
        }
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            // Every `t(lang, "key")` / `tf(lang, "key", …)`, across line breaks.
            for (i, _) in text.match_indices("lang,") {
                let before = text[..i].trim_end();
                let is_call = before
                    .strip_suffix("tf(")
                    .or_else(|| before.strip_suffix("t("))
                    .is_some_and(|b| !b.ends_with(|c: char| c.is_alphanumeric() || c == '_'));
                if !is_call {
                    continue;
                }
                let after = text[i + 5..].trim_start();
                let Some(rest) = after.strip_prefix('"') else {
                    continue;
                };
                let key = &rest[..rest.find('"').unwrap_or(0)];
                assert!(
                    known.contains(key),
                    "{} uses unknown key {key}",
                    file.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 10, "the scan found only {checked} keys");
    }

    #[test]
    fn language_codes_parse_in_any_case() {
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("zh_Hans"), Some(Lang::Zh));
        assert_eq!(Lang::parse("ja"), None);
        assert_eq!(Lang::En.other(), Lang::Zh);
        assert_eq!(Lang::Zh.tag(), "zh-CN");
    }
}
