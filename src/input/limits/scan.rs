//! The size limits of a JSON body — features, vertices per feature and in
//! all, roster rows — checked in one streaming pass over its bytes, without
//! building the document. A body past one of these limits is refused from
//! the counts alone, so refusing it costs no more memory than its bytes
//! (a 3 MB body of 30,000 households and 9,000 features is some 40 MB as a
//! `serde_json::Value`).
//!
//! The problems are the same as the checks on the parsed value give
//! ([`super::check_layout`], [`super::check_roster_json`]) for these limits;
//! the id-length limit is left to those. A body that is not well-formed JSON
//! passes here: the JSON parser names its error.

use super::{features_problem, rows_problem, shown, vertices_problem, Limits};
use crate::model::Problem;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What the pass counts.
#[derive(Debug, Default)]
struct Counts {
    /// The top-level object has `type` (the body is a layout itself).
    typed: bool,
    /// The features of a top-level `features` array and of `layout.features`
    /// (`nested` is `Some` when there is a `layout` member, whatever it is).
    top: Option<LayoutCounts>,
    nested: Option<Option<LayoutCounts>>,
    /// Rows of a top-level array, of `households` (an array or an object
    /// with a `households` array) and of `upsert`.
    rows: Option<usize>,
    households: Option<usize>,
    upsert: Option<usize>,
}

#[derive(Debug, Default)]
struct LayoutCounts {
    features: usize,
    total: usize,
    /// Labels of the features over `max_vertices` (id, else `feature #n`).
    heavy: Vec<String>,
}

/// The size-limit problems of a JSON request body (a layout, a roster, a
/// `{"layout", "households", …}` request or a `{"upsert"}` patch).
pub fn check_json_sizes(bytes: &[u8], limits: &Limits) -> Vec<Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut counts = Counts::default();
    if de
        .deserialize_any(Top {
            limits,
            counts: &mut counts,
        })
        .is_err()
    {
        return Vec::new();
    }
    let mut problems = Vec::new();
    // The layout the checks on the value read: `layout`, unless the body is
    // a layout itself.
    let layout = match counts.nested {
        Some(nested) if !counts.typed => nested,
        _ => counts.top,
    };
    if let Some(layout) = layout {
        if layout.features > limits.max_features {
            problems.push(features_problem(layout.features, limits));
        } else {
            problems.extend(vertices_problem(&layout.heavy, layout.total, limits));
        }
    }
    for rows in [counts.households, counts.upsert, counts.rows] {
        if let Some(rows) = rows.filter(|&rows| rows > limits.max_roster_rows) {
            problems.push(rows_problem(rows, limits));
        }
    }
    problems
}

struct Top<'a> {
    limits: &'a Limits,
    counts: &'a mut Counts,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<KeyName>()? {
            match key.0.as_str() {
                "type" => {
                    self.counts.typed = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "features" => {
                    self.counts.top = map.next_value_seed(Features(self.limits))?;
                }
                "layout" => {
                    self.counts.nested = Some(map.next_value_seed(Layout(self.limits))?);
                }
                "households" => {
                    self.counts.households = map.next_value_seed(Rows { nested: true })?;
                }
                "upsert" => {
                    self.counts.upsert = map.next_value_seed(Rows { nested: true })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.counts.rows = Some(count_elements(seq)?);
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An object key, owned (keys with escapes cannot be borrowed); anything
/// but the few keys the pass looks for is short-lived.
struct KeyName(String);

impl<'de> serde::Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(KeyName)
    }
}

fn count_elements<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<usize, A::Error> {
    let mut n = 0usize;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Implements the visits a seed does not care about as "nothing here".
macro_rules! nothing_else {
    ($out:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

/// Ignores whatever a value is; for seeds whose visitor does not look at
/// objects or arrays.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Roster rows: an array's length; with `nested`, also an object's
/// `households` array (`{"households": [...]}`).
#[derive(Clone, Copy)]
struct Rows {
    nested: bool,
}

impl<'de> DeserializeSeed<'de> for Rows {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a roster")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        count_elements(seq).map(Some)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rows = None;
        while let Some(key) = map.next_key::<KeyName>()? {
            if self.nested && key.0 == "households" {
                rows = map.next_value_seed(Rows { nested: false })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(rows)
    }

    nothing_else!(None);
}

/// A `{"features": [...]}` object.
struct Layout<'a>(&'a Limits);

impl<'de> DeserializeSeed<'de> for Layout<'_> {
    type Value = Option<LayoutCounts>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Layout<'_> {
    type Value = Option<LayoutCounts>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a layout")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut layout = None;
        while let Some(key) = map.next_key::<KeyName>()? {
            if key.0 == "features" {
                layout = map.next_value_seed(Features(self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(layout)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|_| None)
    }

    nothing_else!(None);
}

/// A `features` array: its length, vertices in all and the heavy features.
struct Features<'a>(&'a Limits);

impl<'de> DeserializeSeed<'de> for Features<'_> {
    type Value = Option<LayoutCounts>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Features<'_> {
    type Value = Option<LayoutCounts>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut counts = LayoutCounts::default();
        while let Some(feature) = seq.next_element_seed(Feature)? {
            counts.features += 1;
            if counts.features > self.0.max_features {
                // Over the limit: the rest is only counted.
                counts.features += count_elements(seq)?;
                return Ok(Some(counts));
            }
            if feature.positions > self.0.max_vertices {
                counts.heavy.push(match feature.id {
                    Some(id) => shown(&id),
                    None => format!("feature #{}", counts.features),
                });
            }
            counts.total = counts.total.saturating_add(feature.positions);
        }
        Ok(Some(counts))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|_| None)
    }

    nothing_else!(None);
}

#[derive(Default)]
struct FeatureCounts {
    id: Option<String>,
    positions: usize,
}

/// One feature: its `properties.id` (when a string) and its positions.
struct Feature;

impl<'de> DeserializeSeed<'de> for Feature {
    type Value = FeatureCounts;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Feature {
    type Value = FeatureCounts;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut feature = FeatureCounts::default();
        while let Some(key) = map.next_key::<KeyName>()? {
            match key.0.as_str() {
                "properties" => feature.id = map.next_value_seed(IdOf)?,
                "geometry" => feature.positions = map.next_value_seed(Geometry)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(feature)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|_| FeatureCounts::default())
    }

    nothing_else!(FeatureCounts::default());
}

/// The `id` of a `properties` object, when it is a string.
struct IdOf;

impl<'de> DeserializeSeed<'de> for IdOf {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdOf {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("feature properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key::<KeyName>()? {
            if key.0 == "id" {
                id = map.next_value_seed(Text)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|_| None)
    }

    nothing_else!(None);
}

/// A string value, else nothing.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(s.to_string()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|_| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|_| None)
    }
}

/// A geometry's positions: its `geometries` (a collection) when it has
/// them, else its `coordinates`.
struct Geometry;

impl<'de> DeserializeSeed<'de> for Geometry {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Geometry {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a geometry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let (mut coordinates, mut parts) = (0usize, None::<usize>);
        while let Some(key) = map.next_key::<KeyName>()? {
            match key.0.as_str() {
                "coordinates" => coordinates = map.next_value_seed(Coordinates)?.count(),
                "geometries" => parts = Some(map.next_value_seed(Geometries)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(parts.unwrap_or(coordinates))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<usize, A::Error> {
        drain_seq(seq).map(|_| 0)
    }

    nothing_else!(0);
}

/// The parts of a geometry collection: the sum of their positions (an
/// array of anything else counts nothing).
struct Geometries;

impl<'de> DeserializeSeed<'de> for Geometries {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Geometries {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("geometries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0usize;
        while let Some(part) = seq.next_element_seed(Geometry)? {
            n = n.saturating_add(part);
        }
        Ok(n)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<usize, A::Error> {
        drain_map(map).map(|_| 0)
    }

    nothing_else!(0);
}

/// A `coordinates` value at any depth: a number (inside a position), or an
/// array holding so many positions (an array whose first item is a number
/// is one position).
enum Coords {
    Number,
    Positions(usize),
}

impl Coords {
    fn count(&self) -> usize {
        match self {
            Coords::Number => 0,
            Coords::Positions(n) => *n,
        }
    }
}

struct Coordinates;

impl<'de> DeserializeSeed<'de> for Coordinates {
    type Value = Coords;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Coordinates {
    type Value = Coords;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("coordinates")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let mut n = 0usize;
        let mut first = true;
        while let Some(item) = seq.next_element_seed(Coordinates)? {
            if first && matches!(item, Coords::Number) {
                drain_seq(seq)?;
                return Ok(Coords::Positions(1));
            }
            first = false;
            n = n.saturating_add(item.count());
        }
        Ok(Coords::Positions(n))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Coords, E> {
        Ok(Coords::Number)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Coords, E> {
        Ok(Coords::Number)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Coords, E> {
        Ok(Coords::Number)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Coords, E> {
        Ok(Coords::Positions(0))
    }
    fn visit_str<E>(self, _: &str) -> Result<Coords, E> {
        Ok(Coords::Positions(0))
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Positions(0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Coords, A::Error> {
        drain_map(map).map(|_| Coords::Positions(0))
    }
}

#[cfg(test)]
mod tests;
