//! Domain lists: a search that names the companies itself (known accounts to enrich), as a
//! `domains` array in the request or an uploaded CSV.

use crate::model::Candidate;
use crate::stages::fetch::registrable_domain;
use url::Url;

/// The source's name.
pub const SOURCE: &str = "domains";

/// Most domains one search may carry.
pub const MAX_DOMAINS: usize = 1000;

/// Reads one entry (`acme.com`, `www.acme.com/about`, `https://acme.com`) into the site URL
/// the crawl starts from. A bare name starts at `http://`, which real sites redirect to HTTPS.
pub fn parse_domain(entry: &str) -> Result<String, String> {
    let e = entry.trim();
    if e.is_empty() {
        return Err("must not be empty".into());
    }
    if e.len() > 2048 || e.chars().any(char::is_whitespace) {
        return Err("must be a domain or URL without spaces".into());
    }
    let with_scheme = if e.contains("://") {
        e.to_string()
    } else {
        format!("http://{e}")
    };
    let url = Url::parse(&with_scheme).map_err(|err| format!("not a domain or URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    let Some(host) = url.host_str() else {
        return Err("has no host name".into());
    };
    if url
        .host()
        .is_some_and(|h| !matches!(h, url::Host::Domain(_)))
    {
        return Err("must be a domain name, not an IP address".into());
    }
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return Err("must be a full domain name such as example.com".into());
    }
    let mut site = url.clone();
    site.set_path("/");
    site.set_query(None);
    site.set_fragment(None);
    Ok(site.to_string())
}

/// Candidates for a list of site URLs (already checked), one per registrable domain.
pub fn candidates(sites: &[String]) -> Vec<Candidate> {
    let mut seen = std::collections::HashSet::new();
    sites
        .iter()
        .filter_map(|s| {
            let host = Url::parse(s).ok()?.host_str()?.to_ascii_lowercase();
            let domain = registrable_domain(&host);
            seen.insert(domain.clone()).then(|| Candidate {
                name: domain,
                website: Some(s.clone()),
                source: SOURCE.into(),
                source_url: s.clone(),
                ..Candidate::default()
            })
        })
        .collect()
}

/// Reads the domains of an uploaded CSV: the column headed `domain`, `website`, `url`, `site`
/// or `homepage` (any case), else the first column (whose first row is then data too unless it
/// is not a domain). Returns the entries with their 1-based line numbers.
pub fn csv_domains(data: &[u8]) -> Result<Vec<(usize, String)>, String> {
    const HEADERS: [&str; 6] = ["domain", "website", "url", "site", "homepage", "web"];
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let mut rows = reader.records();
    let first = match rows.next() {
        Some(r) => r.map_err(|e| format!("not readable CSV: {e}"))?,
        None => return Err("the file is empty".into()),
    };
    let named = first
        .iter()
        .position(|h| HEADERS.contains(&h.to_ascii_lowercase().as_str()));
    let column = named.unwrap_or(0);
    let mut out = Vec::new();
    if named.is_none() && first.get(0).is_some_and(|v| parse_domain(v).is_ok()) {
        out.push((1, first.get(0).unwrap_or_default().to_string()));
    }
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| format!("line {}: not readable CSV: {e}", i + 2))?;
        if let Some(v) = row.get(column).filter(|v| !v.is_empty()) {
            out.push((i + 2, v.to_string()));
        }
        if out.len() > MAX_DOMAINS {
            return Err(format!("more than {MAX_DOMAINS} domains"));
        }
    }
    if out.is_empty() {
        return Err("no domains found".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_become_site_urls() {
        assert_eq!(parse_domain("acme.com").unwrap(), "http://acme.com/");
        assert_eq!(
            parse_domain("https://www.acme.com/about?x=1").unwrap(),
            "https://www.acme.com/"
        );
        assert!(parse_domain("localhost").is_err());
        assert!(parse_domain("10.0.0.1").is_err());
        assert!(parse_domain("ftp://acme.com").is_err());
        assert!(parse_domain("acme .com").is_err());
        let c = candidates(&[
            "http://www.acme.com/".into(),
            "https://acme.com/".into(),
            "http://b.co.uk/".into(),
        ]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "acme.com");
        assert_eq!(c[1].name, "b.co.uk");
    }

    #[test]
    fn csv_by_header_or_first_column() {
        let by_header =
            csv_domains(b"Company,Website\nAcme,acme.com\nB,\nC,https://c.io\n").unwrap();
        assert_eq!(
            by_header,
            vec![(2, "acme.com".into()), (4, "https://c.io".into())]
        );
        let bare = csv_domains(b"acme.com\nc.io\n").unwrap();
        assert_eq!(bare, vec![(1, "acme.com".into()), (2, "c.io".into())]);
        assert!(csv_domains(b"").is_err());
        assert!(csv_domains(b"name\n").is_err());
    }
}
