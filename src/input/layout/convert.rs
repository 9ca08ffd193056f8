//! Positions and geometries read in the layout's coordinates: checked to be
//! finite (and, in WGS84, longitudes/latitudes), a projected CRS's converted
//! to WGS84.

use super::{Input, RawGeom};
use crate::model::Rule;
use crate::model::{Problem, Problems};
use geojson::GeometryValue;

pub(super) fn convert_position(
    label: &str,
    pos: &geojson::Position,
    input: &Input,
    problems: &mut Problems,
) -> Option<[f64; 2]> {
    let s = pos.as_slice();
    let (Some(&x), Some(&y)) = (s.first(), s.get(1)) else {
        problems.push(
            Problem::new(
                Rule::Coordinates,
                format!("{label} has a position with fewer than 2 numbers"),
            )
            .feature(label.to_string()),
        );
        return None;
    };
    if !x.is_finite() || !y.is_finite() {
        problems.push(
            Problem::new(
                Rule::Coordinates,
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
                    Rule::Coordinates,
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
                Rule::Coordinates,
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

pub(super) fn convert_geometry(
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
                        Rule::Coordinates,
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
                        Rule::R1ValidPolygon,
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
                            Rule::R1ValidPolygon,
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
                            Rule::R1ValidPolygon,
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
