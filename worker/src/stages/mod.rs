//! The I/O shell of each stage: load input from Postgres, call the pure stage in
//! `leadgen_core::stages`, store the output and enqueue the next stage in one transaction.

pub mod discover;
pub mod enrich;
pub mod extract;
pub mod fetch;
pub mod finalize;
pub mod merge;
pub mod notify;
pub mod render;
pub mod score;
