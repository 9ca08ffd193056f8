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
    let local_flag = match top.get("coordinates") {
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
    let mut input = match (read_crs_member(top.get("crs")), local_flag) {
        (Ok(LayoutCrs::Projected(p)), _) => Input::Projected(p),
        (Ok(LayoutCrs::Wgs84), true) => Input::Local,
        (Ok(LayoutCrs::Wgs84), false) => Input::Wgs84,
        (Err(e), _) => {
            problems.push(Problem::new("crs", e.to_string()).field("crs"));
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
            "coordinates",
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

/// The `properties.id` of a raw feature value, when it is a non-empty
/// string or a whole number (read as its text).
fn raw_id(fv: &Value) -> Option<String> {
    read_text(fv.pointer("/properties/id")).ok().flatten()
}

/// The id of a feature's properties as the loader reads it (a whole number
/// reads as its text), for renderers that look features up by id.
pub fn feature_id(props: &Map<String, Value>) -> Option<String> {
    read_text(props.get("id")).ok().flatten()
}

/// A text property: `Ok(None)` when absent, `null` or blank; a whole number
/// (`1`, `1.0`, as GIS integer and real fields hold ids) as its decimal text;
/// `Err` for anything else (`1.5`, booleans, arrays, objects).
fn read_text(v: Option<&Value>) -> Result<Option<String>, ()> {
    /// 2⁵³: every whole number below it is exact in a double.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < EXACT => Ok(Some(format!("{}", f as i64))),
            _ => Err(()),
        },
        Some(_) => Err(()),
    }
}

/// A yes/no property as GIS fields hold it: `Ok(None)` when absent, `null`
/// or blank; `Err` for anything not listed in the module documentation.
fn read_bool(v: Option<&Value>) -> Result<Option<bool>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(1.0) => Ok(Some(true)),
            Some(0.0) => Ok(Some(false)),
            _ => Err(()),
        },
        Some(Value::String(s)) => match s.trim().to_lowercase().as_str() {
            "" => Ok(None),
            "true" | "t" | "yes" | "y" | "1" | "是" => Ok(Some(true)),
            "false" | "f" | "no" | "n" | "0" | "否" => Ok(Some(false)),
            _ => Err(()),
        },
        Some(_) => Err(()),
    }
}

/// A geometry as the single-part geometries the format's table names: a
/// single-part Multi* as its part, a walkway's MultiLineString as its parts.
/// `Err((type, parts))` for a multi-part (or empty) geometry of another kind.
fn single_parts(
    kind: FeatureKind,
    g: &GeometryValue,
) -> Result<Vec<GeometryValue>, (&'static str, usize)> {
    use GeometryValue as G;
    let one = |parts: Vec<GeometryValue>, name: &'static str| {
        if parts.len() == 1 {
            Ok(parts)
        } else {
            Err((name, parts.len()))
        }
    };
    match g {
        G::MultiPoint { coordinates } => one(
            coordinates
                .iter()
                .map(|c| G::Point {
                    coordinates: c.clone(),
                })
                .collect(),
            "MultiPoint",
        ),
        G::MultiLineString { coordinates } => {
            let parts: Vec<GeometryValue> = coordinates
                .iter()
                .map(|c| G::LineString {
                    coordinates: c.clone(),
                })
                .collect();
            if kind == FeatureKind::Walkway && !parts.is_empty() {
                Ok(parts)
            } else {
                one(parts, "MultiLineString")
            }
        }
        G::MultiPolygon { coordinates } => one(
            coordinates
                .iter()
                .map(|c| G::Polygon {
                    coordinates: c.clone(),
                })
                .collect(),
            "MultiPolygon",
        ),
        other => Ok(vec![other.clone()]),
    }
}

fn parse_feature(n: usize, fv: &Value, input: &Input, problems: &mut Problems) -> Option<Parsed> {
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
            Some(other) => format!(
                "has properties.id {other}, which is not a non-empty string or a whole number"
            ),
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
    let parts = match feature
        .geometry
        .as_ref()
        .map(|g| single_parts(kind, &g.value))
    {
        None => None,
        Some(Ok(parts)) => Some(parts),
        Some(Err((type_name, 0))) => {
            problems.push(
                Problem::new(
                    "geometry-type",
                    format!(
                        "{label} is an empty {type_name}; a {kind_name} needs a {}",
                        allowed.join(" or ")
                    ),
                )
                .feature(label.clone()),
            );
            ok = false;
            Some(Vec::new())
        }
        Some(Err((type_name, count))) => {
            problems.push(
                Problem::new(
                    "geometry-type",
                    format!(
                        "{label} is a {type_name} of {count} parts; a {kind_name} must be a single {} (draw each part as a feature of its own, with its own id)",
                        allowed.join(" or ")
                    ),
                )
                .feature(label.clone()),
            );
            ok = false;
            Some(Vec::new())
        }
    };
    let mut geoms = Vec::new();
    match parts.as_deref() {
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
            ok = false;
        }
        Some(parts) => {
            for g in parts {
                if !allowed.contains(&g.type_name()) {
                    problems.push(
                        Problem::new(
                            "geometry-type",
                            format!(
                                "{label} is a {}; a {kind_name} must be a {}",
                                feature
                                    .geometry
                                    .as_ref()
                                    .map_or(g.type_name(), |g| g.value.type_name()),
                                allowed.join(" or ")
                            ),
                        )
                        .feature(label.clone()),
                    );
                    ok = false;
                    break;
                }
                match convert_geometry(&label, g, input, problems) {
                    Some(geom) => geoms.push(geom),
                    None => ok = false,
                }
            }
        }
    }
    ok &= check_properties(&label, kind, &props, problems);
    if !ok {
        return None;
    }
    Some(Parsed {
        id: id?,
        kind,
        geoms,
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
    let optional_text = |key: &str| read_text(props.get(key)).is_ok();
    let required_text = |key: &str| matches!(read_text(props.get(key)), Ok(Some(_)));
    match kind {
        FeatureKind::Entrance => {
            if !required_text("building") {
                bad(
                    "building",
                    "an entrance needs properties.building, the id of its building".into(),
                );
            }
            if !required_text("unit") {
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
                    if let (Err(()), Some(other)) = (read_bool(props.get(key)), props.get(key)) {
                        bad(
                            key,
                            format!(
                                "{key} must be true or false (or 1/0, yes/no, T/F, 是/否), not {other}"
                            ),
                        )
                    }
                }
            }
            if !optional_text("zone") {
                bad("zone", "zone must be a string (or a whole number)".into());
            }
        }
        FeatureKind::Building if !optional_text("name") => {
            bad("name", "name must be a string (or a whole number)".into());
        }
        FeatureKind::KeepClear if !optional_text("reason") => {
            bad(
                "reason",
                "reason must be a string (or a whole number)".into(),
            );
        }
        _ => {}
    }
    ok
}

fn convert_position(
    label: &str,
    pos: &geojson::Position,
    input: &Input,
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
    if let Input::Projected(crs) = input {
        // Grid metres → WGS84; from here on measured as WGS84 input is.
        let Some((lon, lat)) = crs.to_wgs84(x, y) else {
            problems.push(
                Problem::new(
                    "coordinates",
                    format!(
                        "{label} has position ({x}, {y}), which EPSG:{} cannot convert to longitude/latitude; is the `crs` member right?",
                        crs.epsg
                    ),
                )
                .feature(label.to_string()),
            );
            return None;
        };
        // Rounded to 1e-9° (0.1 mm), as the GeoJSON rendering writes them:
        // the conversion's last-bit noise never decides a tie between equal
        // walks, and a layout taken to a grid and back measures as before.
        let round = |d: f64| (d * 1e9).round() / 1e9;
        return Some([round(lon), round(lat)]);
    }
    if matches!(input, Input::Wgs84) && (x.abs() > 180.0 || y.abs() > 90.0) {
        problems.push(
            Problem::new(
                "coordinates",
                format!(
                    "{label} has position ({x}, {y}), which is not a WGS84 longitude/latitude; for planar metres add \"coordinates\": \"local_meters\" to the collection, or name the projected CRS in a `crs` member"
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
    input: &Input,
    problems: &mut Problems,
) -> Option<RawGeom> {
    let before = problems.0.len();
    let conv = |ps: &[geojson::Position], problems: &mut Problems| -> Vec<[f64; 2]> {
        ps.iter()
            .filter_map(|p| convert_position(label, p, input, problems))
            .collect()
    };
    let geom = match g {
        GeometryValue::Point { coordinates } => {
            RawGeom::Point(convert_position(label, coordinates, input, problems)?)
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
            feature("garden_plot", "G2", json!({"type": "MultiPolygon", "coordinates": [
                [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
                [[[5.0, 0.0], [6.0, 0.0], [6.0, 1.0], [5.0, 0.0]]]
            ]})),
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
        assert!(
            err.0[2].message.contains("MultiPolygon of 2 parts"),
            "{}",
            err.0[2].message
        );
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
        space["properties"]["accessible"] = json!("maybe");
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

#[cfg(test)]
mod gis_tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn collection(features: Vec<Value>) -> Value {
        json!({"type": "FeatureCollection", "coordinates": "local_meters", "features": features})
    }

    fn boundary() -> Value {
        json!({"type": "Feature", "properties": {"kind": "boundary", "id": "S"},
               "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]]]}})
    }

    fn ring(x: f64, y: f64) -> Value {
        json!([[
            [x, y, 7.5],
            [x + 2.5, y, 7.5],
            [x + 2.5, y + 5.3, 7.5],
            [x, y + 5.3, 7.5],
            [x, y, 7.5]
        ]])
    }

    #[test]
    fn single_part_multi_geometries_read_as_their_one_geometry_and_z_is_ignored() {
        let v = collection(vec![
            boundary(),
            json!({"type": "Feature", "properties": {"kind": "parking_space", "id": "P1"},
                   "geometry": {"type": "MultiPolygon", "coordinates": [ring(10.0, 10.0)]}}),
            json!({"type": "Feature", "properties": {"kind": "entrance", "id": "E1", "building": "B1", "unit": "1"},
                   "geometry": {"type": "MultiPoint", "coordinates": [[5.0, 6.0, 3.0]]}}),
            json!({"type": "Feature", "properties": {"kind": "walkway", "id": "W1"},
                   "geometry": {"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [10.0, 0.0]], [[10.0, 0.0, 1.0], [10.0, 10.0, 1.0]]]}}),
        ]);
        let site = load_layout(&v).unwrap();
        let Shape::Polygon(p) = &site.resources[0].shape else {
            panic!("a polygon")
        };
        assert_eq!(p.exterior().0[2], Coord { x: 12.5, y: 15.3 });
        assert_eq!(site.entrances[0].point, Point::new(5.0, 6.0));
        let walkways: Vec<(&str, usize)> = site
            .walkways
            .iter()
            .map(|w| (w.id.as_str(), w.line.0.len()))
            .collect();
        assert_eq!(walkways, vec![("W1", 2), ("W1", 2)]);
        assert_eq!(site.walkways[1].line.0[1], Coord { x: 10.0, y: 10.0 });
    }

    #[rstest]
    #[case("parking_space", json!({"type": "MultiPolygon", "coordinates": [ring(0.0, 0.0), ring(20.0, 0.0), ring(40.0, 0.0)]}), "P is a MultiPolygon of 3 parts")]
    #[case("gate", json!({"type": "MultiPoint", "coordinates": [[1.0, 1.0], [2.0, 2.0]]}), "P is a MultiPoint of 2 parts")]
    #[case("garden_plot", json!({"type": "MultiPolygon", "coordinates": []}), "P is an empty MultiPolygon")]
    #[case("walkway", json!({"type": "MultiLineString", "coordinates": []}), "P is an empty MultiLineString")]
    #[case("building", json!({"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]]]}), "P is a MultiLineString; a building must be a Polygon")]
    fn a_multi_part_geometry_for_one_feature_is_one_error_naming_it_and_its_parts(
        #[case] kind: &str,
        #[case] geometry: Value,
        #[case] expected: &str,
    ) {
        let v = collection(vec![
            boundary(),
            json!({"type": "Feature", "properties": {"kind": kind, "id": "P"}, "geometry": geometry}),
        ]);
        let err = load_layout(&v).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err:?}");
        assert_eq!(err.0[0].rule, "geometry-type");
        assert_eq!(err.0[0].feature.as_deref(), Some("P"));
        assert!(err.0[0].message.contains(expected), "{}", err.0[0].message);
    }

    #[rstest]
    #[case(json!(true), Some(true))]
    #[case(json!(false), Some(false))]
    #[case(json!(1), Some(true))]
    #[case(json!(0), Some(false))]
    #[case(json!(1.0), Some(true))]
    #[case(json!(0.0), Some(false))]
    #[case(json!("true"), Some(true))]
    #[case(json!("False"), Some(false))]
    #[case(json!("T"), Some(true))]
    #[case(json!("f"), Some(false))]
    #[case(json!("yes"), Some(true))]
    #[case(json!("NO"), Some(false))]
    #[case(json!("是"), Some(true))]
    #[case(json!("否"), Some(false))]
    #[case(json!(null), Some(false))]
    #[case(json!(""), Some(false))]
    #[case(json!(2), None)]
    #[case(json!(0.5), None)]
    #[case(json!("maybe"), None)]
    #[case(json!([true]), None)]
    fn flags_read_what_gis_fields_hold(#[case] value: Value, #[case] expected: Option<bool>) {
        let space = json!({"type": "Feature",
            "properties": {"kind": "parking_space", "id": "P1", "charger": value.clone(), "accessible": value.clone()},
            "geometry": {"type": "Polygon", "coordinates": ring(10.0, 10.0)}});
        let result = load_layout(&collection(vec![boundary(), space]));
        match expected {
            Some(b) => {
                let site = result.unwrap();
                assert_eq!(
                    (site.resources[0].charger, site.resources[0].accessible),
                    (b, b)
                );
            }
            None => {
                let err = result.unwrap_err();
                let fields: Vec<_> = err.0.iter().map(|p| p.field.as_deref()).collect();
                assert_eq!(
                    fields,
                    vec![Some("properties.accessible"), Some("properties.charger")]
                );
                assert!(
                    err.0[0].message.contains("1/0, yes/no"),
                    "{}",
                    err.0[0].message
                );
            }
        }
    }

    #[test]
    fn every_field_of_the_layer_may_be_null_on_every_feature_as_gdal_writes_them() {
        let nulls = json!({"accessible": null, "building": null, "charger": null, "name": null,
                           "reason": null, "unit": null, "zone": null});
        let with_nulls = |kind: &str, id: &str, geometry: Value, extra: Value| {
            let mut props = nulls.clone();
            props["kind"] = json!(kind);
            props["id"] = json!(id);
            for (k, v) in extra.as_object().unwrap() {
                props[k] = v.clone();
            }
            json!({"type": "Feature", "properties": props, "geometry": geometry})
        };
        let square = json!({"type": "Polygon", "coordinates": ring(10.0, 10.0)});
        let v = json!({"type": "FeatureCollection", "name": "layout", "coordinates": "local_meters", "features": [
            with_nulls("boundary", "S", boundary()["geometry"].clone(), json!({})),
            with_nulls("building", "B1", json!({"type": "Polygon", "coordinates": ring(50.0, 50.0)}), json!({})),
            with_nulls("entrance", "E1", json!({"type": "Point", "coordinates": [50.0, 49.0]}), json!({"building": "B1", "unit": 2})),
            with_nulls("keep_clear", "K1", json!({"type": "Polygon", "coordinates": ring(80.0, 80.0)}), json!({})),
            with_nulls("parking_space", "P1", square, json!({})),
        ]});
        let site = load_layout(&v).unwrap();
        assert_eq!(site.entrances[0].unit, "2");
        assert_eq!(site.buildings[0].name, None);
        assert_eq!(site.keep_clear[0].reason, None);
        let r = &site.resources[0];
        assert!(!r.accessible && !r.charger && r.zone.is_none());
    }

    #[rstest]
    #[case(json!(1), Some("1"))]
    #[case(json!(1.0), Some("1"))]
    #[case(json!(-3), Some("-3"))]
    #[case(json!("P1"), Some("P1"))]
    #[case(json!(1.5), None)]
    #[case(json!(true), None)]
    #[case(json!(""), None)]
    fn a_whole_number_id_reads_as_its_text_and_other_numbers_are_refused(
        #[case] id: Value,
        #[case] expected: Option<&str>,
    ) {
        let space = json!({"type": "Feature", "properties": {"kind": "parking_space", "id": id.clone()},
            "geometry": {"type": "Polygon", "coordinates": ring(10.0, 10.0)}});
        let result = load_layout(&collection(vec![boundary(), space]));
        match expected {
            Some(text) => assert_eq!(result.unwrap().resources[0].id, text),
            None => {
                let err = result.unwrap_err();
                assert_eq!(rules(&err), vec!["feature-id"]);
                assert!(
                    err.0[0].message.contains("feature #2"),
                    "{}",
                    err.0[0].message
                );
            }
        }
    }

    fn rules(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|p| p.rule.as_str()).collect()
    }

    /// The corners of a 2.5 m × 5.3 m space and a 100 m square boundary,
    /// in UTM zone 48N near Chengdu.
    fn utm_layout(crs: Value) -> Value {
        let (e, n) = (412_808.0, 3_391_167.0);
        let sq = |x: f64, y: f64, w: f64, h: f64| json!({"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]});
        json!({"type": "FeatureCollection", "name": "layout", "crs": crs, "features": [
            {"type": "Feature", "properties": {"kind": "boundary", "id": "S"}, "geometry": sq(e, n, 100.0, 100.0)},
            {"type": "Feature", "properties": {"kind": "parking_space", "id": "P1"}, "geometry": sq(e + 10.0, n + 10.0, 2.5, 5.3)},
        ]})
    }

    #[test]
    fn a_utm_layout_is_measured_in_ground_metres_free_of_the_grid_scale() {
        let v = utm_layout(
            json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}),
        );
        let site = load_layout(&v).unwrap();
        let CoordinateMode::Projected { epsg, lon0, lat0 } = site.coordinates else {
            panic!("{:?}", site.coordinates)
        };
        assert_eq!(epsg, 32648);
        assert!(
            (lon0 - 104.0905).abs() < 1e-3 && (lat0 - 30.6507).abs() < 1e-3,
            "{lon0} {lat0}"
        );
        // The 100 m grid square, 87 km west of the zone's central meridian,
        // is 100 / (0.9996 × (1 + x²/2R²)) ≈ 100.031 m on the ground, and
        // turned by the grid convergence (about 0.46°) from true north.
        let b = site.boundary.unwrap().polygon;
        let c = &b.exterior().0;
        let side = |i: usize| (c[i + 1].x - c[i].x).hypot(c[i + 1].y - c[i].y);
        for i in 0..4 {
            assert!((side(i) - 100.031).abs() < 2e-3, "side {i}: {}", side(i));
        }
        let turn = (c[1].y - c[0].y).atan2(c[1].x - c[0].x).to_degrees();
        assert!((turn.abs() - 0.46).abs() < 0.02, "{turn}");
        // The same layout with local_meters as well: the crs wins.
        let mut both = v.clone();
        both["coordinates"] = json!("local_meters");
        assert!(matches!(
            load_layout(&both).unwrap().coordinates,
            CoordinateMode::Projected { epsg: 32648, .. }
        ));
    }

    #[test]
    fn a_wgs84_crs_beside_local_meters_is_ignored_as_gdal_adds_it_to_any_geojson() {
        let mut v = collection(vec![boundary()]);
        v["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}});
        assert_eq!(
            load_layout(&v).unwrap().coordinates,
            CoordinateMode::LocalMeters
        );
    }

    #[rstest]
    #[case(
        "urn:ogc:def:crs:EPSG::999999",
        "unknown CRS \"urn:ogc:def:crs:EPSG::999999\""
    )]
    #[case("EPSG:2227", "EPSG:2227 measures in us-ft, not metres")]
    fn an_unusable_crs_is_one_error_and_nothing_is_measured(
        #[case] name: &str,
        #[case] expected: &str,
    ) {
        let v = utm_layout(json!({"type": "name", "properties": {"name": name}}));
        let (site, problems) = load_layout_partial(&v);
        assert!(site.is_none());
        assert_eq!(rules(&problems), vec!["crs"]);
        assert_eq!(problems.0[0].field.as_deref(), Some("crs"));
        assert!(
            problems.0[0].message.contains(expected),
            "{}",
            problems.0[0].message
        );
    }

    #[test]
    fn a_planar_layout_naming_no_crs_is_one_error_and_a_stray_position_is_named() {
        let mut v = utm_layout(Value::Null);
        v.as_object_mut().unwrap().remove("crs");
        let (site, problems) = load_layout_partial(&v);
        assert!(site.is_none());
        assert_eq!(rules(&problems), vec!["coordinates"]);
        assert!(
            problems.0[0]
                .message
                .contains("none of the layout's 10 positions"),
            "{}",
            problems.0[0].message
        );
        // One stray planar position in a WGS84 layout is named on its feature.
        let mut wgs84 = utm_layout(Value::Null);
        wgs84.as_object_mut().unwrap().remove("crs");
        wgs84["features"][0]["geometry"] = json!({"type": "Polygon", "coordinates":
            [[[104.08, 30.64], [104.1, 30.64], [104.1, 30.66], [104.08, 30.64]]]});
        let err = load_layout(&wgs84).unwrap_err();
        assert_eq!(err.0[0].rule, "coordinates");
        assert_eq!(err.0[0].feature.as_deref(), Some("P1"));
    }

    #[test]
    fn a_position_a_projected_crs_cannot_invert_is_named() {
        let mut v = utm_layout(json!({"type": "name", "properties": {"name": "EPSG:32648"}}));
        v["features"][1]["geometry"]["coordinates"][0][2] = json!([f64::MAX / 2.0, 1e300]);
        let err = load_layout(&v).unwrap_err();
        assert_eq!(rules(&err), vec!["coordinates"]);
        assert_eq!(err.0[0].feature.as_deref(), Some("P1"));
    }
}
