//! Merge: the decisions of deduplication and filtering. A company is identified by its
//! registrable domain; one without a website by its normalised name and phone.

use super::fetch::{normalize_website, registrable_domain};
use crate::dedup::{self, Record, Thresholds};
use crate::email_check::EmailCheck;
use crate::model::{Candidate, Enrichment, Facts, SearchCriteria};
use crate::repo::companies::MatchCandidate;
use crate::repo::leads::ContactRecord;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The key under which a candidate is stored once: `domain:<registrable domain>` or
/// `name:<normalised name>|<phone digits>`.
pub fn company_key(candidate: &Candidate) -> String {
    if let Some(domain) = candidate_domain(candidate) {
        return format!("domain:{domain}");
    }
    let digits: String = candidate
        .phone
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("name:{}|{}", normalize_name(&candidate.name), digits)
}

/// The registrable domain of a candidate's website.
pub fn candidate_domain(candidate: &Candidate) -> Option<String> {
    let site = normalize_website(candidate.website.as_deref()?)?;
    site.host_str().map(registrable_domain)
}

/// Lowercase name without punctuation, "&"/"and" unified and legal forms dropped.
pub fn normalize_name(name: &str) -> String {
    const LEGAL: [&str; 12] = [
        "llc", "inc", "ltd", "llp", "gmbh", "corp", "co", "plc", "pllc", "pc", "ag", "limited",
    ];
    name.to_lowercase()
        .replace('&', " and ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A source's listing as a deduplication record.
pub fn candidate_record(c: &Candidate) -> Record {
    let parts = c.address_parts.clone().unwrap_or_default();
    Record {
        name: c.name.clone(),
        address: parts.street.or_else(|| c.address.clone()),
        city: parts.city,
        postal_code: parts.postal_code,
        phone: c.phone.clone(),
        website: c.website.clone(),
        email: c.email.clone(),
    }
}

/// The stored company a record is the same as, with the engine's confidence: the surest of
/// the candidates the engine matches (each compared on the phone it shares with the record,
/// if any), the oldest on a tie.
pub fn best_match(
    probe: &Record,
    candidates: &[MatchCandidate],
    t: &Thresholds,
) -> Option<(Uuid, f64)> {
    let me = dedup::normalize(probe);
    let digits = |p: &str| -> String {
        let d: String = p.chars().filter(char::is_ascii_digit).collect();
        d[d.len().saturating_sub(10)..].to_string()
    };
    let mut best: Option<(Uuid, f64)> = None;
    for c in candidates {
        let mut record = c.record.clone();
        if let Some(p) = probe.phone.as_deref()
            && let Some(shared) = c.phones.iter().find(|q| digits(q) == digits(p))
        {
            record.phone = Some(shared.clone());
        }
        if let Some(conf) = dedup::compare(&me, &dedup::normalize(&record), t)
            && best.is_none_or(|(_, b)| conf > b)
        {
            best = Some((c.id, conf));
        }
    }
    best
}

/// The listings a search has accepted, indexed by match key, so a listing of the same company
/// from another source (or another page) is recognised as such rather than worked twice.
#[derive(Debug, Default)]
pub struct ListingIndex {
    records: Vec<(Uuid, dedup::Normalized)>,
    by_key: HashMap<String, Vec<usize>>,
    work_keys: HashSet<String>,
}

impl ListingIndex {
    /// Adds an accepted listing under its work item id and key.
    pub fn add(&mut self, id: Uuid, work_key: &str, c: &Candidate) {
        let n = dedup::normalize(&candidate_record(c));
        for k in n.match_keys() {
            self.by_key.entry(k).or_default().push(self.records.len());
        }
        self.records.push((id, n));
        self.work_keys.insert(work_key.to_string());
    }

    /// The accepted listing that is the same company as `c`, if any.
    pub fn find(&self, c: &Candidate, t: &Thresholds) -> Option<Uuid> {
        let n = dedup::normalize(&candidate_record(c));
        let mut seen = HashSet::new();
        n.match_keys()
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .filter(|i| seen.insert(**i))
            .filter_map(|&i| {
                let (id, other) = &self.records[i];
                dedup::compare(&n, other, t).map(|conf| (*id, conf))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id)
    }

    /// A work key for a new listing: its [`company_key`], made unique when another company of
    /// the search (a franchise branch on the same domain) already has it.
    pub fn free_key(&self, c: &Candidate) -> String {
        let base = company_key(c);
        let mut key = base.clone();
        let mut n = 1;
        while self.work_keys.contains(&key) {
            n += 1;
            key = format!("{base}#{n}");
        }
        key
    }
}

/// Why a company does not meet a search's criteria, or `None` when it does.
pub fn filter_out_reason(
    criteria: &SearchCriteria,
    has_website: bool,
    facts: &Facts,
    enrichment: &Enrichment,
) -> Option<String> {
    let f = &criteria.filters;
    if f.has_website == Some(true) && !has_website {
        return Some("has_website: the company has no website".into());
    }
    if f.has_website == Some(false) && has_website {
        return Some("has_website: the company has a website".into());
    }
    if let Some(min) = f.min_employees {
        match facts.employee_count.as_ref() {
            Some(n) if n.value >= min => {}
            Some(n) => return Some(format!("min_employees: {} employees < {min}", n.value)),
            None => return Some("min_employees: employee count unknown".into()),
        }
    }
    if !f.technologies.is_empty() {
        let uses = facts.technologies.iter().any(|t| {
            f.technologies
                .iter()
                .any(|want| want.eq_ignore_ascii_case(t))
        });
        if !uses {
            return Some(format!(
                "technologies: none of {} detected",
                f.technologies.join(", ")
            ));
        }
    }
    if let Some(size) = criteria.company_size.as_deref() {
        match enrichment.size_category.as_deref() {
            Some(s) if s == size => {}
            Some(s) => return Some(format!("company_size: {s} is not {size}")),
            None => return Some("company_size: size unknown".into()),
        }
    }
    None
}

/// The contacts a company's facts give: its people (with the address matched or inferred for
/// them when the page showed none) and its other addresses as contacts without a name (role
/// addresses such as `info@`, so staff can reach them), each with its address's verdict.
pub fn contact_records(f: &Facts, e: &Enrichment) -> Vec<ContactRecord> {
    let verdict = |c: &mut ContactRecord| {
        let check: Option<&EmailCheck> = c
            .email
            .as_deref()
            .and_then(|a| e.email_checks.iter().find(|x| x.address == a));
        if let Some(check) = check {
            c.verification_status =
                Some(check.status.as_str().to_string()).filter(|s| s != "unverified");
            c.verification_reason = Some(check.reason.clone());
            c.email_kind = Some(check.kind.as_str().to_string());
            c.email_disposable = check.disposable;
        }
    };
    let mut out: Vec<ContactRecord> = f
        .people
        .iter()
        .map(|p| {
            let found = p
                .email
                .is_none()
                .then(|| e.people_emails.iter().find(|m| m.name == p.name))
                .flatten();
            let email = p.email.clone().or_else(|| found.map(|m| m.address.clone()));
            let mut c = ContactRecord {
                // A guessed address is no identity: the person is keyed by name until seen.
                dedup_key: match (&p.email, found) {
                    (Some(seen), _) => seen.clone(),
                    (None, Some(m)) if !m.inferred => m.address.clone(),
                    _ => format!("name:{}", p.name.to_lowercase()),
                },
                name: Some(p.name.clone()),
                title: p.title.clone(),
                email,
                phone: p.phone.clone(),
                linkedin_url: p.linkedin_url.clone(),
                is_decision_maker: p.is_decision_maker,
                confidence: match found {
                    Some(m) if m.inferred => (p.confidence * m.confidence).clamp(0.0, 1.0),
                    _ => p.confidence,
                },
                source: p.source_url.clone(),
                ..ContactRecord::default()
            };
            verdict(&mut c);
            if let Some(m) = found.filter(|m| m.inferred) {
                if c.verification_status.as_deref() == Some("invalid") {
                    // A guess at a domain that takes no mail is no address at all.
                    c.email = None;
                    c.verification_status = None;
                    c.verification_reason = None;
                    c.email_kind = None;
                } else {
                    c.verification_status = Some("inferred".into());
                    c.verification_reason.get_or_insert_with(|| {
                        format!(
                            "guessed from the pattern {} of addresses seen at this domain",
                            m.pattern
                        )
                    });
                }
            }
            c
        })
        .collect();
    for found in &f.emails {
        if !out
            .iter()
            .any(|c| c.email.as_deref() == Some(found.value.as_str()))
        {
            let mut c = ContactRecord {
                dedup_key: found.value.clone(),
                email: Some(found.value.clone()),
                confidence: found.confidence,
                source: found.source_url.clone(),
                ..ContactRecord::default()
            };
            verdict(&mut c);
            out.push(c);
        }
    }
    out.dedup_by(|a, b| a.dedup_key == b.dedup_key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Found, SearchFilters};

    #[test]
    fn keys_by_domain_then_name() {
        let a = Candidate {
            name: "Acme".into(),
            website: Some("http://www.acme.test/about".into()),
            ..Candidate::default()
        };
        assert_eq!(company_key(&a), "domain:acme.test");
        let b = Candidate {
            name: "Keller & Sons Plumbing, LLC".into(),
            phone: Some("(512) 555-0100".into()),
            ..Candidate::default()
        };
        assert_eq!(company_key(&b), "name:keller and sons plumbing|5125550100");
    }

    #[test]
    fn filters_explain_themselves() {
        let criteria = SearchCriteria {
            industry: "dentist".into(),
            location: "Austin".into(),
            company_size: None,
            max_results: 10,
            filters: SearchFilters {
                has_website: Some(true),
                min_employees: Some(10),
                technologies: vec!["react".into()],
            },
            domains: vec![],
        };
        let mut facts = Facts::default();
        let e = Enrichment::default();
        assert!(
            filter_out_reason(&criteria, false, &facts, &e)
                .unwrap()
                .starts_with("has_website")
        );
        assert!(
            filter_out_reason(&criteria, true, &facts, &e)
                .unwrap()
                .starts_with("min_employees")
        );
        facts.employee_count = Some(Found {
            value: 20,
            source_url: "u".into(),
            confidence: 1.0,
        });
        assert!(
            filter_out_reason(&criteria, true, &facts, &e)
                .unwrap()
                .starts_with("technologies")
        );
        facts.technologies.push("React".into());
        assert_eq!(filter_out_reason(&criteria, true, &facts, &e), None);
    }

    #[test]
    fn contacts_carry_the_verdict_and_the_addresses_matched_or_inferred_for_people() {
        use crate::email_check::{MailDomain, check};
        use crate::email_pattern::people_emails;
        use crate::model::Person;
        let person = |name: &str, email: Option<&str>| Person {
            name: name.into(),
            email: email.map(str::to_string),
            confidence: 0.9,
            source_url: "http://acme.test/team".into(),
            ..Person::default()
        };
        let found = |v: &str| Found {
            value: v.to_string(),
            source_url: "http://acme.test/contact".into(),
            confidence: 0.8,
        };
        let facts = Facts {
            people: vec![
                person("Jane Doe", Some("jane.doe@acme.test")),
                person("Omar Haddad", None),
                person("Li Wei", None),
            ],
            emails: vec![found("info@acme.test"), found("omar.haddad@acme.test")],
            ..Facts::default()
        };
        let mut e = Enrichment {
            people_emails: people_emails(&facts),
            ..Enrichment::default()
        };
        let accepts = MailDomain::Accepts {
            exchangers: vec!["mx.acme.test".into()],
        };
        let mut mail = std::collections::BTreeMap::new();
        mail.insert("acme.test".to_string(), accepts);
        e.email_checks = crate::stages::enrich::email_checks(&facts, &e.people_emails, &mail);
        let got = contact_records(&facts, &e);
        let row = |key: &str| got.iter().find(|c| c.dedup_key == key).expect(key);

        let jane = row("jane.doe@acme.test");
        assert_eq!(jane.verification_status.as_deref(), Some("verified"));
        assert_eq!(jane.email_kind.as_deref(), Some("personal"));
        // Seen on the contact page, matched to the name on the team page.
        let omar = row("omar.haddad@acme.test");
        assert_eq!(omar.name.as_deref(), Some("Omar Haddad"));
        assert_eq!(omar.verification_status.as_deref(), Some("verified"));
        // Guessed: keyed by name, marked inferred, less sure than the person.
        let li = row("name:li wei");
        assert_eq!(li.email.as_deref(), Some("li.wei@acme.test"));
        assert_eq!(li.verification_status.as_deref(), Some("inferred"));
        assert!(li.confidence < 0.9);
        let info = row("info@acme.test");
        assert_eq!(info.name, None);
        assert_eq!(info.email_kind.as_deref(), Some("role"));
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(check("x@acme.test", None).status.as_str(), "unverified");
    }
}
