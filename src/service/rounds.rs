//! A new round or a rerun of a stored site (FORMAT.md §3 "Over time"): the
//! over-time choices a request may make for one allocation — `round` (a new
//! name is a redraw; none keeps the previous allocation's round), `rotation`,
//! `stability` and `swaps` — laid over the policy the run would otherwise use.
//!
//! The values themselves are checked where every policy is checked
//! (`input::policy`, each problem naming its field); this module only
//! refuses what is not a policy object at all.

use crate::model::Problem;
use crate::model::Rule;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The over-time choices of one run; `None` keeps the policy's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RoundChoice {
    pub round: Option<String>,
    pub rotation: Option<String>,
    pub stability: Option<String>,
    pub swaps: Option<String>,
}

impl RoundChoice {
    /// Whether any choice is made (the run then does not use the stored
    /// policy revision as it is).
    pub fn any(&self) -> bool {
        self.fields().any(|(_, v)| v.is_some())
    }

    fn fields(&self) -> impl Iterator<Item = (&'static str, Option<&String>)> {
        [
            ("round", self.round.as_ref()),
            ("rotation", self.rotation.as_ref()),
            ("stability", self.stability.as_ref()),
            ("swaps", self.swaps.as_ref()),
        ]
        .into_iter()
    }
}

/// The policy of the run: `policy` (absent: every default) with each choice
/// made replacing the policy's field of the same name. A policy that is not
/// a JSON object cannot take a choice: a problem naming `policy`.
pub fn apply(policy: Option<Value>, choice: &RoundChoice) -> Result<Option<Value>, Vec<Problem>> {
    if !choice.any() {
        return Ok(policy);
    }
    let mut object = match policy {
        None => Map::new(),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(vec![Problem::new(
            Rule::PolicyShape,
            "the policy must be a JSON object to take a round, rotation, stability or swaps choice",
        )
        .field("policy")])
        }
    };
    for (name, value) in choice.fields() {
        if let Some(v) = value {
            object.insert(name.to_string(), Value::String(v.clone()));
        }
    }
    Ok(Some(Value::Object(object)))
}

/// The most rounds the web's simulator chart may run (it costs CPU).
pub const MAX_WEB_ROUNDS: u32 = 20;

/// Why the simulator's chart cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum SimulateChartError {
    /// No such site (404).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Rounds outside 1–[`MAX_WEB_ROUNDS`], or inputs that break rules (422).
    #[error("the simulation cannot run: {} problem(s)", .0.len())]
    Request(Vec<Problem>),
    /// The solver failed (500).
    #[error("{0}")]
    Solver(String),
}

/// The simulator's SVG chart (`allot::simulate`, every rotation mode) for
/// the site's current layout, roster and policy, its latest allocation as
/// round 0, over `rounds` redraws (1–[`MAX_WEB_ROUNDS`]).
pub fn simulate_svg(
    store: &dyn crate::store::Store,
    site: &str,
    rounds: u32,
    lang: crate::report::i18n::Lang,
) -> Result<String, SimulateChartError> {
    use crate::model::Rotation;
    use crate::pipeline::{Inputs, Options, PipelineError, RosterInput};
    use crate::simulate::{self, SimulateError};
    if rounds == 0 || rounds > MAX_WEB_ROUNDS {
        return Err(SimulateChartError::Request(vec![Problem::new(
            Rule::SimulateRounds,
            format!("rounds must be between 1 and {MAX_WEB_ROUNDS}, not {rounds}"),
        )
        .field("rounds")]));
    }
    let head = store.site(site)?;
    let docs = store.documents(site, Some(head.revision))?;
    let previous = match head.latest_allocation {
        Some(id) => serde_json::from_slice(&store.allocation(site, id)?.body).ok(),
        None => None,
    };
    let inputs = Inputs {
        layout: docs.layout,
        households: RosterInput::Parsed(docs.roster),
        policy: docs.policy,
        previous,
        seed: None,
        round: None,
    };
    let settings = simulate::Settings {
        rounds,
        modes: vec![Rotation::None, Rotation::WaitedFirst, Rotation::Tickets],
        stability: None,
        options: Options::default(),
    };
    match simulate::simulate(&inputs, &settings) {
        Ok(sim) => Ok(simulate::render::svg(&sim, lang)),
        Err(SimulateError::Pipeline(PipelineError::Input(p))) => {
            Err(SimulateChartError::Request(p))
        }
        // Cancelled only after its request gave up: the answer is never sent.
        Err(SimulateError::Pipeline(
            e @ (PipelineError::Solver { .. } | PipelineError::Cancelled),
        )) => Err(SimulateChartError::Solver(e.to_string())),
        Err(e) => Err(SimulateChartError::Request(vec![Problem::new(
            Rule::Simulate,
            e.to_string(),
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn no_choice_leaves_the_policy_as_it_is_even_when_absent() {
        assert_eq!(apply(None, &RoundChoice::default()).unwrap(), None);
        let p = json!({"rotation": "tickets"});
        assert_eq!(
            apply(Some(p.clone()), &RoundChoice::default()).unwrap(),
            Some(p)
        );
    }

    #[test]
    fn each_choice_replaces_only_its_own_field() {
        let choice = RoundChoice {
            round: Some("2027".into()),
            rotation: Some("waited_first".into()),
            ..RoundChoice::default()
        };
        let p = json!({"seed": "s", "rotation": "tickets", "stability": "none"});
        assert_eq!(
            apply(Some(p), &choice).unwrap(),
            Some(
                json!({"seed": "s", "rotation": "waited_first", "stability": "none", "round": "2027"})
            )
        );
        assert_eq!(
            apply(None, &choice).unwrap(),
            Some(json!({"round": "2027", "rotation": "waited_first"}))
        );
    }

    #[test]
    fn a_policy_that_is_no_object_cannot_take_a_choice() {
        let choice = RoundChoice {
            swaps: Some("trade_up".into()),
            ..RoundChoice::default()
        };
        let problems = apply(Some(json!([1])), &choice).unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("policy"));
    }
}
