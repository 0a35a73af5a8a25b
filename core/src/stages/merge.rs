//! Merge: the decisions of deduplication and filtering. A company is identified by its
//! registrable domain; one without a website by its normalised name and phone.

use super::fetch::{normalize_website, registrable_domain};
use crate::model::{Candidate, Enrichment, Facts, SearchCriteria};

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
}
