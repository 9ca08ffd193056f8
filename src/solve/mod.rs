//! The optimisation core: one `Instance` per resource kind in, a `Solution` out.

pub mod instance;
