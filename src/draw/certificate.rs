//! The certificate `allot verify` prints (FORMAT.md §6), in Chinese and
//! English on every line: site, draw, commit time, seed source and round
//! time, seed, hashes, the first ten of the lottery, served and demand per
//! kind, and VERIFIED or NOT VERIFIED with the reasons.

use super::verify::Verification;
use crate::model::SeedSource;
use crate::report::i18n::{kinds_name, Lang};
use serde_json::{json, Value};
use std::fmt::Write as _;

const CHECKS: [(&str, &str); 3] = [
    (
        "输入与上一次分配的哈希 / inputs and previous allocation hashes",
        "inputs",
    ),
    ("随机种子 / the seed and its source", "seed"),
    ("重新计算分配 / recomputing the allocation", "recompute"),
];

/// The certificate as text (UTF-8, both languages).
pub fn text(v: &Verification) -> String {
    let mut out = String::new();
    let rule = "=".repeat(64);
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(
        out,
        "allot 分配核验证书 / allocation verification certificate"
    );
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(out, "小区 Site:                  {}", v.site);
    match &v.draw {
        Some(d) => {
            let _ = writeln!(out, "抽签 Draw:                  {}", d.draw);
            let _ = writeln!(out, "承诺时间 Committed at:      {}", d.committed_at);
            match &d.seed_source {
                SeedSource::Drand(r) => {
                    let _ = writeln!(
                        out,
                        "种子来源 Seed source:      drand {} 第 {} 轮 / round {}",
                        r.chain, r.round, r.round
                    );
                    let _ = writeln!(out, "该轮发布 Round published:  {}", r.published_at);
                }
                SeedSource::Ceremony(how) => {
                    let _ = writeln!(out, "种子来源 Seed source:      现场抽取 / ceremony: {how}");
                }
            }
            if let Some(r) = &d.revealed {
                let _ = writeln!(out, "揭晓时间 Revealed at:       {}", r.revealed_at);
                if let Some(sig) = &r.signature {
                    let _ = writeln!(out, "签名 Signature:             {sig}");
                }
            }
        }
        None => {
            let _ = writeln!(
                out,
                "抽签 Draw:                  无 / none (no public draw)"
            );
        }
    }
    let _ = writeln!(out, "种子 Seed:                  {}", v.seed);
    let _ = writeln!(out, "输入哈希 inputs_sha256:     {}", v.inputs_sha256);
    let _ = writeln!(
        out,
        "上次分配 previous_sha256:   {}",
        v.previous_sha256.as_deref().unwrap_or("无 / none")
    );
    let _ = writeln!(out, "分配哈希 allocation_sha256: {}", v.allocation_sha256);
    let _ = writeln!(
        out,
        "摇号顺序前十 Lottery, first 10 (of {} households / 共 {} 户):",
        v.households, v.households
    );
    for (i, id) in v.lottery_head.iter().enumerate() {
        let _ = writeln!(out, "  {:>2}. {id}", i + 1);
    }
    let _ = writeln!(out, "分配 / 需求 Served / demand:");
    for (kind, s) in &v.served {
        let _ = writeln!(
            out,
            "  {} / {}: {} / {}",
            kinds_name(Lang::Zh, *kind),
            kinds_name(Lang::En, *kind),
            s.served,
            s.demand
        );
    }
    let _ = writeln!(out, "核验 Checks:");
    for c in &v.checks {
        let (name, _) = CHECKS[usize::from(c.number - 1)];
        let mark = match (c.applies, c.passed) {
            (false, _) => "不适用 n/a ",
            (true, true) => "通过 pass  ",
            (true, false) => "未通过 FAIL",
        };
        let _ = writeln!(out, "  {}. [{mark}] {name}", c.number);
    }
    let _ = writeln!(out, "{rule}");
    if v.verified {
        let _ = writeln!(out, "结论 Result: 已核验 VERIFIED");
    } else {
        let _ = writeln!(out, "结论 Result: 未通过核验 NOT VERIFIED");
        for f in &v.failures {
            let _ = writeln!(out, "  - [{}] {}", f.check(), f.zh());
            let _ = writeln!(out, "        {}", f.en());
        }
    }
    let _ = writeln!(out, "{rule}");
    out
}

/// The certificate as JSON: the verification with each failure's check
/// number and messages in both languages.
pub fn json(v: &Verification) -> Value {
    let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "result".into(),
            json!(if v.verified {
                "VERIFIED"
            } else {
                "NOT VERIFIED"
            }),
        );
        obj.insert(
            "failures".into(),
            v.failures
                .iter()
                .map(|f| {
                    let mut detail = serde_json::to_value(f).unwrap_or(Value::Null);
                    if let Some(d) = detail.as_object_mut() {
                        d.insert("check".into(), json!(f.check()));
                        d.insert("en".into(), json!(f.en()));
                        d.insert("zh".into(), json!(f.zh()));
                    }
                    detail
                })
                .collect(),
        );
        if let Some(checks) = obj.get_mut("checks").and_then(Value::as_array_mut) {
            for c in checks {
                let n = c.get("number").and_then(Value::as_u64).unwrap_or(1);
                let name = CHECKS[(n.clamp(1, 3) - 1) as usize].1;
                if let Some(c) = c.as_object_mut() {
                    c.insert("name".into(), json!(name));
                }
            }
        }
    }
    value
}
