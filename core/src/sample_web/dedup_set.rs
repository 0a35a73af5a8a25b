//! A labelled set of company records for measuring deduplication: every company of the sample
//! web as its sources list it (the directory's listing and its duplicate listings under variant
//! names, the map's node, the places entry with its own formatting), plus the hard cases:
//!
//! - **moved domains**: a company listed again with a new domain, same name and address;
//! - **shared phones**: a different company in the same building, answering on the same
//!   switchboard number;
//! - **franchise branches**: branches with the brand's name and domain at other addresses and
//!   phones, each a lead of its own.
//!
//! Labels say which records are one business.

use super::data::{ADJECTIVES, CITIES, NOUNS};
use super::text::stable_hash;
use super::{SampleWeb, TruthCompany};
use crate::dedup::Record;

/// A record and the business it describes.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledRecord {
    /// The record.
    pub record: Record,
    /// Which business (records with the same label are duplicates).
    pub label: usize,
    /// What kind of record it is: `directory`, `duplicate`, `map`, `places`, `moved`,
    /// `shared-phone`, `branch`.
    pub kind: &'static str,
}

fn roll(t: &TruthCompany, what: &str) -> u64 {
    stable_hash(&[t.name.as_bytes(), t.domain.as_bytes(), what.as_bytes()]) % 100
}

/// `+15125550142` → `(512) 555-0142` for North American numbers, else as given.
fn national(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
        _ => e164.to_string(),
    }
}

impl SampleWeb {
    /// The labelled record set (deterministic for the web's seed and size).
    pub fn dedup_set(&self) -> Vec<LabelledRecord> {
        let truth = self.ground_truth();
        let mut out = Vec::new();
        let mut next_label = truth.len();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        for (i, t) in truth.iter().enumerate() {
            let phone = t.phones.first().cloned();
            let base = Record {
                name: t.name.clone(),
                address: opt(&t.street),
                city: opt(&t.city),
                postal_code: None,
                phone: phone.as_deref().map(national),
                website: opt(&t.website),
                email: None,
            };
            out.push(LabelledRecord {
                record: base.clone(),
                label: i,
                kind: "directory",
            });
            if roll(t, "map") < 70 {
                out.push(LabelledRecord {
                    record: Record {
                        postal_code: opt(&t.postal_code),
                        phone: phone.clone().filter(|_| roll(t, "map-phone") < 60),
                        website: opt(&t.website).filter(|_| roll(t, "map-site") < 80),
                        ..base.clone()
                    },
                    label: i,
                    kind: "map",
                });
            }
            if roll(t, "places") < 80 {
                let name = match roll(t, "places-name") {
                    0..=19 => format!("{}, LLC", t.name),
                    20..=39 if t.name.contains(" & ") => t.name.replace(" & ", " and "),
                    20..=39 => t.name.to_uppercase(),
                    _ => t.name.clone(),
                };
                let website = match roll(t, "places-site") {
                    0..=49 if !t.domain.is_empty() => Some(format!("https://www.{}/", t.domain)),
                    _ => opt(&t.website),
                };
                out.push(LabelledRecord {
                    record: Record {
                        name,
                        postal_code: opt(&t.postal_code),
                        phone: phone.as_deref().map(|p| p.replacen("+1", "+1 ", 1)),
                        website,
                        ..base.clone()
                    },
                    label: i,
                    kind: "places",
                });
            }
            if !t.domain.is_empty() && roll(t, "moved") < 5 {
                out.push(LabelledRecord {
                    record: Record {
                        postal_code: opt(&t.postal_code),
                        phone: None,
                        website: Some(format!(
                            "https://{}-new.example/",
                            t.domain.trim_end_matches(".test")
                        )),
                        ..base.clone()
                    },
                    label: i,
                    kind: "moved",
                });
            }
            if phone.is_some() && roll(t, "shared-phone") < 5 {
                let h = stable_hash(&[t.name.as_bytes(), b"neighbour"]) as usize;
                out.push(LabelledRecord {
                    record: Record {
                        name: format!(
                            "{} {} Advisors",
                            ADJECTIVES[h % ADJECTIVES.len()],
                            NOUNS[(h / 7) % NOUNS.len()]
                        ),
                        website: None,
                        ..base.clone()
                    },
                    label: next_label,
                    kind: "shared-phone",
                });
                next_label += 1;
            }
            if !t.domain.is_empty() && roll(t, "franchise") < 3 {
                let city = CITIES
                    .iter()
                    .find(|c| c.name == t.city)
                    .unwrap_or(&CITIES[0]);
                let postals: Vec<&&str> = city
                    .postal_codes
                    .iter()
                    .filter(|p| **p != t.postal_code)
                    .collect();
                for (b, postal) in postals.iter().take(2).enumerate() {
                    let street = city.streets[(i + b + 1) % city.streets.len()];
                    out.push(LabelledRecord {
                        record: Record {
                            address: Some(format!("{} {street}", 100 + 37 * (b + 1) + i % 50)),
                            postal_code: Some(postal.to_string()),
                            phone: phone.as_deref().map(|p| {
                                let mut d = p.to_string();
                                d.truncate(d.len() - 2);
                                format!("{d}{:02}", (i + 11 * (b + 1)) % 100)
                            }),
                            ..base.clone()
                        },
                        label: next_label,
                        kind: "branch",
                    });
                    next_label += 1;
                }
            }
        }
        for d in self.duplicate_listings() {
            let Some(label) = d
                .duplicate_of
                .as_deref()
                .and_then(|dom| truth.iter().position(|t| t.domain == dom))
            else {
                continue;
            };
            out.push(LabelledRecord {
                record: Record {
                    name: d.name.clone(),
                    address: opt(&d.street),
                    city: opt(&d.city),
                    postal_code: None,
                    phone: d.phones.first().map(|p| national(p)),
                    website: opt(&d.website),
                    email: None,
                },
                label,
                kind: "duplicate",
            });
        }
        out
    }
}
