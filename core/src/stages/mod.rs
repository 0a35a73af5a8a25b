//! Pipeline stages as plain functions over plain data. The worker loads their input from
//! Postgres, calls them, and stores their output; nothing here touches the network or a database.

pub mod discover;
pub mod enrich;
pub mod extract;
pub mod fetch;
pub mod merge;
pub mod score;
