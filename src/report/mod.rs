//! Renderings of allocations and layouts: JSON, CSV, GeoJSON, SVG.
