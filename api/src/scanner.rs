//! Virus scanning of uploads with the ClamAV daemon (INSTREAM over TCP or a Unix socket). A
//! configured scanner that cannot be reached fails the upload: nothing is accepted unscanned.

use leadgen_core::config::ClamAv;

/// What the scanner said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No signature matched.
    Clean,
    /// A signature matched; its name.
    Infected(String),
}

/// Why a scan did not happen.
#[derive(Debug, thiserror::Error)]
#[error("the virus scanner is unreachable or failed: {0}")]
pub struct ScanError(String);

/// Scans `data` with the daemon at `at`.
pub async fn scan(at: &ClamAv, data: &[u8]) -> Result<Verdict, ScanError> {
    let reply = match at {
        ClamAv::Tcp(addr) => {
            clamav_client::tokio::scan_buffer(
                data,
                clamav_client::tokio::Tcp {
                    host_address: addr.as_str(),
                },
                None,
            )
            .await
        }
        ClamAv::Unix(path) => {
            clamav_client::tokio::scan_buffer(
                data,
                clamav_client::tokio::Socket {
                    socket_path: path.as_str(),
                },
                None,
            )
            .await
        }
    }
    .map_err(|e| ScanError(e.to_string()))?;
    verdict(&reply)
}

/// Reads clamd's reply: `stream: OK`, `stream: <name> FOUND`, or an error.
fn verdict(reply: &[u8]) -> Result<Verdict, ScanError> {
    let text = String::from_utf8_lossy(reply);
    let text = text.trim_end_matches(['\0', '\n']).trim();
    let body = text.strip_prefix("stream:").unwrap_or(text).trim();
    if body == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(name) = body.strip_suffix("FOUND") {
        return Ok(Verdict::Infected(name.trim().to_string()));
    }
    Err(ScanError(format!("unexpected answer `{text}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read() {
        assert_eq!(verdict(b"stream: OK\0").unwrap(), Verdict::Clean);
        assert_eq!(
            verdict(b"stream: Eicar-Test-Signature FOUND\0").unwrap(),
            Verdict::Infected("Eicar-Test-Signature".into())
        );
        assert!(verdict(b"INSTREAM size limit exceeded. ERROR\0").is_err());
    }
}
