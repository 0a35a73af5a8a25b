//! Privacy rules over plain data: the digests the suppression list keeps (never the address
//! itself), and which addresses and domains a record carries.

use sha2::{Digest, Sha256};

/// The digest of a suppressed email address (case and surrounding space ignored).
pub fn email_digest(email: &str) -> Vec<u8> {
    Sha256::digest(format!("email:{}", email.trim().to_lowercase()).as_bytes()).to_vec()
}

/// The digest of a suppressed domain: its registrable part (`mail.acme.co.uk` → `acme.co.uk`),
/// so every host of the organisation is covered.
pub fn domain_digest(domain: &str) -> Vec<u8> {
    Sha256::digest(format!("domain:{}", registrable(domain)).as_bytes()).to_vec()
}

/// The registrable domain of a host name, lower-cased (the host itself when the public suffix
/// list does not know it).
pub fn registrable(host: &str) -> String {
    let host = host.trim().trim_end_matches('.').to_lowercase();
    psl::domain_str(&host).unwrap_or(&host).to_string()
}

/// The digests under which a record with these emails and this domain could be suppressed:
/// each email, each email's domain, and the domain.
pub fn digests_for<'a>(
    emails: impl IntoIterator<Item = &'a str>,
    domain: Option<&str>,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in emails {
        out.push(email_digest(e));
        if let Some((_, d)) = e.rsplit_once('@') {
            out.push(domain_digest(d));
        }
    }
    if let Some(d) = domain {
        out.push(domain_digest(d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_ignore_case_and_cover_the_whole_organisation() {
        assert_eq!(
            email_digest(" Jane@Acme.test "),
            email_digest("jane@acme.test")
        );
        assert_ne!(email_digest("jane@acme.test"), domain_digest("acme.test"));
        assert_eq!(domain_digest("www.acme.co.uk"), domain_digest("ACME.co.uk"));
        let d = digests_for(["jane@mail.acme.co.uk"], None);
        assert!(d.contains(&domain_digest("acme.co.uk")));
    }
}
