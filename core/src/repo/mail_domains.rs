//! What DNS said about mail domains, cached for every worker so a domain is looked up once per
//! expiry, not once per contact. Failed lookups are not cached: they are tried again.

use super::Db;
use crate::email_check::MailDomain;
use std::time::Duration;

/// The cached, unexpired answers for `domains`.
pub async fn fresh<'c>(
    db: impl Db<'c>,
    domains: &[String],
) -> sqlx::Result<Vec<(String, MailDomain)>> {
    let rows = sqlx::query!(
        "SELECT domain, verdict, exchangers, reason FROM mail_domains
         WHERE domain = ANY($1) AND expires_at > now()",
        domains,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let answer = if r.verdict == "accepts" {
                MailDomain::Accepts {
                    exchangers: r.exchangers,
                }
            } else {
                MailDomain::Refuses {
                    reason: r.reason.unwrap_or_default(),
                }
            };
            (r.domain, answer)
        })
        .collect())
}

/// Caches an answer for `ttl`; an [`MailDomain::Unknown`] is not stored.
pub async fn put<'c>(
    db: impl Db<'c>,
    domain: &str,
    answer: &MailDomain,
    ttl: Duration,
) -> sqlx::Result<()> {
    let (verdict, exchangers, reason) = match answer {
        MailDomain::Accepts { exchangers } => ("accepts", exchangers.clone(), None),
        MailDomain::Refuses { reason } => ("refuses", Vec::new(), Some(reason.clone())),
        MailDomain::Unknown { .. } => return Ok(()),
    };
    sqlx::query!(
        "INSERT INTO mail_domains (domain, verdict, exchangers, reason, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (domain) DO UPDATE SET verdict = EXCLUDED.verdict,
           exchangers = EXCLUDED.exchangers, reason = EXCLUDED.reason, checked_at = now(),
           expires_at = EXCLUDED.expires_at",
        domain,
        verdict,
        &exchangers,
        reason,
        ttl.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}
