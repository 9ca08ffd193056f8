//! Roster text in the encodings Excel saves, decoded with `encoding_rs`
//! (the WHATWG decoders browsers use).
//!
//! In order:
//! 1. a byte-order mark decides: UTF-8 (Excel's "CSV UTF-8"), UTF-16LE
//!    (Excel's "Unicode text", tab separated) or UTF-16BE;
//! 2. a declared charset (`Content-Type: text/csv; charset=gbk`) other than
//!    UTF-8 is used as declared;
//! 3. text that is valid UTF-8 is UTF-8;
//! 4. otherwise GB18030, the superset of GBK and GB2312 that Excel's
//!    "CSV (逗号分隔)" writes on a Chinese Windows — unless the text is
//!    plainly UTF-8 with a few bad bytes (ten valid non-ASCII characters or
//!    more for each bad sequence): then those bytes are the problem, and
//!    reading it all as GB18030 would only garble the rest.
//!
//! Decoding is strict: a byte sequence that is malformed in the chosen
//! encoding (or, at step 4, in both UTF-8 and GB18030) refuses the file,
//! naming the line it is on. Every encoding other than UTF-8 is reported as
//! a warning (`roster-encoding`), so that staff see what was assumed.

use crate::model::Problem;
use crate::model::Rule;
use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};

/// Text decoded from a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding it was read in.
    pub encoding: &'static Encoding,
    /// How the encoding was chosen.
    pub chosen_by: ChosenBy,
}

/// How the encoding of a text was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChosenBy {
    ByteOrderMark,
    Declared,
    /// Valid UTF-8, or failing that, GB18030.
    Content,
}

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Malformed in the encoding its byte-order mark or declared charset named.
    #[error(
        "the file is not valid {encoding} text: line {line} has bytes that are not {encoding}"
    )]
    Malformed { encoding: &'static str, line: usize },
    /// Neither UTF-8 nor GB18030 (nor has a byte-order mark).
    #[error("the file is neither UTF-8, UTF-16 (with a byte-order mark) nor GB18030/GBK text: line {line} has bytes that are none of these; save it from Excel as \"CSV UTF-8 (comma delimited)\" or upload the .xlsx workbook itself")]
    Unknown { line: usize },
    /// Valid UTF-8 with NUL characters: binary data, or UTF-16 without a byte-order mark.
    #[error("line {line} holds NUL characters: the file is not text (or is UTF-16 without a byte-order mark); save it from Excel as \"CSV UTF-8 (comma delimited)\" or upload the .xlsx workbook itself")]
    Nul { line: usize },
    /// A declared charset `encoding_rs` does not know.
    #[error("charset \"{0}\" is not a known text encoding; send UTF-8, UTF-16 or GB18030/GBK")]
    UnknownCharset(String),
}

impl DecodeError {
    /// The line the problem is on, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            DecodeError::Malformed { line, .. }
            | DecodeError::Unknown { line }
            | DecodeError::Nul { line } => Some(*line),
            DecodeError::UnknownCharset(_) => None,
        }
    }

    /// The error as a roster problem (`roster-format`, naming the line as its row).
    pub fn problem(&self) -> Problem {
        let mut p = Problem::new(Rule::RosterFormat, self.to_string());
        p.row = self.line();
        if let DecodeError::UnknownCharset(_) = self {
            p = p.field("charset");
        }
        p
    }
}

impl Decoded {
    /// The `roster-encoding` warning naming the encoding, unless it is UTF-8.
    pub fn warning(&self) -> Option<Problem> {
        if self.encoding == UTF_8 {
            return None;
        }
        let name = self.encoding.name();
        let how = match (self.chosen_by, name) {
            (ChosenBy::ByteOrderMark, "UTF-16LE" | "UTF-16BE") => {
                "by its byte-order mark, as Excel's \"Unicode text\" writes it".to_string()
            }
            (ChosenBy::ByteOrderMark, _) => "by its byte-order mark".to_string(),
            (ChosenBy::Declared, _) => "as its charset declared".to_string(),
            (ChosenBy::Content, _) => {
                "since it is not UTF-8 (Excel's \"CSV (逗号分隔)\" on a Chinese Windows writes GBK, which GB18030 contains)".to_string()
            }
        };
        Some(Problem::new(
            Rule::RosterEncoding,
            format!("the file was read as {name} text, {how}"),
        ))
    }
}

/// The 1-based line reached after `text`.
fn line_after(text: &str) -> usize {
    1 + text.bytes().filter(|&b| b == b'\n').count()
}

/// Decodes `bytes` strictly in `encoding` (no BOM handling); on a malformed
/// sequence, the line it is on.
fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len()),
    );
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut out, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::Malformed(..) => return Err(line_after(&out)),
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(rest.len())
                    .unwrap_or(rest.len())
                    .max(16);
                out.reserve(more);
            }
        }
    }
}

/// The line of the first bad byte of text that is UTF-8 but for a few bad
/// sequences; `None` when it does not look like UTF-8 at all.
fn broken_utf8(bytes: &[u8]) -> Option<usize> {
    let (mut good, mut bad, mut first_bad) = (0usize, 0usize, None);
    let mut at = 0usize;
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            bad += 1;
            first_bad.get_or_insert(at);
        }
        at += chunk.invalid().len();
    }
    let at = first_bad?;
    (good >= 10 * bad).then(|| 1 + bytes.iter().take(at).filter(|&&b| b == b'\n').count())
}

/// [`strict`] decoding as the text of a roster, chosen as `chosen_by` says.
fn strict_as(
    encoding: &'static Encoding,
    bytes: &[u8],
    chosen_by: ChosenBy,
) -> Result<Decoded, DecodeError> {
    strict(encoding, bytes)
        .map(|text| Decoded {
            text,
            encoding,
            chosen_by,
        })
        .map_err(|line| DecodeError::Malformed {
            encoding: encoding.name(),
            line,
        })
}

/// Decodes roster text; see the module documentation for the order of
/// choices. `declared` is a charset label (`gbk`, `GB2312`, `utf-8`, …).
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Result<Decoded, DecodeError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom..).unwrap_or_default();
        return strict_as(encoding, body, ChosenBy::ByteOrderMark);
    }
    let declared = declared.map(str::trim).filter(|l| !l.is_empty());
    if let Some(label) = declared {
        let encoding = Encoding::for_label(label.trim_matches('"').as_bytes())
            .ok_or_else(|| DecodeError::UnknownCharset(label.to_string()))?;
        if encoding != UTF_8 {
            return strict_as(encoding, bytes, ChosenBy::Declared);
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Some(at) = text.find('\0') {
            return Err(DecodeError::Nul {
                line: line_after(&text[..at]),
            });
        }
        return Ok(Decoded {
            text: text.to_string(),
            encoding: UTF_8,
            chosen_by: ChosenBy::Content,
        });
    }
    if let Some(line) = broken_utf8(bytes) {
        return Err(DecodeError::Malformed {
            encoding: "UTF-8",
            line,
        });
    }
    strict(GB18030, bytes)
        .map(|text| Decoded {
            text,
            encoding: GB18030,
            chosen_by: ChosenBy::Content,
        })
        .map_err(|line| DecodeError::Unknown { line })
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, UTF_16LE};

    const ROSTER: &str = "id,building,unit,姓名\r\nB1-1-101,B1,1,张三\r\nB1-1-102,B1,1,李四\r\n";

    fn utf16le_with_bom(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            out.extend(unit.to_le_bytes());
        }
        out
    }

    #[test]
    fn utf8_with_or_without_a_bom_reads_without_a_warning() {
        let plain = decode(ROSTER.as_bytes(), None).unwrap();
        assert_eq!((plain.text.as_str(), plain.encoding), (ROSTER, UTF_8));
        assert_eq!(plain.warning(), None);
        let bom = [b"\xEF\xBB\xBF".as_slice(), ROSTER.as_bytes()].concat();
        let with_bom = decode(&bom, None).unwrap();
        assert_eq!(with_bom.text, ROSTER, "the BOM is dropped");
        assert_eq!(with_bom.warning(), None);
    }

    #[test]
    fn gbk_bytes_are_read_as_gb18030_with_a_warning_naming_it() {
        let (gbk, _, lossy) = GBK.encode(ROSTER);
        assert!(!lossy);
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "GBK Chinese is not UTF-8"
        );
        let d = decode(&gbk, None).unwrap();
        assert_eq!(d.text, ROSTER);
        assert_eq!(d.encoding, GB18030);
        let w = d.warning().expect("a warning");
        assert_eq!(w.rule, "roster-encoding");
        assert!(w.message.contains("gb18030"), "{}", w.message);
    }

    #[test]
    fn utf16_with_a_bom_is_read_whatever_the_declared_charset() {
        let bytes = utf16le_with_bom(ROSTER);
        let d = decode(&bytes, Some("gbk")).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (ROSTER, UTF_16LE));
        assert!(d.warning().unwrap().message.contains("Unicode text"));
    }

    #[test]
    fn a_declared_charset_is_used_and_an_unknown_one_refused() {
        let (gbk, _, _) = GBK.encode(ROSTER);
        let d = decode(&gbk, Some("GB2312")).unwrap();
        assert_eq!(d.text, ROSTER);
        assert_eq!(d.chosen_by, ChosenBy::Declared);
        // Declared UTF-8 still falls back on GB18030 for bytes that are not.
        assert_eq!(decode(&gbk, Some("utf-8")).unwrap().encoding, GB18030);
        let e = decode(&gbk, Some("klingon")).unwrap_err();
        assert_eq!(e, DecodeError::UnknownCharset("klingon".into()));
        assert_eq!(e.problem().field.as_deref(), Some("charset"));
    }

    #[test]
    fn bytes_neither_utf8_nor_gb18030_are_refused_naming_their_line() {
        // 0xFF is never a GB18030 lead byte and never UTF-8.
        let bytes = b"id,building,unit\r\nA,B,1\r\nC,\xFF,1\r\n";
        let e = decode(bytes, None).unwrap_err();
        assert_eq!(e, DecodeError::Unknown { line: 3 });
        let p = e.problem();
        assert_eq!((p.rule.as_str(), p.row), ("roster-format", Some(3)));
    }

    #[test]
    fn utf8_with_a_stray_byte_is_refused_at_that_line_rather_than_read_as_gb18030() {
        let mut bytes = ROSTER.repeat(4).into_bytes();
        let line = ROSTER.repeat(2).lines().count() + 1;
        let at = ROSTER.len() * 2 + 3;
        bytes.insert(at, 0xE9); // a Latin-1 é among UTF-8 Chinese
        assert_eq!(
            decode(&bytes, None).unwrap_err(),
            DecodeError::Malformed {
                encoding: "UTF-8",
                line
            }
        );
        // GBK text, whose pairs now and then form valid UTF-8, is still GBK.
        let text = ROSTER.repeat(4);
        let (gbk, _, _) = GBK.encode(&text);
        assert_eq!(decode(&gbk, None).unwrap().encoding, GB18030);
    }

    #[test]
    fn malformed_utf16_and_nul_characters_name_their_line() {
        let mut bytes = utf16le_with_bom("id\tbuilding\n");
        bytes.extend([0x00, 0xD8, b'a', 0x00]); // an unpaired high surrogate
        assert_eq!(
            decode(&bytes, None).unwrap_err(),
            DecodeError::Malformed {
                encoding: "UTF-16LE",
                line: 2
            }
        );
        let e = decode(b"i\0d\0\n", None).unwrap_err();
        assert_eq!(e, DecodeError::Nul { line: 1 });
    }
}
