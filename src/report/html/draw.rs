//! The public draw pages, no token needed (`GET /sites/{site}/draws` and
//! `/sites/{site}/draws/{draw}`), as pure functions of what is public.
//!
//! The commitment (hashes, time, the drand round and its publish time with
//! a countdown, or the ceremony's description); after the reveal the seed,
//! the lottery and who holds what; a printable 公示 notice (A4 print CSS);
//! and how to check it yourself. Only what FORMAT.md §5 makes public: no
//! roster field, no reason, no basis — the page is built from
//! `service::draws::PublicResult` alone.

use super::{esc, url};
use crate::draw::clock::parse_rfc3339;
use crate::draw::drand;
use crate::model::DrawRecord;
use crate::model::{ResourceKind, SeedSource};
use crate::report::i18n::{kinds_name, Lang};
use crate::service::draws::PublicResult;

/// The page's words, Chinese and English.
fn w(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = match key {
        "title" => ("公开抽签", "Public draw"),
        "draws" => ("公开抽签记录", "Public draws"),
        "no_draws" => ("尚无抽签。", "No draws yet."),
        "revealed" => ("已揭晓", "revealed"),
        "not_revealed" => ("未揭晓", "not revealed"),
        "commitment" => ("承诺（抽签前公布）", "The commitment (published before the draw)"),
        "committed_at" => ("承诺时间", "Committed at"),
        "inputs" => ("输入数据哈希", "Inputs hash"),
        "previous" => ("上一次分配哈希", "Previous allocation hash"),
        "none" => ("无", "none"),
        "source" => ("种子来源", "Seed source"),
        "round" => ("drand quicknet 轮次", "drand quicknet round"),
        "published" => ("该轮发布时间", "Round published at"),
        "countdown" => ("距发布", "Published in"),
        "is_published" => ("已发布", "published"),
        "ceremony" => ("现场抽取", "Ceremony"),
        "result" => ("抽签结果", "The result"),
        "pending" => (
            "尚未揭晓。种子产生后，工作人员揭晓本次抽签，结果将在此公布。",
            "Not revealed yet. Once the seed exists, staff reveal the draw and the result appears here.",
        ),
        "seed" => ("种子", "Seed"),
        "signature" => ("签名", "Signature"),
        "revealed_at" => ("揭晓时间", "Revealed at"),
        "allocation" => ("分配编号", "Allocation"),
        "allocation_hash" => ("分配结果哈希", "Allocation hash"),
        "rank" => ("顺序", "Rank"),
        "household" => ("住户", "Household"),
        "lottery" => ("摇号顺序与分配结果", "Lottery order and who holds what"),
        "notice" => ("公示", "Public notice"),
        "notice_text" => (
            "本小区共享资源（车位、电动自行车充电位、菜园）的分配已按下列承诺公开抽签。任何人均可按“如何自行核验”所述方法核对。如有异议，请于公示期内向小区办公室提出。",
            "The shared resources of this compound (parking spaces, e-bike charging bays, garden plots) were allocated by the public draw committed below. Anyone can check it as described under \"Check it yourself\". Objections go to the community office during the notice period.",
        ),
        "print" => ("打印公示", "Print the notice"),
        "office" => ("小区办公室（盖章）", "Community office (seal)"),
        "verify" => ("如何自行核验", "Check it yourself"),
        "verify_1" => (
            "1. 承诺在种子产生前公布：核对承诺时间早于该轮发布时间至少 60 秒。",
            "1. The commitment came before the seed: its time is at least 60 s before the round's publish time.",
        ),
        "verify_2" => (
            "2. 种子来自 drand：从 drand 取得该轮的签名，种子是签名字节的 SHA-256：",
            "2. The seed is drand's: fetch the round's signature from drand; the seed is SHA-256 of the signature bytes:",
        ),
        "verify_3" => (
            "3. 摇号顺序：每户的号码是 SHA-256(种子 ‖ 换行 ‖ 住户编号)，按号码从小到大排列：",
            "3. The lottery: each household's key is SHA-256(seed ‖ newline ‖ household id), sorted ascending:",
        ),
        "verify_4" => (
            "4. 完整核验：向小区办公室索取核验文件（含住户名册，不公开），用 allot 重新计算全部分配：",
            "4. The whole allocation: ask the community office for the verification bundle (it holds the roster, so it is not public) and recompute everything with allot:",
        ),
        _ => ("", ""),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn fact(out: &mut String, label: &str, value: &str, mono: bool) {
    let class = if mono { " class=\"draw-hash\"" } else { "" };
    out.push_str(&format!(
        "<dt>{}</dt><dd{class}>{}</dd>\n",
        esc(label),
        esc(value)
    ));
}

fn duration(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86400,
        secs % 86400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h {m}m {s}s")
    } else {
        format!("{h}h {m}m {s}s")
    }
}

/// The page's HTML: built from the public result only.
pub fn render(lang: Lang, now: i64, result: &PublicResult) -> String {
    let r = &result.record;
    let mut o = String::with_capacity(16 * 1024);
    let title = format!("{} {} · {}", w(lang, "title"), r.draw, r.site);
    o.push_str("<!DOCTYPE html>\n");
    o.push_str(&format!("<html lang=\"{}\">\n<head>\n", lang.tag()));
    o.push_str("<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str(&format!("<title>{}</title>\n", esc(&title)));
    o.push_str("<link rel=\"icon\" href=\"data:,\">\n");
    o.push_str("<link rel=\"stylesheet\" href=\"/assets/style.css\">\n<link rel=\"stylesheet\" href=\"/draw-assets/draw.css\">\n");
    o.push_str("<script src=\"/draw-assets/draw.js\" defer></script>\n</head>\n<body>\n");
    let here = format!("/sites/{}/draws/{}", r.site, r.draw);
    o.push_str(&format!(
        "<header class=\"top\"><a class=\"app\" href=\"/\">allot</a><nav><a id=\"lang-switch\" href=\"{}\">{}</a></nav></header>\n<main>\n",
        esc(&url(&here, &[("lang", lang.other().code())])),
        match lang.other() {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    ));
    o.push_str(&format!(
        "<p class=\"no-print\"><a href=\"{}\">{}</a></p>\n<h1 id=\"draw-title\">{}</h1>\n",
        esc(&url(
            &format!("/sites/{}/draws", r.site),
            &[("lang", lang.code())]
        )),
        w(lang, "draws"),
        esc(&title)
    ));

    // The commitment.
    o.push_str(&format!(
        "<section id=\"commitment\"><h2>{}</h2>\n<dl class=\"draw-facts\">\n",
        w(lang, "commitment")
    ));
    fact(&mut o, w(lang, "committed_at"), &r.committed_at, false);
    fact(&mut o, w(lang, "inputs"), &r.inputs_sha256, true);
    fact(
        &mut o,
        w(lang, "previous"),
        r.previous_sha256.as_deref().unwrap_or(w(lang, "none")),
        true,
    );
    match &r.seed_source {
        SeedSource::Drand(d) => {
            fact(
                &mut o,
                w(lang, "source"),
                &format!("drand {} ({})", d.chain, drand::CHAIN_HASH),
                false,
            );
            fact(&mut o, w(lang, "round"), &d.round.to_string(), false);
            fact(&mut o, w(lang, "published"), &d.published_at, false);
            let at = parse_rfc3339(&d.published_at).unwrap_or(0);
            let left = at - now;
            let shown = if left > 0 {
                duration(left)
            } else {
                w(lang, "is_published").to_string()
            };
            o.push_str(&format!(
                "<dt>{}</dt><dd><span id=\"countdown\" class=\"countdown\" data-publish=\"{at}\" data-now=\"{now}\" data-done=\"{}\">{}</span></dd>\n",
                esc(w(lang, "countdown")),
                esc(w(lang, "is_published")),
                esc(&shown)
            ));
        }
        SeedSource::Ceremony(how) => {
            fact(&mut o, w(lang, "source"), w(lang, "ceremony"), false);
            fact(&mut o, w(lang, "ceremony"), how, false);
        }
    }
    o.push_str("</dl></section>\n");

    // The result.
    o.push_str(&format!(
        "<section id=\"result\"><h2>{}</h2>\n",
        w(lang, "result")
    ));
    match (&r.revealed, &result.lottery, &result.holdings) {
        (Some(rev), Some(lottery), Some(holdings)) => {
            o.push_str("<dl class=\"draw-facts\">\n");
            fact(&mut o, w(lang, "seed"), &rev.seed, true);
            if let Some(sig) = &rev.signature {
                fact(&mut o, w(lang, "signature"), sig, true);
            }
            fact(&mut o, w(lang, "revealed_at"), &rev.revealed_at, false);
            fact(
                &mut o,
                w(lang, "allocation"),
                &rev.allocation.to_string(),
                false,
            );
            fact(
                &mut o,
                w(lang, "allocation_hash"),
                &rev.allocation_sha256,
                true,
            );
            o.push_str("</dl>\n");

            // The printable notice.
            o.push_str(&format!(
                "<button type=\"button\" id=\"print-notice\" class=\"print-button\">{}</button>\n",
                w(lang, "print")
            ));
            o.push_str(&format!(
                "<section class=\"notice\" id=\"notice\"><h2>{}</h2>\n<p>{}</p>\n<p>{} {} · {} {} · {} {}</p>\n",
                w(lang, "notice"),
                esc(w(lang, "notice_text")),
                esc(w(lang, "committed_at")),
                esc(&r.committed_at),
                esc(w(lang, "revealed_at")),
                esc(&rev.revealed_at),
                esc(w(lang, "seed")),
                esc(&rev.seed)
            ));
            o.push_str(&format!(
                "<h3>{}</h3>\n<table class=\"draw-table\" id=\"lottery\"><thead><tr><th>{}</th><th>{}</th>",
                w(lang, "lottery"),
                w(lang, "rank"),
                w(lang, "household")
            ));
            for kind in ResourceKind::ALL {
                o.push_str(&format!("<th>{}</th>", esc(kinds_name(lang, kind))));
            }
            o.push_str("</tr></thead>\n<tbody>\n");
            for (i, id) in lottery.iter().enumerate() {
                o.push_str(&format!("<tr><td>{}</td><td>{}</td>", i + 1, esc(id)));
                for kind in ResourceKind::ALL {
                    let held = holdings
                        .get(id)
                        .and_then(|h| h.get(&kind))
                        .map(|v| v.join(", "))
                        .unwrap_or_default();
                    o.push_str(&format!("<td>{}</td>", esc(&held)));
                }
                o.push_str("</tr>\n");
            }
            o.push_str(&format!(
                "</tbody></table>\n<p class=\"stamp\">{}</p>\n</section>\n",
                w(lang, "office")
            ));
        }
        _ => o.push_str(&format!("<p id=\"pending\">{}</p>\n", w(lang, "pending"))),
    }
    o.push_str("</section>\n");

    // How to check it yourself.
    let seed = r
        .revealed
        .as_ref()
        .map(|x| x.seed.clone())
        .unwrap_or_else(|| "SEED".into());
    o.push_str(&format!(
        "<section id=\"verify\" class=\"no-print\"><h2>{}</h2>\n<p>{}</p>\n",
        w(lang, "verify"),
        esc(w(lang, "verify_1"))
    ));
    if let SeedSource::Drand(d) = &r.seed_source {
        o.push_str(&format!(
            "<p>{}</p>\n<pre class=\"verify\">curl -s https://api.drand.sh/{}/public/{}\nprintf %s SIGNATURE_HEX | xxd -r -p | sha256sum</pre>\n",
            esc(w(lang, "verify_2")),
            drand::CHAIN_HASH,
            d.round
        ));
    }
    o.push_str(&format!(
        "<p>{}</p>\n<pre class=\"verify\">printf '%s\\n%s' {} HOUSEHOLD_ID | sha256sum</pre>\n<p>{}</p>\n<pre class=\"verify\">allot verify bundle.json</pre>\n</section>\n",
        esc(w(lang, "verify_3")),
        esc(&seed),
        esc(w(lang, "verify_4"))
    ));
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// The list page: every draw of the site, newest first, with its status.
pub fn render_list(lang: Lang, site: &str, draws: &[DrawRecord]) -> String {
    let title = format!("{} · {site}", w(lang, "draws"));
    let mut o = String::with_capacity(4096);
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n<link rel=\"stylesheet\" href=\"/draw-assets/draw.css\">\n</head>\n<body>\n<header class=\"top\"><a class=\"app\" href=\"/\">allot</a></header>\n<main>\n<h1>{}</h1>\n",
        lang.tag(),
        esc(&title),
        esc(&title)
    ));
    if draws.is_empty() {
        o.push_str(&format!("<p>{}</p>\n", w(lang, "no_draws")));
    } else {
        o.push_str(&format!(
            "<table class=\"draw-table\" id=\"draws\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>\n",
            w(lang, "committed_at"),
            w(lang, "source")
        ));
        for d in draws {
            let source = match &d.seed_source {
                SeedSource::Drand(r) => format!("drand {} {}", r.chain, r.round),
                SeedSource::Ceremony(_) => w(lang, "ceremony").to_string(),
            };
            let status = if d.revealed.is_some() {
                w(lang, "revealed")
            } else {
                w(lang, "not_revealed")
            };
            let href = url(
                &format!("/sites/{}/draws/{}", d.site, d.draw),
                &[("lang", lang.code())],
            );
            o.push_str(&format!(
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&href),
                d.draw,
                esc(&d.committed_at),
                esc(&source),
                status
            ));
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// The bare page a failed draw page answers: the message, escaped.
pub fn error_page(message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>allot</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head><body><main><p class=\"error\">{}</p></main></body></html>\n",
        esc(message)
    )
}
