//! Canonical JSON and the `inputs_sha256` fingerprint (FORMAT.md §4).
//!
//! # The canonical form, precisely
//!
//! A JSON value is written as UTF-8 text with no white space outside strings:
//!
//! - `null`, `true`, `false` as such.
//! - **Numbers.** An integer (as parsed, any size up to 64 bits) in plain
//!   decimal (`-12`, `18446744073709551615`). A float that is integral and
//!   whose magnitude is below 2⁵³ is written as that integer (`300.0` → `300`,
//!   `-0.0` → `0`). Any other float as ECMAScript's `Number::toString`
//!   writes it (ECMA-262; what JavaScript's `JSON.stringify` does): the
//!   shortest digits `d₁…d_k` that read back to the same IEEE-754 double,
//!   with decimal exponent `n` (value = 0.d₁…d_k × 10ⁿ), laid out as
//!   `d₁…d_k` followed by n−k zeros when k ≤ n ≤ 21; `d₁…d_n.d_{n+1}…d_k`
//!   when 0 < n ≤ 21; `0.` followed by −n zeros and the digits when
//!   −6 < n ≤ 0; otherwise `d₁[.d₂…d_k]e±(n−1)` (`1e-7`, `1.5e+300`,
//!   `1e+21`). So `42.5`, `0.1`, `0.000001`, `100000000000000000000`.
//!   (JSON has no NaN or infinity.)
//! - **Strings** in double quotes, escaping exactly: `"` as `\"`, `\` as
//!   `\\`, U+0008 `\b`, U+000C `\f`, U+000A `\n`, U+000D `\r`, U+0009 `\t`,
//!   every other character below U+0020 as `\u00xx` (lower-case hex); all
//!   other characters (including `/`, U+007F and all non-ASCII) as their
//!   UTF-8 bytes, unescaped.
//! - **Arrays** `[` items joined by `,` `]`, in order.
//! - **Objects** `{` `"key":value` members joined by `,` `}`, members sorted
//!   by the UTF-8 bytes of their keys (the same order as sorting by Unicode
//!   code point; not UTF-16 order).
//!
//! For values whose floats are all non-integral with magnitude in
//! [1e-4, 1e16), this is exactly Python's
//! `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
//!
//! Numbers are hashed as parsed. serde_json's default float parser is
//! best effort: for numbers with more than about 15 significant digits (QGIS
//! writes 15 decimals) it can land one unit in the last place away from the
//! correctly rounded double that Python or JavaScript would read, and the
//! canonical text then differs. Enabling serde_json's `float_roundtrip`
//! feature makes parsing exact, so that third parties recompute the same hash.
//!
//! `inputs_sha256` is the lower-case hex SHA-256 of the canonical form of
//! `{"households": …, "layout": …, "policy": …}` where `layout` is the
//! GeoJSON as received (after JSON parsing), `households` the normalised
//! records (every field of [`Household`] written, `floor` as `null` when
//! absent, `preferences`/`previous` objects of kind → list of strings) and
//! `policy` the policy with every default filled in and without `seed`
//! (a pin's `reason` is omitted when absent).

use super::household::Household;
use super::policy::Policy;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// 2⁵³: below it every integer is exactly a double.
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// The canonical JSON text of a value (see the module documentation).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else if let Some(f) = n.as_f64() {
                write_float(f, out);
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

fn write_float(f: f64, out: &mut String) {
    if !f.is_finite() {
        // Unreachable for a `serde_json::Value`, which cannot hold NaN or ±∞.
        out.push_str("null");
    } else if f.fract() == 0.0 && f.abs() < EXACT_INTEGER_LIMIT {
        // Exact: an integral double below 2^53 fits an i64 without loss.
        let _ = write!(out, "{}", f as i64);
    } else {
        write_ecmascript(f, out);
    }
}

/// ECMA-262 `Number::toString` of a finite, non-zero double.
fn write_ecmascript(f: f64, out: &mut String) {
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde-7`, `de16`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Lower-case hex SHA-256 of some bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The document `inputs_sha256` hashes: `{"layout", "households", "policy"}`
/// with the policy's `seed` removed.
pub fn inputs_document(layout: &Value, households: &[Household], policy: &Policy) -> Value {
    // Serialising these plain types cannot fail (string keys, no custom code).
    let households = serde_json::to_value(households).unwrap_or(Value::Null);
    let mut policy = serde_json::to_value(policy).unwrap_or(Value::Null);
    if let Value::Object(p) = &mut policy {
        p.remove("seed");
    }
    let mut doc = Map::new();
    doc.insert("layout".to_string(), layout.clone());
    doc.insert("households".to_string(), households);
    doc.insert("policy".to_string(), policy);
    Value::Object(doc)
}

/// `inputs_sha256` (FORMAT.md §4): hex SHA-256 of the canonical JSON of
/// [`inputs_document`]. See the module documentation for the exact form.
pub fn inputs_sha256(layout: &Value, households: &[Household], policy: &Policy) -> String {
    sha256_hex(canonical_json(&inputs_document(layout, households, policy)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_policy;
    use crate::model::ResourceKind;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_by_utf8_bytes_and_no_white_space_is_written() {
        let v = json!({"b": [1, {"y": null, "x": true}], "a": "s", "😀": 1, "\u{ff5e}": 2, "é": 3});
        assert_eq!(
            canonical_json(&v),
            "{\"a\":\"s\",\"b\":[1,{\"x\":true,\"y\":null}],\"é\":3,\"\u{ff5e}\":2,\"😀\":1}"
        );
    }

    #[test]
    fn integral_floats_become_integers_and_others_take_the_shortest_form() {
        let cases = [
            (json!(300.0), "300"),
            (json!(-0.0), "0"),
            (json!(42.5), "42.5"),
            (json!(0.1), "0.1"),
            (json!(-1e-7), "-1e-7"),
            (json!(1e-6), "0.000001"),
            (json!(0.000123), "0.000123"),
            (json!(1.5e300), "1.5e+300"),
            (json!(1e20), "100000000000000000000"),
            (json!(1.5e21), "1.5e+21"),
            (json!(123_456.789), "123456.789"),
            (json!(5e-324), "5e-324"),
            (json!(9_007_199_254_740_992.0_f64), "9007199254740992"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(-12), "-12"),
        ];
        for (v, want) in cases {
            let got = canonical_json(&v);
            assert_eq!(got, want, "for {v}");
            let back: f64 = got.parse().unwrap();
            assert_eq!(back, v.as_f64().unwrap(), "round trip of {v}");
        }
    }

    #[test]
    fn strings_escape_only_quotes_backslashes_and_control_characters() {
        let v = json!("a\"b\\c/d\u{1}\u{8}\u{c}\n\r\t\u{7f}怡心桥");
        assert_eq!(
            canonical_json(&v),
            "\"a\\\"b\\\\c/d\\u0001\\b\\f\\n\\r\\t\u{7f}怡心桥\""
        );
    }

    /// The expected digest was computed independently with python3:
    ///
    /// ```text
    /// import json, hashlib
    /// doc = {"layout": LAYOUT, "households": HOUSEHOLDS, "policy": POLICY}  # as below
    /// s = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    /// print(hashlib.sha256(s.encode("utf-8")).hexdigest())
    /// ```
    ///
    /// with the policy written out in full by hand (defaults filled in, version
    /// 2: `"stability": "protect"`, `"rotation"`/`"swaps": "none"`; each
    /// household with `"waited": {}`;
    /// integral numbers as integers, no seed).
    #[test]
    fn inputs_sha256_matches_an_independent_python_computation() {
        let layout = json!({
            "type": "FeatureCollection",
            "coordinates": "local_meters",
            "site": {"id": "yixinqiao-180", "name": "怡心桥 \"north\"\n"},
            "features": [
                {"type": "Feature", "properties": {"kind": "garden_plot", "id": "G1", "zone": "east"},
                 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [4.5, 0], [4.5, 2.25], [0, 2.25], [0, 0]]]}},
                {"type": "Feature", "properties": {"kind": "entrance", "id": "E1", "building": "B1", "unit": "1"},
                 "geometry": {"type": "Point", "coordinates": [10.1, -3.75]}}
            ]
        });
        let mut a = Household::new("B1-1-101", "B1", "1");
        a.floor = Some(1);
        a.cars = 2;
        a.evs = 1;
        a.wants_plot = true;
        a.preferences
            .insert(ResourceKind::GardenPlot, vec!["G1".into(), "east".into()]);
        a.previous
            .insert(ResourceKind::ParkingSpace, vec!["P3".into()]);
        let b = Household::new("B1-1-102", "B1", "1");
        let policy = parse_policy(&json!({
            "seed": "ignored by the hash",
            "kinds": {"parking_space": {"max_walk_m": 250}, "charging_bay": {"per_household": 2, "max_walk_m": 200.5}},
            "priority": ["elderly"],
            "pins": [{"household": "B1-1-101", "resource": "G1"}]
        }))
        .unwrap();
        assert_eq!(
            inputs_sha256(&layout, &[a.clone(), b.clone()], &policy),
            "258f7f524d263483929392662c9aa635f9ed853be3f8521f3e90d4d042461860"
        );
        let mut other = policy.clone();
        other.seed = Some("another seed".into());
        assert_eq!(
            inputs_sha256(&layout, &[a.clone(), b.clone()], &other),
            inputs_sha256(&layout, &[a, b], &policy),
            "the seed is not part of the inputs"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_finite_float_reads_back_to_the_same_double(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let text = canonical_json(&serde_json::json!(f));
            let back: f64 = text.parse().unwrap();
            prop_assert_eq!(back, f, "{}", text);
        }

        #[test]
        fn every_string_reads_back_unchanged_and_is_written_once_canonically(s in any::<String>()) {
            let text = canonical_json(&Value::String(s.clone()));
            let back: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back.as_str(), Some(s.as_str()));
            prop_assert_eq!(canonical_json(&back), text);
        }
    }
}
