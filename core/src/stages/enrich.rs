//! Enrich: derive industry, size category, technology stack, growth signals, pain points and
//! engagement opportunities from extracted facts.

use crate::email_check::{self, EmailCheck, MailDomain};
use crate::email_pattern::{self, PersonEmail};
use crate::industry;
use crate::model::{Candidate, Enrichment, Facts, Opportunity, Signal};
use std::collections::BTreeMap;

/// Software past its end of life, or so old it is known to be unsafe: the name as detected, the
/// first version that is still supported, and what became of the older ones.
const END_OF_LIFE: [(&str, &str, &str); 16] = [
    ("PHP", "8.2", "PHP before 8.2 no longer gets security fixes"),
    (
        "jQuery",
        "3.5",
        "jQuery before 3.5 has known cross-site scripting flaws",
    ),
    (
        "jQuery UI",
        "1.13",
        "jQuery UI before 1.13 has known cross-site scripting flaws",
    ),
    (
        "AngularJS",
        "999",
        "AngularJS reached its end of life in January 2022",
    ),
    (
        "Vue.js",
        "3",
        "Vue 2 reached its end of life at the end of 2023",
    ),
    (
        "Bootstrap",
        "4",
        "Bootstrap 3 reached its end of life in 2019",
    ),
    (
        "WordPress",
        "6.0",
        "WordPress before 6.0 is years behind on security releases",
    ),
    ("Drupal", "10", "Drupal 7 and 9 reached their end of life"),
    ("Joomla", "4", "Joomla 3 reached its end of life in 2023"),
    ("Magento", "2", "Magento 1 reached its end of life in 2020"),
    (
        "Apache HTTP Server",
        "2.4",
        "Apache 2.2 reached its end of life in 2018",
    ),
    (
        "Nginx",
        "1.20",
        "this Nginx release line is no longer maintained",
    ),
    (
        "IIS",
        "8.5",
        "this IIS version belongs to an unsupported Windows Server",
    ),
    (
        "Python",
        "3.10",
        "this Python version no longer gets security fixes",
    ),
    (
        "Ruby on Rails",
        "7.1",
        "this Rails version no longer gets security fixes",
    ),
    (
        "Moment.js",
        "999",
        "Moment.js is in maintenance mode and advises moving to a modern library",
    ),
];

/// A site whose pages take longer than this to answer (median) is slow: past a second, visitors
/// start leaving before the page appears.
const SLOW_RESPONSE_MS: u32 = 1000;

/// Appointment and table booking systems; a service business without one takes bookings by
/// phone only.
const BOOKING_SYSTEMS: [&str; 9] = [
    "Calendly",
    "Acuity Scheduling",
    "SimplyBook.me",
    "Setmore",
    "Zocdoc",
    "OpenTable",
    "Resy",
    "Mindbody",
    "Square Appointments",
];

/// Compares dotted version numbers numerically (`3.10` after `3.9`); missing parts count as 0.
fn version_below(version: &str, floor: &str) -> Option<bool> {
    let parse = |v: &str| -> Option<Vec<u64>> {
        v.split('.')
            .map(|p| p.trim_start_matches(['v', 'V']))
            .map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .take_while(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect::<Option<Vec<u64>>>()
            .filter(|v| !v.is_empty())
    };
    let (mut v, mut f) = (parse(version)?, parse(floor)?);
    let n = v.len().max(f.len());
    v.resize(n, 0);
    f.resize(n, 0);
    Some(v < f)
}

/// The verdict on every address of the company and its people; `mail` holds what DNS said of
/// each domain looked up (empty: nothing looked up, every valid address `unverified`).
pub fn email_checks(
    facts: &Facts,
    people_emails: &[PersonEmail],
    mail: &BTreeMap<String, MailDomain>,
) -> Vec<EmailCheck> {
    let lookup = |a: &str| email_check::domain_of(a).and_then(|d| mail.get(&d));
    let mut out: Vec<EmailCheck> = Vec::new();
    let seen = facts
        .emails
        .iter()
        .map(|e| e.value.as_str())
        .chain(facts.people.iter().filter_map(|p| p.email.as_deref()))
        .chain(
            people_emails
                .iter()
                .filter(|m| !m.inferred)
                .map(|m| m.address.as_str()),
        );
    for a in seen {
        if !out.iter().any(|c| c.address == a) {
            out.push(email_check::check(a, lookup(a)));
        }
    }
    for m in people_emails.iter().filter(|m| m.inferred) {
        if !out.iter().any(|c| c.address == m.address) {
            out.push(email_check::check_inferred(
                &m.address,
                lookup(&m.address),
                &m.pattern,
            ));
        }
    }
    out
}

/// The stack categories of a detected technology (`frontend`, `cms`, `cloud`, …): from its
/// detection details when the facts carry them, else from the fingerprint set by name (names
/// stored before the fingerprint engine, `Apache` and `ASP.NET`, included); `other` when unknown.
fn tech_categories(facts: &Facts, name: &str) -> Vec<&'static str> {
    if let Some(d) = facts.technology_details.iter().find(|d| d.name == name)
        && !d.categories.is_empty()
    {
        return d.categories.iter().map(|c| c.as_str()).collect();
    }
    let canonical = match name {
        "Apache" => "Apache HTTP Server",
        "ASP.NET" => "Microsoft ASP.NET",
        n => n,
    };
    crate::technologies::active()
        .categories_of(canonical)
        .map(|cats| cats.iter().map(|c| c.as_str()).collect())
        .unwrap_or_else(|| vec!["other"])
}

/// Size category for an employee count.
pub fn size_category(employees: u32) -> &'static str {
    match employees {
        0..=10 => "1-10",
        11..=50 => "11-50",
        51..=200 => "51-200",
        201..=500 => "201-500",
        501..=1000 => "501-1000",
        _ => "1000+",
    }
}

/// Derives the enrichment of one company.
pub fn enrich(facts: &Facts, candidate: &Candidate) -> Enrichment {
    let mut e = Enrichment::default();
    // Structured types are the strongest evidence, then the source's category, then the words
    // of the name and the pages.
    // A type the taxonomy names (`Hotel`) before the words of a generic one (`Menu`).
    let typed = facts
        .schema_types
        .iter()
        .find_map(|t| industry::of_schema_type(t))
        .or_else(|| {
            facts
                .schema_types
                .iter()
                .find_map(|t| industry::classify_text(t))
        });
    let listed = candidate
        .category
        .as_deref()
        .and_then(industry::classify_text);
    let name = facts
        .name
        .as_ref()
        .map(|n| n.value.as_str())
        .or(Some(candidate.name.as_str()));
    (e.industry, e.industry_confidence) = match (typed, listed) {
        (Some(t), _) => (Some(t.to_string()), 0.9),
        (None, Some(l)) => (Some(l.to_string()), 0.8),
        (None, None) => match industry::classify_words(name, &facts.industry_words) {
            Some((slug, confidence)) => (Some(slug.to_string()), confidence),
            None => (None, 0.0),
        },
    };
    e.size_category = facts
        .employee_count
        .as_ref()
        .map(|n| size_category(n.value).to_string());
    for t in &facts.technologies {
        for category in tech_categories(facts, t) {
            e.technology_stack
                .entry(category.to_string())
                .or_default()
                .push(t.clone());
        }
    }
    let site = facts.pages.first().cloned().unwrap_or_default();
    if !facts.open_roles.is_empty() {
        let mut departments: Vec<(&str, usize)> = Vec::new();
        for d in facts.open_role_departments.iter().flatten() {
            match departments.iter_mut().find(|(x, _)| *x == d.as_str()) {
                Some((_, n)) => *n += 1,
                None => departments.push((d.as_str(), 1)),
            }
        }
        let by_department = if departments.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = departments
                .iter()
                .map(|(d, n)| format!("{d} {n}"))
                .collect();
            format!(" ({})", parts.join(", "))
        };
        e.growth_signals.push(Signal {
            kind: "hiring".into(),
            description: format!(
                "{} open roles on the careers page{by_department}",
                facts.open_roles.len()
            ),
            source: site.clone(),
            confidence: 0.9,
            date: None,
        });
    }
    if let Some(f) = &facts.founded_year {
        let age = chrono::Datelike::year(&chrono::Utc::now()) - f.value;
        if (0..=3).contains(&age) {
            e.growth_signals.push(Signal {
                kind: "new_company".into(),
                description: format!("founded in {}", f.value),
                source: f.source_url.clone(),
                confidence: 0.7,
                date: None,
            });
        }
    }
    // What news and press pages say, dated where they date it; a post within the last year is
    // recent activity.
    let today = chrono::Utc::now().date_naive();
    for n in &facts.news {
        let (description, confidence) = match n.kind.as_str() {
            "funding" => (format!("funding: {}", n.text), 0.8),
            "new_location" => (format!("new location: {}", n.text), 0.75),
            _ => (format!("in the press: {}", n.text), 0.6),
        };
        e.growth_signals.push(Signal {
            kind: n.kind.clone(),
            description,
            source: n.source_url.clone(),
            confidence,
            date: n.date.clone(),
        });
    }
    if let Some((date, url)) = &facts.latest_post
        && let Ok(d) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        && (0..=365).contains(&(today - d).num_days())
    {
        e.growth_signals.push(Signal {
            kind: "recent_activity".into(),
            description: format!("posted news on {date}"),
            source: url.clone(),
            confidence: 0.7,
            date: Some(date.clone()),
        });
    }
    if !facts.pages.is_empty() {
        if !facts.https {
            e.pain_points.push(Signal {
                kind: "no_https".into(),
                description: "the website is served without HTTPS".into(),
                source: site.clone(),
                confidence: 0.9,
                date: None,
            });
        }
        if !facts.mobile_viewport {
            e.pain_points.push(Signal {
                kind: "no_mobile_viewport".into(),
                description: "the home page declares no mobile viewport".into(),
                source: site.clone(),
                confidence: 0.8,
                date: None,
            });
        }
        if let Some(ms) = facts.response_ms.filter(|ms| *ms > SLOW_RESPONSE_MS) {
            e.pain_points.push(Signal {
                kind: "slow_responses".into(),
                description: format!(
                    "the website takes {:.1} s to answer (median of its pages)",
                    f64::from(ms) / 1000.0
                ),
                source: site.clone(),
                confidence: 0.7,
                date: None,
            });
        }
        if !e.technology_stack.contains_key("analytics") {
            e.pain_points.push(Signal {
                kind: "no_analytics".into(),
                description: "no web analytics detected".into(),
                source: site.clone(),
                confidence: 0.6,
                date: None,
            });
        }
        for d in &facts.technology_details {
            let Some(version) = d.version.as_deref() else {
                continue;
            };
            let Some((_, floor, why)) = END_OF_LIFE.iter().find(|(n, ..)| *n == d.name) else {
                continue;
            };
            if version_below(version, floor) == Some(true) {
                e.pain_points.push(Signal {
                    kind: "outdated_software".into(),
                    description: format!("{} {version}: {why}", d.name),
                    source: site.clone(),
                    confidence: (f32::from(d.confidence) / 100.0).min(0.9),
                    date: None,
                });
            }
        }
        let service = e
            .industry
            .as_deref()
            .and_then(industry::get)
            .is_some_and(|i| i.books_appointments);
        if service
            && !facts
                .technologies
                .iter()
                .any(|t| BOOKING_SYSTEMS.contains(&t.as_str()))
        {
            e.pain_points.push(Signal {
                kind: "no_online_booking".into(),
                description: "no online booking system found; customers book by phone or email"
                    .into(),
                source: site.clone(),
                confidence: 0.5,
                date: None,
            });
        }
    }
    for p in &e.pain_points {
        let (kind, approach, priority) = match p.kind.as_str() {
            "no_https" => (
                "website_security",
                "offer an HTTPS and hosting review",
                "high",
            ),
            "no_mobile_viewport" => (
                "website_modernisation",
                "show how the site looks on a phone",
                "medium",
            ),
            "outdated_software" => (
                "website_security",
                "offer an upgrade of the software named, with the risks of waiting",
                "high",
            ),
            "slow_responses" => (
                "website_performance",
                "show the load time against competitors and offer a speed review",
                "medium",
            ),
            "no_online_booking" => (
                "online_booking",
                "show how online booking fills the calendar outside opening hours",
                "medium",
            ),
            _ => (
                "marketing_insight",
                "offer a traffic and conversion audit",
                "low",
            ),
        };
        e.engagement_opportunities.push(Opportunity {
            kind: kind.into(),
            description: p.description.clone(),
            priority: priority.into(),
            suggested_approach: approach.into(),
        });
    }
    if e.growth_signals.iter().any(|g| g.kind == "hiring") {
        e.engagement_opportunities.push(Opportunity {
            kind: "growth_support".into(),
            description: "the company is hiring".into(),
            priority: "high".into(),
            suggested_approach: "reach out to the decision maker about scaling operations".into(),
        });
    }
    e.people_emails = email_pattern::people_emails(facts);
    e.email_checks = email_checks(facts, &e.people_emails, &BTreeMap::new());
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Found;

    #[test]
    fn classifies_and_sizes() {
        assert_eq!(size_category(45), "11-50");
        let facts = Facts {
            employee_count: Some(Found {
                value: 300,
                source_url: "u".into(),
                confidence: 1.0,
            }),
            technologies: vec!["React".into(), "Stripe".into()],
            open_roles: vec!["a".into()],
            pages: vec!["http://a.test/".into()],
            ..Facts::default()
        };
        let e = enrich(
            &facts,
            &Candidate {
                category: Some("Dentist".into()),
                ..Candidate::default()
            },
        );
        assert_eq!(e.industry.as_deref(), Some("dentist"));
        assert_eq!(e.size_category.as_deref(), Some("201-500"));
        assert_eq!(e.technology_stack["frontend"], ["React"]);
        assert_eq!(e.growth_signals[0].kind, "hiring");
        assert!(e.pain_points.iter().any(|p| p.kind == "no_https"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(version_below("3.9", "3.10"), Some(true));
        assert_eq!(version_below("3.10.2", "3.10"), Some(false));
        assert_eq!(version_below("v1.12.4", "3.5"), Some(true));
        assert_eq!(version_below("8.2.0-beta", "8.2"), Some(false));
        assert_eq!(version_below("unknown", "1"), None);
    }

    fn detected(name: &str, version: Option<&str>) -> crate::technologies::Detection {
        crate::technologies::Detection {
            name: name.into(),
            version: version.map(str::to_string),
            categories: vec![],
            confidence: 100,
        }
    }

    #[test]
    fn outdated_software_missing_booking_and_analytics_are_pain_points() {
        let facts = Facts {
            technologies: vec!["jQuery".into(), "PHP".into(), "Matomo".into()],
            technology_details: vec![
                detected("jQuery", Some("1.12.4")),
                detected("PHP", Some("8.3.1")),
            ],
            pages: vec!["https://smile.test/".into()],
            https: true,
            mobile_viewport: true,
            ..Facts::default()
        };
        let dentist = Candidate {
            category: Some("Dentist".into()),
            ..Candidate::default()
        };
        let e = enrich(&facts, &dentist);
        let kinds: Vec<&str> = e.pain_points.iter().map(|p| p.kind.as_str()).collect();
        let outdated: Vec<&str> = e
            .pain_points
            .iter()
            .filter(|p| p.kind == "outdated_software")
            .map(|p| p.description.as_str())
            .collect();
        assert_eq!(outdated.len(), 1, "{outdated:?}");
        assert!(outdated[0].starts_with("jQuery 1.12.4"), "{outdated:?}");
        assert!(kinds.contains(&"no_online_booking"));
        assert!(
            kinds.contains(&"no_analytics"),
            "Matomo is unknown to the curated set"
        );
        assert!(
            e.engagement_opportunities
                .iter()
                .any(|o| o.kind == "online_booking")
        );

        let with_booking = Facts {
            technologies: vec!["Calendly".into(), "Google Analytics".into()],
            ..facts
        };
        let e = enrich(&with_booking, &dentist);
        let kinds: Vec<&str> = e.pain_points.iter().map(|p| p.kind.as_str()).collect();
        assert!(!kinds.contains(&"no_online_booking"), "{kinds:?}");
        assert!(!kinds.contains(&"no_analytics"), "{kinds:?}");
    }

    #[test]
    fn every_address_gets_a_verdict_and_people_get_matched_or_inferred_addresses() {
        use crate::model::Person;
        let facts = Facts {
            emails: vec![Found {
                value: "info@acme.test".into(),
                source_url: "http://acme.test/contact".into(),
                confidence: 0.9,
            }],
            people: vec![
                Person {
                    name: "Jane Doe".into(),
                    email: Some("jane.doe@acme.test".into()),
                    ..Person::default()
                },
                Person {
                    name: "Tom Berg".into(),
                    ..Person::default()
                },
            ],
            ..Facts::default()
        };
        let e = enrich(&facts, &Candidate::default());
        assert_eq!(e.people_emails.len(), 1);
        assert_eq!(e.people_emails[0].address, "tom.berg@acme.test");
        let statuses: Vec<(&str, &str, &str)> = e
            .email_checks
            .iter()
            .map(|c| (c.address.as_str(), c.kind.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                ("info@acme.test", "role", "unverified"),
                ("jane.doe@acme.test", "personal", "unverified"),
                ("tom.berg@acme.test", "personal", "inferred"),
            ]
        );
        let mut mail = BTreeMap::new();
        mail.insert(
            "acme.test".to_string(),
            MailDomain::Accepts {
                exchangers: vec!["mx.acme.test".into()],
            },
        );
        let checks = email_checks(&facts, &e.people_emails, &mail);
        assert_eq!(checks[0].status, crate::email_check::Verification::Verified);
        assert_eq!(checks[2].status, crate::email_check::Verification::Inferred);
    }

    #[test]
    fn news_becomes_dated_growth_signals_and_a_recent_post_is_activity() {
        use crate::model::NewsItem;
        let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(20)).to_string();
        let facts = Facts {
            news: vec![NewsItem {
                kind: "funding".into(),
                text: "Acme raises $4.5M seed round".into(),
                date: Some("2026-05-02".into()),
                source_url: "http://acme.test/news".into(),
            }],
            latest_post: Some((recent.clone(), "http://acme.test/news".into())),
            ..Facts::default()
        };
        let e = enrich(&facts, &Candidate::default());
        let funding = e
            .growth_signals
            .iter()
            .find(|g| g.kind == "funding")
            .unwrap();
        assert_eq!(funding.date.as_deref(), Some("2026-05-02"));
        assert!(funding.description.contains("$4.5M"));
        let active = e
            .growth_signals
            .iter()
            .find(|g| g.kind == "recent_activity")
            .unwrap();
        assert_eq!(active.date.as_deref(), Some(recent.as_str()));

        let stale = Facts {
            latest_post: Some(("2019-01-01".into(), "http://acme.test/news".into())),
            ..Facts::default()
        };
        let e = enrich(&stale, &Candidate::default());
        assert!(!e.growth_signals.iter().any(|g| g.kind == "recent_activity"));
    }

    #[test]
    fn a_slow_site_is_a_pain_point() {
        let facts = |ms| Facts {
            pages: vec!["https://slow.test/".into()],
            response_ms: Some(ms),
            https: true,
            mobile_viewport: true,
            ..Facts::default()
        };
        let e = enrich(&facts(2400), &Candidate::default());
        let slow = e
            .pain_points
            .iter()
            .find(|p| p.kind == "slow_responses")
            .unwrap();
        assert!(slow.description.contains("2.4 s"), "{}", slow.description);
        assert!(
            e.engagement_opportunities
                .iter()
                .any(|o| o.kind == "website_performance")
        );
        let e = enrich(&facts(300), &Candidate::default());
        assert!(!e.pain_points.iter().any(|p| p.kind == "slow_responses"));
    }
}
