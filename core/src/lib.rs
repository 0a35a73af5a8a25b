//! leadgen core: domain types, pipeline stages as plain functions, configuration, job payloads
//! and the SQL repository. No HTTP client and no HTTP server live here.

pub mod access;
pub mod config;
pub mod db;
pub mod destination;
pub mod intake;
pub mod jobs;
pub mod mail;
pub mod model;
pub mod queue;
pub mod repo;
pub mod sample_web;
pub mod stages;
pub mod validate;

pub use config::Config;
