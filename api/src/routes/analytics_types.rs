//! Response schema of `GET /analytics/summary`.

use super::search_types::JobStatus;
use super::shared_types::Percentage;
use poem_openapi::Object;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The search the analytics cover, or all leads.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct JobSummary {
    /// The search; null when the analytics cover all leads.
    #[oai(nullable)]
    pub job_id: Option<Uuid>,
    /// The search's lifecycle state; absent for all leads.
    #[oai(skip_serializing_if_is_none)]
    pub status: Option<JobStatus>,
    /// Leads covered.
    pub total_leads: i64,
    /// Companies the search processed; absent for all leads.
    #[oai(skip_serializing_if_is_none)]
    pub companies_processed: Option<i32>,
    /// Seconds the search has run (until it ended); absent for all leads.
    #[oai(skip_serializing_if_is_none)]
    pub processing_time_seconds: Option<f64>,
    /// Percentage of processed companies that did not fail, one decimal; absent for all leads.
    #[oai(skip_serializing_if_is_none)]
    pub success_rate: Option<f64>,
}

/// Leads in one quality band.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QualityBand {
    /// Leads in the band.
    pub count: i64,
    /// Their share of all leads covered.
    pub percentage: Percentage,
    /// Scores of the band, e.g. `70-100`.
    pub score_range: String,
}

/// Leads by quality band.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QualityDistribution {
    /// Scoring at or above the hot threshold.
    pub hot_leads: QualityBand,
    /// Scoring at or above the warm threshold, below hot.
    pub warm_leads: QualityBand,
    /// Scoring below the warm threshold.
    pub cold_leads: QualityBand,
}

/// Contacts of the companies covered.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ContactAnalytics {
    /// Contacts.
    pub total_contacts: i64,
    /// Contacts whose details are verified.
    pub verified_contacts: i64,
    /// Contacts who are decision makers.
    pub decision_makers: i64,
    /// Contacts with an email address.
    pub with_email: i64,
    /// Contacts with a phone number.
    pub with_phone: i64,
    /// Share of contacts with an email address whose details are verified.
    pub email_verification_rate: Percentage,
    /// Share of companies with at least one phone number.
    pub phone_verification_rate: Percentage,
}

/// Companies in one industry.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct IndustryCount {
    /// Industry slug (`unclassified` when unknown).
    pub industry: String,
    /// Companies in it.
    pub count: i64,
}

/// How common one technology is.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct TechnologyCount {
    /// Technology name.
    pub technology: String,
    /// Companies using it.
    pub count: i64,
    /// Their share of the companies covered.
    pub percentage: Percentage,
}

/// Technologies across the companies covered.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct TechnologyTrends {
    /// The ten most common, most used first.
    pub most_common: Vec<TechnologyCount>,
}

/// Analytics of a set of leads, as the database computes them.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LeadAnalytics {
    /// Leads covered.
    pub total_leads: i64,
    /// Average lead score, one decimal (0 when there are none).
    pub average_score: f64,
    /// Leads by quality band.
    pub lead_quality_distribution: QualityDistribution,
    /// Contacts of the companies covered.
    pub contact_analytics: ContactAnalytics,
    /// Companies per industry, most first.
    pub industry_breakdown: Vec<IndustryCount>,
    /// Companies per size bucket (`unknown` when not known), e.g. `{"11-50": 3}`.
    pub company_size_distribution: BTreeMap<String, i64>,
    /// Technologies across the companies covered.
    pub technology_trends: TechnologyTrends,
    /// Suggested engagement opportunities per priority, e.g. `{"high": 3, "low": 2}`.
    pub engagement_opportunities: BTreeMap<String, i64>,
}

/// Analytics of all leads or of one search's results.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct AnalyticsSummary {
    /// The search covered, or all leads.
    pub job_summary: JobSummary,
    /// The analytics themselves.
    #[oai(flatten)]
    pub leads: LeadAnalytics,
}
