//! The legacy GeoJSON `crs` member (the 2008 GeoJSON specification; GDAL, and
//! so QGIS, still write it for any layer that is not plain WGS84).
//!
//! What a layout's `crs` member may name:
//!
//! - WGS84 longitude/latitude: `urn:ogc:def:crs:OGC:1.3:CRS84` and its other
//!   spellings (`urn:ogc:def:crs:OGC::CRS84`, `OGC:CRS84`,
//!   `http://www.opengis.net/def/crs/OGC/1.3/CRS84`), or EPSG:4326 in any of
//!   the usual forms (`EPSG:4326`, `urn:ogc:def:crs:EPSG::4326`,
//!   `urn:ogc:def:crs:EPSG:6.6:4326`, `http://www.opengis.net/def/crs/EPSG/0/4326`,
//!   or the 2008 form `{"type": "EPSG", "properties": {"code": 4326}}`).
//!   Positions are read as longitude, latitude (GeoJSON's order, which GDAL
//!   keeps for every CRS).
//! - EPSG:4490, China Geodetic Coordinate System 2000 longitude/latitude: read
//!   as WGS84. The two frames agree within a few centimetres, and the GRS80
//!   and WGS84 ellipsoids differ by 0.1 mm in their semi-minor axis, far
//!   inside the 0.1 % the format allows.
//! - A projected CRS in metres, by its EPSG code (anything in the EPSG table of
//!   the `crs-definitions` crate that `proj4rs` can invert: UTM zones
//!   EPSG:326xx/327xx, CGCS2000 Gauss–Krüger 3° and 6° zones EPSG:4491–4554,
//!   Web Mercator, national grids…). Positions are grid eastings/northings;
//!   [`ProjectedCrs::to_wgs84`] converts them to longitude/latitude, and the
//!   loader then measures them exactly as WGS84 input (ground metres on the
//!   local plane about the site's centre: the grid's scale factor, 0.9996 on
//!   a UTM central meridian and about 1.001 at the edge of a 6° zone, and
//!   its convergence do not distort anything). The GeoJSON rendering uses
//!   the same conversion, as RFC 7946 requires WGS84.
//!
//! Refused, each with one error naming the CRS: a name that is not one of the
//! above (`unknown`), a projected CRS whose unit is not the metre (US survey
//! feet, links, …), and a geographic CRS on another datum (reproject to
//! EPSG:4326 first).

use proj4rs::proj::Proj;
use serde_json::Value;
use std::fmt;

/// The coordinate reference system a layout's positions are in.
#[derive(Debug, Clone)]
pub enum LayoutCrs {
    /// Longitude/latitude on WGS84 (or CGCS2000, read as WGS84).
    Wgs84,
    /// Grid metres of a projected CRS.
    Projected(ProjectedCrs),
}

/// Why a `crs` member cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// The member is not an object of the shapes GeoJSON 2008 describes.
    #[error("the `crs` member {0} is not a named CRS; write {{\"type\": \"name\", \"properties\": {{\"name\": \"urn:ogc:def:crs:EPSG::<code>\"}}}}")]
    Malformed(String),
    /// A linked CRS (a URL to a definition) cannot be fetched.
    #[error("the `crs` member links to a definition ({0}); name the CRS by its EPSG code instead (urn:ogc:def:crs:EPSG::<code>)")]
    Linked(String),
    /// Not CRS84, and not an EPSG code in the table.
    #[error("unknown CRS \"{0}\": a layout may be in WGS84 (CRS84, EPSG:4326), CGCS2000 (EPSG:4490) or a projected CRS in metres named by its EPSG code (e.g. EPSG:32648, EPSG:4544)")]
    Unknown(String),
    /// A projected CRS whose unit is not the metre.
    #[error("CRS {name} measures in {unit}, not metres; reproject the layout to a metric CRS (a UTM zone, or CGCS2000 Gauss–Krüger EPSG:4491–4554) or to WGS84")]
    NotMetric { name: String, unit: String },
    /// A geographic CRS other than WGS84 and CGCS2000.
    #[error("CRS {0} is longitude/latitude on a datum other than WGS84 or CGCS2000; reproject the layout to EPSG:4326 or to a projected CRS in metres")]
    OtherDatum(String),
    /// In the table, but not usable here (geocentric, no inverse, …).
    #[error("CRS {name} cannot be used for a site plan: {reason}")]
    Unsupported { name: String, reason: String },
}

/// A projected CRS in metres, by EPSG code.
#[derive(Clone)]
pub struct ProjectedCrs {
    /// The EPSG code.
    pub epsg: u16,
    /// Boxed: a `Proj` is about a kilobyte.
    proj: Box<Proj>,
    wgs84: Box<Proj>,
}

impl fmt::Debug for ProjectedCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProjectedCrs(EPSG:{})", self.epsg)
    }
}

fn wgs84_proj() -> Proj {
    Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs")
        .expect("the WGS84 definition parses")
}

impl ProjectedCrs {
    /// The projected CRS of an EPSG code, or why it cannot be used.
    pub fn from_epsg(code: u16) -> Result<ProjectedCrs, CrsError> {
        let name = format!("EPSG:{code}");
        let proj = Proj::from_epsg_code(code).map_err(|e| match e {
            proj4rs::errors::Error::ProjectionNotFound => CrsError::Unknown(name.clone()),
            other => CrsError::Unsupported {
                name: name.clone(),
                reason: other.to_string(),
            },
        })?;
        if proj.is_latlong() {
            return Err(CrsError::OtherDatum(name));
        }
        if proj.is_geocent() {
            return Err(CrsError::Unsupported {
                name,
                reason: "it is geocentric (x, y, z from the Earth's centre), not a map grid".into(),
            });
        }
        if (proj.to_meter() - 1.0).abs() > 1e-12 {
            return Err(CrsError::NotMetric {
                name,
                unit: proj.units().to_string(),
            });
        }
        if !proj.has_inverse() {
            return Err(CrsError::Unsupported {
                name,
                reason: "its projection has no inverse in proj4rs".into(),
            });
        }
        Ok(ProjectedCrs {
            epsg: code,
            proj: Box::new(proj),
            wgs84: Box::new(wgs84_proj()),
        })
    }

    /// Grid `(easting, northing)` → WGS84 `(longitude, latitude)` in degrees;
    /// `None` when the position is outside what the projection can invert.
    pub fn to_wgs84(&self, e: f64, n: f64) -> Option<(f64, f64)> {
        let mut p = (e, n, 0.0);
        proj4rs::transform::transform(&self.proj, &self.wgs84, &mut p).ok()?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        (lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0)
            .then_some((lon, lat))
    }
}

/// The CRS named by a layout's `crs` member (`None` or `null`: WGS84).
pub fn read_crs_member(member: Option<&Value>) -> Result<LayoutCrs, CrsError> {
    let Some(member) = member.filter(|m| !m.is_null()) else {
        return Ok(LayoutCrs::Wgs84);
    };
    let malformed = || CrsError::Malformed(member.to_string());
    let obj = member.as_object().ok_or_else(malformed)?;
    let props = obj.get("properties").and_then(Value::as_object);
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(malformed)?;
    match kind.to_ascii_lowercase().as_str() {
        "name" => {
            let name = props
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(malformed)?;
            resolve(name, parse_crs_name(name))
        }
        "epsg" => {
            let code = props.and_then(|p| p.get("code")).ok_or_else(malformed)?;
            let code = match code {
                Value::Number(n) => n.as_u64().map(|c| c as u32),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(malformed)?;
            resolve(&format!("EPSG:{code}"), Some(CrsName::Epsg(code)))
        }
        "link" => Err(CrsError::Linked(
            props
                .and_then(|p| p.get("href"))
                .map(|h| h.to_string())
                .unwrap_or_else(|| member.to_string()),
        )),
        _ => Err(malformed()),
    }
}

/// What a CRS name says, before looking it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrsName {
    Crs84,
    Epsg(u32),
}

/// Reads the usual spellings of CRS84 and of EPSG codes (URNs with or without
/// a version, OGC http URIs, `EPSG:<code>`), ignoring case.
fn parse_crs_name(name: &str) -> Option<CrsName> {
    let lower = name.trim().to_ascii_lowercase();
    let parts: Vec<&str> = lower.split([':', '/']).collect();
    let last = *parts.last()?;
    if last == "crs84" && (parts.len() == 1 || parts.contains(&"ogc")) {
        return Some(CrsName::Crs84);
    }
    let at = parts.iter().position(|p| *p == "epsg")?;
    // Between the authority and the code only a version may stand ("", "0", "6.6").
    let between = &parts[at + 1..parts.len() - 1];
    if between.len() > 1
        || between
            .iter()
            .any(|v| !v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    {
        return None;
    }
    if last.is_empty() || !last.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    last.parse().ok().map(CrsName::Epsg)
}

fn resolve(name: &str, parsed: Option<CrsName>) -> Result<LayoutCrs, CrsError> {
    match parsed {
        None => Err(CrsError::Unknown(name.to_string())),
        Some(CrsName::Crs84) | Some(CrsName::Epsg(4326)) | Some(CrsName::Epsg(4490)) => {
            Ok(LayoutCrs::Wgs84)
        }
        Some(CrsName::Epsg(code)) => {
            let code = u16::try_from(code).map_err(|_| CrsError::Unknown(name.to_string()))?;
            ProjectedCrs::from_epsg(code)
                .map(LayoutCrs::Projected)
                .map_err(|e| match e {
                    // Keep the spelling the layout used.
                    CrsError::Unknown(_) => CrsError::Unknown(name.to_string()),
                    other => other,
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn named(name: &str) -> Value {
        json!({"type": "name", "properties": {"name": name}})
    }

    fn epsg_of(r: Result<LayoutCrs, CrsError>) -> Option<u16> {
        match r.unwrap() {
            LayoutCrs::Wgs84 => None,
            LayoutCrs::Projected(p) => Some(p.epsg),
        }
    }

    #[rstest]
    #[case("urn:ogc:def:crs:OGC:1.3:CRS84")]
    #[case("urn:ogc:def:crs:OGC::CRS84")]
    #[case("OGC:CRS84")]
    #[case("CRS84")]
    #[case("http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    #[case("EPSG:4326")]
    #[case("epsg:4326")]
    #[case("urn:ogc:def:crs:EPSG::4326")]
    #[case("urn:ogc:def:crs:EPSG:6.6:4326")]
    #[case("urn:x-ogc:def:crs:EPSG:4326")]
    #[case("http://www.opengis.net/def/crs/EPSG/0/4326")]
    #[case("https://www.opengis.net/def/crs/EPSG/0/4326")]
    #[case("urn:ogc:def:crs:EPSG::4490")]
    fn every_usual_spelling_of_wgs84_and_cgcs2000_reads_as_wgs84(#[case] name: &str) {
        assert_eq!(epsg_of(read_crs_member(Some(&named(name)))), None);
    }

    #[rstest]
    #[case(named("urn:ogc:def:crs:EPSG::32648"), 32648)]
    #[case(named("EPSG:32748"), 32748)]
    #[case(named("http://www.opengis.net/def/crs/EPSG/0/4544"), 4544)]
    #[case(named("urn:ogc:def:crs:EPSG::4491"), 4491)]
    #[case(named("urn:ogc:def:crs:EPSG::4554"), 4554)]
    #[case(json!({"type": "EPSG", "properties": {"code": 4496}}), 4496)]
    fn utm_and_cgcs2000_gauss_krueger_zones_read_as_projected(
        #[case] member: Value,
        #[case] code: u16,
    ) {
        assert_eq!(epsg_of(read_crs_member(Some(&member))), Some(code));
    }

    #[test]
    fn no_member_or_null_is_wgs84() {
        assert!(matches!(read_crs_member(None), Ok(LayoutCrs::Wgs84)));
        assert!(matches!(
            read_crs_member(Some(&Value::Null)),
            Ok(LayoutCrs::Wgs84)
        ));
    }

    #[rstest]
    #[case(
        named("urn:ogc:def:crs:EPSG::999999"),
        "unknown CRS \"urn:ogc:def:crs:EPSG::999999\""
    )]
    #[case(named("EPSG:1"), "unknown CRS \"EPSG:1\"")]
    #[case(named("ESRI:102100"), "unknown CRS \"ESRI:102100\"")]
    #[case(named("urn:ogc:def:crs:OGC:1.3:CRS83"), "unknown CRS")]
    #[case(named("EPSG:2227"), "EPSG:2227 measures in us-ft, not metres")]
    #[case(named("EPSG:4214"), "EPSG:4214 is longitude/latitude on a datum other")]
    #[case(named("EPSG:4978"), "EPSG:4978 cannot be used for a site plan")]
    #[case(json!({"type": "link", "properties": {"href": "http://example.com/crs"}}), "links to a definition")]
    #[case(json!("EPSG:4326"), "is not a named CRS")]
    #[case(json!({"type": "name", "properties": {}}), "is not a named CRS")]
    fn other_crs_members_are_refused_with_one_message_naming_them(
        #[case] member: Value,
        #[case] expected: &str,
    ) {
        let err = read_crs_member(Some(&member)).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }

    /// UTM zone 48N of a point near Chengdu, worked out independently with
    /// PROJ 9 (`echo 104.09 30.65 | cs2cs EPSG:4326 EPSG:32648`, read as
    /// lon/lat): 412808.44 E, 3391167.20 N. GDAL's output of the fixture
    /// starts with the same numbers.
    #[test]
    fn utm_positions_convert_back_to_the_longitude_and_latitude_they_came_from() {
        let LayoutCrs::Projected(p) =
            read_crs_member(Some(&named("urn:ogc:def:crs:EPSG::32648"))).unwrap()
        else {
            panic!("projected")
        };
        let (lon, lat) = p
            .to_wgs84(412_808.438_540_527, 3_391_167.196_801_037)
            .unwrap();
        assert!(
            (lon - 104.09).abs() < 1e-8 && (lat - 30.65).abs() < 1e-8,
            "{lon} {lat}"
        );
    }

    #[test]
    fn web_mercator_converts_too() {
        // EPSG:3857 is metric; 11587000 E, 3588000 N is near Chengdu.
        let p = ProjectedCrs::from_epsg(3857).unwrap();
        let (lon, lat) = p.to_wgs84(11_587_000.0, 3_588_000.0).unwrap();
        let expected_lon = (11_587_000.0 / 6_378_137.0f64).to_degrees();
        let expected_lat = (2.0 * (3_588_000.0 / 6_378_137.0f64).exp().atan()
            - std::f64::consts::FRAC_PI_2)
            .to_degrees();
        assert!(
            (lon - expected_lon).abs() < 1e-9 && (lat - expected_lat).abs() < 1e-9,
            "{lon} {lat}"
        );
    }
}
