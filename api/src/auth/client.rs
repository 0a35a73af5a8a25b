//! Who is on the other end of a request: its address (from `X-Forwarded-For` only when the
//! peer is a configured proxy) and the request's id.

use ipnet::IpNet;
use std::net::IpAddr;

/// Facts about the client of one request, put in the request's extensions before any
/// endpoint runs.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The client's address.
    pub ip: Option<IpAddr>,
    /// The request's id (also the `X-Request-Id` header).
    pub request_id: String,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The address as text, for throttling keys and the audit log.
    pub fn ip_text(&self) -> String {
        self.ip
            .map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }
}

/// The client address of a request that came from `peer` with the given `X-Forwarded-For`
/// values: the peer itself unless it is a trusted proxy; then the right-most forwarded address
/// that is not a trusted proxy (addresses left of it could have been written by the client).
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // An unreadable hop: trust stops here.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Not from a proxy: the header is the client's own invention.
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), &["1.2.3.4"], &trusted),
            Some(ip("203.0.113.9"))
        );
        // From a proxy: the last address it appended.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["1.2.3.4, 198.51.100.7"], &trusted),
            Some(ip("198.51.100.7"))
        );
        // Through two proxies.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["198.51.100.7, 10.0.0.3"], &trusted),
            Some(ip("198.51.100.7"))
        );
        // A proxy without the header: the proxy is the client.
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &[], &trusted),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &["garbage, 198.51.100.7"], &trusted),
            Some(ip("198.51.100.7"))
        );
    }
}
