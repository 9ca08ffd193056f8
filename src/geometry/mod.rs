//! Layout projection, validation and walking distances (FORMAT.md §1);
//! loading is [`crate::input::layout`]. No I/O: everything takes parsed values and returns data.
//!
//! - [`validate()`]: geometry rules 1–7 (errors) and the layout warnings.
//! - [`walking_distances`]: the unit × resource [`WalkMatrix`].
//! - [`check_layout`]: all three at once, the [`LayoutCheck`] every caller shares.
//! - [`LocalProjection`]: WGS84 ↔ local metres, for loading and renderers.
//!
//! Typical use: `let site = input::load_layout(&v)?; let walks = walking_distances(&site);
//! let report = validate(&site, &policy, Some(&walks));`

pub mod check;
pub mod crs;
pub mod lane_width;
pub mod measure;
pub mod overlaps;
pub mod projection;
pub mod validate;
pub mod validity;
pub mod walk;

pub use check::{check_layout, LayoutCheck};
pub use projection::{LocalProjection, WGS84_A, WGS84_F};
pub use validate::{validate, ValidationReport};
pub use walk::{walking_distances, WalkMatrix};

use crate::model::{CoordinateMode, Site};

/// The projection a site was loaded with; `None` for `local_meters` layouts.
/// For a layout in a projected CRS it is the local plane its positions were
/// measured on after conversion to WGS84 (see [`crs::ProjectedCrs`]).
/// Renderers use it to turn planar metres back into longitude/latitude.
pub fn site_projection(site: &Site) -> Option<LocalProjection> {
    match site.coordinates {
        CoordinateMode::Wgs84 { lon0, lat0 } | CoordinateMode::Projected { lon0, lat0, .. } => {
            Some(LocalProjection::new(lon0, lat0))
        }
        CoordinateMode::LocalMeters => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load_layout;
    use serde_json::json;

    #[test]
    fn a_loaded_wgs84_site_projects_back_to_its_input_coordinates() {
        let ring = json!([[
            [104.08, 30.64],
            [104.1, 30.64],
            [104.1, 30.66],
            [104.08, 30.66],
            [104.08, 30.64]
        ]]);
        let v = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"kind": "boundary", "id": "S"},
             "geometry": {"type": "Polygon", "coordinates": ring}}
        ]});
        let site = load_layout(&v).unwrap();
        let proj = site_projection(&site).unwrap();
        let c = site.boundary.unwrap().polygon.exterior().0[2];
        let (lon, lat) = proj.inverse(c.x, c.y);
        assert!((lon - 104.1).abs() < 1e-12 && (lat - 30.66).abs() < 1e-12);
    }

    #[test]
    fn a_space_drawn_in_degrees_measures_its_true_size_in_metres() {
        use geo::{Destination, Geodesic, Point};
        // A 2.5 m × 5.3 m space laid out on the ellipsoid with geodesic offsets,
        // 800 m north-east of the centre of a 2 km site.
        let a = Point::new(104.0983, 30.6572);
        let b = Geodesic.destination(a, 90.0, 2.5);
        let c = Geodesic.destination(b, 0.0, 5.3);
        let d = Geodesic.destination(a, 0.0, 5.3);
        let pos = |p: Point<f64>| json!([p.x(), p.y()]);
        let v = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"kind": "boundary", "id": "S"},
             "geometry": {"type": "Polygon", "coordinates": [[[104.08, 30.64], [104.1, 30.64], [104.1, 30.66], [104.08, 30.66], [104.08, 30.64]]]}},
            {"type": "Feature", "properties": {"kind": "parking_space", "id": "P1"},
             "geometry": {"type": "Polygon", "coordinates": [[pos(a), pos(b), pos(c), pos(d), pos(a)]]}}
        ]});
        let site = load_layout(&v).unwrap();
        let crate::model::Shape::Polygon(p) = &site.resources[0].shape else {
            panic!("a polygon")
        };
        let (w, l) = validate::rotated_rect_size(p).unwrap();
        assert!(
            (w - 2.5).abs() < 2.5e-3 && (l - 5.3).abs() < 5.3e-3,
            "{w} × {l}"
        );
    }
}
