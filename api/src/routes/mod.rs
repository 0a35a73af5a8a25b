//! The REST endpoints under `/api/v1`, one module per resource.

pub mod access_types;
pub mod analytics;
pub mod analytics_types;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod export;
pub mod health;
pub mod health_types;
pub mod inbound;
pub mod lead_company;
pub mod lead_merge;
pub mod lead_types;
pub mod lead_work;
pub mod leads;
pub mod privacy;
pub mod search;
pub mod search_types;
pub mod shared_types;
pub mod users;

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
    /// Signing in and out, tokens, the caller.
    Auth,
    /// Staff accounts (admins).
    Users,
    /// API keys for machine clients.
    ApiKeys,
    /// The audit log (admins).
    Audit,
    /// Exporting and erasing a person's data; the suppression list (admins).
    Privacy,
    /// Service health.
    System,
}
