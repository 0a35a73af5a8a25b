//! An HTTPS site on `localhost` with a certificate of its own, and a PEM file that trusts it
//! (what `LEADGEN_CA_FILE` names for an intranet's certificate authority).

use poem::listener::{Acceptor, Listener, RustlsCertificate, RustlsConfig, TcpListener};
use poem::{Endpoint, EndpointExt};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A running HTTPS site; its trust file is removed when it is dropped.
pub struct HttpsSite {
    /// The port it listens on (on 127.0.0.1, named `localhost` in its certificate).
    pub port: u16,
    /// A PEM file holding the site's certificate.
    pub ca_file: PathBuf,
    log: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl HttpsSite {
    /// Serves `app` over TLS, logging the path and arrival of every request.
    pub async fn start(app: impl Endpoint + 'static) -> HttpsSite {
        let site = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let ca_file = std::env::temp_dir().join(format!("leadgen-ca-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&ca_file, site.cert.pem()).unwrap();
        let log: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
        let seen = log.clone();
        let app = app.around(move |ep, req| {
            let seen = seen.clone();
            async move {
                seen.lock()
                    .unwrap()
                    .push((req.uri().path().to_string(), Instant::now()));
                ep.call(req).await
            }
        });
        let tls = RustlsConfig::new().fallback(
            RustlsCertificate::new()
                .cert(site.cert.pem())
                .key(site.signing_key.serialize_pem()),
        );
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .rustls(tls)
            .into_acceptor()
            .await
            .unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        HttpsSite { port, ca_file, log }
    }

    /// `https://localhost:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// (path, arrival) of every request received so far.
    pub fn log(&self) -> Vec<(String, Instant)> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for HttpsSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}
