//! Job payloads of the stage queues. A payload carries ids only: every stage reads its input
//! from Postgres, so any stage can be re-run on stored data.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The pipeline's stages, one queue each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Search criteria → candidate companies.
    Discover,
    /// Company domain → pages.
    Fetch,
    /// Page that needs JavaScript → rendered HTML.
    Render,
    /// Pages → facts.
    Extract,
    /// Facts → enrichment.
    Enrich,
    /// Enriched company → score.
    Score,
    /// Scored company → stored lead.
    Merge,
    /// Last work item done → job summary.
    Finalize,
    /// Email outbox → SMTP.
    Notify,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 9] = [
        Stage::Discover,
        Stage::Fetch,
        Stage::Render,
        Stage::Extract,
        Stage::Enrich,
        Stage::Score,
        Stage::Merge,
        Stage::Finalize,
        Stage::Notify,
    ];

    /// The stage's name, also its queue's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Discover => "discover",
            Stage::Fetch => "fetch",
            Stage::Render => "render",
            Stage::Extract => "extract",
            Stage::Enrich => "enrich",
            Stage::Score => "score",
            Stage::Merge => "merge",
            Stage::Finalize => "finalize",
            Stage::Notify => "notify",
        }
    }

    /// The queue the stage's jobs live in.
    pub fn queue(self) -> String {
        format!("leadgen::{}", self.name())
    }

    /// Parses a stage name.
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name.trim())
    }
}

/// Payload of the discover stage: one page of one source of a search.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscoverJob {
    /// The search.
    pub job_id: Uuid,
    /// The source (`directory:<name>`, `osm`, `google_places`, `domains`).
    pub source: String,
    /// Result page of the source to read (1-based).
    pub page: u32,
    /// Where that page is: the next-page link or token the previous page gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Payload of the per-company stages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemJob {
    /// The search.
    pub job_id: Uuid,
    /// The company inside it.
    pub item_id: Uuid,
}

/// Payload of the finalize stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinalizeJob {
    /// The search.
    pub job_id: Uuid,
}

/// Payload of the notify stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotifyJob {
    /// The email in the outbox.
    pub email_id: Uuid,
}
