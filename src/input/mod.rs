//! Input parsing, one reader per input and the checks between them
//! (FORMAT.md §1–§3). Every reader collects every problem, each naming the
//! feature, row or field; `model` holds only the types they produce.
//!
//! - [`layout`]: a GeoJSON FeatureCollection → a projected [`crate::model::Site`].
//! - [`roster`]: households from JSON, CSV text in whatever encoding Excel
//!   saved it ([`encoding`], [`header`]) or an `.xlsx` workbook ([`xlsx`]).
//! - [`policy`]: a policy with every default filled in.
//! - [`cross`]: a roster against the layout, the pins against both.
//! - [`value`]: what every reader says of a JSON value of the wrong type.

pub mod cross;
pub mod encoding;
pub mod header;
pub mod layout;
pub mod limits;
pub mod policy;
pub mod roster;
pub mod value;
pub mod xlsx;

pub use cross::{check_pins, check_roster_against_site};
pub use layout::{load_layout, load_layout_partial, FeatureKind};
pub use policy::parse_policy;
pub use roster::file::{
    delimiter, read_roster, read_roster_text, sniff, ReadOptions, RosterFormat,
};
pub use roster::{parse_roster_csv, parse_roster_json, Roster};
