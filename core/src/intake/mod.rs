//! Inbound leads from the public form: what a résumé really is (by content, not by name),
//! safe file names, and sealing files for storage. Pure functions; the API streams, scans and
//! stores.

pub mod filename;
pub mod resume;
pub mod seal;
