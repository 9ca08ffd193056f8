//! Loading a site layout: a GeoJSON FeatureCollection (FORMAT.md §1) into a
//! typed, projected [`Site`].
//!
//! Every problem is collected, each naming the feature by its `properties.id`
//! or, when that is missing, by its 1-based position (`feature #3`).
//!
//! Readings of the spec chosen here:
//! - `properties.id` must be a non-empty string or a whole number, which
//!   reads as its decimal text (`1` and `1.0` read as `"1"`, as a GIS
//!   integer field holds them); `1.5` is refused. A top-level GeoJSON `id` is
//!   not used in its place. The same holds for an entrance's `building` and
//!   `unit`, and for `zone`, `name` and `reason`.
//! - `null` is the same as an absent property (GDAL writes every field of
//!   the layer on every feature), and so is an empty optional text.
//! - `accessible` / `charger` take what GIS fields hold: `true`/`false`,
//!   `1`/`0` (also `1.0`/`0.0`), and the texts `true`/`false`, `t`/`f`,
//!   `yes`/`no`, `y`/`n`, `1`/`0` (any case), `是`/`否`.
//! - A single-part `MultiPolygon`, `MultiPoint` or `MultiLineString` (what
//!   QGIS and `ogr2ogr -nlt PROMOTE_TO_MULTI` write) reads as its one part;
//!   a walkway's `MultiLineString` of several parts is several walkways with
//!   the feature's id. Any other multi-part geometry, and any type other than
//!   the table's, is a `geometry-type` error (naming the number of parts).
//!   A third (Z) number in a position is ignored.
//! - The legacy `crs` member is read by [`crate::geometry::crs`]: WGS84, CGCS2000, or
//!   a projected CRS in metres, whose positions are converted to WGS84 and
//!   then measured as WGS84 input is (ground metres on the local plane about
//!   the site's centre). A `crs` that cannot be used is one `crs` error, and
//!   nothing is measured. With `"coordinates": "local_meters"` a projected
//!   `crs` wins (both say metres; the `crs` also says where), and a WGS84 one
//!   is ignored (GDAL labels every GeoJSON it reads as WGS84).
//! - A polygon ring that is not closed or has fewer than four positions
//!   breaks rule 1 and is reported here as `R1-valid-polygon`, since the
//!   loaded geometry types cannot represent it.
//! - Coordinates in WGS84 mode must be longitudes in [-180, 180] and
//!   latitudes in [-90, 90]; anything else suggests a planar export that
//!   lacks `"coordinates": "local_meters"`.

use crate::geometry::crs::{read_crs_member, LayoutCrs, ProjectedCrs};
use crate::geometry::LocalProjection;
use crate::model::Rule;
use crate::model::{
    Building, CoordinateMode, Entrance, NamedPoint, Problem, Problems, Resource, ResourceKind,
    Shape, Site, Walkway, Zone,
};
use geo::{Coord, LineString, Point, Polygon};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod convert;
mod feature;

pub use feature::feature_id;
use feature::{parse_feature, raw_id, read_bool, read_text};

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

/// How positions are read.
enum Input {
    Wgs84,
    Local,
    Projected(ProjectedCrs),
    /// The `crs` member could not be used: positions are only checked to be
    /// finite numbers, and no site is built.
    Unusable,
}

/// Geometry in input coordinates (a projected CRS's already converted to
/// WGS84), before projection.
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
    /// One geometry, or a walkway's parts.
    geoms: Vec<RawGeom>,
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
            Rule::LayoutJson,
            "the layout must be a GeoJSON FeatureCollection object",
        ));
        return (None, problems);
    };
    if top.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        problems.push(
            Problem::new(
                Rule::LayoutJson,
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
                Problem::new(Rule::LayoutJson, "the layout has no `features` array")
                    .field("features"),
            );
            &[]
        }
    };
    let local_flag = match top.get("coordinates") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "local_meters" => true,
        Some(Value::String(s)) if s == "wgs84" => false,
        Some(other) => {
            problems.push(
                Problem::new(
                    Rule::LayoutJson,
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
    let mut input = match (read_crs_member(top.get("crs")), local_flag) {
        (Ok(LayoutCrs::Projected(p)), _) => Input::Projected(p),
        (Ok(LayoutCrs::Wgs84), true) => Input::Local,
        (Ok(LayoutCrs::Wgs84), false) => Input::Wgs84,
        (Err(e), _) => {
            problems.push(Problem::new(Rule::Crs, e.to_string()).field("crs"));
            Input::Unusable
        }
    };
    if matches!(input, Input::Wgs84) {
        if let Some(p) = planar_without_a_crs(features) {
            problems.push(p);
            input = Input::Unusable;
        }
    }

    let mut parsed: Vec<Parsed> = Vec::new();
    let mut positions: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, fv) in features.iter().enumerate() {
        if let Some(p) = parse_feature(i + 1, fv, &input, &mut problems) {
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
                    Rule::DuplicateId,
                    format!(
                        "id {} is used by {} features ({}); ids must be unique in the collection",
                        crate::input::limits::shown(id),
                        at.len(),
                        crate::input::limits::sample(&list)
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
            Rule::BoundaryCount,
            "the layout has no boundary feature; exactly one is required",
        ));
    } else if boundaries.len() > 1 {
        problems.push(
            Problem::new(
                Rule::BoundaryCount,
                format!(
                    "the layout has {} boundary features ({}); exactly one is allowed",
                    boundaries.len(),
                    crate::input::limits::sample(&boundaries)
                ),
            )
            .features(
                boundaries
                    .iter()
                    .take(crate::input::limits::SAMPLE)
                    .map(|s| s.to_string()),
            ),
        );
    }
    if (features.is_empty() && top.get("features").is_none()) || matches!(input, Input::Unusable) {
        return (None, problems);
    }
    let mut seen_ids = std::collections::BTreeSet::new();
    parsed.retain(|p| seen_ids.insert(p.id.clone()));

    type Projector = Box<dyn Fn([f64; 2]) -> Coord<f64>>;
    let all_coords = || {
        parsed
            .iter()
            .flat_map(|p| p.geoms.iter().flat_map(RawGeom::coords))
            .map(|c| (c[0], c[1]))
    };
    let (coordinates, project): (CoordinateMode, Projector) = match &input {
        Input::Local | Input::Unusable => (
            CoordinateMode::LocalMeters,
            Box::new(|c: [f64; 2]| Coord { x: c[0], y: c[1] }),
        ),
        Input::Wgs84 | Input::Projected(_) => {
            let proj = LocalProjection::centred_on(all_coords())
                .unwrap_or_else(|| LocalProjection::new(0.0, 0.0));
            let (lon0, lat0) = (proj.lon0, proj.lat0);
            (
                match &input {
                    Input::Projected(crs) => CoordinateMode::Projected {
                        epsg: crs.epsg,
                        lon0,
                        lat0,
                    },
                    _ => CoordinateMode::Wgs84 { lon0, lat0 },
                },
                Box::new(move |c: [f64; 2]| {
                    let (x, y) = proj.forward(c[0], c[1]);
                    Coord { x, y }
                }),
            )
        }
    };

    let mut site = Site {
        id: site_id,
        name: site_name,
        raw: value.clone(),
        ..Site::empty(coordinates)
    };
    for p in parsed {
        for geom in &p.geoms {
            let to_point = |c: [f64; 2]| Point::from(project(c));
            let to_polygon = |rings: &[Vec<[f64; 2]>]| {
                let mut it = rings
                    .iter()
                    .map(|r| LineString::new(r.iter().map(|c| project(*c)).collect()));
                let exterior = it.next().unwrap_or_else(|| LineString::new(Vec::new()));
                Polygon::new(exterior, it.collect())
            };
            let text = |key: &str| read_text(p.props.get(key)).ok().flatten();
            let flag = |key: &str| read_bool(p.props.get(key)).ok().flatten().unwrap_or(false);
            match (&p.kind, geom) {
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
                    unit: text("unit").unwrap_or_default(),
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
                            Rule::LayoutJson,
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
                    Rule::LayoutJson,
                    format!("`site` must be an object {{\"id\", \"name\"}}, not {other}"),
                )
                .field("site"),
            );
            (None, None)
        }
    }
}

/// One `coordinates` problem when not a single position of the layout is a
/// longitude/latitude: a planar export (a CAD drawing, or a GIS layer in a
/// custom CRS, which GDAL writes without a `crs` member) that names neither
/// `local_meters` nor its CRS. One error instead of one per feature.
fn planar_without_a_crs(features: &[Value]) -> Option<Problem> {
    fn positions(v: &Value, out: &mut Vec<(f64, f64)>) {
        if let Some(items) = v.as_array() {
            match (
                items.first().and_then(Value::as_f64),
                items.get(1).and_then(Value::as_f64),
            ) {
                (Some(x), Some(y)) => out.push((x, y)),
                _ => items.iter().for_each(|i| positions(i, out)),
            }
        }
    }
    let mut all = Vec::new();
    for f in features {
        positions(
            f.pointer("/geometry/coordinates").unwrap_or(&Value::Null),
            &mut all,
        );
    }
    let outside = |&(x, y): &(f64, f64)| x.abs() > 180.0 || y.abs() > 90.0;
    let first = *all.iter().find(|p| outside(p))?;
    all.iter().all(outside).then(|| {
        Problem::new(
            Rule::Coordinates,
            format!(
                "none of the layout's {} positions is a WGS84 longitude/latitude (the first is ({}, {})): for planar metres add \"coordinates\": \"local_meters\" to the collection, or name the projected CRS in a `crs` member (e.g. urn:ogc:def:crs:EPSG::4544)",
                all.len(),
                first.0,
                first.1
            ),
        )
        .field("coordinates")
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod gis_tests;
