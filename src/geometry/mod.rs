//! Layout loading, projection, validation and walking distances.

pub mod load;
pub mod projection;

pub use load::{load_layout, FeatureKind};
pub use projection::LocalProjection;
pub mod measure;
pub mod walk;

pub use walk::{walking_distances, WalkMatrix};
pub mod validate;

pub use validate::{validate, ValidationReport};
