//! Asks DNS whether email domains receive mail (hickory-resolver), with the answers shared by
//! every worker through the `mail_domains` table.
//!
//! - MX records → the domain accepts mail at those exchangers; a single null MX (`.`, RFC 7505)
//!   → it accepts none.
//! - No MX but address records → the domain itself is the exchanger (RFC 5321 §5.1).
//! - NXDOMAIN, or neither MX nor address records → it accepts none.
//! - Timeouts and unreachable servers → unknown, and the address stays `unverified`. After such
//!   a failure lookups pause for a minute, so an offline machine costs one timeout a minute, not
//!   one per company.

use futures::StreamExt;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};
use leadgen_core::config::EmailDnsConfig;
use leadgen_core::email_check::MailDomain;
use leadgen_core::repo::mail_domains;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long lookups pause after the resolver could not be reached.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(60);
/// Domains looked up at once for one company.
const PARALLEL_LOOKUPS: usize = 4;

/// The worker's mail-domain checker.
pub struct MailDns {
    resolver: Result<TokioResolver, String>,
    cfg: EmailDnsConfig,
    paused_until: Mutex<Option<Instant>>,
}

impl MailDns {
    /// Builds the resolver the configuration asks for; a resolver that cannot be built (no
    /// system configuration) leaves every answer unknown, with the reason.
    pub fn new(cfg: &EmailDnsConfig) -> MailDns {
        let resolver = match &cfg.servers {
            None => Err("email DNS checks are off (LEADGEN_DNS_SERVERS=off)".to_string()),
            Some(servers) if servers.is_empty() => TokioResolver::builder_tokio()
                .map_err(|e| format!("no system DNS configuration: {e}")),
            Some(servers) => {
                let name_servers = servers
                    .iter()
                    .map(|addr| {
                        let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                        for c in &mut ns.connections {
                            c.port = addr.port();
                        }
                        ns
                    })
                    .collect();
                Ok(Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, Vec::new(), name_servers),
                    TokioRuntimeProvider::default(),
                ))
            }
        }
        .and_then(|mut builder| {
            let opts = builder.options_mut();
            opts.timeout = cfg.timeout;
            opts.attempts = 1;
            builder
                .build()
                .map_err(|e| format!("DNS resolver not built: {e}"))
        });
        if let Err(reason) = &resolver {
            tracing::warn!(%reason, "email domains will not be checked");
        }
        MailDns {
            resolver,
            cfg: cfg.clone(),
            paused_until: Mutex::new(None),
        }
    }

    /// What DNS says about each domain: cached answers first, the rest looked up and cached.
    pub async fn check_all(
        &self,
        pool: &PgPool,
        domains: &[String],
    ) -> sqlx::Result<BTreeMap<String, MailDomain>> {
        let mut out: BTreeMap<String, MailDomain> = mail_domains::fresh(pool, domains)
            .await?
            .into_iter()
            .collect();
        let missing: Vec<String> = domains
            .iter()
            .filter(|d| !out.contains_key(*d))
            .cloned()
            .collect();
        let answers: Vec<(String, MailDomain)> = futures::stream::iter(missing)
            .map(|d| async move {
                let answer = self.lookup(&d).await;
                (d, answer)
            })
            .buffer_unordered(PARALLEL_LOOKUPS)
            .collect()
            .await;
        for (domain, answer) in answers {
            mail_domains::put(pool, &domain, &answer, self.cfg.ttl).await?;
            out.insert(domain, answer);
        }
        Ok(out)
    }

    /// Looks one domain up (see the module documentation).
    pub async fn lookup(&self, domain: &str) -> MailDomain {
        let resolver = match &self.resolver {
            Ok(r) => r,
            Err(reason) => {
                return MailDomain::Unknown {
                    reason: reason.clone(),
                };
            }
        };
        if let Some(until) = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner())
            && Instant::now() < until
        {
            return MailDomain::Unknown {
                reason: "the DNS server did not answer a moment ago; lookups are paused".into(),
            };
        }
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        // "No records" (the name exists, no MX) is an empty answer, not a failure.
        let mut mx: Vec<(u16, String)> = match self.timed(resolver.mx_lookup(fqdn.as_str())).await {
            Ok(lookup) => lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::MX(m) => Some((
                        m.preference,
                        m.exchange.to_ascii().trim_end_matches('.').to_string(),
                    )),
                    _ => None,
                })
                .collect(),
            Err(Failure::Dns(e)) if e.is_no_records_found() && !e.is_nx_domain() => Vec::new(),
            Err(e) => return self.answer_for_error(e, domain),
        };
        mx.sort();
        match mx.as_slice() {
            [] => self.implicit_exchanger(resolver, domain, &fqdn).await,
            [(_, host)] if host.is_empty() => MailDomain::Refuses {
                reason: format!("{domain} publishes a null MX (RFC 7505): it accepts no mail"),
            },
            _ => MailDomain::Accepts {
                exchangers: mx.into_iter().map(|(_, h)| h).collect(),
            },
        }
    }

    async fn implicit_exchanger(
        &self,
        resolver: &TokioResolver,
        domain: &str,
        fqdn: &str,
    ) -> MailDomain {
        let no_mail = || MailDomain::Refuses {
            reason: format!("{domain} has no MX and no address records: it accepts no mail"),
        };
        match self.timed(resolver.lookup_ip(fqdn)).await {
            Ok(ips) if ips.iter().next().is_some() => MailDomain::Accepts {
                exchangers: vec![domain.to_string()],
            },
            Ok(_) => no_mail(),
            Err(Failure::Dns(e)) if e.is_no_records_found() && !e.is_nx_domain() => no_mail(),
            Err(e) => self.answer_for_error(e, domain),
        }
    }

    fn answer_for_error(&self, e: Failure, domain: &str) -> MailDomain {
        match e {
            Failure::Dns(e) if e.is_nx_domain() => MailDomain::Refuses {
                reason: format!("{domain} does not exist (NXDOMAIN)"),
            },
            Failure::Dns(e) => {
                // A server's error about one domain says nothing about the others; a server
                // that cannot be reached does.
                if !matches!(e, NetError::Dns(_)) {
                    self.pause();
                }
                MailDomain::Unknown {
                    reason: e.to_string(),
                }
            }
            Failure::Timeout => {
                self.pause();
                MailDomain::Unknown {
                    reason: format!("no answer within {} ms", self.cfg.timeout.as_millis()),
                }
            }
        }
    }

    async fn timed<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, NetError>>,
    ) -> Result<T, Failure> {
        // The resolver has its own timeout; this one bounds retries and fallbacks as well.
        match tokio::time::timeout(self.cfg.timeout * 2, f).await {
            Ok(r) => r.map_err(Failure::Dns),
            Err(_) => Err(Failure::Timeout),
        }
    }

    fn pause(&self) {
        *self.paused_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + PAUSE_AFTER_FAILURE);
    }
}

enum Failure {
    Dns(NetError),
    Timeout,
}
