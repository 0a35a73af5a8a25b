//! Headless Chromium through WebDriver (fantoccini): renders pages whose content only exists
//! after JavaScript runs. The worker either connects to a WebDriver URL (a browser container) or
//! starts and supervises a chromedriver binary itself, restarting it when it dies. At most
//! `render_sessions` browsers run at once; each page gets a fresh session (no state leaks between
//! sites) that is closed afterwards, or abandoned and its browser killed when it hangs. A
//! chromedriver that dies takes its browsers with it (they share its process group).

use leadgen_core::Config;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Semaphore};

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The browser or driver could not be started or reached.
    #[error("browser unavailable: {0}")]
    Unavailable(String),
    /// The page did not load in time.
    #[error("page load timed out after {0:?}")]
    Timeout(Duration),
    /// The browser reported an error.
    #[error("browser error: {0}")]
    Browser(String),
}

enum Driver {
    Remote(String),
    Local {
        path: String,
        /// The running chromedriver, its URL and its process group.
        child: Box<Mutex<Option<(Child, String, u32)>>>,
    },
}

/// Kills every process in group `pgid`: a chromedriver and the browsers it started, which
/// would otherwise outlive it (each holding a hundred megabytes or more).
fn kill_group(pgid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl Drop for Renderer {
    fn drop(&mut self) {
        if let Driver::Local { child, .. } = &self.driver
            && let Ok(guard) = child.try_lock()
            && let Some((_, _, pgid)) = guard.as_ref()
        {
            kill_group(*pgid);
        }
    }
}

/// A bounded pool of headless browser sessions.
pub struct Renderer {
    driver: Driver,
    permits: Semaphore,
    timeout: Duration,
}

/// The address of this machine the browser at `webdriver_url` can reach it by: loopback for a
/// browser on this machine, otherwise the local address the route to the WebDriver host leaves
/// from (no packet is sent), so the browser gate listens where a browser container can connect.
/// Looked up for each render: a browser container may not resolve yet when the worker starts.
pub async fn reachable_ip(webdriver_url: &str) -> IpAddr {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let Ok(url) = url::Url::parse(webdriver_url) else {
        return loopback;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return loopback;
    };
    let Some(remote) = tokio::net::lookup_host((host, port))
        .await
        .ok()
        .and_then(|mut a| a.next())
    else {
        return loopback;
    };
    if remote.ip().is_loopback() {
        return loopback;
    }
    let unspecified: SocketAddr = if remote.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    std::net::UdpSocket::bind(unspecified)
        .and_then(|s| s.connect(remote).and_then(|_| s.local_addr()))
        .map(|a| a.ip())
        .unwrap_or(loopback)
}

impl Renderer {
    /// A renderer from configuration, or `None` when no browser is configured.
    pub fn from_config(cfg: &Config) -> Option<Renderer> {
        let driver = match (&cfg.webdriver_url, &cfg.chromedriver) {
            (Some(url), _) => Driver::Remote(url.clone()),
            (None, Some(path)) => Driver::Local {
                path: path.clone(),
                child: Box::new(Mutex::new(None)),
            },
            (None, None) => return None,
        };
        Some(Renderer {
            driver,
            permits: Semaphore::new(cfg.render_sessions),
            timeout: cfg.render_timeout,
        })
    }

    /// Where a browser gate for this renderer's browsers listens.
    pub async fn gate_ip(&self) -> IpAddr {
        match &self.driver {
            Driver::Remote(url) => reachable_ip(url).await,
            Driver::Local { .. } => IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    /// The WebDriver URL, starting (or restarting) the local chromedriver when needed.
    async fn endpoint(&self) -> Result<String, RenderError> {
        let (path, child) = match &self.driver {
            Driver::Remote(url) => return Ok(url.clone()),
            Driver::Local { path, child } => (path, child),
        };
        let mut guard = child.lock().await;
        if let Some((proc, url, pgid)) = guard.as_mut() {
            if matches!(proc.try_wait(), Ok(None)) {
                return Ok(url.clone());
            }
            tracing::warn!("chromedriver exited; ending its browsers and starting it again");
            kill_group(*pgid);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| RenderError::Unavailable(e.to_string()))?
            .port();
        let proc = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, which its browsers join, so they can be ended with it.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| RenderError::Unavailable(format!("cannot start {path}: {e}")))?;
        let pgid = proc
            .id()
            .ok_or_else(|| RenderError::Unavailable("chromedriver exited at once".into()))?;
        let url = format!("http://127.0.0.1:{port}");
        // Ready when its status endpoint answers.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(RenderError::Unavailable(
                    "chromedriver did not start within 15 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        *guard = Some((proc, url.clone(), pgid));
        Ok(url)
    }

    fn capabilities(
        &self,
        user_agent: &str,
        gate: &str,
    ) -> Result<fantoccini::wd::Capabilities, RenderError> {
        let pin = crate::browser_gate::certificate_pin().map_err(RenderError::Unavailable)?;
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            format!("--user-agent={user_agent}"),
            // Every request goes through the gate, loopback included (the gate resolves names).
            format!("--proxy-server={gate}"),
            "--proxy-bypass-list=<-loopback>".into(),
            // The gate ends HTTPS itself, with certificates of this one key.
            format!("--ignore-certificate-errors-spki-list={pin}"),
        ];
        let mut caps = fantoccini::wd::Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("pageLoadStrategy".into(), json!("normal"));
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        Ok(caps)
    }

    /// Loads `url` in a fresh headless browser sending `user_agent` (the one the crawler uses
    /// for that host) and every request through `gate` (a [`crate::browser_gate::BrowserGate`]'s
    /// proxy URL), and returns the rendered HTML.
    pub async fn render(
        &self,
        url: &str,
        user_agent: &str,
        gate: &str,
    ) -> Result<String, RenderError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| RenderError::Unavailable("renderer closed".into()))?;
        let _in_use = crate::metrics::render_started();
        let endpoint = self.endpoint().await?;
        // WebDriver runs on loopback or a private network: plain HTTP, no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(self.capabilities(user_agent, gate)?)
            .connect(&endpoint)
            .await
            .map_err(|e| RenderError::Unavailable(e.to_string()))?;
        let work = async {
            client
                .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                    Some(self.timeout),
                    Some(self.timeout),
                    None,
                ))
                .await?;
            client.goto(url).await?;
            // Scripts that build the page run right after load; give them a moment to finish.
            for _ in 0..20 {
                let ready = client
                    .execute(
                        "return document.readyState === 'complete' && document.body && document.body.innerText.trim().length > 0;",
                        vec![],
                    )
                    .await?;
                if ready == json!(true) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            client.source().await
        };
        let result = tokio::time::timeout(self.timeout + Duration::from_secs(5), work).await;
        crate::metrics::rendered(matches!(result, Ok(Ok(_))));
        // Closing ends the session and its browser; a hung session is ended the same way.
        let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        match result {
            Ok(Ok(html)) => Ok(html),
            Ok(Err(e)) => Err(RenderError::Browser(e.to_string())),
            Err(_) => Err(RenderError::Timeout(self.timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_browser_reaches_the_gate_on_loopback() {
        for url in [
            "http://127.0.0.1:9515",
            "http://localhost:4444/wd/hub",
            "not a url",
        ] {
            assert_eq!(
                reachable_ip(url).await,
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                "{url}"
            );
        }
    }
}
