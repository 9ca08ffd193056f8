//! WGS84 longitude/latitude ↔ local planar metres about the site's centre.
//!
//! The projection is the local tangent plane of the WGS84 ellipsoid at the
//! site's centre (φ0, λ0): north–south distances use the meridional radius of
//! curvature `M(φ0)`, east–west distances the radius of the parallel
//! `N(φ0)·cos φ0`, where `N` is the prime-vertical radius of curvature:
//!
//! ```text
//! x = (λ − λ0) · N(φ0) · cos φ0        y = (φ − φ0) · M(φ0)
//! M = a(1 − e²) / (1 − e² sin²φ)^{3/2}  N = a / (1 − e² sin²φ)^{1/2}
//! ```
//!
//! Across a site the scale error grows with the latitude offset from the
//! centre, about `tan φ0 · Δφ` east–west and `3e²·sin φ0 cos φ0 · Δφ`
//! north–south; for a 2 km site at 30° N (|Δφ| ≤ 1 km) that is below 0.01 %,
//! ten times inside the 0.1 % the format demands (a sphere is 0.2–0.3 % off).
//! The tests check it against Karney's geodesic distances.

/// WGS84 semi-major axis, metres.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// A local planar frame: x metres east, y metres north of `(lon0, lat0)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalProjection {
    /// Longitude of the origin, degrees.
    pub lon0: f64,
    /// Latitude of the origin, degrees.
    pub lat0: f64,
    /// Metres per radian of longitude at the origin's latitude (`N cos φ0`).
    east_m_per_rad: f64,
    /// Metres per radian of latitude at the origin (`M`).
    north_m_per_rad: f64,
}

impl LocalProjection {
    /// The frame centred on `(lon0, lat0)` (degrees).
    pub fn new(lon0: f64, lat0: f64) -> LocalProjection {
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let phi = lat0.to_radians();
        let s = phi.sin();
        let w2 = 1.0 - e2 * s * s;
        let n = WGS84_A / w2.sqrt();
        let m = WGS84_A * (1.0 - e2) / (w2 * w2.sqrt());
        LocalProjection {
            lon0,
            lat0,
            east_m_per_rad: n * phi.cos(),
            north_m_per_rad: m,
        }
    }

    /// The frame centred on the middle of the bounding box of `coords`
    /// (`(lon, lat)` in degrees); `None` when there is no coordinate.
    /// The middle of the extremes (rather than the mean of every vertex) keeps
    /// the origin independent of how densely features are drawn.
    pub fn centred_on<I>(coords: I) -> Option<LocalProjection>
    where
        I: IntoIterator<Item = (f64, f64)>,
    {
        let mut bbox: Option<(f64, f64, f64, f64)> = None;
        for (lon, lat) in coords {
            if !lon.is_finite() || !lat.is_finite() {
                continue;
            }
            bbox = Some(match bbox {
                None => (lon, lat, lon, lat),
                Some((a, b, c, d)) => (a.min(lon), b.min(lat), c.max(lon), d.max(lat)),
            });
        }
        bbox.map(|(a, b, c, d)| LocalProjection::new((a + c) / 2.0, (b + d) / 2.0))
    }

    /// `(lon, lat)` degrees → `(x, y)` metres.
    pub fn forward(&self, lon: f64, lat: f64) -> (f64, f64) {
        let mut dlon = lon - self.lon0;
        // Sites straddling the antimeridian stay contiguous.
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (
            dlon.to_radians() * self.east_m_per_rad,
            (lat - self.lat0).to_radians() * self.north_m_per_rad,
        )
    }

    /// `(x, y)` metres → `(lon, lat)` degrees; the exact inverse of [`forward`](Self::forward).
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let lon = self.lon0 + (x / self.east_m_per_rad).to_degrees();
        let lat = self.lat0 + (y / self.north_m_per_rad).to_degrees();
        (lon, lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    fn planar(p: &LocalProjection, a: (f64, f64), b: (f64, f64)) -> f64 {
        let (x1, y1) = p.forward(a.0, a.1);
        let (x2, y2) = p.forward(b.0, b.1);
        (x2 - x1).hypot(y2 - y1)
    }

    /// Offsets in degrees of about ±1 km around Chengdu (30.65 N, 104.09 E).
    const DLAT: f64 = 0.009;
    const DLON: f64 = 0.0105;

    #[test]
    fn distances_across_a_two_km_site_at_30_degrees_north_are_within_a_tenth_of_a_percent() {
        let p = LocalProjection::new(104.09, 30.65);
        let corners = [
            (104.09 - DLON, 30.65 - DLAT),
            (104.09 + DLON, 30.65 - DLAT),
            (104.09 + DLON, 30.65 + DLAT),
            (104.09 - DLON, 30.65 + DLAT),
            (104.09, 30.65),
            (104.09 + DLON, 30.65),
            (104.09, 30.65 + DLAT),
        ];
        let mut worst: f64 = 0.0;
        for (i, a) in corners.iter().enumerate() {
            for b in corners.iter().skip(i + 1) {
                let oracle = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
                let err = (planar(&p, *a, *b) - oracle).abs() / oracle;
                worst = worst.max(err);
            }
        }
        assert!(worst < 1e-3, "worst relative error {worst}");
        // In fact far better than required.
        assert!(worst < 2e-4, "worst relative error {worst}");
    }

    #[test]
    fn a_sphere_would_have_failed_the_same_test() {
        // Guard that the oracle discriminates: a spherical plane with R = 6371 km.
        let a = (104.09 - DLON, 30.65);
        let b = (104.09 + DLON, 30.65);
        let oracle = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
        let sphere = (2.0 * DLON).to_radians() * 6_371_000.0 * 30.65f64.to_radians().cos();
        assert!((sphere - oracle).abs() / oracle > 1e-3);
        let p = LocalProjection::new(104.09, 30.65);
        assert!((planar(&p, a, b) - oracle).abs() / oracle < 1e-4);
    }

    #[test]
    fn north_south_and_east_west_metres_match_the_ellipsoid_radii() {
        let p = LocalProjection::new(104.09, 30.65);
        // 0.001° of latitude and longitude, checked against the geodesic.
        let (_, y) = p.forward(104.09, 30.651);
        let north = Geodesic.distance(Point::new(104.09, 30.65), Point::new(104.09, 30.651));
        assert!((y - north).abs() < 1e-3, "{y} vs {north}");
        let (x, _) = p.forward(104.091, 30.65);
        let east = Geodesic.distance(Point::new(104.09, 30.65), Point::new(104.091, 30.65));
        assert!((x - east).abs() < 1e-3, "{x} vs {east}");
    }

    #[test]
    fn the_inverse_returns_the_original_coordinates() {
        let p = LocalProjection::new(104.09, 30.65);
        for (lon, lat) in [(104.08, 30.64), (104.1, 30.66), (104.09, 30.65)] {
            let (x, y) = p.forward(lon, lat);
            let (lon2, lat2) = p.inverse(x, y);
            assert!((lon - lon2).abs() < 1e-12 && (lat - lat2).abs() < 1e-12);
        }
    }

    #[test]
    fn the_frame_is_centred_on_the_middle_of_the_bounding_box() {
        let p = LocalProjection::centred_on([(104.0, 30.0), (104.2, 30.4), (104.1, 30.1)]).unwrap();
        assert!((p.lon0 - 104.1).abs() < 1e-12 && (p.lat0 - 30.2).abs() < 1e-12);
        assert!(LocalProjection::centred_on(Vec::<(f64, f64)>::new()).is_none());
    }
}
