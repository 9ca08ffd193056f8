//! What an input problem says of a JSON value: one wording for every reader
//! (roster, policy), so the same mistake reads the same wherever it is made.

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
