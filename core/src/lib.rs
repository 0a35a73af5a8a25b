//! leadgen core: domain types, pipeline stages as plain functions, configuration, job payloads,
//! the SQL repository and the file store. No HTTP client of its own (the file store's cloud
//! backends talk through object_store) and no HTTP server live here.

pub mod access;
pub mod config;
pub mod contact_match;
pub mod db;
pub mod dedup;
pub mod destination;
pub mod email_check;
pub mod email_pattern;
pub mod files;
pub mod industry;
pub mod intake;
pub mod jobs;
pub mod mail;
pub mod model;
pub mod privacy;
pub mod queue;
pub mod repo;
pub mod sample_web;
pub mod stages;
pub mod survivorship;
pub mod technologies;
pub mod validate;

pub use config::Config;
