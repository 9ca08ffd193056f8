//! Loading a site layout: a GeoJSON FeatureCollection (FORMAT.md §1) into a
//! typed, projected [`Site`].
//!
//! Every problem is collected, each naming the feature by its `properties.id`
//! or, when that is missing, by its 1-based position (`feature #3`).
//!
//! Readings of the spec chosen here:
//! - `properties.id` must be a non-empty string; a top-level GeoJSON `id` is
//!   not used in its place.
//! - An entrance's `unit` may be a string or an integer (`1` reads as `"1"`).
//! - `accessible` / `charger` must be booleans when present (`null` = false).
//! - A MultiPolygon (or any type other than the table's) is a
//!   `geometry-type` error.
//! - A polygon ring that is not closed or has fewer than four positions
//!   breaks rule 1 and is reported here as `R1-valid-polygon`, since the
//!   loaded geometry types cannot represent it.
//! - Coordinates in WGS84 mode must be longitudes in [-180, 180] and
//!   latitudes in [-90, 90]; anything else suggests a planar export that
//!   lacks `"coordinates": "local_meters"`.

use super::projection::LocalProjection;
use crate::model::{
    Building, CoordinateMode, Entrance, NamedPoint, Problem, Problems, Resource, ResourceKind,
    Shape, Site, Walkway, Zone,
};
use geo::{Coord, LineString, Point, Polygon};
use geojson::{Feature, GeometryValue};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The kinds of feature a layout may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    Boundary,
    Building,
    Entrance,
    Gate,
    Walkway,
    FireLane,
    KeepClear,
    PowerFeed,
    Resource(ResourceKind),
}

impl FeatureKind {
    /// Parses `properties.kind`.
    pub fn parse(name: &str) -> Option<FeatureKind> {
        Some(match name {
            "boundary" => FeatureKind::Boundary,
            "building" => FeatureKind::Building,
            "entrance" => FeatureKind::Entrance,
            "gate" => FeatureKind::Gate,
            "walkway" => FeatureKind::Walkway,
            "fire_lane" => FeatureKind::FireLane,
            "keep_clear" => FeatureKind::KeepClear,
            "power_feed" => FeatureKind::PowerFeed,
            other => FeatureKind::Resource(ResourceKind::parse(other)?),
        })
    }

    /// The geometry types the format allows for this kind.
    fn allowed_geometry(self) -> &'static [&'static str] {
        match self {
            FeatureKind::Entrance | FeatureKind::Gate | FeatureKind::PowerFeed => &["Point"],
            FeatureKind::Walkway => &["LineString"],
            FeatureKind::Resource(ResourceKind::ChargingBay) => &["Point", "Polygon"],
            _ => &["Polygon"],
        }
    }
}

const KNOWN_KINDS: &str = "boundary, building, entrance, gate, walkway, fire_lane, keep_clear, power_feed, parking_space, charging_bay, garden_plot";

/// Geometry in input coordinates, before projection.
enum RawGeom {
    Point([f64; 2]),
    Line(Vec<[f64; 2]>),
    Polygon(Vec<Vec<[f64; 2]>>),
}

impl RawGeom {
    fn coords(&self) -> Vec<[f64; 2]> {
        match self {
            RawGeom::Point(p) => vec![*p],
            RawGeom::Line(l) => l.clone(),
            RawGeom::Polygon(rings) => rings.iter().flatten().copied().collect(),
        }
    }
}

/// One feature that passed every check.
struct Parsed {
    id: String,
    kind: FeatureKind,
    geom: RawGeom,
    props: Map<String, Value>,
}

/// Loads a layout. `raw` of the result is a copy of `value`.
pub fn load_layout(value: &Value) -> Result<Site, Problems> {
    match load_layout_partial(value) {
        (Some(site), problems) if problems.is_empty() => Ok(site),
        (_, problems) => Err(problems),
    }
}

/// Loads what can be loaded of a layout: every problem, and the site made of
/// its well-formed features (the first of features sharing an id), so that
/// validation can report the geometry rules they break alongside the loading
/// problems. `None` when the value is not a FeatureCollection at all.
pub fn load_layout_partial(value: &Value) -> (Option<Site>, Problems) {
    let mut problems = Problems::default();
    let Some(top) = value.as_object() else {
        problems.push(Problem::new(
            "layout-json",
            "the layout must be a GeoJSON FeatureCollection object",
        ));
        return (None, problems);
    };
    if top.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        problems.push(
            Problem::new(
                "layout-json",
                format!(
                    "the layout must be a GeoJSON FeatureCollection, but its type is {}",
                    top.get("type")
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "missing".into())
                ),
            )
            .field("type"),
        );
    }
    let features = match top.get("features") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => {
            problems.push(
                Problem::new("layout-json", "the layout has no `features` array").field("features"),
            );
            &[]
        }
    };
    let local = match top.get("coordinates") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "local_meters" => true,
        Some(Value::String(s)) if s == "wgs84" => false,
        Some(other) => {
            problems.push(
                Problem::new(
                    "layout-json",
                    format!(
                        "top-level `coordinates` is {other}; the only value allowed is \"local_meters\" (omit it for WGS84)"
                    ),
                )
                .field("coordinates"),
            );
            false
        }
    };
    let (site_id, site_name) = read_site_member(top.get("site"), &mut problems);

    let mut parsed: Vec<Parsed> = Vec::new();
    let mut positions: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, fv) in features.iter().enumerate() {
        if let Some(p) = parse_feature(i + 1, fv, local, &mut problems) {
            positions.entry(p.id.clone()).or_default().push(i + 1);
            parsed.push(p);
        } else if let Some(id) = raw_id(fv) {
            positions.entry(id).or_default().push(i + 1);
        }
    }
    for (id, at) in &positions {
        if at.len() > 1 {
            let list: Vec<String> = at.iter().map(|n| format!("#{n}")).collect();
            problems.push(
                Problem::new(
                    "duplicate-id",
                    format!(
                        "id {} is used by {} features ({}); ids must be unique in the collection",
                        crate::model::limits::shown(id),
                        at.len(),
                        crate::model::limits::sample(&list)
                    ),
                )
                .feature(id.clone()),
            );
        }
    }
    let boundaries: Vec<&str> = parsed
        .iter()
        .filter(|p| p.kind == FeatureKind::Boundary)
        .map(|p| p.id.as_str())
        .collect();
    let boundary_features = features
        .iter()
        .filter(|f| f.pointer("/properties/kind").and_then(Value::as_str) == Some("boundary"))
        .count();
    if boundary_features == 0 {
        problems.push(Problem::new(
            "boundary-count",
            "the layout has no boundary feature; exactly one is required",
        ));
    } else if boundaries.len() > 1 {
        problems.push(
            Problem::new(
                "boundary-count",
                format!(
                    "the layout has {} boundary features ({}); exactly one is allowed",
                    boundaries.len(),
                    crate::model::limits::sample(&boundaries)
                ),
            )
            .features(
                boundaries
                    .iter()
                    .take(crate::model::limits::SAMPLE)
                    .map(|s| s.to_string()),
            ),
        );
    }
    if features.is_empty() && top.get("features").is_none() {
        return (None, problems);
    }
    let mut seen_ids = std::collections::BTreeSet::new();
    parsed.retain(|p| seen_ids.insert(p.id.clone()));

    type Projector = Box<dyn Fn([f64; 2]) -> Coord<f64>>;
    let (coordinates, project): (CoordinateMode, Projector) = if local {
        (
            CoordinateMode::LocalMeters,
            Box::new(|c: [f64; 2]| Coord { x: c[0], y: c[1] }),
        )
    } else {
        let proj = LocalProjection::centred_on(
            parsed
                .iter()
                .flat_map(|p| p.geom.coords())
                .map(|c| (c[0], c[1])),
        )
        .unwrap_or_else(|| LocalProjection::new(0.0, 0.0));
        (
            CoordinateMode::Wgs84 {
                lon0: proj.lon0,
                lat0: proj.lat0,
            },
            Box::new(move |c: [f64; 2]| {
                let (x, y) = proj.forward(c[0], c[1]);
                Coord { x, y }
            }),
        )
    };

    let mut site = Site {
        id: site_id,
        name: site_name,
        coordinates,
        boundary: None,
        buildings: Vec::new(),
        entrances: Vec::new(),
        gates: Vec::new(),
        walkways: Vec::new(),
        fire_lanes: Vec::new(),
        keep_clear: Vec::new(),
        power_feeds: Vec::new(),
        resources: Vec::new(),
        raw: value.clone(),
    };
    for p in parsed {
        let to_point = |c: [f64; 2]| Point::from(project(c));
        let to_polygon = |rings: &[Vec<[f64; 2]>]| {
            let mut it = rings
                .iter()
                .map(|r| LineString::new(r.iter().map(|c| project(*c)).collect()));
            let exterior = it.next().unwrap_or_else(|| LineString::new(Vec::new()));
            Polygon::new(exterior, it.collect())
        };
        let text = |key: &str| p.props.get(key).and_then(Value::as_str).map(str::to_string);
        let flag = |key: &str| p.props.get(key).and_then(Value::as_bool).unwrap_or(false);
        match (&p.kind, &p.geom) {
            (FeatureKind::Boundary, RawGeom::Polygon(r)) if site.boundary.is_none() => {
                site.boundary = Some(Zone {
                    id: p.id.clone(),
                    reason: None,
                    polygon: to_polygon(r),
                })
            }
            (FeatureKind::Building, RawGeom::Polygon(r)) => site.buildings.push(Building {
                id: p.id.clone(),
                name: text("name"),
                polygon: to_polygon(r),
            }),
            (FeatureKind::FireLane, RawGeom::Polygon(r)) => site.fire_lanes.push(Zone {
                id: p.id.clone(),
                reason: None,
                polygon: to_polygon(r),
            }),
            (FeatureKind::KeepClear, RawGeom::Polygon(r)) => site.keep_clear.push(Zone {
                id: p.id.clone(),
                reason: text("reason"),
                polygon: to_polygon(r),
            }),
            (FeatureKind::Entrance, RawGeom::Point(c)) => site.entrances.push(Entrance {
                id: p.id.clone(),
                building: text("building").unwrap_or_default(),
                unit: unit_text(p.props.get("unit")).unwrap_or_default(),
                point: to_point(*c),
            }),
            (FeatureKind::Gate, RawGeom::Point(c)) => site.gates.push(NamedPoint {
                id: p.id.clone(),
                point: to_point(*c),
            }),
            (FeatureKind::PowerFeed, RawGeom::Point(c)) => site.power_feeds.push(NamedPoint {
                id: p.id.clone(),
                point: to_point(*c),
            }),
            (FeatureKind::Walkway, RawGeom::Line(l)) => site.walkways.push(Walkway {
                id: p.id.clone(),
                line: LineString::new(l.iter().map(|c| project(*c)).collect()),
            }),
            (FeatureKind::Resource(kind), geom) => {
                let shape = match geom {
                    RawGeom::Point(c) => Shape::Point(to_point(*c)),
                    RawGeom::Polygon(r) => Shape::Polygon(to_polygon(r)),
                    RawGeom::Line(_) => continue,
                };
                let parking = *kind == ResourceKind::ParkingSpace;
                site.resources.push(Resource {
                    id: p.id.clone(),
                    kind: *kind,
                    shape,
                    accessible: parking && flag("accessible"),
                    charger: parking && flag("charger"),
                    zone: text("zone"),
                });
            }
            // parse_feature only lets matching geometry types through.
            _ => {}
        }
    }
    (Some(site), problems)
}

fn read_site_member(
    site: Option<&Value>,
    problems: &mut Problems,
) -> (Option<String>, Option<String>) {
    match site {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(o)) => {
            let mut get = |key: &str| match o.get(key) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    problems.push(
                        Problem::new(
                            "layout-json",
                            format!("site.{key} must be a string, not {other}"),
                        )
                        .field(format!("site.{key}")),
                    );
                    None
                }
            };
            let id = get("id");
            let name = get("name");
            (id, name)
        }
        Some(other) => {
            problems.push(
                Problem::new(
                    "layout-json",
                    format!("`site` must be an object {{\"id\", \"name\"}}, not {other}"),
                )
                .field("site"),
            );
            (None, None)
        }
    }
}

/// The `properties.id` of a raw feature value, when it is a non-empty string.
fn raw_id(fv: &Value) -> Option<String> {
    fv.pointer("/properties/id")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

fn unit_text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn parse_feature(n: usize, fv: &Value, local: bool, problems: &mut Problems) -> Option<Parsed> {
    let label_of = |id: &Option<String>| id.clone().unwrap_or_else(|| format!("feature #{n}"));
    let id = raw_id(fv);
    let label = label_of(&id);
    let feature: Feature = match serde_json::from_value(fv.clone()) {
        Ok(f) => f,
        Err(e) => {
            problems.push(
                Problem::new(
                    "layout-json",
                    format!("{label} (feature #{n}) is not a valid GeoJSON Feature: {e}"),
                )
                .feature(label.clone()),
            );
            return None;
        }
    };
    let props = feature.properties.clone().unwrap_or_default();
    let mut ok = true;
    if id.is_none() {
        let what = match props.get("id") {
            None | Some(Value::Null) => "has no properties.id".to_string(),
            Some(other) => format!("has properties.id {other}, which is not a non-empty string"),
        };
        problems.push(
            Problem::new(
                "feature-id",
                format!("feature #{n} {what}; every feature needs a unique string id"),
            )
            .feature(label.clone()),
        );
        ok = false;
    }
    if let Some(why) = id
        .as_deref()
        .and_then(crate::model::limits::id_characters_problem)
    {
        problems.push(
            Problem::new(
                "feature-id",
                format!("feature #{n}'s properties.id is not usable: {why}"),
            )
            .feature(format!("feature #{n}")),
        );
        ok = false;
    }
    let kind = match props.get("kind") {
        Some(Value::String(s)) => match FeatureKind::parse(s) {
            Some(k) => Some(k),
            None => {
                problems.push(
                    Problem::new(
                        "feature-kind",
                        format!("{label} has unknown kind \"{s}\"; known kinds: {KNOWN_KINDS}"),
                    )
                    .feature(label.clone()),
                );
                None
            }
        },
        None | Some(Value::Null) => {
            problems.push(
                Problem::new("feature-kind", format!("{label} has no properties.kind"))
                    .feature(label.clone()),
            );
            None
        }
        Some(other) => {
            problems.push(
                Problem::new(
                    "feature-kind",
                    format!("{label} has properties.kind {other}, which is not a string"),
                )
                .feature(label.clone()),
            );
            None
        }
    };
    let kind = kind?;
    let kind_name = props
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let allowed = kind.allowed_geometry();
    let geom = match feature.geometry.as_ref().map(|g| &g.value) {
        None => {
            problems.push(
                Problem::new(
                    "geometry-type",
                    format!(
                        "{label} has no geometry; a {kind_name} needs a {}",
                        allowed.join(" or ")
                    ),
                )
                .feature(label.clone()),
            );
            None
        }
        Some(g) if !allowed.contains(&g.type_name()) => {
            problems.push(
                Problem::new(
                    "geometry-type",
                    format!(
                        "{label} is a {}; a {kind_name} must be a {}",
                        g.type_name(),
                        allowed.join(" or ")
                    ),
                )
                .feature(label.clone()),
            );
            None
        }
        Some(g) => convert_geometry(&label, g, local, problems),
    };
    ok &= check_properties(&label, kind, &props, problems);
    let geom = geom?;
    if !ok {
        return None;
    }
    Some(Parsed {
        id: id?,
        kind,
        geom,
        props,
    })
}

fn check_properties(
    label: &str,
    kind: FeatureKind,
    props: &Map<String, Value>,
    problems: &mut Problems,
) -> bool {
    let mut ok = true;
    let mut bad = |field: &str, msg: String| {
        problems.push(
            Problem::new("property", format!("{label}: {msg}"))
                .feature(label.to_string())
                .field(format!("properties.{field}")),
        );
        ok = false;
    };
    let optional_text = |key: &str| {
        matches!(
            props.get(key),
            None | Some(Value::Null) | Some(Value::String(_))
        )
    };
    match kind {
        FeatureKind::Entrance => {
            match props.get("building") {
                Some(Value::String(s)) if !s.trim().is_empty() => {}
                _ => bad(
                    "building",
                    "an entrance needs properties.building, the id of its building".into(),
                ),
            }
            if unit_text(props.get("unit")).is_none() {
                bad(
                    "unit",
                    "an entrance needs properties.unit, the unit (单元) it serves, as a string"
                        .into(),
                );
            }
        }
        FeatureKind::Resource(rk) => {
            if rk == ResourceKind::ParkingSpace {
                for key in ["accessible", "charger"] {
                    match props.get(key) {
                        None | Some(Value::Null) | Some(Value::Bool(_)) => {}
                        Some(other) => {
                            bad(key, format!("{key} must be true or false, not {other}"))
                        }
                    }
                }
            }
            if !optional_text("zone") {
                bad("zone", "zone must be a string".into());
            }
        }
        FeatureKind::Building if !optional_text("name") => {
            bad("name", "name must be a string".into());
        }
        FeatureKind::KeepClear if !optional_text("reason") => {
            bad("reason", "reason must be a string".into());
        }
        _ => {}
    }
    ok
}

fn convert_position(
    label: &str,
    pos: &geojson::Position,
    local: bool,
    problems: &mut Problems,
) -> Option<[f64; 2]> {
    let s = pos.as_slice();
    let (Some(&x), Some(&y)) = (s.first(), s.get(1)) else {
        problems.push(
            Problem::new(
                "coordinates",
                format!("{label} has a position with fewer than 2 numbers"),
            )
            .feature(label.to_string()),
        );
        return None;
    };
    if !x.is_finite() || !y.is_finite() {
        problems.push(
            Problem::new(
                "coordinates",
                format!("{label} has a non-finite coordinate ({x}, {y})"),
            )
            .feature(label.to_string()),
        );
        return None;
    }
    if !local && (x.abs() > 180.0 || y.abs() > 90.0) {
        problems.push(
            Problem::new(
                "coordinates",
                format!(
                    "{label} has position ({x}, {y}), which is not a WGS84 longitude/latitude; for planar metres add \"coordinates\": \"local_meters\" to the collection"
                ),
            )
            .feature(label.to_string()),
        );
        return None;
    }
    Some([x, y])
}

fn convert_geometry(
    label: &str,
    g: &GeometryValue,
    local: bool,
    problems: &mut Problems,
) -> Option<RawGeom> {
    let before = problems.0.len();
    let conv = |ps: &[geojson::Position], problems: &mut Problems| -> Vec<[f64; 2]> {
        ps.iter()
            .filter_map(|p| convert_position(label, p, local, problems))
            .collect()
    };
    let geom = match g {
        GeometryValue::Point { coordinates } => {
            RawGeom::Point(convert_position(label, coordinates, local, problems)?)
        }
        GeometryValue::LineString { coordinates } => {
            let line = conv(coordinates, problems);
            if coordinates.len() < 2 {
                problems.push(
                    Problem::new(
                        "coordinates",
                        format!(
                            "{label} has {} position(s); a LineString needs at least 2",
                            coordinates.len()
                        ),
                    )
                    .feature(label.to_string()),
                );
            }
            RawGeom::Line(line)
        }
        GeometryValue::Polygon { coordinates } => {
            if coordinates.is_empty() {
                problems.push(
                    Problem::new(
                        "R1-valid-polygon",
                        format!("{label} is a Polygon without rings"),
                    )
                    .feature(label.to_string()),
                );
            }
            let mut rings = Vec::new();
            for (r, ring) in coordinates.iter().enumerate() {
                let which = if r == 0 {
                    "its exterior ring".to_string()
                } else {
                    format!("its interior ring {r}")
                };
                let pts = conv(ring, problems);
                if ring.len() < 4 {
                    problems.push(
                        Problem::new(
                            "R1-valid-polygon",
                            format!(
                                "{label}: {which} has {} positions; a closed ring needs at least 4 (rule 1)",
                                ring.len()
                            ),
                        )
                        .feature(label.to_string()),
                    );
                } else if pts.len() == ring.len() && pts.first() != pts.last() {
                    problems.push(
                        Problem::new(
                            "R1-valid-polygon",
                            format!("{label}: {which} is not closed (its last position differs from its first; rule 1)"),
                        )
                        .feature(label.to_string()),
                    );
                }
                rings.push(pts);
            }
            RawGeom::Polygon(rings)
        }
        // Other types were rejected by the caller.
        _ => return None,
    };
    (problems.0.len() == before).then_some(geom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feature(kind: &str, id: &str, geometry: Value) -> Value {
        json!({"type": "Feature", "properties": {"kind": kind, "id": id}, "geometry": geometry})
    }

    fn square(x: f64, y: f64, w: f64, h: f64) -> Value {
        json!({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]})
    }

    fn rules(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|p| p.rule.as_str()).collect()
    }

    #[test]
    fn a_local_layout_loads_every_kind_of_feature() {
        let mut entrance = feature(
            "entrance",
            "E1",
            json!({"type": "Point", "coordinates": [5.0, 9.0]}),
        );
        entrance["properties"]["building"] = json!("B1");
        entrance["properties"]["unit"] = json!(1);
        let mut space = feature("parking_space", "P1", square(20.0, 0.0, 2.5, 5.3));
        space["properties"]["charger"] = json!(true);
        let v = json!({
            "type": "FeatureCollection", "coordinates": "local_meters",
            "site": {"id": "s1", "name": "Test"},
            "features": [
                feature("boundary", "S", square(0.0, 0.0, 100.0, 100.0)),
                feature("building", "B1", square(0.0, 10.0, 10.0, 10.0)),
                entrance,
                feature("walkway", "W1", json!({"type": "LineString", "coordinates": [[0.0, 0.0], [5.0, 5.0]]})),
                feature("charging_bay", "C1", json!({"type": "Point", "coordinates": [50.0, 50.0]})),
                space,
            ]
        });
        let site = load_layout(&v).unwrap();
        assert_eq!(site.id.as_deref(), Some("s1"));
        assert_eq!(site.coordinates, CoordinateMode::LocalMeters);
        assert_eq!(site.boundary.as_ref().map(|b| b.id.as_str()), Some("S"));
        assert_eq!(site.entrances[0].unit, "1");
        assert_eq!(site.resources.len(), 2);
        assert!(site.resources[1].charger && !site.resources[1].accessible);
        assert_eq!(site.raw, v);
    }

    #[test]
    fn wgs84_layouts_are_projected_about_the_site_centre() {
        let v = json!({"type": "FeatureCollection", "features": [
            feature("boundary", "S", square(104.08, 30.64, 0.02, 0.02)),
        ]});
        let site = load_layout(&v).unwrap();
        match site.coordinates {
            CoordinateMode::Wgs84 { lon0, lat0 } => {
                assert!((lon0 - 104.09).abs() < 1e-9 && (lat0 - 30.65).abs() < 1e-9)
            }
            other => panic!("{other:?}"),
        }
        let b = site.boundary.unwrap().polygon;
        let first = b.exterior().0[0];
        // 0.01° of longitude at 30.65 N is about 958 m, of latitude about 1109 m.
        assert!((first.x + 958.5).abs() < 2.0, "{first:?}");
        assert!((first.y + 1108.7).abs() < 2.0, "{first:?}");
    }

    #[test]
    fn every_problem_is_collected_with_the_feature_named() {
        let v = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
            feature("boundary", "S", square(0.0, 0.0, 10.0, 10.0)),
            feature("bike_rack", "X1", square(0.0, 0.0, 1.0, 1.0)),
            {"type": "Feature", "properties": {"kind": "gate"}, "geometry": {"type": "Point", "coordinates": [1.0, 1.0]}},
            feature("garden_plot", "G1", square(1.0, 1.0, 1.0, 1.0)),
            feature("garden_plot", "G1", square(3.0, 1.0, 1.0, 1.0)),
            feature("garden_plot", "G2", json!({"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]})),
            feature("entrance", "E1", json!({"type": "Point", "coordinates": [1.0, 1.0]})),
        ]});
        let err = load_layout(&v).unwrap_err();
        assert_eq!(
            rules(&err),
            vec![
                "feature-kind",
                "feature-id",
                "geometry-type",
                "property",
                "property",
                "duplicate-id"
            ]
        );
        assert_eq!(err.0[0].feature.as_deref(), Some("X1"));
        assert_eq!(err.0[1].feature.as_deref(), Some("feature #3"));
        assert_eq!(err.0[2].feature.as_deref(), Some("G2"));
        assert!(err.0[2].message.contains("MultiPolygon"));
        assert_eq!(err.0[5].feature.as_deref(), Some("G1"));
    }

    #[test]
    fn a_layout_without_or_with_two_boundaries_is_refused() {
        let none =
            json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": []});
        assert_eq!(
            rules(&load_layout(&none).unwrap_err()),
            vec!["boundary-count"]
        );
        let two = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
            feature("boundary", "S1", square(0.0, 0.0, 10.0, 10.0)),
            feature("boundary", "S2", square(0.0, 0.0, 10.0, 10.0)),
        ]});
        let err = load_layout(&two).unwrap_err();
        assert_eq!(rules(&err), vec!["boundary-count"]);
        assert_eq!(err.0[0].features, vec!["S1", "S2"]);
    }

    #[test]
    fn non_boolean_flags_unclosed_rings_and_non_collections_are_errors() {
        let mut space = feature("parking_space", "P1", square(0.0, 0.0, 2.5, 5.3));
        space["properties"]["accessible"] = json!("yes");
        let open = feature(
            "keep_clear",
            "K1",
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]]}),
        );
        let v = json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": [
            feature("boundary", "S", square(0.0, 0.0, 10.0, 10.0)), space, open,
        ]});
        let err = load_layout(&v).unwrap_err();
        assert_eq!(rules(&err), vec!["property", "R1-valid-polygon"]);
        assert_eq!(err.0[0].field.as_deref(), Some("properties.accessible"));
        assert_eq!(
            rules(&load_layout(&json!([1, 2])).unwrap_err()),
            vec!["layout-json"]
        );
    }

    #[test]
    fn planar_numbers_without_the_local_meters_flag_are_reported() {
        let v = json!({"type": "FeatureCollection", "features": [
            feature("boundary", "S", square(0.0, 0.0, 500.0, 500.0)),
        ]});
        let err = load_layout(&v).unwrap_err();
        assert!(err.0.iter().all(|p| p.rule == "coordinates"));
        assert!(err.0[0].message.contains("local_meters"));
    }
}
