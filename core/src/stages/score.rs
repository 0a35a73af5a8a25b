//! Score: the four seed components, each 0–100 with the reasons that moved it, combined with
//! weights into a lead score 0–100.

use crate::model::{Enrichment, Facts, Score, ScoreBreakdown, ScoreComponent};

/// Component weights; they sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Identifies this set of weights in stored scores.
    pub version: String,
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
            version: "2026-11-v1".into(),
            contact: 0.30,
            business: 0.25,
            quality: 0.20,
            engagement: 0.25,
            hot: 70,
            warm: 40,
        }
    }
}

/// A scoring file as written (`LEADGEN_SCORING`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightsFile {
    version: Option<String>,
    weights: WeightsTable,
    #[serde(default)]
    thresholds: Option<Thresholds>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightsTable {
    contact_completeness: f32,
    business_indicators: f32,
    data_quality: f32,
    engagement_potential: f32,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    hot: u8,
    warm: u8,
}

impl Weights {
    /// Reads a scoring file:
    ///
    /// ```toml
    /// version = "acme-2026-12"        # optional; derived from the numbers when absent
    /// [weights]                       # each ≥ 0, summing to 1
    /// contact_completeness = 0.30
    /// business_indicators = 0.25
    /// data_quality = 0.20
    /// engagement_potential = 0.25
    /// [thresholds]                    # optional; 0 < warm < hot ≤ 100
    /// hot = 70
    /// warm = 40
    /// ```
    ///
    /// `origin` (the file's name) prefixes every error, which names the key.
    pub fn from_toml(text: &str, origin: &str) -> Result<Weights, String> {
        let f: WeightsFile =
            toml::from_str(text).map_err(|e| format!("{origin}: {}", e.message().trim()))?;
        let w = &f.weights;
        let parts = [
            ("weights.contact_completeness", w.contact_completeness),
            ("weights.business_indicators", w.business_indicators),
            ("weights.data_quality", w.data_quality),
            ("weights.engagement_potential", w.engagement_potential),
        ];
        for (key, v) in parts {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{origin}: {key}: must be between 0 and 1"));
            }
        }
        let sum: f32 = parts.iter().map(|(_, v)| v).sum();
        if (sum - 1.0).abs() > 0.001 {
            return Err(format!(
                "{origin}: weights: must sum to 1, they sum to {sum:.3}"
            ));
        }
        let defaults = Weights::default();
        let (hot, warm) = f
            .thresholds
            .map_or((defaults.hot, defaults.warm), |t| (t.hot, t.warm));
        if warm == 0 || warm >= hot || hot > 100 {
            return Err(format!(
                "{origin}: thresholds: need 0 < warm < hot <= 100, got warm {warm}, hot {hot}"
            ));
        }
        let version = match f.version.map(|v| v.trim().to_string()) {
            Some(v) if v.is_empty() || v.len() > 64 => {
                return Err(format!("{origin}: version: must be 1–64 characters"));
            }
            Some(v) => v,
            None => {
                // Same numbers, same version: a stored score says which weights made it.
                let text = format!("{parts:?}{hot}{warm}");
                let digest = sha2::Sha256::digest(text.as_bytes());
                format!("custom-{}", &hex(&digest)[..12])
            }
        };
        Ok(Weights {
            version,
            contact: w.contact_completeness,
            business: w.business_indicators,
            quality: w.data_quality,
            engagement: w.engagement_potential,
            hot,
            warm,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

use sha2::Digest;

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
        weights_version: w.version.clone(),
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
    fn scoring_files_are_checked_and_versioned() {
        let text = "[weights]\ncontact_completeness = 0.4\nbusiness_indicators = 0.2\n\
                    data_quality = 0.2\nengagement_potential = 0.2\n";
        let w = Weights::from_toml(text, "s.toml").unwrap();
        assert!(w.version.starts_with("custom-"));
        assert_eq!(w, Weights::from_toml(text, "again.toml").unwrap());
        assert_eq!((w.hot, w.warm), (70, 40));
        let named = format!("version = \"q4\"\n{text}[thresholds]\nhot = 80\nwarm = 50\n");
        let w = Weights::from_toml(&named, "s.toml").unwrap();
        assert_eq!((w.version.as_str(), w.hot, w.warm), ("q4", 80, 50));
        let e = Weights::from_toml(&text.replace("0.4", "0.5"), "s.toml").unwrap_err();
        assert!(e.contains("must sum to 1"), "{e}");
        let e =
            Weights::from_toml(&text.replace("data_quality", "data_qualty"), "s.toml").unwrap_err();
        assert!(
            e.starts_with("s.toml: ") && e.contains("data_qualty"),
            "{e}"
        );
        let e = Weights::from_toml(
            &format!("{text}[thresholds]\nhot = 40\nwarm = 70\n"),
            "s.toml",
        )
        .unwrap_err();
        assert!(e.contains("thresholds"), "{e}");
    }

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
