//! Merge: find the stored company this one is (the deduplication engine over the companies
//! sharing a match key, under advisory locks on those keys so concurrent merges of one company
//! run one after the other), add every value the search learned to the company's candidate
//! values and choose its columns from them, fold the contacts in person by person, keep the
//! lead's staff-owned fields, add it to the job's results unless filtered out, a duplicate of
//! another result or over `max_results`, and announce it.

use crate::runner::StageError;
use crate::{Ctx, progress};
use leadgen_core::contact_match;
use leadgen_core::dedup::{Record, Thresholds};
use leadgen_core::jobs::ItemJob;
use leadgen_core::model::{Candidate, Enrichment, Facts, Score, SearchCriteria};
use leadgen_core::privacy;
use leadgen_core::repo::companies;
use leadgen_core::repo::jobs::{self, ItemOutcome};
use leadgen_core::repo::leads::{self, ContactRecord, LeadRecord};
use leadgen_core::repo::privacy as privacy_repo;
use leadgen_core::repo::work_items;
use leadgen_core::stages::merge::{best_match, contact_records, filter_out_reason};
use leadgen_core::survivorship::{self, Field};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Runs the merge stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "merge" {
        return Ok(());
    }
    let unreadable = |what: &str, e: serde_json::Error| {
        StageError::GiveUp(format!("stored {what} unreadable: {e}"))
    };
    let candidate: Candidate =
        serde_json::from_value(item.candidate.clone()).map_err(|e| unreadable("candidate", e))?;
    let sightings: Vec<Candidate> =
        serde_json::from_value(item.sightings.clone()).map_err(|e| unreadable("sightings", e))?;
    let facts: Facts = serde_json::from_value(item.facts.clone().unwrap_or_default())
        .map_err(|e| unreadable("facts", e))?;
    let enrichment: Enrichment =
        serde_json::from_value(item.enrichment.clone().unwrap_or_default())
            .map_err(|e| unreadable("enrichment", e))?;
    let score: Score = serde_json::from_value(item.score.clone().unwrap_or_default())
        .map_err(|e| unreadable("score", e))?;

    let now = chrono::Utc::now();
    let mut values = survivorship::from_candidate(&candidate, now);
    for s in &sightings {
        values.extend(survivorship::from_candidate(s, now));
    }
    values.extend(survivorship::from_facts(&facts, &enrichment, now));
    let own = survivorship::choose(&values, now);
    let contacts = contact_match::dedupe(contact_records(&facts, &enrichment));
    let lead = lead_record(&facts, &enrichment, &score);

    let mut tx = ctx.pool.begin().await?;
    let Some(job_row) = jobs::get_for_update(&mut *tx, job.job_id).await? else {
        return Ok(());
    };
    // Re-check under the job lock: a concurrent re-run may have finished this item already.
    if !work_items::advance(&mut *tx, job.item_id, "merge", "done").await? {
        return Ok(());
    }
    // The suppression list is checked before anything is stored: a suppressed domain (or a
    // company address on it) keeps the whole company out, a suppressed person their contact.
    let company_emails = own.list(Field::Emails);
    let domain = own.domain().or_else(|| item.domain.clone());
    let digests = privacy::digests_for(
        company_emails
            .iter()
            .map(String::as_str)
            .chain(contacts.iter().filter_map(|c| c.email.as_deref())),
        domain.as_deref(),
    );
    let hits = privacy_repo::suppressed(&mut *tx, &digests).await?;
    let hit = |d: Vec<u8>| hits.contains(&d);
    let company_suppressed = domain
        .as_deref()
        .is_some_and(|d| hit(privacy::domain_digest(d)))
        || company_emails.iter().any(|e| {
            hit(privacy::email_digest(e))
                || e.rsplit_once('@')
                    .is_some_and(|(_, d)| hit(privacy::domain_digest(d)))
        });
    let lead_id = if company_suppressed {
        None
    } else {
        let name = own
            .text(Field::Name)
            .unwrap_or_else(|| candidate.name.clone());
        let company_id = find_or_create(
            &mut tx,
            &own.record(candidate.phone.as_deref()),
            &own.match_keys(),
            &name,
            &item.dedup_key,
            &ctx.cfg.dedup,
        )
        .await?;
        companies::add_values(&mut *tx, company_id, &values).await?;
        let kept: Vec<ContactRecord> = contacts
            .into_iter()
            .filter(|c| {
                !c.email
                    .as_deref()
                    .is_some_and(|e| hit(privacy::email_digest(e)))
            })
            .collect();
        companies::fold_contacts(&mut tx, company_id, kept).await?;
        let (lead_id, _new) = leads::upsert_discovered_lead(&mut *tx, company_id, &lead).await?;
        companies::refresh(&mut tx, company_id, now).await?;
        work_items::set_lead(&mut *tx, job.item_id, lead_id).await?;
        Some(lead_id)
    };
    let criteria: SearchCriteria = serde_json::from_value(job_row.criteria.clone())
        .map_err(|e| StageError::GiveUp(format!("stored criteria unreadable: {e}")))?;
    let reason = if company_suppressed {
        Some("suppressed: the company's domain is on the suppression list".to_string())
    } else {
        filter_out_reason(&criteria, item.domain.is_some(), &facts, &enrichment)
    };
    let outcome = match (reason, lead_id) {
        (Some(ref why), _) => {
            work_items::filter_out(&mut *tx, job.item_id, why).await?;
            ItemOutcome::Filtered
        }
        (None, _) if job_row.results_count >= job_row.max_results => ItemOutcome::Filtered,
        (None, Some(lead_id)) => {
            if leads::add_job_result(&mut *tx, job.job_id, lead_id, score.lead_score as i32).await?
            {
                ItemOutcome::Result
            } else {
                let why = format!(
                    "duplicate: the same company as another result of this search (lead {lead_id})"
                );
                work_items::filter_out(&mut *tx, job.item_id, &why).await?;
                ItemOutcome::Filtered
            }
        }
        (None, None) => ItemOutcome::Filtered,
    };
    let row = jobs::item_finished(&mut *tx, job.job_id, outcome).await?;
    let event = if outcome == ItemOutcome::Result {
        json!({
            "type": "lead_discovered",
            "job_id": job.job_id,
            "lead_id": lead_id,
            "company_name": own.text(Field::Name).unwrap_or_else(|| candidate.name.clone()),
            "website": own.text(Field::Website),
            "industry": own.text(Field::Industry),
            "lead_score": score.lead_score,
            "quality": score.quality,
            "results_count": row.results_count,
        })
    } else {
        serde_json::Value::Null
    };
    progress::item_done(ctx, &mut tx, &row, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The stored company `probe` is, locked for this transaction, or a new one. The match keys
/// are locked first so no concurrent merge can create the same company meanwhile; a company
/// merged away by staff between the look-up and its row lock is looked up again.
pub async fn find_or_create(
    tx: &mut PgConnection,
    probe: &Record,
    keys: &[String],
    name: &str,
    dedup_key: &str,
    thresholds: &Thresholds,
) -> Result<Uuid, StageError> {
    companies::lock_keys(&mut *tx, keys).await?;
    for _ in 0..3 {
        let candidates = companies::sharing_keys(&mut *tx, keys).await?;
        match best_match(probe, &candidates, thresholds) {
            Some((id, _)) if companies::lock(&mut *tx, id).await? => return Ok(id),
            Some(_) => continue,
            None => {
                let id = Uuid::now_v7();
                companies::insert(&mut *tx, id, name, dedup_key).await?;
                return Ok(id);
            }
        }
    }
    Err(StageError::Retry(
        "the matching company kept changing; trying again".into(),
    ))
}

fn lead_record(f: &Facts, e: &Enrichment, s: &Score) -> LeadRecord {
    let stack = serde_json::to_value(&e.technology_stack).unwrap_or_default();
    LeadRecord {
        lead_score: s.lead_score as i32,
        score_breakdown: serde_json::to_value(&s.breakdown).unwrap_or_default(),
        business_intelligence: json!({
            "growth_signals": e.growth_signals,
            "technology_stack": stack,
            "pain_points": e.pain_points,
            "flagged_values": f.flagged,
            "locations": f.locations,
            "industry_confidence": e.industry_confidence,
            "quality": s.quality,
        }),
        engagement_opportunities: serde_json::to_value(&e.engagement_opportunities)
            .unwrap_or_default(),
    }
}
