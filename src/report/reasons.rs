//! The one catalogue of reasons (docs/reasons.md), in Simplified Chinese and
//! English. Every rendering that shows a reason — the web page, the map
//! tooltips, the household view, CSV, xlsx and the CLI — calls
//! [`assignment_reason`] or [`unserved_reason`].
//!
//! The English text of a reason is, byte for byte, the `why` the solver
//! wrote next to it (a test checks this on whole allocations). The Chinese
//! is written as a community office writes it: “摇号第94位，距3号楼3单元最近的车位（75.5米）”.

use super::i18n::{kind_name, Lang};
use crate::model::{
    Assignment, LostToPin, Place, PriorityClass, Reason, ResourceKind, Taken, Turn, Unserved,
};

/// The reason of an assignment in `lang`; an allocation made before
/// structured reasons existed falls back to its `why`.
pub fn assignment_reason(a: &Assignment, lang: Lang) -> String {
    match &a.reason {
        Some(r) => reason_text(r, a.kind, lang),
        None => a.why.clone(),
    }
}

/// The reason of an unserved entry in `lang` (its `why` when it has none).
pub fn unserved_reason(u: &Unserved, lang: Lang) -> String {
    match &u.reason {
        Some(r) => reason_text(r, u.kind, lang),
        None => u.why.clone(),
    }
}

/// Renders one reason about a resource of `kind`.
pub fn reason_text(reason: &Reason, kind: ResourceKind, lang: Lang) -> String {
    match lang {
        Lang::En => english(reason, kind),
        Lang::Zh => chinese(reason, kind),
    }
}

/// An assignment's `basis` in `lang` (unknown bases as they are).
pub fn basis_label(basis: &str, lang: Lang) -> &str {
    if lang == Lang::En {
        return basis;
    }
    match basis {
        "pin" => "政策指定",
        "incumbent" => "保留",
        "reserved" => "专用",
        "priority" => "优先",
        "lottery" => "摇号",
        "swap" => "互换",
        "allocated" => "已分配",
        other => other,
    }
}

// ---------------------------------------------------------------- English

fn nouns(kind: ResourceKind) -> (&'static str, &'static str) {
    match kind {
        ResourceKind::ParkingSpace => ("parking space", "parking spaces"),
        ResourceKind::ChargingBay => ("charging bay", "charging bays"),
        ResourceKind::GardenPlot => ("garden plot", "garden plots"),
    }
}

fn en_class(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::Accessible => "accessible (disability permit holders)",
        PriorityClass::Elderly => "elderly (a member aged 70 or over)",
        PriorityClass::Ev => "ev (EV owners)",
    }
}

fn en_turn(t: &Turn) -> String {
    let rank = match (t.waited, t.tickets) {
        (Some(w), _) => format!("draw rank {} (waited first; waited {w} round(s))", t.rank),
        (None, Some(n)) => format!("draw rank {} ({n} ticket(s))", t.rank),
        (None, None) => format!("lottery rank {}", t.rank),
    };
    if t.turn_order {
        format!("{rank} (turn order)")
    } else {
        rank
    }
}

fn en_place(p: &Place, kind: ResourceKind) -> String {
    match p {
        Place::Preference {
            preference,
            walk_m,
            unit,
        } => format!("preference #{preference} of the household, {walk_m:.1} m from unit {unit}"),
        Place::Nearest { walk_m, unit } => {
            format!(
                "the nearest {} to unit {unit} ({walk_m:.1} m)",
                nouns(kind).0
            )
        }
        Place::Distance { walk_m, unit } => format!("{walk_m:.1} m from unit {unit}"),
    }
}

fn en_lost(lost: &[LostToPin], kind: ResourceKind) -> String {
    lost.iter()
        .map(|l| {
            format!(
                "; its previous {} {} is pinned to {} by the policy",
                nouns(kind).0,
                l.resource,
                l.to
            )
        })
        .collect()
}

fn cycle(ids: &[String]) -> String {
    let mut names: Vec<&str> = ids.iter().map(String::as_str).collect();
    if let Some(first) = names.first().copied() {
        names.push(first);
    }
    names.join(" → ")
}

fn english(reason: &Reason, kind: ResourceKind) -> String {
    let (one, many) = nouns(kind);
    let given = |basis: String, place: &Place, lost: &[LostToPin]| {
        format!("{basis}; {}{}", en_place(place, kind), en_lost(lost, kind))
    };
    match reason {
        Reason::Pin { note, place, lost } => {
            let basis = match note {
                Some(note) => format!("pinned by the policy: {note}"),
                None => "pinned by the policy".to_string(),
            };
            given(basis, place, lost)
        }
        Reason::Swap {
            resource,
            from,
            cycle: ids,
            place,
            lost,
        } => given(
            format!(
                "trade-up swap: took {resource} from {from} in the cycle {} (each takes what the next one held)",
                cycle(ids)
            ),
            place,
            lost,
        ),
        Reason::IncumbentProtected { place, lost } => given(
            "kept from the previous allocation (protected)".into(),
            place,
            lost,
        ),
        Reason::IncumbentKept { place, lost } => {
            given("kept from the previous allocation".into(), place, lost)
        }
        Reason::ReservedAccessible { place, lost } => given(
            "accessible space reserved for disability permit holders".into(),
            place,
            lost,
        ),
        Reason::ReservedEv { place, lost } => {
            given("charger space reserved for EV owners".into(), place, lost)
        }
        Reason::Priority {
            class,
            turn,
            place,
            lost,
        } => given(
            format!("priority class {}; {}", en_class(*class), en_turn(turn)),
            place,
            lost,
        ),
        Reason::Lottery { turn, place, lost } => given(en_turn(turn), place, lost),
        Reason::Allocated { place } => given("allocated".into(), place, &[]),
        Reason::OutOfReach {
            max_walk_m,
            unit,
            nearest_m,
        } => format!(
            "no {one} within {max_walk_m} m of unit {unit} (the nearest is {nearest_m:.1} m away)"
        ),
        Reason::NoneOnSite {} => format!("the site has no {many}"),
        Reason::AllTaken {
            eligible,
            max_walk_m,
            unit,
            taken,
            rotation,
            lost,
        } => {
            let earlier = if *rotation {
                "by households earlier in the draw order (rotation)"
            } else {
                "by households drawn earlier in the lottery"
            };
            let parts: Vec<String> = counts(taken)
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| {
                    let phrase = match key {
                        Count::Earlier => earlier,
                        Count::Priority => "by households of a higher priority class",
                        Count::Reserved => "reserved for their class and given to it",
                        Count::Kept => "kept by their previous holders",
                        Count::Swapped => "taken in trade-up swaps",
                        Count::Pinned => "pinned by the policy",
                        Count::Own => "already held by this household",
                        Count::Later => "by households drawn later, because that serves more units or meets building shares",
                        Count::Free => "free but not open to this household",
                        Count::Other => "by other households",
                    };
                    format!("{n} {phrase}")
                })
                .collect();
            let noun = if *eligible == 1 { one } else { many };
            format!(
                "all {eligible} {noun} within {max_walk_m} m of unit {unit} are taken: {}{}",
                parts.join(", "),
                en_lost(lost, kind)
            )
        }
    }
}

/// The counts of [`Taken`], in the order reasons list them.
#[derive(Debug, Clone, Copy)]
enum Count {
    Earlier,
    Priority,
    Reserved,
    Kept,
    Swapped,
    Pinned,
    Own,
    Later,
    Free,
    Other,
}

fn counts(t: &Taken) -> [(Count, u32); 10] {
    [
        (Count::Earlier, t.earlier),
        (Count::Priority, t.priority),
        (Count::Reserved, t.reserved),
        (Count::Kept, t.kept),
        (Count::Swapped, t.swapped),
        (Count::Pinned, t.pinned),
        (Count::Own, t.own),
        (Count::Later, t.later),
        (Count::Free, t.free),
        (Count::Other, t.other),
    ]
}

// ---------------------------------------------------------------- Chinese

/// A unit label as an office writes it: `B3-3` → `3号楼3单元`; a label of
/// another shape stays as it is.
pub fn zh_unit(label: &str) -> String {
    if let Some((building, unit)) = label.rsplit_once('-') {
        let b = building
            .strip_prefix(['B', 'b'])
            .filter(|b| !b.is_empty() && b.chars().all(|c| c.is_ascii_digit()))
            .or(Some(building).filter(|b| b.chars().all(|c| c.is_ascii_digit())));
        if let Some(b) = b.filter(|b| !b.is_empty()) {
            if !unit.is_empty() && unit.chars().all(|c| c.is_ascii_digit()) {
                return format!("{b}号楼{unit}单元");
            }
        }
    }
    label.to_string()
}

fn zh_class(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::Accessible => "残疾人优先（持残疾人证）",
        PriorityClass::Elderly => "老年人优先（家有70岁及以上成员）",
        PriorityClass::Ev => "电动汽车车主优先",
    }
}

fn zh_turn(t: &Turn) -> String {
    let rank = match (t.waited, t.tickets) {
        (Some(w), _) => format!("轮换顺序第{}位（久候者优先，已等候{w}轮）", t.rank),
        (None, Some(n)) => format!("轮换顺序第{}位（持{n}签）", t.rank),
        (None, None) => format!("摇号第{}位", t.rank),
    };
    if t.turn_order {
        format!("{rank}（按此顺序依次选位）")
    } else {
        rank
    }
}

fn zh_place(p: &Place, kind: ResourceKind) -> String {
    match p {
        Place::Preference {
            preference,
            walk_m,
            unit,
        } => format!("本户第{preference}志愿，距{}{walk_m:.1}米", zh_unit(unit)),
        Place::Nearest { walk_m, unit } => format!(
            "距{}最近的{}（{walk_m:.1}米）",
            zh_unit(unit),
            kind_name(Lang::Zh, kind)
        ),
        Place::Distance { walk_m, unit } => format!("距{}{walk_m:.1}米", zh_unit(unit)),
    }
}

fn zh_lost(lost: &[LostToPin], kind: ResourceKind) -> String {
    lost.iter()
        .map(|l| {
            format!(
                "；本户原有{}{}已按政策指定给{}",
                kind_name(Lang::Zh, kind),
                l.resource,
                l.to
            )
        })
        .collect()
}

fn chinese(reason: &Reason, kind: ResourceKind) -> String {
    let noun = kind_name(Lang::Zh, kind);
    let given = |basis: String, place: &Place, lost: &[LostToPin]| {
        format!("{basis}，{}{}", zh_place(place, kind), zh_lost(lost, kind))
    };
    match reason {
        Reason::Pin { note, place, lost } => {
            let basis = match note {
                Some(note) => format!("按政策指定（{note}）"),
                None => "按政策指定".to_string(),
            };
            given(basis, place, lost)
        }
        Reason::Swap {
            resource,
            from,
            cycle: ids,
            place,
            lost,
        } => given(
            format!(
                "互换调整：从{from}换得{resource}（互换环{}，每户取下一户原有的）",
                cycle(ids)
            ),
            place,
            lost,
        ),
        Reason::IncumbentProtected { place, lost } => {
            given("保留上次分配（受保护）".into(), place, lost)
        }
        Reason::IncumbentKept { place, lost } => given("保留上次分配".into(), place, lost),
        Reason::ReservedAccessible { place, lost } => {
            given("无障碍车位，专供持残疾人证住户".into(), place, lost)
        }
        Reason::ReservedEv { place, lost } => {
            given("充电车位，专供电动汽车车主".into(), place, lost)
        }
        Reason::Priority {
            class,
            turn,
            place,
            lost,
        } => given(
            format!("{}，{}", zh_class(*class), zh_turn(turn)),
            place,
            lost,
        ),
        Reason::Lottery { turn, place, lost } => given(zh_turn(turn), place, lost),
        Reason::Allocated { place } => given("已分配".into(), place, &[]),
        Reason::OutOfReach {
            max_walk_m,
            unit,
            nearest_m,
        } => format!(
            "{}{max_walk_m}米范围内没有{noun}（最近的在{nearest_m:.1}米外）",
            zh_unit(unit)
        ),
        Reason::NoneOnSite {} => format!("小区内没有{noun}"),
        Reason::AllTaken {
            eligible,
            max_walk_m,
            unit,
            taken,
            rotation,
            lost,
        } => {
            let earlier = if *rotation {
                "由轮换顺序在前的住户取得"
            } else {
                "由摇号在前的住户取得"
            };
            let parts: Vec<String> = counts(taken)
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| {
                    let phrase = match key {
                        Count::Earlier => earlier,
                        Count::Priority => "由优先类别更高的住户取得",
                        Count::Reserved => "为专用位，已分配给相应住户",
                        Count::Kept => "由原使用户保留",
                        Count::Swapped => "在互换调整中换出",
                        Count::Pinned => "按政策指定",
                        Count::Own => "已由本户使用",
                        Count::Later => "由摇号在后的住户取得（为多分配或满足各楼配额）",
                        Count::Free => "空置但不对本户开放",
                        Count::Other => "由其他住户取得",
                    };
                    format!("{n}个{phrase}")
                })
                .collect();
            format!(
                "{}{max_walk_m}米范围内的{eligible}个{noun}均已分配：{}{}",
                zh_unit(unit),
                parts.join("，"),
                zh_lost(lost, kind)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter of a sample, as it is written in a rendering:
    /// strings as they are, numbers as the catalogue prints them.
    fn parameters(r: &Reason) -> Vec<String> {
        let mut out = Vec::new();
        fn walk(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        walk(v, k, out)
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, key, out)),
                serde_json::Value::String(s) => {
                    // The code and the place are the text itself, not a parameter.
                    if key != "code" && key != "place" && key != "class" {
                        out.push(s.clone())
                    }
                }
                serde_json::Value::Number(n) => {
                    out.push(match n.as_u64() {
                        Some(i) => i.to_string(),
                        None => format!("{:.1}", n.as_f64().unwrap()),
                    });
                }
                serde_json::Value::Bool(_) | serde_json::Value::Null => {}
            }
        }
        walk(&serde_json::to_value(r).unwrap(), "", &mut out);
        out
    }

    #[test]
    fn every_code_has_chinese_and_english_text_using_every_parameter() {
        for r in Reason::samples() {
            for lang in Lang::ALL {
                for kind in [ResourceKind::ParkingSpace, ResourceKind::GardenPlot] {
                    let text = reason_text(&r, kind, lang);
                    assert!(!text.is_empty());
                    for p in parameters(&r) {
                        let shown = match lang {
                            Lang::Zh if p == "B3-3" => zh_unit(&p),
                            _ => p.clone(),
                        };
                        // 250.0 is written 250 in a radius.
                        let shown = shown.strip_suffix(".0").unwrap_or(&shown).to_string();
                        assert!(
                            text.contains(&shown),
                            "{} in {lang:?} lacks {shown}: {text}",
                            r.code()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn flags_and_classes_change_the_text() {
        // Parameters that are not printed as such still show: each class,
        // the rotation flag and the turn order read differently.
        for lang in Lang::ALL {
            let texts: std::collections::BTreeSet<String> = Reason::samples()
                .into_iter()
                .flat_map(|r| {
                    let mut variants = vec![r.clone()];
                    match r {
                        Reason::Priority {
                            turn, place, lost, ..
                        } => {
                            for class in [
                                PriorityClass::Accessible,
                                PriorityClass::Elderly,
                                PriorityClass::Ev,
                            ] {
                                variants.push(Reason::Priority {
                                    class,
                                    turn: Turn {
                                        turn_order: false,
                                        ..turn.clone()
                                    },
                                    place: place.clone(),
                                    lost: lost.clone(),
                                });
                            }
                        }
                        Reason::AllTaken {
                            eligible,
                            max_walk_m,
                            unit,
                            taken,
                            lost,
                            ..
                        } => variants.push(Reason::AllTaken {
                            eligible,
                            max_walk_m,
                            unit,
                            taken,
                            rotation: false,
                            lost,
                        }),
                        _ => {}
                    }
                    variants
                })
                .map(|r| reason_text(&r, ResourceKind::ParkingSpace, lang))
                .collect();
            assert_eq!(texts.len(), Reason::samples().len() + 4, "{lang:?}");
        }
    }

    #[test]
    fn chinese_reasons_carry_no_english_words_and_english_no_chinese() {
        for r in Reason::samples() {
            let mut r = r;
            // The pin's note is the policy's own words, shown as written.
            if let Reason::Pin { note, .. } = &mut r {
                *note = None;
            }
            let zh = reason_text(&r, ResourceKind::ParkingSpace, Lang::Zh);
            for word in [
                "lottery", "nearest", "priority", "rank", "unit", "taken", " m ",
            ] {
                assert!(!zh.contains(word), "{word} in {zh}");
            }
            let en = reason_text(&r, ResourceKind::ParkingSpace, Lang::En);
            assert!(
                !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{en}"
            );
        }
    }

    #[test]
    fn the_issue_example_reads_as_an_office_writes_it() {
        let r = Reason::Lottery {
            turn: Turn {
                rank: 94,
                waited: None,
                tickets: None,
                turn_order: false,
            },
            place: Place::Distance {
                walk_m: 75.5,
                unit: "B3-3".into(),
            },
            lost: vec![],
        };
        assert_eq!(
            reason_text(&r, ResourceKind::ParkingSpace, Lang::Zh),
            "摇号第94位，距3号楼3单元75.5米"
        );
        assert_eq!(
            reason_text(&r, ResourceKind::ParkingSpace, Lang::En),
            "lottery rank 94; 75.5 m from unit B3-3"
        );
    }

    #[test]
    fn unit_labels_of_other_shapes_stay_as_they_are() {
        assert_eq!(zh_unit("B12-2"), "12号楼2单元");
        assert_eq!(zh_unit("7-1"), "7号楼1单元");
        assert_eq!(zh_unit("North-A"), "North-A");
        assert_eq!(zh_unit("?"), "?");
    }
}
