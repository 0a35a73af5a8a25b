//! Which destinations the crawler may reach: pure checks of URLs and addresses, with no I/O.
//!
//! By default only `http` and `https` URLs on ports 80 and 443 whose host is a public address
//! are fetched. An address is public when it is none of: unspecified, loopback, private
//! (RFC 1918, IPv6 unique-local `fc00::/7`), link-local (`169.254.0.0/16`, `fe80::/10`), cloud
//! metadata (`169.254.169.254`, `fd00:ec2::254`, `100.100.100.200`), carrier-grade NAT
//! (`100.64.0.0/10`), multicast, broadcast, documentation, benchmarking, or otherwise reserved
//! (IANA special-purpose registries; for IPv6 anything outside global unicast `2000::/3`).
//! IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`,
//! 6to4 `2002::/16`) are judged by that IPv4 address.
//!
//! Names are resolved by the worker, which applies [`classify`] to every address it would
//! connect to; here only IP literals and `localhost` names are judged.

use ipnet::{Ipv4Net, Ipv6Net};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonPublic {
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 networks, IPv6 unique-local `fc00::/7` and site-local `fec0::/10`.
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// Cloud instance metadata services.
    CloudMetadata,
    /// Carrier-grade NAT shared space `100.64.0.0/10`.
    SharedCgnat,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Documentation ranges (TEST-NET-1/2/3, `2001:db8::/32`, `3fff::/20`).
    Documentation,
    /// Benchmarking ranges (`198.18.0.0/15`, `2001:2::/48`).
    Benchmarking,
    /// Any other special-purpose or unallocated space.
    Reserved,
}

impl fmt::Display for NonPublic {
    /// The kind with its article, e.g. "a private address".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NonPublic::Unspecified => "an unspecified address",
            NonPublic::Loopback => "a loopback address",
            NonPublic::Private => "a private address",
            NonPublic::LinkLocal => "a link-local address",
            NonPublic::CloudMetadata => "a cloud metadata address",
            NonPublic::SharedCgnat => "a carrier-grade NAT address",
            NonPublic::Multicast => "a multicast address",
            NonPublic::Broadcast => "a broadcast address",
            NonPublic::Documentation => "a documentation address",
            NonPublic::Benchmarking => "a benchmarking address",
            NonPublic::Reserved => "a reserved address",
        })
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(s: [u16; 8], len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(
        Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        len,
    )
}

/// Non-public IPv4 ranges, most specific first.
const V4_RANGES: &[(Ipv4Net, NonPublic)] = &[
    (v4(255, 255, 255, 255, 32), NonPublic::Broadcast),
    (v4(169, 254, 169, 254, 32), NonPublic::CloudMetadata),
    (v4(100, 100, 100, 200, 32), NonPublic::CloudMetadata),
    (v4(0, 0, 0, 0, 32), NonPublic::Unspecified),
    (v4(0, 0, 0, 0, 8), NonPublic::Reserved),
    (v4(10, 0, 0, 0, 8), NonPublic::Private),
    (v4(100, 64, 0, 0, 10), NonPublic::SharedCgnat),
    (v4(127, 0, 0, 0, 8), NonPublic::Loopback),
    (v4(169, 254, 0, 0, 16), NonPublic::LinkLocal),
    (v4(172, 16, 0, 0, 12), NonPublic::Private),
    (v4(192, 0, 0, 0, 24), NonPublic::Reserved),
    (v4(192, 0, 2, 0, 24), NonPublic::Documentation),
    (v4(192, 88, 99, 0, 24), NonPublic::Reserved),
    (v4(192, 168, 0, 0, 16), NonPublic::Private),
    (v4(198, 18, 0, 0, 15), NonPublic::Benchmarking),
    (v4(198, 51, 100, 0, 24), NonPublic::Documentation),
    (v4(203, 0, 113, 0, 24), NonPublic::Documentation),
    (v4(224, 0, 0, 0, 4), NonPublic::Multicast),
    (v4(240, 0, 0, 0, 4), NonPublic::Reserved),
];

/// Non-public IPv6 ranges, most specific first (after the IPv4-carrying forms).
const V6_RANGES: &[(Ipv6Net, NonPublic)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), NonPublic::Unspecified),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), NonPublic::Loopback),
    (
        v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128),
        NonPublic::CloudMetadata,
    ),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), NonPublic::Multicast),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), NonPublic::LinkLocal),
    (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), NonPublic::Private),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), NonPublic::Private),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), NonPublic::Private),
    (
        v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32),
        NonPublic::Documentation,
    ),
    (
        v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),
        NonPublic::Documentation,
    ),
    (
        v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48),
        NonPublic::Benchmarking,
    ),
    // IETF protocol assignments: Teredo, ORCHID, AMT, …; no websites live there.
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), NonPublic::Reserved),
];

/// NAT64 well-known prefix: the last 32 bits are an IPv4 address.
const NAT64: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);
/// 6to4: bits 16..48 are an IPv4 address.
const SIX_TO_FOUR: Ipv6Net = v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16);
/// Global unicast: every public IPv6 address is in here.
const GLOBAL_UNICAST: Ipv6Net = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3);

/// Why `ip` is not public, or `None` when it is.
pub fn classify(ip: IpAddr) -> Option<NonPublic> {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<NonPublic> {
    V4_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, kind)| *kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<NonPublic> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let bits = u128::from(ip);
    if NAT64.contains(&ip) {
        return classify_v4(Ipv4Addr::from(bits as u32));
    }
    if SIX_TO_FOUR.contains(&ip) {
        return classify_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    if let Some((_, kind)) = V6_RANGES.iter().find(|(net, _)| net.contains(&ip)) {
        return Some(*kind);
    }
    // Outside global unicast: IPv4-compatible, discard-only, SRv6, unallocated, …
    (!GLOBAL_UNICAST.contains(&ip)).then_some(NonPublic::Reserved)
}

/// Whether `host` is a `localhost` name (RFC 6761: always this machine, whatever DNS says).
pub fn is_localhost_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Why the crawler may not reach `host` without resolving it (an IP literal that is not public,
/// or a `localhost` name), or `None` when nothing is known against it yet.
pub fn host_refusal(host: &Host<&str>) -> Option<String> {
    match host {
        Host::Ipv4(ip) => classify(IpAddr::V4(*ip)).map(|k| format!("{ip} is {k}")),
        Host::Ipv6(ip) => classify(IpAddr::V6(*ip)).map(|k| format!("{ip} is {k}")),
        Host::Domain(name) if is_localhost_name(name) => {
            Some(format!("{name} is {}", NonPublic::Loopback))
        }
        Host::Domain(_) => None,
    }
}

/// Describes the non-public addresses a name resolved to, e.g. "resolves to a private address
/// 10.0.0.5".
pub fn describe_resolved(addrs: &[(IpAddr, NonPublic)]) -> String {
    let list: Vec<String> = addrs.iter().map(|(ip, k)| format!("{k} {ip}")).collect();
    if list.is_empty() {
        "resolves to no address".into()
    } else {
        format!("resolves to {}", list.join(", "))
    }
}

/// Why the crawler may not fetch `url` before any name is resolved, or `Ok` when it may go on
/// (names are then checked on the addresses actually connected). Only `http` and `https` are
/// ever fetched; unless `allow_private` is set, only ports 80 and 443 and no non-public IP
/// literal or `localhost` name.
pub fn check_url(url: &Url, allow_private: bool) -> Result<(), String> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "the scheme `{scheme}` is not allowed (only http and https)"
        ));
    }
    let Some(host) = url.host() else {
        return Err("the URL has no host".into());
    };
    if allow_private {
        return Ok(());
    }
    if let Some(reason) = host_refusal(&host) {
        return Err(reason);
    }
    match url.port_or_known_default() {
        Some(80 | 443) => Ok(()),
        Some(port) => Err(format!(
            "port {port} is not allowed (only 80 and 443; \
             LEADGEN_ALLOW_PRIVATE_NETWORKS=true allows any)"
        )),
        None => Err("the URL has no port".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<NonPublic> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(kind(ip), None, "{ip} is public");
        }
    }

    #[test]
    fn every_non_public_ipv4_range_is_refused() {
        use NonPublic::*;
        for (ip, want) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.5", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.0.1", LinkLocal),
            ("169.254.169.254", CloudMetadata),
            ("100.100.100.200", CloudMetadata),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.88.99.1", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn every_non_public_ipv6_range_is_refused() {
        use NonPublic::*;
        for (ip, want) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fec0::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fd00:ec2::254", CloudMetadata),
            ("ff02::1", Multicast),
            ("ff0e::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("2001::1", Reserved),
            ("64:ff9b:1::1", Private),
            ("::7f00:1", Reserved),
            ("100::1", Reserved),
            ("5f00::1", Reserved),
            ("4000::1", Reserved),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address() {
        use NonPublic::*;
        for (ip, want) in [
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:10.0.0.5", Private),
            ("::ffff:169.254.169.254", CloudMetadata),
            ("::ffff:192.168.0.1", Private),
            ("::ffff:100.64.0.1", SharedCgnat),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:255.255.255.255", Broadcast),
            ("::ffff:224.0.0.1", Multicast),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a9fe:a9fe", CloudMetadata),
            ("2002:a00:5::1", Private),
            ("2002:7f00:1::", Loopback),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn reasons_name_the_kind_and_the_address() {
        let a: IpAddr = "10.0.0.5".parse().unwrap();
        assert_eq!(
            describe_resolved(&[(a, NonPublic::Private)]),
            "resolves to a private address 10.0.0.5"
        );
        assert_eq!(NonPublic::Unspecified.to_string(), "an unspecified address");
    }

    fn check(url: &str, allow: bool) -> Result<(), String> {
        check_url(&Url::parse(url).unwrap(), allow)
    }

    #[test]
    fn only_http_and_https_are_fetched() {
        for url in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "data:text/html,hi",
            "javascript:alert(1)",
        ] {
            for allow in [false, true] {
                let e = check(url, allow).unwrap_err();
                assert!(e.contains("scheme"), "{url}: {e}");
            }
        }
        assert_eq!(check("http://example.com/", false), Ok(()));
        assert_eq!(check("https://example.com/a?b", false), Ok(()));
    }

    #[test]
    fn only_standard_ports_unless_private_networks_are_allowed() {
        assert_eq!(check("http://example.com:80/", false), Ok(()));
        assert_eq!(check("https://example.com:443/", false), Ok(()));
        assert_eq!(check("http://example.com:443/", false), Ok(()));
        for url in [
            "http://example.com:8080/",
            "https://example.com:8443/",
            "http://example.com:22/",
            "http://example.com:6379/",
        ] {
            let e = check(url, false).unwrap_err();
            assert!(e.contains("port"), "{url}: {e}");
            assert_eq!(check(url, true), Ok(()));
        }
    }

    #[test]
    fn non_public_literals_and_localhost_are_refused_before_the_port() {
        for (url, needle) in [
            ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"),
            ("http://127.0.0.1/", "loopback"),
            ("http://2130706433/", "127.0.0.1 is a loopback address"),
            ("http://0x7f.1/", "loopback"),
            ("http://[::1]/", "::1 is a loopback address"),
            ("http://[::ffff:10.0.0.5]/", "private"),
            ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
            ("http://[fd00:ec2::254]/", "cloud metadata"),
            ("http://10.1.2.3/", "private"),
            ("http://0.0.0.0/", "unspecified"),
            ("http://localhost:3000/", "localhost is a loopback address"),
            ("http://LOCALHOST./", "loopback"),
            ("http://api.localhost/", "loopback"),
        ] {
            let e = check(url, false).unwrap_err();
            assert!(e.contains(needle), "{url}: {e}");
            assert_eq!(
                check(url, true),
                Ok(()),
                "{url} allowed with private networks"
            );
        }
        assert_eq!(check("http://93.184.216.34/", false), Ok(()));
        assert_eq!(check("http://[2606:4700::1111]/", false), Ok(()));
        assert_eq!(check("http://notlocalhost.com/", false), Ok(()));
    }
}
