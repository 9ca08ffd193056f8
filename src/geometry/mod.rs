//! Layout loading, projection, validation and walking distances.
