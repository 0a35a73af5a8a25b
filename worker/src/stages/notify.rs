//! Notify: deliver one outbox email (over SMTP, or into the mail folder) and record the outcome. Delivery is at least once:
//! a crash between the SMTP server's acceptance and the `sent` mark sends the email again, with
//! the same Message-ID so mail clients show it once.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::NotifyJob;
use leadgen_core::repo::outbox;

/// Runs the notify stage for one email.
pub async fn run(ctx: &Ctx, job: &NotifyJob) -> Result<(), StageError> {
    let Some(email) = outbox::get(&ctx.pool, job.email_id).await? else {
        return Ok(());
    };
    if email.status != "pending" {
        return Ok(());
    }
    match ctx.mailer.send(&email).await {
        Ok(()) => {
            outbox::mark_sent(&ctx.pool, email.id).await?;
            tracing::info!(email_id = %email.id, kind = %email.kind, "email sent");
            Ok(())
        }
        Err(e) => {
            outbox::record_failure(&ctx.pool, email.id, &e.to_string()).await?;
            Err(e)
        }
    }
}
