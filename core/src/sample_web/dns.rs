//! What the sample web's DNS says about mail, so email checks run offline against known
//! answers: every company domain has two exchangers except every twelfth, which publishes a
//! null MX (RFC 7505); the directory and service hosts exist without MX records (their address
//! record is the implicit exchanger); free-mail providers have exchangers; any other name does
//! not exist.

use super::SampleWeb;

/// The sample web's answer to an MX question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailRecords {
    /// MX records: preference and exchanger host.
    Exchangers(Vec<(u16, String)>),
    /// A single null MX: the domain accepts no mail.
    NullMx,
    /// The name exists (it has an address record) but has no MX records.
    AddressOnly,
    /// NXDOMAIN.
    NoSuchDomain,
}

/// Free-mail providers the sample web answers for.
const FREE_MAIL: [&str; 4] = ["gmail.com", "outlook.com", "yahoo.com", "proton.me"];

impl SampleWeb {
    /// The MX answer for `name` (see the module documentation).
    pub fn mail_records(&self, name: &str) -> MailRecords {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if let Some(&i) = self.by_domain.get(&name) {
            return if self.refuses_mail(i) {
                MailRecords::NullMx
            } else {
                MailRecords::Exchangers(vec![
                    (10, format!("mx1.{name}")),
                    (20, format!("mx2.{name}")),
                ])
            };
        }
        if FREE_MAIL.contains(&name.as_str()) {
            return MailRecords::Exchangers(vec![(5, format!("mx.{name}"))]);
        }
        if self.has_address(&name) {
            MailRecords::AddressOnly
        } else {
            MailRecords::NoSuchDomain
        }
    }

    /// Whether `name` has an address record: company sites and their `www.` aliases, the
    /// directory and the exchangers the MX answers name.
    pub fn has_address(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let bare = ["www.", "mx1.", "mx2.", "mx."]
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .unwrap_or(&name);
        name == Self::DIRECTORY_HOST
            || self.by_domain.contains_key(bare)
            || FREE_MAIL.contains(&bare)
    }

    /// Whether the company at `index` of the ground truth publishes a null MX.
    fn refuses_mail(&self, index: usize) -> bool {
        index % 12 == 11
    }

    /// Whether the company's domain takes mail (ground truth for email checks).
    pub fn accepts_mail(&self, domain: &str) -> bool {
        matches!(self.mail_records(domain), MailRecords::Exchangers(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_web::SampleWebOptions;

    #[test]
    fn company_domains_take_mail_except_every_twelfth() {
        let web = SampleWeb::generate(SampleWebOptions {
            companies: 60,
            ..SampleWebOptions::default()
        });
        let with_site: Vec<(usize, &str)> = web
            .ground_truth()
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.domain.is_empty())
            .map(|(i, t)| (i, t.domain.as_str()))
            .collect();
        let refusing = with_site.iter().filter(|(i, _)| i % 12 == 11).count();
        assert!(refusing >= 3, "{refusing}");
        for (i, d) in with_site {
            let answer = web.mail_records(d);
            if i % 12 == 11 {
                assert_eq!(answer, MailRecords::NullMx, "{d}");
            } else {
                assert!(
                    matches!(answer, MailRecords::Exchangers(ref x) if x.len() == 2),
                    "{d}"
                );
            }
        }
        assert_eq!(web.mail_records("directory.test"), MailRecords::AddressOnly);
        assert_eq!(web.mail_records("nowhere.test"), MailRecords::NoSuchDomain);
        assert!(web.accepts_mail("gmail.com"));
    }
}
