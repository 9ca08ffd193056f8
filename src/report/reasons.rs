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
    Assignment, Drawn, LostToPin, Place, PriorityClass, Reason, ResourceKind, Taken, Turn, Unserved,
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

// ---------------------------------------------------------------- both

/// A priority class, `(English, Chinese)`.
fn class_name(c: PriorityClass, lang: Lang) -> &'static str {
    let (en, zh) = match c {
        PriorityClass::Accessible => (
            "accessible (disability permit holders)",
            "残疾人优先（持残疾人证）",
        ),
        PriorityClass::Elderly => (
            "elderly (a member aged 70 or over)",
            "老年人优先（家有70岁及以上成员）",
        ),
        PriorityClass::Ev => ("ev (EV owners)", "电动汽车车主优先"),
    };
    pick(lang, en, zh)
}

/// A household's place in the draw order.
fn draw_turn(t: &Turn, lang: Lang) -> String {
    let rank = match (t.waited, t.tickets) {
        (Some(w), _) => pick(
            lang,
            format!("draw rank {} (waited first; waited {w} round(s))", t.rank),
            format!("轮换顺序第{}位（久候者优先，已等候{w}轮）", t.rank),
        ),
        (None, Some(n)) => pick(
            lang,
            format!("draw rank {} ({n} ticket(s))", t.rank),
            format!("轮换顺序第{}位（持{n}签）", t.rank),
        ),
        (None, None) => pick(
            lang,
            format!("lottery rank {}", t.rank),
            format!("摇号第{}位", t.rank),
        ),
    };
    if t.turn_order {
        pick(
            lang,
            format!("{rank} (turn order)"),
            format!("{rank}（按此顺序依次选位）"),
        )
    } else {
        rank
    }
}

/// Why the units counted under `key` were not open to the household.
fn taken_phrase(key: Count, rotation: bool, lang: Lang) -> &'static str {
    let (en, zh) = match key {
        Count::Earlier if rotation => (
            "by households earlier in the draw order (rotation)",
            "由轮换顺序在前的住户取得",
        ),
        Count::Earlier => (
            "by households drawn earlier in the lottery",
            "由摇号在前的住户取得",
        ),
        Count::Priority => (
            "by households of a higher priority class",
            "由优先类别更高的住户取得",
        ),
        Count::Reserved => (
            "reserved for their class and given to it",
            "为专用位，已分配给相应住户",
        ),
        Count::Kept => ("kept by their previous holders", "由原使用户保留"),
        Count::Swapped => ("taken in trade-up swaps", "在互换调整中换出"),
        Count::Pinned => ("pinned by the policy", "按政策指定"),
        Count::Own => ("already held by this household", "已由本户使用"),
        Count::Later => (
            "by households drawn later, because that serves more units or meets building shares",
            "由摇号在后的住户取得（为多分配或满足各楼配额）",
        ),
        Count::Free => ("free but not open to this household", "空置但不对本户开放"),
        Count::Other => ("by other households", "由其他住户取得"),
    };
    pick(lang, en, zh)
}

fn pick<T>(lang: Lang, en: T, zh: T) -> T {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
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

// ---------------------------------------------------------------- catalogue

/// Renders one reason about a resource of `kind` in `lang` (the English and
/// the Chinese of each code side by side).
pub fn reason_text(reason: &Reason, kind: ResourceKind, lang: Lang) -> String {
    let (one, many) = nouns(kind);
    let noun = kind_name(Lang::Zh, kind);
    let given = |basis: String, place: &Place, lost: &[LostToPin]| match lang {
        Lang::En => format!("{basis}; {}{}", en_place(place, kind), en_lost(lost, kind)),
        Lang::Zh => format!("{basis}，{}{}", zh_place(place, kind), zh_lost(lost, kind)),
    };
    match reason {
        Reason::Pin { note, place, lost } => {
            let basis = match (lang, note) {
                (Lang::En, Some(note)) => format!("pinned by the policy: {note}"),
                (Lang::Zh, Some(note)) => format!("按政策指定（{note}）"),
                (_, None) => pick(lang, "pinned by the policy", "按政策指定").to_string(),
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
            match lang {
                Lang::En => format!(
                    "trade-up swap: took {resource} from {from} in the cycle {} (each takes what the next one held)",
                    cycle(ids)
                ),
                Lang::Zh => format!(
                    "互换调整：从{from}换得{resource}（互换环{}，每户取下一户原有的）",
                    cycle(ids)
                ),
            },
            place,
            lost,
        ),
        Reason::IncumbentProtected { place, lost } => given(
            pick(
                lang,
                "kept from the previous allocation (protected)",
                "保留上次分配（受保护）",
            )
            .into(),
            place,
            lost,
        ),
        Reason::IncumbentKept { place, lost } => given(
            pick(lang, "kept from the previous allocation", "保留上次分配").into(),
            place,
            lost,
        ),
        Reason::ReservedAccessible { place, lost } => given(
            pick(
                lang,
                "accessible space reserved for disability permit holders",
                "无障碍车位，专供持残疾人证住户",
            )
            .into(),
            place,
            lost,
        ),
        Reason::ReservedEv { place, lost } => given(
            pick(
                lang,
                "charger space reserved for EV owners",
                "充电车位，专供电动汽车车主",
            )
            .into(),
            place,
            lost,
        ),
        Reason::Priority {
            class,
            drawn: Drawn { turn, place, lost },
        } => {
            let (class, turn) = (class_name(*class, lang), draw_turn(turn, lang));
            given(
                pick(
                    lang,
                    format!("priority class {class}; {turn}"),
                    format!("{class}，{turn}"),
                ),
                place,
                lost,
            )
        }
        Reason::Lottery {
            drawn: Drawn { turn, place, lost },
        } => given(draw_turn(turn, lang), place, lost),
        Reason::Allocated { place } => given(pick(lang, "allocated", "已分配").into(), place, &[]),
        Reason::OutOfReach {
            max_walk_m,
            unit,
            nearest_m,
        } => match lang {
            Lang::En => format!(
                "no {one} within {max_walk_m} m of unit {unit} (the nearest is {nearest_m:.1} m away)"
            ),
            Lang::Zh => format!(
                "{}{max_walk_m}米范围内没有{noun}（最近的在{nearest_m:.1}米外）",
                zh_unit(unit)
            ),
        },
        Reason::NoneOnSite {} => pick(
            lang,
            format!("the site has no {many}"),
            format!("小区内没有{noun}"),
        ),
        Reason::AllTaken {
            eligible,
            max_walk_m,
            unit,
            taken,
            rotation,
            lost,
        } => {
            let parts = counts(taken)
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(key, n)| {
                    let phrase = taken_phrase(key, *rotation, lang);
                    pick(lang, format!("{n} {phrase}"), format!("{n}个{phrase}"))
                })
                .collect::<Vec<String>>();
            match lang {
                Lang::En => format!(
                    "all {eligible} {} within {max_walk_m} m of unit {unit} are taken: {}{}",
                    if *eligible == 1 { one } else { many },
                    parts.join(", "),
                    en_lost(lost, kind)
                ),
                Lang::Zh => format!(
                    "{}{max_walk_m}米范围内的{eligible}个{noun}均已分配：{}{}",
                    zh_unit(unit),
                    parts.join("，"),
                    zh_lost(lost, kind)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests;
