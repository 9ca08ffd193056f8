//! A site layout after loading: every feature typed and projected to planar
//! metres (x east, y north). Produced by `input::layout`; consumed by
//! validation, walking distances, the solver and the renderers.

use super::kind::ResourceKind;
use geo::{Point, Polygon};
use serde_json::Value;

/// How the input coordinates were given (FORMAT.md §1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoordinateMode {
    /// RFC 7946 longitude/latitude, projected about the site's centre. The
    /// origin is kept so renderings can go back to WGS84.
    Wgs84 { lon0: f64, lat0: f64 },
    /// `"coordinates": "local_meters"`: already planar metres.
    LocalMeters,
    /// Grid eastings/northings of a projected CRS in metres, named by the
    /// legacy `crs` member (e.g. UTM, CGCS2000 Gauss–Krüger): converted to
    /// WGS84 longitude/latitude and then projected about the site's centre
    /// as `Wgs84` is, so measuring is in ground metres (free of the grid's
    /// scale factor and convergence). `epsg` lets renderings convert the
    /// layout's own coordinates to WGS84.
    Projected { epsg: u16, lon0: f64, lat0: f64 },
}

/// A resource's footprint: e-bike bays may be points.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Point(Point<f64>),
    Polygon(Polygon<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub id: String,
    pub name: Option<String>,
    pub polygon: Polygon<f64>,
}

/// A unit door (单元门). Households name it by `(building, unit)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entrance {
    pub id: String,
    pub building: String,
    pub unit: String,
    pub point: Point<f64>,
}

/// A gate or a power feed.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPoint {
    pub id: String,
    pub point: Point<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Walkway {
    pub id: String,
    pub line: geo::LineString<f64>,
}

/// A fire lane or keep-clear zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub reason: Option<String>,
    pub polygon: Polygon<f64>,
}

/// An allocatable resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub kind: ResourceKind,
    pub shape: Shape,
    /// Parking only: a wide space reserved for disability permit holders.
    pub accessible: bool,
    /// Parking only: has an EV charger (reserved for EV owners).
    pub charger: bool,
    pub zone: Option<String>,
}

/// A loaded layout. Feature order is input order within each list.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// `site.id` of the collection, if any.
    pub id: Option<String>,
    pub name: Option<String>,
    pub coordinates: CoordinateMode,
    pub boundary: Option<Zone>,
    pub buildings: Vec<Building>,
    pub entrances: Vec<Entrance>,
    pub gates: Vec<NamedPoint>,
    pub walkways: Vec<Walkway>,
    pub fire_lanes: Vec<Zone>,
    pub keep_clear: Vec<Zone>,
    pub power_feeds: Vec<NamedPoint>,
    pub resources: Vec<Resource>,
    /// The layout exactly as parsed (for `inputs_sha256` and the GeoJSON rendering).
    pub raw: Value,
}

impl Site {
    /// A site with no features yet, in the given coordinates, its `raw`
    /// layout `null`: what a loader fills in and fixtures start from.
    pub fn empty(coordinates: CoordinateMode) -> Site {
        Site {
            id: None,
            name: None,
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
            raw: Value::Null,
        }
    }

    /// The id used in allocations: `site.id`, else `"site"`.
    pub fn display_id(&self) -> String {
        self.id.clone().unwrap_or_else(|| "site".to_string())
    }

    /// Resources of one kind, in layout order.
    pub fn resources_of(&self, kind: ResourceKind) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }

    /// The entrances of a unit (a unit may have several doors).
    pub fn entrances_of<'a>(
        &'a self,
        building: &'a str,
        unit: &'a str,
    ) -> impl Iterator<Item = &'a Entrance> + 'a {
        self.entrances
            .iter()
            .filter(move |e| e.building == building && e.unit == unit)
    }
}
