//! Score: the four seed components, each 0–100 with the reasons that moved it, combined with
//! weights into a lead score 0–100.

use crate::model::{Enrichment, Facts, Score, ScoreBreakdown, ScoreComponent};

/// Component weights; they sum to 1.
#[derive(Debug, Clone)]
pub struct Weights {
    /// Identifies this set of weights in stored scores.
    pub version: &'static str,
    /// Contact completeness.
    pub contact: f32,
    /// Business indicators.
    pub business: f32,
    /// Data quality.
    pub quality: f32,
    /// Engagement potential.
    pub engagement: f32,
    /// Scores at or above this are hot.
    pub hot: u8,
    /// Scores at or above this (and below hot) are warm.
    pub warm: u8,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            version: "2026-11-v1",
            contact: 0.30,
            business: 0.25,
            quality: 0.20,
            engagement: 0.25,
            hot: 70,
            warm: 40,
        }
    }
}

struct Tally(Vec<String>, u32);

impl Tally {
    fn new() -> Self {
        Tally(Vec::new(), 0)
    }
    fn add(&mut self, when: bool, points: u32, why: &str) {
        if when {
            self.1 += points;
            self.0.push(format!("+{points} {why}"));
        } else {
            self.0.push(format!("+0 {why} (missing)"));
        }
    }
    fn done(self, weight: f32) -> ScoreComponent {
        ScoreComponent {
            score: self.1.min(100) as u8,
            weight,
            reasons: self.0,
        }
    }
}

/// Quality label for a score.
pub fn quality(score: u8, w: &Weights) -> &'static str {
    if score >= w.hot {
        "hot"
    } else if score >= w.warm {
        "warm"
    } else {
        "cold"
    }
}

/// Scores one company.
pub fn score(facts: &Facts, enrichment: &Enrichment, has_website: bool, w: &Weights) -> Score {
    let decision_maker = facts.people.iter().any(|p| p.is_decision_maker);
    let mut c = Tally::new();
    c.add(!facts.emails.is_empty(), 30, "email address found");
    c.add(!facts.phones.is_empty(), 25, "phone number found");
    c.add(facts.address.is_some(), 15, "postal address found");
    c.add(!facts.people.is_empty(), 15, "named contacts found");
    c.add(decision_maker, 15, "decision maker identified");

    let mut b = Tally::new();
    b.add(has_website, 20, "has a website");
    b.add(enrichment.industry.is_some(), 20, "industry classified");
    b.add(facts.employee_count.is_some(), 20, "employee count known");
    b.add(facts.founded_year.is_some(), 15, "founding year known");
    b.add(facts.socials.len() >= 2, 15, "two or more social profiles");
    b.add(
        facts.employee_count.as_ref().is_some_and(|n| n.value > 10),
        10,
        "more than 10 employees",
    );

    let mut q = Tally::new();
    q.add(
        !facts.schema_types.is_empty(),
        30,
        "structured data on the site",
    );
    q.add(facts.pages.len() >= 3, 20, "three or more pages read");
    let confident = |c: f32| c >= 0.85;
    q.add(
        facts.emails.iter().any(|e| confident(e.confidence)),
        20,
        "email confirmed by a link or structured data",
    );
    q.add(
        facts.phones.iter().any(|p| confident(p.confidence)),
        15,
        "phone confirmed by a link or structured data",
    );
    q.add(
        facts.name.is_some(),
        15,
        "company name confirmed on its site",
    );

    let mut e = Tally::new();
    e.add(
        enrichment.growth_signals.iter().any(|g| g.kind == "hiring"),
        35,
        "hiring",
    );
    e.add(
        !enrichment.pain_points.is_empty(),
        25,
        "pain points to address",
    );
    e.add(
        facts
            .people
            .iter()
            .any(|p| p.is_decision_maker && p.email.is_some()),
        25,
        "decision maker reachable by email",
    );
    e.add(!facts.technologies.is_empty(), 15, "technology stack known");

    let breakdown = ScoreBreakdown {
        contact_completeness: c.done(w.contact),
        business_indicators: b.done(w.business),
        data_quality: q.done(w.quality),
        engagement_potential: e.done(w.engagement),
        weights_version: w.version.to_string(),
    };
    let total = breakdown.contact_completeness.score as f32 * w.contact
        + breakdown.business_indicators.score as f32 * w.business
        + breakdown.data_quality.score as f32 * w.quality
        + breakdown.engagement_potential.score as f32 * w.engagement;
    let lead_score = total.round().clamp(0.0, 100.0) as u8;
    Score {
        lead_score,
        quality: quality(lead_score, w).to_string(),
        breakdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Found;

    #[test]
    fn more_facts_score_higher_and_reasons_explain() {
        let w = Weights::default();
        let empty = score(&Facts::default(), &Enrichment::default(), false, &w);
        assert_eq!(empty.lead_score, 0);
        assert_eq!(empty.quality, "cold");
        let f = Facts {
            emails: vec![Found {
                value: "a@b.test".into(),
                source_url: "u".into(),
                confidence: 0.9,
            }],
            phones: vec![Found {
                value: "+15125550142".into(),
                source_url: "u".into(),
                confidence: 0.9,
            }],
            ..Facts::default()
        };
        let s = score(&f, &Enrichment::default(), true, &w);
        assert!(s.lead_score > 20);
        assert!(
            s.breakdown
                .contact_completeness
                .reasons
                .iter()
                .any(|r| r == "+30 email address found")
        );
        assert_eq!(s.breakdown.contact_completeness.score, 55);
    }
}
