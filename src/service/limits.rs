//! The server's configured input limits as a request's documents meet
//! them: checked on the raw JSON or CSV before anything is parsed (and on
//! parsed households, whatever their format), a document over a limit
//! rejected with every limit it breaks named. docs/serve.md "Limits and
//! hardening" lists every limit and its default.

use super::Rejected;
use crate::input::limits::{self, Limits};
use crate::model::{Household, Problem, Rule};
use serde_json::Value;

/// The input limits a server was configured with.
#[derive(Debug, Clone, Default)]
pub struct InputLimits {
    pub input: Limits,
}

impl InputLimits {
    /// A JSON body's sizes (features, vertices, roster rows), counted on its
    /// bytes without building it ([`limits::check_json_sizes`]): a body over
    /// a size limit costs no more than its bytes.
    pub fn json_sizes(&self, bytes: &[u8]) -> Result<(), Rejected> {
        over(
            "The document is over a limit",
            limits::check_json_sizes(bytes, &self.input),
        )
    }

    /// A layout body against the input limits.
    pub fn layout(&self, layout: &Value) -> Result<(), Rejected> {
        over(
            "The layout is over a limit",
            limits::check_layout(layout, &self.input),
        )
    }

    /// A JSON roster body (a list or `{"households"}`) against the limits.
    pub fn roster_json(&self, roster: &Value) -> Result<(), Rejected> {
        over(
            "The roster is over a limit",
            limits::check_roster_json(roster, &self.input),
        )
    }

    /// A CSV roster body against the limits.
    pub fn roster_csv(&self, bytes: &[u8]) -> Result<(), Rejected> {
        over(
            "The roster is over a limit",
            limits::check_roster_csv(bytes, &self.input),
        )
    }

    /// Parsed households (from any roster format) against the row and id
    /// length limits.
    pub fn households(&self, households: &[Household]) -> Result<(), Rejected> {
        let mut problems = Vec::new();
        if households.len() > self.input.max_roster_rows {
            problems.push(Problem::new(
                Rule::LimitRosterRows,
                format!(
                    "the roster has {} rows; the limit is {} (max_roster_rows)",
                    households.len(),
                    self.input.max_roster_rows
                ),
            ));
        }
        let max = self.input.max_id_len;
        let long: Vec<String> = households
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                [&h.id, &h.building, &h.unit]
                    .iter()
                    .any(|s| s.chars().count() > max)
            })
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        if !long.is_empty() {
            problems.push(
                Problem::new(
                    Rule::LimitIdLength,
                    format!(
                        "{} household(s) have an id, building or unit longer than {max} characters (max_id_len): households {}",
                        long.len(),
                        limits::sample(&long)
                    ),
                )
                .field("id"),
            );
        }
        over("The roster is over a limit", problems)
    }

    /// `PATCH … households`: the upserts count as roster rows.
    pub fn roster_patch(&self, body: &Value) -> Result<(), Rejected> {
        match body.get("upsert") {
            Some(upsert) => self.roster_json(upsert),
            None => Ok(()),
        }
    }

    /// A `POST /v1/validate` body (a layout, or `{"layout", "policy"}`) or a
    /// `POST /v1/solve` body (`{"layout", "households", …}`).
    pub fn request(&self, body: &Value) -> Result<(), Rejected> {
        let layout = match body.get("layout") {
            Some(l) if body.get("type").is_none() => l,
            _ => body,
        };
        let mut problems = limits::check_layout(layout, &self.input);
        if let Some(h) = body.get("households") {
            problems.extend(limits::check_roster_json(h, &self.input));
        }
        over("The request is over a limit", problems)
    }
}

fn over(title: &'static str, problems: Vec<Problem>) -> Result<(), Rejected> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Rejected::new(title, problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_solve_request_is_checked_for_its_layout_and_roster() {
        let limits = InputLimits {
            input: Limits {
                max_roster_rows: 1,
                ..Limits::default()
            },
        };
        let body = json!({"layout": {"features": []}, "households": [{}, {}]});
        let err = limits.request(&body).unwrap_err();
        assert_eq!(err.problems[0].rule, "limit-roster-rows");
        assert!(limits.request(&json!({"layout": {"features": []}})).is_ok());
    }
}
