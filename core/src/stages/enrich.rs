//! Enrich: derive industry, size category, technology stack, growth signals, pain points and
//! engagement opportunities from extracted facts.

use crate::model::{Candidate, Enrichment, Facts, Opportunity, Signal};

/// The industry taxonomy: slug and the words that point to it (schema.org types included).
pub const INDUSTRIES: [(&str, &[&str]); 10] = [
    ("dentist", &["dentist", "dental", "orthodont", "smile"]),
    (
        "law-firm",
        &[
            "law",
            "legal",
            "attorney",
            "lawyer",
            "solicitor",
            "legalservice",
        ],
    ),
    ("plumber", &["plumb", "pipe", "drain", "heating"]),
    (
        "restaurant",
        &[
            "restaurant",
            "bistro",
            "cafe",
            "kitchen",
            "grill",
            "foodestablishment",
            "eatery",
        ],
    ),
    (
        "accounting",
        &[
            "accounting",
            "accountant",
            "bookkeep",
            "tax",
            "cpa",
            "audit",
        ],
    ),
    (
        "software",
        &["software", "saas", "app", "developer", "cloud platform"],
    ),
    (
        "marketing-agency",
        &["marketing", "advertising", "seo", "branding", "agency"],
    ),
    (
        "real-estate",
        &["real estate", "realtor", "property", "realestateagent"],
    ),
    (
        "healthcare",
        &["clinic", "medical", "physician", "health", "physiotherap"],
    ),
    ("retail", &["shop", "store", "boutique", "retail"]),
];

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

/// Maps free text (a search's industry, a directory category) to a taxonomy slug.
pub fn classify_industry_text(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    INDUSTRIES
        .iter()
        .find(|(slug, words)| {
            t.contains(&slug.replace('-', " ")) || t == *slug || words.iter().any(|w| t.contains(w))
        })
        .map(|(slug, _)| *slug)
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
    // Structured types are the strongest evidence, then the source's category, then the name.
    let typed = facts
        .schema_types
        .iter()
        .find_map(|t| classify_industry_text(t));
    let listed = candidate
        .category
        .as_deref()
        .and_then(classify_industry_text);
    let named = facts
        .name
        .as_ref()
        .map(|n| n.value.as_str())
        .or(Some(candidate.name.as_str()))
        .and_then(classify_industry_text);
    (e.industry, e.industry_confidence) = match (typed, listed, named) {
        (Some(t), _, _) => (Some(t.to_string()), 0.9),
        (None, Some(l), _) => (Some(l.to_string()), 0.8),
        (None, None, Some(n)) => (Some(n.to_string()), 0.5),
        _ => (None, 0.0),
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
        e.growth_signals.push(Signal {
            kind: "hiring".into(),
            description: format!("{} open roles on the careers page", facts.open_roles.len()),
            source: site.clone(),
            confidence: 0.9,
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
            });
        }
    }
    if !facts.pages.is_empty() {
        if !facts.https {
            e.pain_points.push(Signal {
                kind: "no_https".into(),
                description: "the website is served without HTTPS".into(),
                source: site.clone(),
                confidence: 0.9,
            });
        }
        if !facts.mobile_viewport {
            e.pain_points.push(Signal {
                kind: "no_mobile_viewport".into(),
                description: "the home page declares no mobile viewport".into(),
                source: site.clone(),
                confidence: 0.8,
            });
        }
        if !facts.technologies.iter().any(|t| t == "Google Analytics") {
            e.pain_points.push(Signal {
                kind: "no_analytics".into(),
                description: "no web analytics detected".into(),
                source: site.clone(),
                confidence: 0.6,
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
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Found;

    #[test]
    fn classifies_and_sizes() {
        assert_eq!(classify_industry_text("Dentists"), Some("dentist"));
        assert_eq!(classify_industry_text("lawyer"), Some("law-firm"));
        assert_eq!(classify_industry_text("LegalService"), Some("law-firm"));
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
}
