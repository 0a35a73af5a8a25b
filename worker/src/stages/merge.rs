//! Merge: write the scored company into the lead store (one company per key, contacts by email
//! or name, the lead's staff-owned fields kept), add it to the job's results unless filtered
//! out or over `max_results`, and announce it.

use crate::runner::StageError;
use crate::{Ctx, progress};
use leadgen_core::jobs::ItemJob;
use leadgen_core::model::{Candidate, Enrichment, Facts, Score, SearchCriteria};
use leadgen_core::privacy;
use leadgen_core::repo::jobs::{self, ItemOutcome};
use leadgen_core::repo::leads::{self, CompanyRecord, ContactRecord, LeadRecord};
use leadgen_core::repo::privacy as privacy_repo;
use leadgen_core::repo::work_items;
use leadgen_core::stages::merge::filter_out_reason;
use serde_json::json;

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
    let facts: Facts = serde_json::from_value(item.facts.clone().unwrap_or_default())
        .map_err(|e| unreadable("facts", e))?;
    let enrichment: Enrichment =
        serde_json::from_value(item.enrichment.clone().unwrap_or_default())
            .map_err(|e| unreadable("enrichment", e))?;
    let score: Score = serde_json::from_value(item.score.clone().unwrap_or_default())
        .map_err(|e| unreadable("score", e))?;

    let company = company_record(
        &item.dedup_key,
        item.domain.clone(),
        &candidate,
        &facts,
        &enrichment,
    );
    let contacts = contact_records(&facts);
    let lead = lead_record(&candidate, &facts, &enrichment, &score);

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
    let company_emails: Vec<String> =
        serde_json::from_value(company.emails.clone()).unwrap_or_default();
    let digests = privacy::digests_for(
        company_emails
            .iter()
            .map(String::as_str)
            .chain(contacts.iter().filter_map(|c| c.email.as_deref())),
        company.domain.as_deref(),
    );
    let hits = privacy_repo::suppressed(&mut *tx, &digests).await?;
    let hit = |d: Vec<u8>| hits.contains(&d);
    let company_suppressed = company
        .domain
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
        let company_id = leads::upsert_company(&mut *tx, &company).await?;
        for c in &contacts {
            if c.email
                .as_deref()
                .is_some_and(|e| hit(privacy::email_digest(e)))
            {
                continue;
            }
            leads::upsert_contact(&mut *tx, company_id, c).await?;
        }
        let (lead_id, _new) = leads::upsert_discovered_lead(&mut *tx, company_id, &lead).await?;
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
            leads::add_job_result(&mut *tx, job.job_id, lead_id, score.lead_score as i32).await?;
            ItemOutcome::Result
        }
        (None, None) => ItemOutcome::Filtered,
    };
    let row = jobs::item_finished(&mut *tx, job.job_id, outcome).await?;
    let event = if outcome == ItemOutcome::Result {
        json!({
            "type": "lead_discovered",
            "job_id": job.job_id,
            "lead_id": lead_id,
            "company_name": company.name,
            "website": company.website,
            "industry": company.industry,
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

fn company_record(
    key: &str,
    domain: Option<String>,
    c: &Candidate,
    f: &Facts,
    e: &Enrichment,
) -> CompanyRecord {
    let addr = f
        .address
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default();
    let list = |v: Vec<String>| serde_json::to_value(v).unwrap_or_else(|_| json!([]));
    CompanyRecord {
        dedup_key: key.to_string(),
        name: f
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| c.name.clone()),
        domain,
        website: c.website.clone(),
        industry: e.industry.clone(),
        size_category: e.size_category.clone(),
        description: f.description.as_ref().map(|d| d.value.clone()),
        address: addr.street.clone(),
        city: addr.city.clone(),
        region: addr.region.clone(),
        postal_code: addr.postal_code.clone(),
        country: addr.country.clone(),
        founded_year: f.founded_year.as_ref().map(|y| y.value),
        employee_count: f
            .employee_count
            .as_ref()
            .map(|n| n.value.min(i32::MAX as u32) as i32),
        phones: list(f.phones.iter().map(|p| p.value.clone()).collect()),
        emails: list(f.emails.iter().map(|p| p.value.clone()).collect()),
        socials: list(f.socials.iter().map(|p| p.value.clone()).collect()),
        technologies: list(f.technologies.clone()),
        business_info: json!({}),
    }
}

fn contact_records(f: &Facts) -> Vec<ContactRecord> {
    let mut out: Vec<ContactRecord> = f
        .people
        .iter()
        .map(|p| ContactRecord {
            dedup_key: p
                .email
                .clone()
                .unwrap_or_else(|| format!("name:{}", p.name.to_lowercase())),
            name: Some(p.name.clone()),
            title: p.title.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            linkedin_url: p.linkedin_url.clone(),
            is_decision_maker: p.is_decision_maker,
            confidence: p.confidence,
            source: p.source_url.clone(),
        })
        .collect();
    // Role addresses (info@, office@) become contacts without a name so staff can reach them.
    for e in &f.emails {
        if !out
            .iter()
            .any(|c| c.email.as_deref() == Some(e.value.as_str()))
        {
            out.push(ContactRecord {
                dedup_key: e.value.clone(),
                email: Some(e.value.clone()),
                confidence: e.confidence,
                source: e.source_url.clone(),
                ..ContactRecord::default()
            });
        }
    }
    out.dedup_by(|a, b| a.dedup_key == b.dedup_key);
    out
}

fn lead_record(c: &Candidate, f: &Facts, e: &Enrichment, s: &Score) -> LeadRecord {
    let now = chrono::Utc::now();
    let mut sources = vec![json!({
        "source": c.source,
        "url": c.source_url,
        "scraped_at": now,
        "data_types": ["name", "phone", "address", "website", "category"],
    })];
    if !f.pages.is_empty() {
        sources.push(json!({
            "source": "company_website",
            "url": f.pages.first(),
            "pages": f.pages,
            "scraped_at": now,
            "data_types": ["contacts", "address", "socials", "technologies", "people"],
        }));
    }
    let stack = serde_json::to_value(&e.technology_stack).unwrap_or_default();
    LeadRecord {
        lead_score: s.lead_score as i32,
        score_breakdown: serde_json::to_value(&s.breakdown).unwrap_or_default(),
        business_intelligence: json!({
            "growth_signals": e.growth_signals,
            "technology_stack": stack,
            "pain_points": e.pain_points,
            "industry_confidence": e.industry_confidence,
            "quality": s.quality,
        }),
        engagement_opportunities: serde_json::to_value(&e.engagement_opportunities)
            .unwrap_or_default(),
        data_sources: serde_json::Value::Array(sources),
    }
}
