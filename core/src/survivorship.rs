//! Field-level survivorship: every value any source gave for a company field is kept with its
//! source, URL, time and confidence, and the company's record is chosen from them.
//!
//! A value's weight is `trust(source) × confidence × recency`. For a single-valued field the
//! heaviest value wins (ties: the newer, then the smaller value, so the choice is stable). For
//! a list field (phones, emails, social profiles, technologies) every value is kept, heaviest
//! first. A value entered by staff always wins: a staff value of a single-valued field beats
//! any other, and staff values of a list field replace the list.

use crate::dedup::{Record, normalize};
use crate::model::{Candidate, Enrichment, Facts};
use crate::stages::fetch::{normalize_website, registrable_domain};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The source name of values entered by staff.
pub const STAFF: &str = "staff";
/// The source name of values read from the company's own website.
pub const WEBSITE: &str = "company_website";
/// The source name of values the enrich stage derived (industry, size).
pub const ENRICHMENT: &str = "enrichment";

/// A company field that keeps candidate values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// Company name.
    Name,
    /// Website URL.
    Website,
    /// Industry slug.
    Industry,
    /// Size bucket.
    SizeCategory,
    /// Description.
    Description,
    /// Street line.
    Address,
    /// City.
    City,
    /// Region or state.
    Region,
    /// Postal code.
    PostalCode,
    /// Country code.
    Country,
    /// Year founded.
    FoundedYear,
    /// Number of employees.
    EmployeeCount,
    /// Phone numbers.
    Phones,
    /// Email addresses.
    Emails,
    /// Social profile URLs.
    Socials,
    /// Technologies.
    Technologies,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 16] = [
        Field::Name,
        Field::Website,
        Field::Industry,
        Field::SizeCategory,
        Field::Description,
        Field::Address,
        Field::City,
        Field::Region,
        Field::PostalCode,
        Field::Country,
        Field::FoundedYear,
        Field::EmployeeCount,
        Field::Phones,
        Field::Emails,
        Field::Socials,
        Field::Technologies,
    ];

    /// The stored (and API) name of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Website => "website",
            Field::Industry => "industry",
            Field::SizeCategory => "size_category",
            Field::Description => "description",
            Field::Address => "address",
            Field::City => "city",
            Field::Region => "region",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::FoundedYear => "founded_year",
            Field::EmployeeCount => "employee_count",
            Field::Phones => "phones",
            Field::Emails => "emails",
            Field::Socials => "social_profiles",
            Field::Technologies => "technologies",
        }
    }

    /// The field of a stored name.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether the field holds a list of values rather than one.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Field::Phones | Field::Emails | Field::Socials | Field::Technologies
        )
    }
}

/// One value a source gave for a field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// Which field.
    pub field: Field,
    /// The value: a string, or a number for founded year and employee count.
    pub value: Value,
    /// Source name (`company_website`, `directory:localfinder`, `osm`, `staff`, …).
    pub source: String,
    /// The page or record it was read from.
    pub url: Option<String>,
    /// How sure the source is, 0–1.
    pub confidence: f32,
    /// When it was last seen.
    pub seen_at: DateTime<Utc>,
}

/// How far a source is trusted, 0–1 (staff values are above every weight).
pub fn trust(source: &str) -> f64 {
    match source {
        STAFF => 1.0,
        WEBSITE => 0.9,
        "google_places" => 0.85,
        ENRICHMENT => 0.8,
        "osm" => 0.75,
        s if s.starts_with("directory") => 0.7,
        "domains" => 0.5,
        _ => 0.6,
    }
}

/// Recency factor: 1 for values seen in the last 30 days, falling linearly to 0.5 at two years.
pub fn recency(seen_at: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    let days = (now - seen_at).num_days().max(0) as f64;
    1.0 - 0.5 * ((days - 30.0).max(0.0) / 700.0).min(1.0)
}

/// The weight a value carries in the choice; staff values outweigh all others.
pub fn weight(v: &FieldValue, now: DateTime<Utc>) -> f64 {
    if v.source == STAFF {
        return 10.0 + recency(v.seen_at, now);
    }
    trust(&v.source) * f64::from(v.confidence.clamp(0.0, 1.0)) * recency(v.seen_at, now)
}

/// The values chosen for a company, by field: one for a single-valued field, the kept list
/// (heaviest first) for a list field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chosen {
    /// Chosen values by field.
    pub fields: BTreeMap<Field, Vec<FieldValue>>,
}

impl Chosen {
    /// The chosen text of a single-valued field.
    pub fn text(&self, f: Field) -> Option<String> {
        self.fields
            .get(&f)?
            .first()?
            .value
            .as_str()
            .map(str::to_string)
    }

    /// The chosen number of a single-valued field.
    pub fn number(&self, f: Field) -> Option<i64> {
        self.fields.get(&f)?.first()?.value.as_i64()
    }

    /// The texts of a list field, heaviest first.
    pub fn list(&self, f: Field) -> Vec<String> {
        self.fields
            .get(&f)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.value.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether this exact candidate is among the chosen values of its field.
    pub fn is_chosen(&self, v: &FieldValue) -> bool {
        self.fields
            .get(&v.field)
            .is_some_and(|vs| vs.iter().any(|c| c.value == v.value))
    }

    /// The deduplication engine's match keys of the company: those of its chosen record, and
    /// a phone key for each of its phones.
    pub fn match_keys(&self) -> Vec<String> {
        let mut keys = normalize(&self.record(None)).match_keys();
        for p in self.list(Field::Phones) {
            let only_phone = Record {
                phone: Some(p),
                ..Record::default()
            };
            keys.extend(normalize(&only_phone).match_keys());
        }
        keys.sort();
        keys.dedup();
        keys
    }

    /// The registrable domain of the chosen website.
    pub fn domain(&self) -> Option<String> {
        let site = normalize_website(&self.text(Field::Website)?)?;
        site.host_str().map(registrable_domain)
    }

    /// The chosen values as a deduplication record (its first phone, or `phone` when the
    /// company has that number too, so a record is compared on the number it shares).
    pub fn record(&self, phone: Option<&str>) -> Record {
        let phones = self.list(Field::Phones);
        let digits = |p: &str| -> String {
            let d: String = p.chars().filter(char::is_ascii_digit).collect();
            d[d.len().saturating_sub(10)..].to_string()
        };
        let shared = phone.and_then(|p| phones.iter().find(|q| digits(q) == digits(p)).cloned());
        Record {
            name: self.text(Field::Name).unwrap_or_default(),
            address: self.text(Field::Address),
            city: self.text(Field::City),
            postal_code: self.text(Field::PostalCode),
            phone: shared.or_else(|| phones.first().cloned()),
            website: self.text(Field::Website),
            email: self.list(Field::Emails).first().cloned(),
        }
    }
}

/// Chooses each field's values from its candidates (see the module documentation).
pub fn choose(values: &[FieldValue], now: DateTime<Utc>) -> Chosen {
    let mut by_field: BTreeMap<Field, Vec<&FieldValue>> = BTreeMap::new();
    for v in values {
        by_field.entry(v.field).or_default().push(v);
    }
    let mut chosen = Chosen::default();
    for (field, mut vs) in by_field {
        if field.is_list() && vs.iter().any(|v| v.source == STAFF) {
            vs.retain(|v| v.source == STAFF);
        }
        vs.sort_by(|a, b| {
            weight(b, now)
                .total_cmp(&weight(a, now))
                .then(b.seen_at.cmp(&a.seen_at))
                .then_with(|| a.value.to_string().cmp(&b.value.to_string()))
        });
        let mut kept: Vec<FieldValue> = Vec::new();
        for v in vs {
            if !kept.iter().any(|k| same_value(field, &k.value, &v.value)) {
                kept.push(v.clone());
            }
        }
        if !field.is_list() {
            kept.truncate(1);
        }
        chosen.fields.insert(field, kept);
    }
    chosen
}

/// Whether two values of a field say the same thing (emails and URLs without regard to case).
fn same_value(field: Field, a: &Value, b: &Value) -> bool {
    match (field, a.as_str(), b.as_str()) {
        (Field::Emails | Field::Socials | Field::Website, Some(x), Some(y)) => {
            x.eq_ignore_ascii_case(y)
        }
        (Field::Technologies, Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

fn text_value(
    out: &mut Vec<FieldValue>,
    field: Field,
    value: Option<&str>,
    source: &str,
    url: &str,
    confidence: f32,
    now: DateTime<Utc>,
) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        out.push(FieldValue {
            field,
            value: json!(v),
            source: source.to_string(),
            url: Some(url.to_string()).filter(|u| !u.is_empty()),
            confidence,
            seen_at: now,
        });
    }
}

/// The values a discovery source listed for a company (fields a listing states are taken as
/// stated, with confidence 0.9).
pub fn from_candidate(c: &Candidate, now: DateTime<Utc>) -> Vec<FieldValue> {
    let mut out = Vec::new();
    let (src, url) = (c.source.as_str(), c.source_url.as_str());
    let mut put = |f: Field, v: Option<&str>| text_value(&mut out, f, v, src, url, 0.9, now);
    put(Field::Name, Some(&c.name));
    put(Field::Website, c.website.as_deref());
    put(Field::Phones, c.phone.as_deref());
    put(Field::Emails, c.email.as_deref().map(str::trim));
    put(Field::Description, c.description.as_deref());
    match &c.address_parts {
        Some(a) => {
            put(Field::Address, a.street.as_deref());
            put(Field::City, a.city.as_deref());
            put(Field::Region, a.region.as_deref());
            put(Field::PostalCode, a.postal_code.as_deref());
            put(Field::Country, a.country.as_deref());
        }
        None => put(Field::Address, c.address.as_deref()),
    }
    out
}

/// The values the website's pages and the enrich stage gave, each with its page and
/// confidence.
pub fn from_facts(f: &Facts, e: &Enrichment, now: DateTime<Utc>) -> Vec<FieldValue> {
    let mut out = Vec::new();
    let mut put = |field: Field, v: Option<&str>, url: &str, conf: f32| {
        text_value(&mut out, field, v, WEBSITE, url, conf, now)
    };
    if let Some(n) = &f.name {
        put(Field::Name, Some(&n.value), &n.source_url, n.confidence);
    }
    if let Some(d) = &f.description {
        put(
            Field::Description,
            Some(&d.value),
            &d.source_url,
            d.confidence,
        );
    }
    if let Some(a) = &f.address {
        let (u, c) = (a.source_url.as_str(), a.confidence);
        put(Field::Address, a.value.street.as_deref(), u, c);
        put(Field::City, a.value.city.as_deref(), u, c);
        put(Field::Region, a.value.region.as_deref(), u, c);
        put(Field::PostalCode, a.value.postal_code.as_deref(), u, c);
        put(Field::Country, a.value.country.as_deref(), u, c);
    }
    for (field, list) in [
        (Field::Phones, &f.phones),
        (Field::Emails, &f.emails),
        (Field::Socials, &f.socials),
    ] {
        for v in list {
            put(field, Some(&v.value), &v.source_url, v.confidence);
        }
    }
    let home = f.pages.first().map(String::as_str).unwrap_or_default();
    for t in &f.technologies {
        put(Field::Technologies, Some(t), home, 0.9);
    }
    let mut number = |field: Field, v: i64, url: &str, conf: f32| {
        out.push(FieldValue {
            field,
            value: json!(v),
            source: WEBSITE.into(),
            url: Some(url.to_string()).filter(|u| !u.is_empty()),
            confidence: conf,
            seen_at: now,
        })
    };
    if let Some(y) = &f.founded_year {
        number(
            Field::FoundedYear,
            y.value.into(),
            &y.source_url,
            y.confidence,
        );
    }
    if let Some(n) = &f.employee_count {
        number(
            Field::EmployeeCount,
            n.value.into(),
            &n.source_url,
            n.confidence,
        );
    }
    let mut derived = |field: Field, v: Option<&str>, conf: f32| {
        text_value(&mut out, field, v, ENRICHMENT, home, conf, now)
    };
    derived(
        Field::Industry,
        e.industry.as_deref(),
        e.industry_confidence.max(0.3),
    );
    let size_conf = if f.employee_count.is_some() { 0.9 } else { 0.5 };
    derived(Field::SizeCategory, e.size_category.as_deref(), size_conf);
    out
}

/// One line of a lead's `data_sources`: a source, the URL of its heaviest value, every URL it
/// was read from (when more than one), when it was last read and the fields it gave.
pub fn data_sources(values: &[FieldValue], now: DateTime<Utc>) -> Value {
    let mut by_source: BTreeMap<&str, Vec<&FieldValue>> = BTreeMap::new();
    for v in values {
        by_source.entry(v.source.as_str()).or_default().push(v);
    }
    let mut out: Vec<(f64, Value)> = by_source
        .into_iter()
        .map(|(source, mut vs)| {
            vs.sort_by(|a, b| weight(b, now).total_cmp(&weight(a, now)));
            let mut urls: Vec<&str> = vs.iter().filter_map(|v| v.url.as_deref()).collect();
            urls.sort_unstable();
            urls.dedup();
            let mut types: Vec<&str> = vs.iter().map(|v| v.field.as_str()).collect();
            types.sort_unstable();
            types.dedup();
            let latest = vs.iter().map(|v| v.seen_at).max().unwrap_or(now);
            let mut line = json!({
                "source": source,
                "url": vs.iter().find_map(|v| v.url.as_deref()),
                "scraped_at": latest,
                "data_types": types,
            });
            if urls.len() > 1 {
                line["pages"] = json!(urls);
            }
            (trust(source), line)
        })
        .collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    Value::Array(out.into_iter().map(|(_, l)| l).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Found};
    use chrono::Duration;

    fn value(field: Field, v: &str, source: &str, conf: f32, age_days: i64) -> FieldValue {
        FieldValue {
            field,
            value: json!(v),
            source: source.into(),
            url: Some(format!("http://{source}.test/")),
            confidence: conf,
            seen_at: Utc::now() - Duration::days(age_days),
        }
    }

    #[test]
    fn trust_confidence_and_recency_decide_and_staff_always_wins() {
        let now = Utc::now();
        let vs = vec![
            value(Field::Name, "Acme Dental", "directory:x", 0.9, 0),
            value(Field::Name, "Acme Dental Care PLLC", WEBSITE, 0.95, 0),
        ];
        assert_eq!(
            choose(&vs, now).text(Field::Name).as_deref(),
            Some("Acme Dental Care PLLC")
        );
        // An old website value loses to a fresh listing.
        let vs = vec![
            value(Field::City, "Austin", "google_places", 0.9, 1),
            value(Field::City, "Round Rock", WEBSITE, 0.9, 800),
        ];
        assert_eq!(
            choose(&vs, now).text(Field::City).as_deref(),
            Some("Austin")
        );
        // Staff beat everything, however sure and fresh the others are.
        let mut vs = vs;
        vs.push(value(Field::City, "Pflugerville", STAFF, 0.1, 400));
        assert_eq!(
            choose(&vs, now).text(Field::City).as_deref(),
            Some("Pflugerville")
        );
    }

    #[test]
    fn lists_keep_every_value_heaviest_first_unless_staff_set_them() {
        let now = Utc::now();
        let mut vs = vec![
            value(Field::Phones, "+15125550100", "directory:x", 0.9, 0),
            value(Field::Phones, "+15125550199", WEBSITE, 0.9, 0),
            value(Field::Emails, "Info@Acme.test", WEBSITE, 0.9, 0),
            value(Field::Emails, "info@acme.test", "google_places", 0.9, 0),
        ];
        let c = choose(&vs, now);
        assert_eq!(c.list(Field::Phones), ["+15125550199", "+15125550100"]);
        assert_eq!(c.list(Field::Emails), ["Info@Acme.test"]);
        vs.push(value(Field::Phones, "+15125550111", STAFF, 1.0, 0));
        assert_eq!(choose(&vs, now).list(Field::Phones), ["+15125550111"]);
    }

    #[test]
    fn listings_and_pages_become_values_with_their_sources() {
        let now = Utc::now();
        let c = Candidate {
            name: "Keller Plumbing".into(),
            phone: Some("(512) 555-0100".into()),
            website: Some("http://keller.test".into()),
            source: "directory:localfinder".into(),
            source_url: "http://dir.test/listing/1".into(),
            address_parts: Some(Address {
                street: Some("12 Main St".into()),
                city: Some("Austin".into()),
                ..Address::default()
            }),
            ..Candidate::default()
        };
        let vs = from_candidate(&c, now);
        let fields: Vec<&str> = vs.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["name", "website", "phones", "address", "city"]);
        assert!(
            vs.iter()
                .all(|v| v.url.as_deref() == Some("http://dir.test/listing/1"))
        );
        let f = Facts {
            name: Some(Found {
                value: "Keller Plumbing LLC".into(),
                source_url: "http://keller.test/".into(),
                confidence: 0.95,
            }),
            pages: vec!["http://keller.test/".into()],
            ..Facts::default()
        };
        let mut all = vs;
        all.extend(from_facts(&f, &Enrichment::default(), now));
        let chosen = choose(&all, now);
        assert_eq!(
            chosen.text(Field::Name).as_deref(),
            Some("Keller Plumbing LLC")
        );
        assert_eq!(chosen.domain().as_deref(), Some("keller.test"));
        let sources = data_sources(&all, now);
        assert_eq!(sources[0]["source"], WEBSITE);
        assert_eq!(sources[1]["source"], "directory:localfinder");
        assert_eq!(sources[1]["data_types"].as_array().unwrap().len(), 5);
    }
}
