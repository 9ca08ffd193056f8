//! Renderings of allocations and layouts: JSON, CSV, GeoJSON, SVG, XLSX.
//! Each rendering is a pure function of its inputs (no I/O) and
//! byte-identical for identical inputs.

pub mod csv;
pub mod format;
pub mod geojson;
pub mod html;
pub mod i18n;
pub mod json;
pub mod markup;
pub mod public;
pub mod reasons;
pub mod svg;
pub mod xlsx;

pub use self::csv::{allocation_csv, roster_csv};
pub use self::geojson::allocation_geojson;
pub use self::json::allocation_json;
pub use self::svg::{render_svg, render_svg_with, RenderOptions};
pub use self::xlsx::allocation_xlsx;
