//! Persistence of sites, revisions and allocations. The only layer that knows the database.
