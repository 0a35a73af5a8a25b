//! The `leadgen` command: subcommands for each process role, the demo and the sample web.

pub mod accounts;
pub mod backup;
pub mod chaos;
pub mod cli;
pub mod dedup_file;
pub mod demo;
pub mod extract_eval;
pub mod postgres;
pub mod rescore;
pub mod sample_web;
pub mod seed;
pub mod telemetry;
pub mod worker_metrics;
