//! Delivers outbox emails with lettre: over SMTP through a pooled async transport built once
//! from `LEADGEN_SMTP_URL`, or, with no SMTP server configured, as `.eml` files in
//! `LEADGEN_MAIL_DIR` (so a demo or a development machine loses nothing). Messages are MIME
//! multipart/alternative (text and HTML) with the email's fixed Message-ID. SMTP answers are
//! classified: a permanent rejection (5xx) gives up at once, anything else (4xx, refused
//! connection, timeout) is retried with the stage's backoff.

use crate::runner::StageError;
use leadgen_core::config::MailConfig;
use leadgen_core::repo::outbox::OutboxRow;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The delivering side of the notify stage.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
}

impl Mailer {
    /// Builds the mailer: SMTP when configured, else the mail folder; the error names the
    /// variable.
    pub fn from_config(cfg: &MailConfig) -> anyhow::Result<Self> {
        let from = cfg
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("LEADGEN_MAIL_FROM is not a mailbox: {e}"))?;
        let transport = match &cfg.smtp_url {
            Some(url) => Transport::Smtp(
                // lettre's own error would echo the URL, which may hold a password.
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| anyhow::anyhow!("LEADGEN_SMTP_URL is not a usable SMTP URL"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Folder(AsyncFileTransport::new(&cfg.mail_dir), cfg.mail_dir.clone()),
        };
        Ok(Self { transport, from })
    }

    /// Sends one email.
    pub async fn send(&self, e: &OutboxRow) -> Result<(), StageError> {
        let msg = self.message(e)?;
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(msg).await {
                Ok(_) => Ok(()),
                Err(err) if err.is_permanent() => Err(StageError::GiveUp(format!(
                    "the SMTP server refused the email: {err}"
                ))),
                Err(err) => Err(StageError::Retry(format!("SMTP delivery failed: {err}"))),
            },
            Transport::Folder(folder, dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|err| {
                    StageError::Retry(format!("creating the mail folder {}: {err}", dir.display()))
                })?;
                folder.send(msg).await.map(|_| ()).map_err(|err| {
                    StageError::Retry(format!(
                        "writing to the mail folder {}: {err}",
                        dir.display()
                    ))
                })
            }
        }
    }

    fn message(&self, e: &OutboxRow) -> Result<Message, StageError> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(e.subject.clone())
            .message_id(Some(e.message_id.clone()));
        for to in &e.recipients {
            let mbox: Mailbox = to
                .parse()
                .map_err(|err| StageError::GiveUp(format!("recipient `{to}` is invalid: {err}")))?;
            b = b.to(mbox);
        }
        b.multipart(MultiPart::alternative_plain_html(
            e.body_text.clone(),
            e.body_html.clone(),
        ))
        .map_err(|err| StageError::GiveUp(format!("the email could not be built: {err}")))
    }
}
