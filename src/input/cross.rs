//! The cross-checks between the inputs once each has been read: a roster
//! against the layout ([`check_roster_against_site`]), and the policy's pins
//! against the layout and roster ([`check_pins`]). FORMAT.md §3 "Pins" is
//! checked here and nowhere else: every path that solves (the pipeline's
//! check and its `allocate`) and every stored write that could break a pin
//! (layout, roster, policy) calls [`check_pins`].

use crate::input::policy::problem;
use crate::model::household::{demand, Household};
use crate::model::kind::ResourceKind;
use crate::model::policy::Policy;
use crate::model::problem::Problem;
use crate::model::site::Site;
use crate::model::Rule;
use std::collections::{BTreeMap, BTreeSet};

/// Checks a parsed roster against a loaded site: every household's
/// `(building, unit)` must have an entrance (`roster-unknown-entrance`,
/// field `building` when the building has no entrance at all, else `unit`),
/// and every preference must be a resource id of that kind or a zone name
/// used by resources of that kind (`roster-unknown-preference`, field
/// `preferences.<kind>[<0-based index>]`). `previous` naming resources that
/// no longer exist is not an error (those are simply not incumbents).
/// Rows are 1-based positions in `households`.
pub fn check_roster_against_site(households: &[Household], site: &Site) -> Vec<Problem> {
    let buildings: BTreeSet<&str> = site.entrances.iter().map(|e| e.building.as_str()).collect();
    let units: BTreeSet<(&str, &str)> = site
        .entrances
        .iter()
        .map(|e| (e.building.as_str(), e.unit.as_str()))
        .collect();
    let mut ids: BTreeMap<&str, ResourceKind> = BTreeMap::new();
    let mut zones: BTreeSet<(ResourceKind, &str)> = BTreeSet::new();
    for r in &site.resources {
        ids.entry(r.id.as_str()).or_insert(r.kind);
        if let Some(z) = &r.zone {
            zones.insert((r.kind, z.as_str()));
        }
    }
    let mut problems = Vec::new();
    for (i, h) in households.iter().enumerate() {
        let row = i + 1;
        if !buildings.contains(h.building.as_str()) {
            problems.push(
                Problem::new(
                    Rule::RosterUnknownEntrance,
                    format!(
                        "household {}: building \"{}\" has no entrance in the layout",
                        h.id, h.building
                    ),
                )
                .row(row)
                .field("building"),
            );
        } else if !units.contains(&(h.building.as_str(), h.unit.as_str())) {
            problems.push(
                Problem::new(
                    Rule::RosterUnknownEntrance,
                    format!(
                        "household {}: building \"{}\" has no entrance of unit \"{}\" in the layout",
                        h.id, h.building, h.unit
                    ),
                )
                .row(row)
                .field("unit"),
            );
        }
        for (kind, prefs) in &h.preferences {
            for (j, name) in prefs.iter().enumerate() {
                let ok =
                    ids.get(name.as_str()) == Some(kind) || zones.contains(&(*kind, name.as_str()));
                if ok {
                    continue;
                }
                let why = match ids.get(name.as_str()) {
                    Some(other) => format!("\"{name}\" is a {other}, not a {kind}"),
                    None => format!("\"{name}\" is neither a {kind} id nor a zone of {kind}s"),
                };
                problems.push(
                    Problem::new(
                        Rule::RosterUnknownPreference,
                        format!("household {}: preference {why}", h.id),
                    )
                    .row(row)
                    .field(format!("preferences.{kind}[{j}]")),
                );
            }
        }
    }
    problems
}

/// Checks the pins against the site and roster (FORMAT.md §3 "Pins"). Each
/// problem names the pin (`field: "pins[i]"`, 0-based):
/// `pin-unknown-household`, `pin-unknown-resource` (an id that is not a
/// parking space, charging bay or garden plot), `pin-duplicate-resource`
/// (one error on every pin of a resource pinned more than once, naming the
/// others), `pin-beyond-demand` (on each pin past the household's demand for
/// that kind, counting its pins in list order).
pub fn check_pins(policy: &Policy, site: &Site, households: &[Household]) -> Vec<Problem> {
    let by_id: BTreeMap<&str, &Household> = households.iter().map(|h| (h.id.as_str(), h)).collect();
    let kinds: BTreeMap<&str, ResourceKind> = site
        .resources
        .iter()
        .map(|r| (r.id.as_str(), r.kind))
        .collect();
    let mut out = Vec::new();
    let mut pins_of_resource: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut taken: BTreeMap<(&str, ResourceKind), u32> = BTreeMap::new();
    for (i, pin) in policy.pins.iter().enumerate() {
        let path = format!("pins[{i}]");
        pins_of_resource
            .entry(pin.resource.as_str())
            .or_default()
            .push(i);
        let h = by_id.get(pin.household.as_str());
        let kind = kinds.get(pin.resource.as_str());
        if h.is_none() {
            out.push(problem(
                Rule::PinUnknownHousehold,
                &path,
                format!("household \"{}\" is not in the roster", pin.household),
            ));
        }
        if kind.is_none() {
            out.push(problem(
                Rule::PinUnknownResource,
                &path,
                format!(
                    "\"{}\" is not a parking space, charging bay or garden plot of the layout",
                    pin.resource
                ),
            ));
        }
        if let (Some(h), Some(&kind)) = (h, kind) {
            let n = taken.entry((pin.household.as_str(), kind)).or_insert(0);
            *n += 1;
            let d = demand(h, kind, policy);
            if *n > d {
                out.push(problem(
                    Rule::PinBeyondDemand,
                    &path,
                    format!(
                        "household \"{}\" is pinned {} {kind}(s) but its demand is {d} (cars {}, ebikes {}, wants_plot {}, per_household {})",
                        h.id,
                        *n,
                        h.cars,
                        h.ebikes,
                        h.wants_plot,
                        policy.kind(kind).per_household
                    ),
                ));
            }
        }
    }
    for (resource, pins) in pins_of_resource {
        if pins.len() < 2 {
            continue;
        }
        for &i in &pins {
            let others: Vec<String> = pins
                .iter()
                .filter(|&&j| j != i)
                .map(|j| format!("pins[{j}]"))
                .collect();
            out.push(problem(
                Rule::PinDuplicateResource,
                &format!("pins[{i}]"),
                format!(
                    "resource \"{resource}\" is also pinned by {}",
                    others.join(", ")
                ),
            ));
        }
    }
    // Sort by pin index (stable), so each pin's problems stay together.
    out.sort_by_key(|p| {
        p.field
            .as_deref()
            .and_then(|f| f.strip_prefix("pins["))
            .and_then(|f| f.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(usize::MAX)
    });
    out
}
