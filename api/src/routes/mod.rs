//! The REST endpoints under `/api/v1`, one module per resource.

pub mod analytics;
pub mod analytics_types;
pub mod export;
pub mod health;
pub mod health_types;
pub mod lead_types;
pub mod leads;
pub mod search;
pub mod search_types;
pub mod shared_types;

use poem_openapi::Tags;

/// Groups of endpoints in the OpenAPI document.
#[derive(Tags)]
pub enum ApiTags {
    /// Starting searches and following their progress.
    Search,
    /// Reading leads.
    Leads,
    /// CSV export.
    Export,
    /// Analytics over leads.
    Analytics,
    /// Service health.
    System,
}
