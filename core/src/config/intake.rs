//! The public lead form: where résumés are stored and with which key, the virus scanner, the
//! size limit and the confirmation text.
//!
//! Variables: `LEADGEN_FILES_URL`, `LEADGEN_FILES_KEY`, `LEADGEN_CLAMAV`,
//! `LEADGEN_MAX_RESUME_BYTES`, `LEADGEN_CONFIRMATION_TEXT`.

use super::{ConfigError, parse};

/// Settings of inbound leads.
#[derive(Clone)]
pub struct IntakeConfig {
    /// Where files go (`LEADGEN_FILES_URL`): `file:///var/lib/leadgen/files`, `s3://bucket/prefix`
    /// (credentials from the usual `AWS_*` variables), `az://container/prefix` (`AZURE_*`).
    /// Default: the local directory `.leadgen/files`.
    pub files_url: Option<String>,
    /// AES-256 key sealing stored files (`LEADGEN_FILES_KEY`, 32 bytes in base64; secret,
    /// never logged). Required in production; elsewhere a key file is kept beside local files.
    pub files_key: Option<[u8; 32]>,
    /// The ClamAV daemon (`LEADGEN_CLAMAV`): `tcp://host:3310` or `unix:///run/clamav/clamd.ctl`.
    /// Without it uploads are stored unscanned and marked so.
    pub clamav: Option<ClamAv>,
    /// Largest résumé accepted (`LEADGEN_MAX_RESUME_BYTES`, default 5 MiB).
    pub max_resume_bytes: usize,
    /// Next-steps text of the confirmation email (`LEADGEN_CONFIRMATION_TEXT`).
    pub confirmation_text: String,
    /// The public form's branding: organisation name in its header (`LEADGEN_FORM_BRAND`,
    /// default `leadgen`), heading (`LEADGEN_FORM_TITLE`, default `Apply`) and introduction
    /// (`LEADGEN_FORM_INTRO`).
    pub form: FormText,
}

/// What the public form says.
#[derive(Clone, Debug)]
pub struct FormText {
    /// Organisation name in the header.
    pub brand: String,
    /// Heading and page title.
    pub title: String,
    /// The sentence under the heading.
    pub intro: String,
}

/// Where the ClamAV daemon listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClamAv {
    /// `host:port`.
    Tcp(String),
    /// A Unix socket path.
    Unix(String),
}

impl std::fmt::Debug for IntakeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakeConfig")
            .field("files_url", &self.files_url)
            .field("files_key", &self.files_key.map(|_| "<set>"))
            .field("clamav", &self.clamav)
            .field("max_resume_bytes", &self.max_resume_bytes)
            .finish_non_exhaustive()
    }
}

pub(super) fn intake_config(
    non_empty: &impl Fn(&str) -> Option<String>,
) -> Result<IntakeConfig, ConfigError> {
    let files_url = non_empty("LEADGEN_FILES_URL");
    if let Some(u) = &files_url {
        let parsed = url::Url::parse(u).map_err(|e| ConfigError {
            var: "LEADGEN_FILES_URL",
            reason: format!("not a URL: {e}"),
        })?;
        if !["file", "s3", "az", "azure", "abfs", "abfss"].contains(&parsed.scheme()) {
            return Err(ConfigError {
                var: "LEADGEN_FILES_URL",
                reason: "must be file://, s3:// or az:// (Azure Blob)".into(),
            });
        }
    }
    let files_key = match non_empty("LEADGEN_FILES_KEY") {
        None => None,
        Some(v) => {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| ConfigError {
                    var: "LEADGEN_FILES_KEY",
                    reason: "must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)".into(),
                })?;
            Some(bytes)
        }
    };
    let clamav = match non_empty("LEADGEN_CLAMAV") {
        None => None,
        Some(v) => Some(if let Some(addr) = v.strip_prefix("tcp://") {
            ClamAv::Tcp(addr.trim_end_matches('/').to_string())
        } else if let Some(path) = v.strip_prefix("unix://") {
            ClamAv::Unix(path.to_string())
        } else {
            return Err(ConfigError {
                var: "LEADGEN_CLAMAV",
                reason: format!("`{v}` is not tcp://host:port or unix:///path"),
            });
        }),
    };
    let max_resume_bytes: usize = parse(
        "LEADGEN_MAX_RESUME_BYTES",
        non_empty("LEADGEN_MAX_RESUME_BYTES"),
        5 * 1024 * 1024,
    )?;
    if !(1024..=100 * 1024 * 1024).contains(&max_resume_bytes) {
        return Err(ConfigError {
            var: "LEADGEN_MAX_RESUME_BYTES",
            reason: "must be between 1024 and 104857600".into(),
        });
    }
    let confirmation_text = non_empty("LEADGEN_CONFIRMATION_TEXT").unwrap_or_else(|| {
        "We will review your application and get back to you within a few working days.".into()
    });
    let form = FormText {
        brand: non_empty("LEADGEN_FORM_BRAND").unwrap_or_else(|| "leadgen".into()),
        title: non_empty("LEADGEN_FORM_TITLE").unwrap_or_else(|| "Apply".into()),
        intro: non_empty("LEADGEN_FORM_INTRO").unwrap_or_else(|| {
            "Tell us who you are and send your résumé. We confirm by email at once.".into()
        }),
    };
    for (var, v) in [
        ("LEADGEN_FORM_BRAND", &form.brand),
        ("LEADGEN_FORM_TITLE", &form.title),
        ("LEADGEN_FORM_INTRO", &form.intro),
    ] {
        if v.chars().count() > 500 {
            return Err(ConfigError {
                var,
                reason: "must be at most 500 characters".into(),
            });
        }
    }
    Ok(IntakeConfig {
        form,
        files_url,
        files_key,
        clamav,
        max_resume_bytes,
        confirmation_text,
    })
}

impl IntakeConfig {
    /// Checks what only the API needs: in production a configured file key, so that every API
    /// process seals and opens files alike.
    pub fn check_for_api(&self, environment: &str) -> Result<(), ConfigError> {
        if self.files_key.is_none() && environment == "production" {
            return Err(ConfigError {
                var: "LEADGEN_FILES_KEY",
                reason:
                    "is required in production (32 bytes in base64, e.g. `openssl rand -base64 32`)"
                        .into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intake(vars: &[(&str, &str)]) -> Result<IntakeConfig, ConfigError> {
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        intake_config(&get)
    }

    #[test]
    fn settings_are_checked_and_the_key_kept_secret() {
        let c = intake(&[]).unwrap();
        assert_eq!(c.max_resume_bytes, 5 * 1024 * 1024);
        assert!(c.check_for_api("production").is_err());
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let c = intake(&[
            ("LEADGEN_FILES_KEY", key),
            ("LEADGEN_CLAMAV", "tcp://127.0.0.1:3310"),
        ])
        .unwrap();
        assert_eq!(c.files_key.unwrap()[31], 31);
        assert_eq!(c.clamav, Some(ClamAv::Tcp("127.0.0.1:3310".into())));
        assert!(!format!("{c:?}").contains(key));
        assert_eq!(
            intake(&[("LEADGEN_FILES_KEY", "c2hvcnQ=")])
                .unwrap_err()
                .var,
            "LEADGEN_FILES_KEY"
        );
        assert_eq!(
            intake(&[("LEADGEN_CLAMAV", "localhost:3310")])
                .unwrap_err()
                .var,
            "LEADGEN_CLAMAV"
        );
        assert_eq!(
            intake(&[("LEADGEN_FILES_URL", "ftp://x/y")])
                .unwrap_err()
                .var,
            "LEADGEN_FILES_URL"
        );
    }
}
