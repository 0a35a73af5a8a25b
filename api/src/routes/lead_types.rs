//! Response schemas of `GET /leads` and `GET /leads/{lead_id}`.

use super::shared_types::Timestamp;
use poem_openapi::{Enum, Object};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How a lead came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeadOrigin {
    /// Found by a search.
    Discovered,
    /// A person filled in the public form.
    Inbound,
    /// Imported by staff.
    Imported,
}

/// Where staff are with a lead, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadStatus {
    /// Not worked yet.
    Pending,
    /// Staff have reached out.
    ReachedOut,
    /// Qualified as a real opportunity.
    Qualified,
    /// Became a customer.
    Converted,
    /// Not a fit.
    Disqualified,
}

/// Quality band of a lead score (thresholds from the scoring weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeadQuality {
    /// At or above the hot threshold.
    Hot,
    /// At or above the warm threshold, below hot.
    Warm,
    /// Below the warm threshold.
    Cold,
}

/// Company size bucket by employee count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SizeCategory {
    /// 1 to 10 employees.
    #[oai(rename = "1-10")]
    From1To10,
    /// 11 to 50 employees.
    #[oai(rename = "11-50")]
    From11To50,
    /// 51 to 200 employees.
    #[oai(rename = "51-200")]
    From51To200,
    /// 201 to 500 employees.
    #[oai(rename = "201-500")]
    From201To500,
    /// 501 to 1000 employees.
    #[oai(rename = "501-1000")]
    From501To1000,
    /// More than 1000 employees.
    #[oai(rename = "1000+")]
    Over1000,
}

/// How far a contact's details have been confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Confirmed.
    Verified,
    /// Not confirmed yet.
    Unverified,
    /// Known to be wrong.
    Invalid,
    /// Derived rather than seen.
    Inferred,
}

/// Standing of a competitor, from its lead score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MarketPosition {
    /// Scores 70 or more.
    Strong,
    /// Scores 40 to 69.
    Established,
    /// Scores below 40.
    Emerging,
}

/// Latitude and longitude.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Coordinates {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
}

/// Where a company is.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Location {
    /// Street address.
    #[oai(nullable)]
    pub address: Option<String>,
    /// City.
    #[oai(nullable)]
    pub city: Option<String>,
    /// State or region.
    #[oai(nullable)]
    pub state: Option<String>,
    /// Postal code.
    #[oai(nullable)]
    pub postal_code: Option<String>,
    /// Country (ISO 3166-1 alpha-2 when known).
    #[oai(nullable)]
    pub country: Option<String>,
    /// Coordinates, when known.
    #[oai(nullable)]
    pub coordinates: Option<Coordinates>,
}

/// A lead's company, as listed (every field null for a lead without a company).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Company {
    /// Company name.
    #[oai(nullable)]
    pub name: Option<String>,
    /// Web domain, e.g. `acme-dental.test`.
    #[oai(nullable)]
    pub domain: Option<String>,
    /// Industry slug from the taxonomy.
    #[oai(nullable)]
    pub industry: Option<String>,
    /// Size bucket.
    #[oai(nullable)]
    pub size_category: Option<SizeCategory>,
    /// Website URL.
    #[oai(nullable)]
    pub website: Option<String>,
    /// Short description.
    #[oai(nullable)]
    pub description: Option<String>,
    /// Where it is.
    pub location: Location,
    /// Year founded.
    #[oai(nullable)]
    pub founded_year: Option<i32>,
    /// Number of employees.
    #[oai(nullable)]
    pub employee_count: Option<i32>,
}

/// One component of the lead score with the reasons that moved it.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ScoreComponent {
    /// 0–100.
    pub score: u8,
    /// Weight of this component in the total, 0.0–1.0.
    pub weight: f64,
    /// Each fact that added points, e.g. "+25 email address found".
    pub reasons: Vec<String>,
}

/// The explained score of a lead: one component per category. Every field is absent for a lead
/// that has not been scored (an empty object).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ScoreBreakdown {
    /// Contact completeness.
    #[oai(skip_serializing_if_is_none)]
    pub contact_completeness: Option<ScoreComponent>,
    /// Business indicators.
    #[oai(skip_serializing_if_is_none)]
    pub business_indicators: Option<ScoreComponent>,
    /// Data quality.
    #[oai(skip_serializing_if_is_none)]
    pub data_quality: Option<ScoreComponent>,
    /// Engagement potential.
    #[oai(skip_serializing_if_is_none)]
    pub engagement_potential: Option<ScoreComponent>,
    /// Version of the weights that produced this score.
    #[oai(skip_serializing_if_is_none)]
    pub weights_version: Option<String>,
}

/// A lead as listed.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LeadSummary {
    /// Lead id.
    pub lead_id: Uuid,
    /// How the lead came in.
    pub origin: LeadOrigin,
    /// Where staff are with it.
    pub status: LeadStatus,
    /// The company.
    pub company: Company,
    /// Score 0–100.
    pub lead_score: i32,
    /// Quality band of the score.
    pub quality: LeadQuality,
    /// How the score came about.
    pub score_breakdown: ScoreBreakdown,
    /// Contacts known at the company.
    pub contact_count: i64,
    /// Contacts whose details are verified.
    pub verified_contact_count: i64,
    /// When the lead was created.
    pub created_at: Timestamp,
    /// Last change of the lead or its company.
    pub last_updated: Timestamp,
    /// The person, for leads from the public form.
    pub inbound: InboundContact,
    /// The staff member working the lead.
    #[oai(nullable)]
    pub assignee: Option<Assignee>,
    /// Raised by every change staff make; send it back with `PATCH` (a stale one gets 409).
    pub version: i32,
}

/// The staff member a lead is assigned to.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Assignee {
    /// User id.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
}

/// A file attached to a lead.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LeadFile {
    /// File id.
    pub file_id: Uuid,
    /// Its (sanitised) name.
    pub filename: String,
    /// pdf, doc or docx, judged by content.
    pub kind: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// `clean` (passed the virus scanner) or `not_scanned` (no scanner configured).
    pub scan_result: String,
    /// When it was received.
    pub uploaded_at: Timestamp,
    /// Where staff download it.
    pub download_url: String,
}

/// Paging through a lead list.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Pagination {
    /// Leads matching the filters.
    pub total_count: i64,
    /// 1-based page number of this page.
    pub current_page: i64,
    /// Page size (the `limit`).
    pub per_page: i64,
    /// Number of pages.
    pub total_pages: i64,
    /// Whether a next page exists.
    pub has_next: bool,
    /// Whether a previous page exists.
    pub has_prev: bool,
    /// The `offset` of the next page; null on the last page.
    #[oai(nullable)]
    pub next_offset: Option<i64>,
    /// The `offset` of this page.
    pub offset: i64,
}

/// The filters a lead list was produced with.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FiltersApplied {
    /// Only the leads this search found; null when not filtered.
    #[oai(nullable)]
    pub job_id: Option<Uuid>,
    /// Only leads scoring at least this; null when not filtered.
    #[oai(nullable)]
    pub score_min: Option<i32>,
    /// Only leads scoring at most this.
    #[oai(skip_serializing_if_is_none)]
    pub score_max: Option<i32>,
    /// Only this origin.
    #[oai(skip_serializing_if_is_none)]
    pub origin: Option<LeadOrigin>,
    /// Only this status.
    #[oai(skip_serializing_if_is_none)]
    pub status: Option<LeadStatus>,
    /// Only leads assigned to this user.
    #[oai(skip_serializing_if_is_none)]
    pub assignee_id: Option<Uuid>,
    /// Only this industry.
    #[oai(skip_serializing_if_is_none)]
    pub industry: Option<String>,
    /// Only leads created at or after.
    #[oai(skip_serializing_if_is_none)]
    pub created_from: Option<Timestamp>,
    /// Only leads created before.
    #[oai(skip_serializing_if_is_none)]
    pub created_to: Option<Timestamp>,
    /// The search text.
    #[oai(skip_serializing_if_is_none)]
    pub q: Option<String>,
    /// The order: score, created, updated or name.
    pub sort: LeadSortKey,
    /// asc or desc.
    pub order: SortOrder,
}

/// What the lead list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeadSortKey {
    /// Score (the default).
    Score,
    /// Creation time.
    Created,
    /// Last change.
    Updated,
    /// Company name, or the person's name.
    Name,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// One page of leads, best score first.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LeadList {
    /// The leads of this page.
    pub leads: Vec<LeadSummary>,
    /// Where this page is.
    pub pagination: Pagination,
    /// The filters applied.
    pub filters_applied: FiltersApplied,
}

/// Business facts about a company (null where unknown).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct BusinessInfo {
    /// Estimated annual revenue.
    #[oai(nullable)]
    pub revenue_estimate: Option<String>,
    /// Business model, e.g. B2B.
    #[oai(nullable)]
    pub business_model: Option<String>,
    /// Target market.
    #[oai(nullable)]
    pub target_market: Option<String>,
    /// IANA time zone.
    #[oai(nullable)]
    pub timezone: Option<String>,
}

/// A lead's company with everything known about it.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct CompanyDetail {
    /// The company as listed.
    #[oai(flatten)]
    pub profile: Company,
    /// Phone numbers (E.164).
    pub phones: Vec<String>,
    /// The same numbers with the kind of line each is, from the numbering plan.
    pub phone_numbers: Vec<PhoneNumber>,
    /// Every place the website gives for the company (offices, branches), the main one first.
    pub locations: Vec<Location>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Social profile URLs.
    pub social_profiles: Vec<String>,
    /// Technologies detected on the website.
    pub technologies: Vec<String>,
    /// Business facts.
    pub business_info: BusinessInfo,
}

/// A phone number with the kind of line it is.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct PhoneNumber {
    /// E.164.
    pub number: String,
    /// `mobile`, `fixed_line`, `fixed_line_or_mobile` (plans that do not tell them apart, such
    /// as North America's), `toll_free`, `premium_rate`, `shared_cost`, `personal_number`,
    /// `voip`, `pager`, `uan`, `voicemail`; null when the plan does not say.
    #[oai(nullable)]
    pub phone_type: Option<String>,
}

/// How senior a job title is, from the title taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Seniority {
    /// Owners, founders, C-level, presidents, managing partners and directors.
    Executive,
    /// Directors, heads of, vice presidents, partners.
    Director,
    /// Managers, leads, supervisors.
    Manager,
    /// Senior, principal and master practitioners.
    Senior,
    /// Everyone else with a title.
    Staff,
    /// Apprentices, interns, trainees, juniors.
    Entry,
}

/// A person or role address at a lead's company.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Contact {
    /// Contact id.
    pub contact_id: Uuid,
    /// Name (null for a role address such as info@).
    #[oai(nullable)]
    pub name: Option<String>,
    /// Job title.
    #[oai(nullable)]
    pub title: Option<String>,
    /// How senior the title is (null without a title).
    #[oai(nullable)]
    pub seniority: Option<Seniority>,
    /// Email address.
    #[oai(nullable)]
    pub email: Option<String>,
    /// Phone number.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// The kind of line the phone is (see `PhoneNumber.phone_type`).
    #[oai(nullable)]
    pub phone_type: Option<String>,
    /// LinkedIn profile URL.
    #[oai(nullable)]
    pub linkedin_url: Option<String>,
    /// Whether the title makes them a decision maker.
    pub is_decision_maker: bool,
    /// Confidence in the contact's details, 0–1, two decimals.
    pub confidence_score: f64,
    /// URL the contact was found at.
    pub source: String,
    /// How far the email address is confirmed: `verified` (valid syntax, a real mail domain;
    /// the mailbox is never probed), `unverified` (not checked, or the DNS lookup failed),
    /// `invalid` (bad syntax, a domain that takes no mail, a disposable provider), `inferred`
    /// (guessed from the company's address pattern).
    pub verification_status: VerificationStatus,
    /// Why the address got its status.
    #[oai(nullable)]
    pub verification_reason: Option<String>,
    /// `role` for a shared mailbox (info@, sales@), `personal` for one person.
    #[oai(nullable)]
    pub email_type: Option<EmailType>,
    /// Whether the address is at a disposable-mail provider.
    pub disposable_email: bool,
}

/// Whether an address reaches a shared mailbox or one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EmailType {
    /// A team or function (info@, sales@).
    Role,
    /// One person.
    Personal,
}

/// A growth signal or pain point seen on a company's website.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Signal {
    /// Category, e.g. `hiring` or `no_https`.
    pub kind: String,
    /// Human-readable description.
    pub description: String,
    /// Where it was seen.
    pub source: String,
    /// Confidence 0.0–1.0.
    pub confidence: f64,
    /// When it happened (`YYYY-MM-DD`), for growth signals a page dates.
    #[oai(nullable)]
    pub date: Option<String>,
}

/// Another company in the same industry and area.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Competitor {
    /// Its name.
    pub competitor_name: String,
    /// How it relates to the lead, e.g. "same industry and area".
    pub relationship: String,
    /// Its standing, from its lead score.
    pub market_position: MarketPosition,
}

/// Insights about a lead's company.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct BusinessIntelligence {
    /// Signs of growth, e.g. open roles.
    pub growth_signals: Vec<Signal>,
    /// Technologies by category, e.g. `{"payments": ["Stripe"]}`.
    pub technology_stack: BTreeMap<String, Vec<String>>,
    /// Problems the company may want solved.
    pub pain_points: Vec<Signal>,
    /// Up to five competitors, best scoring first.
    pub competitive_landscape: Vec<Competitor>,
    /// Values the website offers that could not be used (a `tel:` link to a too-short number,
    /// a placeholder address), each with the reason: what the company may want fixed.
    pub flagged_values: Vec<FlaggedValue>,
}

/// A value a page offers for a field that could not be used.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FlaggedValue {
    /// The field it was meant for: `phone` or `email`.
    pub field: String,
    /// The value as the page wrote it.
    pub value: String,
    /// Why it was not used.
    pub reason: String,
    /// The page it is on.
    pub source_url: String,
}

/// A suggested way to engage a lead.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct EngagementOpportunity {
    /// Type, e.g. `website_security`.
    pub kind: String,
    /// What the opportunity is.
    pub description: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    /// How to approach it.
    pub suggested_approach: String,
}

/// A source the lead's data came from.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct DataSource {
    /// Source name, e.g. `directory` or `company_website`.
    pub source: String,
    /// URL read.
    #[oai(nullable)]
    pub url: Option<String>,
    /// Pages read, for a website; absent for other sources.
    #[oai(skip_serializing_if_is_none)]
    pub pages: Option<Vec<String>>,
    /// When it was read.
    pub scraped_at: Timestamp,
    /// Kinds of data obtained, e.g. `name`, `phone`, `contacts`.
    pub data_types: Vec<String>,
}

/// Who filled in the public form, for an inbound lead (null otherwise).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct InboundContact {
    /// First name.
    #[oai(nullable)]
    pub first_name: Option<String>,
    /// Last name.
    #[oai(nullable)]
    pub last_name: Option<String>,
    /// Email address.
    #[oai(nullable)]
    pub email: Option<String>,
}

/// Everything known about one lead.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LeadDetail {
    /// Lead id.
    pub lead_id: Uuid,
    /// How the lead came in.
    pub origin: LeadOrigin,
    /// Where staff are with it.
    pub status: LeadStatus,
    /// The company with everything known about it.
    pub company: CompanyDetail,
    /// Score 0–100.
    pub lead_score: i32,
    /// Quality band of the score.
    pub quality: LeadQuality,
    /// How the score came about.
    pub score_breakdown: ScoreBreakdown,
    /// Contacts known at the company.
    pub contact_count: i64,
    /// Contacts whose details are verified.
    pub verified_contact_count: i64,
    /// When the lead was created.
    pub created_at: Timestamp,
    /// Last change of the lead or its company.
    pub last_updated: Timestamp,
    /// The contacts.
    pub contacts: Vec<Contact>,
    /// Insights about the company.
    pub business_intelligence: BusinessIntelligence,
    /// Suggested ways to engage.
    pub engagement_opportunities: Vec<EngagementOpportunity>,
    /// Where the data came from.
    pub data_sources: Vec<DataSource>,
    /// The form's details, for an inbound lead.
    pub inbound: InboundContact,
    /// The staff member working the lead.
    #[oai(nullable)]
    pub assignee: Option<Assignee>,
    /// Staff notes.
    pub notes: String,
    /// Raised by every change staff make; send it back with `PATCH`.
    pub version: i32,
    /// Files (résumés), oldest first.
    pub files: Vec<LeadFile>,
}
