//! Companies as the deduplication engine and survivorship see them: match candidates by
//! blocking key, advisory locks on those keys, every field's candidate values, the columns
//! chosen from them, and contacts as merging reads and writes them.

use super::Db;
use super::leads::ContactRecord;
use crate::contact_match;
use crate::dedup::Record;
use crate::survivorship::{self, Chosen, Field, FieldValue};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// Takes transaction-scoped locks on match keys, in one sorted order so two writers never wait
/// on each other in a cycle. Any two records that could be the same company share a key
/// ([`crate::dedup::Normalized::match_keys`]), so their merges run one after the other.
pub async fn lock_keys(tx: &mut sqlx::PgConnection, keys: &[String]) -> sqlx::Result<()> {
    sqlx::query_scalar!(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7)))
         FROM (SELECT DISTINCT k FROM unnest($1::text[]) k ORDER BY k) s",
        keys,
    )
    .fetch_one(tx)
    .await?;
    Ok(())
}

/// A stored company that shares a match key with a record.
#[derive(Debug, Clone)]
pub struct MatchCandidate {
    /// Company id.
    pub id: Uuid,
    /// The company's chosen values as a comparable record.
    pub record: Record,
    /// The company's phones, so a record is compared on the number it shares.
    pub phones: Vec<String>,
}

/// The companies sharing at least one of `keys`, oldest first.
pub async fn sharing_keys<'c>(
    db: impl Db<'c>,
    keys: &[String],
) -> sqlx::Result<Vec<MatchCandidate>> {
    let rows = sqlx::query!(
        "SELECT id, name, website, address, city, postal_code, phones, emails
         FROM companies WHERE match_keys && $1::text[] ORDER BY created_at, id LIMIT 200",
        keys,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let list = |v: Value| serde_json::from_value::<Vec<String>>(v).unwrap_or_default();
            let phones = list(r.phones);
            MatchCandidate {
                id: r.id,
                record: Record {
                    name: r.name,
                    address: r.address,
                    city: r.city,
                    postal_code: r.postal_code,
                    phone: phones.first().cloned(),
                    website: r.website,
                    email: list(r.emails).into_iter().next(),
                },
                phones,
            }
        })
        .collect())
}

/// Locks a company's row for the rest of the transaction; false when it no longer exists
/// (merged into another meanwhile).
pub async fn lock<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<bool> {
    Ok(
        sqlx::query_scalar!("SELECT id FROM companies WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(db)
            .await?
            .is_some(),
    )
}

/// Inserts a new company row with its first name; its other columns follow from its values.
pub async fn insert<'c>(db: impl Db<'c>, id: Uuid, name: &str, key: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO companies (id, name, dedup_key) VALUES ($1, $2, $3)",
        id,
        name,
        key,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores candidate values of a company: a value seen again by the same source is refreshed
/// (time, URL, confidence), not repeated; one source giving one value twice in `values` (a
/// listing and a sighting) counts once, at its highest confidence.
pub async fn add_values<'c>(
    db: impl Db<'c>,
    company: Uuid,
    values: &[FieldValue],
) -> sqlx::Result<()> {
    let fields: Vec<&str> = values.iter().map(|v| v.field.as_str()).collect();
    let vals: Vec<Value> = values.iter().map(|v| v.value.clone()).collect();
    let sources: Vec<&str> = values.iter().map(|v| v.source.as_str()).collect();
    let urls: Vec<Option<String>> = values.iter().map(|v| v.url.clone()).collect();
    let confs: Vec<f32> = values
        .iter()
        .map(|v| v.confidence.clamp(0.0, 1.0))
        .collect();
    let seen: Vec<DateTime<Utc>> = values.iter().map(|v| v.seen_at).collect();
    sqlx::query!(
        "INSERT INTO company_field_values (company_id, field, value, source, url, confidence,
            seen_at)
         SELECT DISTINCT ON (f, s, md5(v::text)) $1::uuid, f, v, s, u, c, t
         FROM unnest($2::text[], $3::jsonb[], $4::text[], $5::text[], $6::real[],
                     $7::timestamptz[]) AS x(f, v, s, u, c, t)
         ORDER BY f, s, md5(v::text), c DESC, t DESC
         ON CONFLICT (company_id, field, source, value_hash) DO UPDATE SET
            url = COALESCE(EXCLUDED.url, company_field_values.url),
            confidence = EXCLUDED.confidence,
            seen_at = GREATEST(EXCLUDED.seen_at, company_field_values.seen_at)",
        company,
        &fields as &[&str],
        &vals,
        &sources as &[&str],
        &urls as &[Option<String>],
        &confs,
        &seen,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a company's values of one field from one source (staff clearing their own edit).
pub async fn remove_values<'c>(
    db: impl Db<'c>,
    company: Uuid,
    field: Field,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM company_field_values WHERE company_id = $1 AND field = $2 AND source = $3",
        company,
        field.as_str(),
        source,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Every candidate value of a company.
pub async fn values<'c>(db: impl Db<'c>, company: Uuid) -> sqlx::Result<Vec<FieldValue>> {
    let rows = sqlx::query!(
        "SELECT field, value, source, url, confidence, seen_at FROM company_field_values
         WHERE company_id = $1 ORDER BY field, seen_at DESC, source",
        company,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(FieldValue {
                field: Field::parse(&r.field)?,
                value: r.value,
                source: r.source,
                url: r.url,
                confidence: r.confidence,
                seen_at: r.seen_at,
            })
        })
        .collect())
}

/// Moves every value of one company to another (a manual merge), keeping the fresher copy
/// where both have the same value from the same source.
pub async fn move_values<'c>(db: impl Db<'c>, from: Uuid, to: Uuid) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "INSERT INTO company_field_values (company_id, field, value, source, url, confidence,
            seen_at)
         SELECT $2, field, value, source, url, confidence, seen_at
         FROM company_field_values WHERE company_id = $1
         ON CONFLICT (company_id, field, source, value_hash) DO UPDATE SET
            seen_at = GREATEST(EXCLUDED.seen_at, company_field_values.seen_at),
            confidence = GREATEST(EXCLUDED.confidence, company_field_values.confidence)",
        from,
        to,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// Chooses a company's columns from its values and stores them, with its match keys and its
/// lead's data sources. Returns the choice.
pub async fn refresh(
    tx: &mut sqlx::PgConnection,
    company: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<Chosen> {
    let all = values(&mut *tx, company).await?;
    let chosen = survivorship::choose(&all, now);
    let list = |f: Field| json!(chosen.list(f));
    let size = chosen
        .text(Field::SizeCategory)
        .filter(|s| crate::model::SIZE_CATEGORIES.contains(&s.as_str()));
    let founded = chosen
        .number(Field::FoundedYear)
        .filter(|y| (1000..=2100).contains(y))
        .map(|y| y as i32);
    let employees = chosen
        .number(Field::EmployeeCount)
        .filter(|n| *n >= 0)
        .map(|n| n.min(i32::MAX as i64) as i32);
    let name = chosen
        .text(Field::Name)
        .map(|n| n.chars().take(500).collect::<String>());
    sqlx::query!(
        "UPDATE companies SET name = COALESCE($2, name), domain = $3, website = $4,
            industry = $5, size_category = $6, description = $7, address = $8, city = $9,
            region = $10, postal_code = $11, country = $12, founded_year = $13,
            employee_count = $14, phones = $15, emails = $16, socials = $17, technologies = $18,
            match_keys = $19
         WHERE id = $1",
        company,
        name,
        chosen.domain(),
        chosen.text(Field::Website),
        chosen.text(Field::Industry),
        size,
        chosen.text(Field::Description),
        chosen.text(Field::Address),
        chosen.text(Field::City),
        chosen.text(Field::Region),
        chosen.text(Field::PostalCode),
        chosen.text(Field::Country),
        founded,
        employees,
        list(Field::Phones),
        list(Field::Emails),
        list(Field::Socials),
        list(Field::Technologies),
        &chosen.match_keys(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE leads SET data_sources = $2 WHERE company_id = $1",
        company,
        survivorship::data_sources(&all, now),
    )
    .execute(&mut *tx)
    .await?;
    Ok(chosen)
}

/// A company's contacts as merging compares them, with their ids.
pub async fn contacts<'c>(
    db: impl Db<'c>,
    company: Uuid,
) -> sqlx::Result<Vec<(Uuid, ContactRecord)>> {
    let rows = sqlx::query!(
        "SELECT id, dedup_key, name, title, email, phone, linkedin_url, is_decision_maker,
            confidence, source, verification_status, verification_reason, email_kind,
            email_disposable
         FROM contacts WHERE company_id = $1 ORDER BY created_at, id",
        company,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                ContactRecord {
                    dedup_key: r.dedup_key,
                    name: r.name,
                    title: r.title,
                    email: r.email,
                    phone: r.phone,
                    linkedin_url: r.linkedin_url,
                    is_decision_maker: r.is_decision_maker,
                    confidence: r.confidence,
                    source: r.source,
                    verification_status: Some(r.verification_status).filter(|s| s != "unverified"),
                    verification_reason: r.verification_reason,
                    email_kind: r.email_kind,
                    email_disposable: r.email_disposable,
                },
            )
        })
        .collect())
}

/// Writes a contact: a new row, or the merged details of an existing one.
pub async fn save_contact<'c>(
    db: impl Db<'c>,
    company: Uuid,
    id: Option<Uuid>,
    c: &ContactRecord,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO contacts (id, company_id, dedup_key, name, title, email, phone, linkedin_url,
            is_decision_maker, confidence, source, verification_status, verification_reason,
            email_kind, email_disposable)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
         ON CONFLICT (id) DO UPDATE SET
            company_id = EXCLUDED.company_id, name = EXCLUDED.name, title = EXCLUDED.title,
            email = EXCLUDED.email, phone = EXCLUDED.phone, linkedin_url = EXCLUDED.linkedin_url,
            is_decision_maker = EXCLUDED.is_decision_maker, confidence = EXCLUDED.confidence,
            source = EXCLUDED.source, verification_status = EXCLUDED.verification_status,
            verification_reason = EXCLUDED.verification_reason, email_kind = EXCLUDED.email_kind,
            email_disposable = EXCLUDED.email_disposable",
        id.unwrap_or_else(Uuid::now_v7),
        company,
        c.dedup_key,
        c.name,
        c.title,
        c.email,
        c.phone,
        c.linkedin_url,
        c.is_decision_maker,
        c.confidence,
        c.source,
        c.verification_status.as_deref().unwrap_or("unverified"),
        c.verification_reason,
        c.email_kind,
        c.email_disposable,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes contacts by id (those folded into another by a merge).
pub async fn delete_contacts<'c>(db: impl Db<'c>, ids: &[Uuid]) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM contacts WHERE id = ANY($1)", ids)
        .execute(db)
        .await?;
    Ok(())
}

/// Folds contacts into a company's stored ones, person by person
/// ([`contact_match::same_person`]); new people are added under a key no other contact of the
/// company uses. Returns how many stored contacts absorbed an incoming one.
pub async fn fold_contacts(
    tx: &mut sqlx::PgConnection,
    company: Uuid,
    incoming: Vec<ContactRecord>,
) -> sqlx::Result<usize> {
    let mut stored = contacts(&mut *tx, company).await?;
    let mut folded = 0;
    for c in incoming {
        match stored
            .iter()
            .position(|(_, s)| contact_match::same_person(s, &c))
        {
            Some(i) => {
                let (id, ref mut s) = stored[i];
                contact_match::absorb(s, &c);
                save_contact(&mut *tx, company, Some(id), s).await?;
                folded += 1;
            }
            None => {
                let mut c = c;
                let base = c.dedup_key.clone();
                let mut n = 1;
                while stored.iter().any(|(_, s)| s.dedup_key == c.dedup_key) {
                    n += 1;
                    c.dedup_key = format!("{base}#{n}");
                }
                let id = Uuid::now_v7();
                save_contact(&mut *tx, company, Some(id), &c).await?;
                stored.push((id, c));
            }
        }
    }
    Ok(folded)
}
