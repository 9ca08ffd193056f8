//! What an input problem says of a JSON value: one wording for every reader
//! (roster, policy), so the same mistake reads the same wherever it is made;
//! and a JSON document read from bytes, naming where its syntax breaks.

use serde_json::Value;

/// The type of a JSON value as a message names it ("a list", "null"…).
pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses a JSON document (a byte order mark is skipped); else what is
/// wrong, naming line and column of the first syntax error.
pub fn parse_document(bytes: &[u8]) -> Result<Value, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the body is empty; a JSON document is expected".into());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "the body is not valid JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let err = parse_document(b"{\n  \"a\": ,\n}").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_accepted_and_an_empty_body_is_not() {
        assert_eq!(parse_document(b"\xEF\xBB\xBF[1]").unwrap(), json!([1]));
        assert!(parse_document(b"  ").is_err());
    }

    #[test]
    fn every_json_type_is_named_with_its_article() {
        let named: Vec<&str> = [
            json!(null),
            json!(true),
            json!(1.5),
            json!("x"),
            json!([1]),
            json!({"a": 1}),
        ]
        .iter()
        .map(describe)
        .collect();
        assert_eq!(
            named,
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "a list",
                "an object"
            ]
        );
    }
}
