//! One input problem (an error or a warning) that names what is wrong and where.

use super::rule::Rule;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A problem found in some input: a layout feature, a roster row or a policy
/// field. It is what API.md calls one entry of `errors`, and what the CLI
/// prints, one per line.
///
/// `rule` is a stable machine-readable code ([`Rule`], e.g. `R3-overlap`,
/// `roster-type`); `message` is a sentence a person can act on and always
/// names the feature ids, row or field and, for geometry, the measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// The (first) layout feature id concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Every feature id concerned, when more than one (e.g. both of an overlapping pair).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Roster row: the CSV line number (header is line 1), or the 1-based
    /// index in a JSON array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The field concerned (roster column, policy path such as `kinds.parking_space.max_walk_m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Stable code of the rule broken.
    pub rule: Rule,
    /// Human-readable explanation including the measure.
    pub message: String,
}

impl Problem {
    /// A problem with a rule and message only; add the location with the builders.
    pub fn new(rule: Rule, message: impl Into<String>) -> Problem {
        Problem {
            feature: None,
            features: Vec::new(),
            row: None,
            field: None,
            rule,
            message: message.into(),
        }
    }

    /// Names one feature.
    pub fn feature(mut self, id: impl Into<String>) -> Problem {
        let id = id.into();
        if self.feature.is_none() {
            self.feature = Some(id.clone());
        }
        if !self.features.contains(&id) {
            self.features.push(id);
        }
        self
    }

    /// Names several features (the first becomes `feature`).
    pub fn features<I, S>(mut self, ids: I) -> Problem
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for id in ids {
            self = self.feature(id);
        }
        if self.features.len() == 1 {
            self.features.clear();
        }
        self
    }

    /// Names a roster row.
    pub fn row(mut self, row: usize) -> Problem {
        self.row = Some(row);
        self
    }

    /// Names a field.
    pub fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.rule)?;
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field {field}")?;
        }
        if !self.features.is_empty() {
            write!(f, " features {}", self.features.join(", "))?;
        } else if let Some(feature) = &self.feature {
            write!(f, " feature {feature}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one input, never just the first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, thiserror::Error)]
#[error("{} problem(s) in the input; first: {}", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn push(&mut self, p: Problem) {
        self.0.push(p)
    }
    /// `Ok(value)` when no problem was collected, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_its_features_row_and_field_when_printed() {
        let p = Problem::new(Rule::R3Overlap, "P12 overlaps F1 by 3.2 m²").features(["P12", "F1"]);
        assert_eq!(p.feature.as_deref(), Some("P12"));
        assert_eq!(p.features, vec!["P12", "F1"]);
        assert_eq!(
            p.to_string(),
            "[R3-overlap] features P12, F1: P12 overlaps F1 by 3.2 m²"
        );
        let q = Problem::new(Rule::RosterType, "cars must be an integer ≥ 0")
            .row(7)
            .field("cars");
        assert_eq!(
            q.to_string(),
            "[roster-type] row 7 field cars: cars must be an integer ≥ 0"
        );
    }

    #[test]
    fn a_single_feature_is_not_repeated_in_the_list() {
        let p = Problem::new(Rule::R1ValidPolygon, "x").features(["A"]);
        assert_eq!(p.feature.as_deref(), Some("A"));
        assert!(p.features.is_empty());
    }
}
