//! Domain types shared by the API, the workers and the stages. Plain data: no I/O here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Company size buckets used by the seed and by filters.
pub const SIZE_CATEGORIES: [&str; 6] = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"];

/// Lead statuses staff move a lead through, in pipeline order.
pub const LEAD_STATUSES: [&str; 5] = [
    "PENDING",
    "REACHED_OUT",
    "QUALIFIED",
    "CONVERTED",
    "DISQUALIFIED",
];

/// What a client asked a search to find.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchCriteria {
    /// Free-text industry, e.g. "dentist".
    pub industry: String,
    /// Free-text location, e.g. "Austin" or "Austin, TX".
    pub location: String,
    /// One of [`SIZE_CATEGORIES`], when the client restricts company size.
    pub company_size: Option<String>,
    /// Upper bound on the number of companies the search returns.
    pub max_results: u32,
    /// Advanced filters applied after enrichment.
    pub filters: SearchFilters,
    /// Company sites to enrich instead of discovering (`http(s)://host/`); when present, the
    /// search uses only them and industry and location are optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

/// Advanced filters (seed FR1.2).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SearchFilters {
    /// Keep only companies with a website.
    pub has_website: Option<bool>,
    /// Keep only companies with at least this many employees.
    pub min_employees: Option<u32>,
    /// Keep only companies using at least one of these technologies (case-insensitive).
    #[serde(default)]
    pub technologies: Vec<String>,
}

/// A company a source proposed for a search, before any crawling.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    /// Name as the source lists it.
    pub name: String,
    /// Website URL as the source lists it.
    pub website: Option<String>,
    /// Phone as the source lists it (unnormalised).
    pub phone: Option<String>,
    /// Address line as the source lists it.
    pub address: Option<String>,
    /// Category or industry as the source lists it.
    pub category: Option<String>,
    /// Source name, e.g. `directory:localfinder`, `osm`, `google_places`, `domains`.
    pub source: String,
    /// URL of the source page the candidate came from.
    pub source_url: String,
    /// Email as the source lists it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Description the source gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The address in parts, when the source gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_parts: Option<Address>,
    /// Latitude and longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<(f64, f64)>,
    /// Opening hours as the source writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    /// The source's own id of the record (`node/123`, a place id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A page of a company's website as the fetch stage stored it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredPage {
    /// URL requested.
    pub url: String,
    /// URL after redirects.
    pub final_url: String,
    /// Role of the page on the site: home, contact, about, team, careers, other.
    pub kind: String,
    /// HTTP status.
    pub http_status: i32,
    /// Response body (HTML), possibly rendered by the browser.
    pub body: String,
    /// Selected response headers, lowercased names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// How long the site took to answer, request to last byte (politeness waits excluded);
    /// `None` when not measured.
    #[serde(default)]
    pub elapsed_ms: Option<u32>,
}

/// A value found on a page, with where it came from and how sure we are.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Found<T> {
    /// The value.
    pub value: T,
    /// URL of the page it came from.
    pub source_url: String,
    /// 0.0–1.0.
    pub confidence: f32,
}

/// A postal address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Address {
    /// Street line.
    pub street: Option<String>,
    /// City or locality.
    pub city: Option<String>,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code when known.
    pub country: Option<String>,
}

/// A person named on the company's site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Email address when shown.
    pub email: Option<String>,
    /// Phone (E.164) when shown.
    pub phone: Option<String>,
    /// LinkedIn profile URL when linked.
    pub linkedin_url: Option<String>,
    /// Whether the title makes them a buying decision maker.
    pub is_decision_maker: bool,
    /// URL of the page they were found on.
    pub source_url: String,
    /// 0.0–1.0.
    pub confidence: f32,
}

/// Everything the extract stage learned about one company.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Facts {
    /// Company name.
    pub name: Option<Found<String>>,
    /// Short description.
    pub description: Option<Found<String>>,
    /// Postal address.
    pub address: Option<Found<Address>>,
    /// Every distinct address the site gives for the company (its offices, branches, clinics),
    /// the main one included.
    #[serde(default)]
    pub locations: Vec<Found<Address>>,
    /// Phones in E.164.
    pub phones: Vec<Found<String>>,
    /// Email addresses, lowercased.
    pub emails: Vec<Found<String>>,
    /// Social profile URLs.
    pub socials: Vec<Found<String>>,
    /// People from team pages.
    pub people: Vec<Person>,
    /// Year founded.
    pub founded_year: Option<Found<i32>>,
    /// Number of employees.
    pub employee_count: Option<Found<u32>>,
    /// Open roles listed on a careers page.
    pub open_roles: Vec<String>,
    /// The department of each open role, in the same order, where the page shows one.
    #[serde(default)]
    pub open_role_departments: Vec<Option<String>>,
    /// schema.org types seen in structured data.
    pub schema_types: Vec<String>,
    /// Taxonomy words on the home and about pages, weighted, by industry slug.
    #[serde(default)]
    pub industry_words: crate::industry::Tally,
    /// Technologies detected, by name.
    pub technologies: Vec<String>,
    /// The same technologies with version, stack categories and confidence.
    #[serde(default)]
    pub technology_details: Vec<crate::technologies::Detection>,
    /// Whether the site was served over HTTPS.
    pub https: bool,
    /// Whether the home page declares a mobile viewport.
    pub mobile_viewport: bool,
    /// Pages the facts were read from.
    pub pages: Vec<String>,
    /// Values the site gives that are malformed, with the reason they were not used.
    #[serde(default)]
    pub flagged: Vec<Flagged>,
    /// Median time the site's pages took to answer, when measured.
    #[serde(default)]
    pub response_ms: Option<u32>,
    /// Growth evidence from news, press and blog pages.
    #[serde(default)]
    pub news: Vec<NewsItem>,
    /// Date (`YYYY-MM-DD`) and page of the newest post on a news or blog page.
    #[serde(default)]
    pub latest_post: Option<(String, String)>,
}

/// A piece of growth evidence on a news, press or blog page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewsItem {
    /// `funding`, `new_location` or `press_mention`.
    pub kind: String,
    /// The sentence or headline that says it.
    pub text: String,
    /// `YYYY-MM-DD` when the page dates it.
    pub date: Option<String>,
    /// The page it is on.
    pub source_url: String,
}

/// A value a page offers for a field that could not be used, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Flagged {
    /// The field it was meant for: `phone` or `email`.
    pub field: String,
    /// The value as the page wrote it.
    pub value: String,
    /// Why it was not used.
    pub reason: String,
    /// The page it is on.
    pub source_url: String,
}

/// A business-intelligence signal (growth signal or pain point).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Signal {
    /// Category, e.g. "hiring" or "no_https".
    pub kind: String,
    /// Human-readable description.
    pub description: String,
    /// Where it was seen.
    pub source: String,
    /// 0.0–1.0.
    pub confidence: f32,
    /// When it happened (`YYYY-MM-DD`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A suggested way to engage a lead.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Opportunity {
    /// Type, e.g. "website_modernisation".
    pub kind: String,
    /// What the opportunity is.
    pub description: String,
    /// high, medium or low.
    pub priority: String,
    /// How to approach it.
    pub suggested_approach: String,
}

/// What the enrich stage derived from the facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Enrichment {
    /// Industry slug from the taxonomy.
    pub industry: Option<String>,
    /// Confidence of the industry classification.
    pub industry_confidence: f32,
    /// One of [`SIZE_CATEGORIES`].
    pub size_category: Option<String>,
    /// Technologies by category.
    pub technology_stack: BTreeMap<String, Vec<String>>,
    /// Growth signals.
    pub growth_signals: Vec<Signal>,
    /// Pain points.
    pub pain_points: Vec<Signal>,
    /// Engagement opportunities.
    pub engagement_opportunities: Vec<Opportunity>,
    /// Addresses for named people: seen apart from the name and matched to it, or inferred
    /// from the company's address pattern.
    #[serde(default)]
    pub people_emails: Vec<crate::email_pattern::PersonEmail>,
    /// The verdict on every address known for the company and its people.
    #[serde(default)]
    pub email_checks: Vec<crate::email_check::EmailCheck>,
}

/// One component of the lead score with the reasons that moved it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ScoreComponent {
    /// 0–100.
    pub score: u8,
    /// Weight of this component in the total, 0.0–1.0.
    pub weight: f32,
    /// Each fact that added points, e.g. "+25 email address found".
    pub reasons: Vec<String>,
}

/// The explained score of a lead (seed FR3.5).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ScoreBreakdown {
    /// Contact completeness.
    pub contact_completeness: ScoreComponent,
    /// Business indicators.
    pub business_indicators: ScoreComponent,
    /// Data quality.
    pub data_quality: ScoreComponent,
    /// Engagement potential.
    pub engagement_potential: ScoreComponent,
    /// Version of the weights that produced this score.
    pub weights_version: String,
}

/// Result of the score stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Score {
    /// 0–100.
    pub lead_score: u8,
    /// hot, warm or cold.
    pub quality: String,
    /// The components.
    pub breakdown: ScoreBreakdown,
}
