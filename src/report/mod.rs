//! Renderings of allocations and layouts: JSON, CSV, GeoJSON, SVG.

pub mod i18n;
pub mod svg;
