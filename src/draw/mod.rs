//! Public draws (FORMAT.md §5 and §6), the parts that are pure functions:
//! the drand quicknet beacon checked offline ([`drand`]), the clock a
//! draw's times come from ([`clock`]), the verification bundle
//! ([`bundle`]), its three checks ([`verify`]) and the certificate they
//! print ([`certificate`]). No I/O: the CLI reads the bundle, the service
//! layer (`service::draws`) keeps the records.

pub mod bundle;
pub mod certificate;
pub mod clock;
pub mod drand;
pub mod verify;
