//! Production-like leads for benchmarks and demos: companies with their contacts and
//! discovered leads, inbound prospects, and the searches that found them, as CSV in the column
//! order of [`crate::repo::seed::SeedTable`]'s COPY statements.
//!
//! Anonymised by construction: names come from the sample web's vocabularies, every domain and
//! mailbox is under the reserved `.example` top-level domain, and phone numbers are random.
//! Every row depends only on the seed and its index, so the same options give the same rows
//! however the work is cut into batches.

use super::data::{
    CITIES, FIRST_NAMES_DE, FIRST_NAMES_EN, FIRST_NAMES_FR, INDUSTRIES, Locale, SURNAMES_DE,
    SURNAMES_EN, SURNAMES_FR,
};
use super::generate::{chance, make_name, pick};
use super::text::slugify;
use crate::model::{ScoreBreakdown, ScoreComponent, SearchCriteria, SearchFilters};
use crate::repo::seed::SeedTable;
use crate::stages::enrich::size_category;
use crate::stages::score::{Weights, quality};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::ops::Range;
use uuid::Uuid;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Leads in all (discovered and inbound).
    pub leads: usize,
    /// Seed of every name, number and date.
    pub seed: u64,
    /// The moment the data is generated at: leads are created over the year before it.
    pub now: DateTime<Utc>,
}

/// How many rows of each kind a batch (or a whole run) holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedCounts {
    /// Searches (completed jobs).
    pub searches: u64,
    /// Companies.
    pub companies: u64,
    /// Leads, discovered and inbound.
    pub leads: u64,
    /// Of which inbound prospects.
    pub inbound: u64,
    /// Contacts of companies.
    pub contacts: u64,
    /// Links from searches to the leads they found.
    pub job_results: u64,
}

impl std::ops::AddAssign for SeedCounts {
    fn add_assign(&mut self, o: SeedCounts) {
        self.searches += o.searches;
        self.companies += o.companies;
        self.leads += o.leads;
        self.inbound += o.inbound;
        self.contacts += o.contacts;
        self.job_results += o.job_results;
    }
}

/// CSV for each table, in [`SeedTable::ORDER`] order of loading.
#[derive(Debug, Default)]
pub struct SeedBatch {
    /// The CSV of each table that has rows in this batch.
    pub tables: Vec<(SeedTable, Vec<u8>)>,
    /// Rows in it.
    pub counts: SeedCounts,
}

/// Percent of leads that are inbound prospects rather than discovered companies.
const INBOUND_PERCENT: usize = 15;
/// Leads per search: one search found roughly this many of the discovered leads.
const LEADS_PER_SEARCH: usize = 2_000;

const PROVIDERS: &[&str] = &[
    "mail.example",
    "inbox.example",
    "post.example",
    "web.example",
];
const TECHNOLOGIES: &[(&str, &str)] = &[
    ("WordPress", "cms"),
    ("Wix", "cms"),
    ("Squarespace", "cms"),
    ("Shopify", "ecommerce"),
    ("WooCommerce", "ecommerce"),
    ("Google Analytics", "analytics"),
    ("Google Tag Manager", "tag_manager"),
    ("jQuery", "javascript_library"),
    ("React", "javascript_framework"),
    ("Vue.js", "javascript_framework"),
    ("Bootstrap", "ui_framework"),
    ("Cloudflare", "cdn"),
    ("Stripe", "payments"),
    ("HubSpot", "marketing_automation"),
    ("Mailchimp", "email_marketing"),
    ("Nginx", "web_server"),
];
const STATUSES: &[(&str, u32)] = &[
    ("PENDING", 55),
    ("REACHED_OUT", 20),
    ("QUALIFIED", 12),
    ("CONVERTED", 5),
    ("DISQUALIFIED", 8),
];

/// The number of searches a run of `leads` leads has.
pub fn searches(leads: usize) -> usize {
    leads.div_ceil(LEADS_PER_SEARCH).max(1)
}

/// Whether lead `i` is an inbound prospect.
fn is_inbound(i: usize) -> bool {
    i % 100 < INBOUND_PERCENT
}

/// The search (index) that found discovered lead `i`, if one did: four in five did, the rest
/// came from imports and older searches no longer kept.
fn search_of(i: usize, searches: usize) -> Option<usize> {
    (!is_inbound(i) && !i.is_multiple_of(5)).then_some((i / 7) % searches)
}

fn rng_for(seed: u64, salt: u64, i: usize) -> fastrand::Rng {
    fastrand::Rng::with_seed(
        seed ^ salt.wrapping_mul(0xA24B_AED4_963E_E407)
            ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    )
}

fn uuid(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    // Writing into memory cannot fail.
    w.into_inner().unwrap_or_default()
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// The industry and city of search `s`: searches walk the industries in every city.
fn search_place(s: usize) -> (usize, usize) {
    (s % INDUSTRIES.len(), (s / INDUSTRIES.len()) % CITIES.len())
}

/// CSV of the searches of a run (`search_jobs`), with their ids in index order.
pub fn search_jobs(opts: &SeedOptions) -> (Vec<Uuid>, Vec<u8>) {
    let n = searches(opts.leads);
    let mut found = vec![0u32; n];
    for i in 0..opts.leads {
        if let Some(s) = search_of(i, n) {
            found[s] += 1;
        }
    }
    let mut ids = Vec::with_capacity(n);
    let mut w = csv_writer();
    for (s, &results) in found.iter().enumerate() {
        let mut rng = rng_for(opts.seed, 1, s);
        let id = uuid(&mut rng);
        ids.push(id);
        let (ind, city) = search_place(s);
        let max_results = results.clamp(1, 10_000);
        let criteria = SearchCriteria {
            industry: INDUSTRIES[ind].slug.to_string(),
            location: format!("{}, {}", CITIES[city].name, CITIES[city].country),
            company_size: None,
            max_results,
            filters: SearchFilters::default(),
            domains: vec![],
        };
        let created = opts.now - Duration::minutes(rng.i64(60..365 * 24 * 60));
        let started = created + Duration::seconds(rng.i64(1..30));
        let completed = started + Duration::seconds(rng.i64(120..3_600));
        let discovered = results + results / 10 + rng.u32(0..20);
        let record = [
            id.to_string(),
            "completed".into(),
            serde_json::to_string(&criteria).unwrap_or_default(),
            "completed".into(),
            max_results.to_string(),
            discovered.to_string(),
            discovered.to_string(),
            results.to_string(),
            "true".into(),
            ts(completed),
            ts(started),
            ts(completed),
            ts(created),
            ts(completed),
        ];
        let _ = w.write_record(&record);
    }
    (ids, finish(w))
}

/// The rows of leads `range` (indices into the run), with their companies, contacts and
/// search results.
pub fn batch(opts: &SeedOptions, search_ids: &[Uuid], range: Range<usize>) -> SeedBatch {
    let mut companies = csv_writer();
    let mut leads = csv_writer();
    let mut contacts = csv_writer();
    let mut results = csv_writer();
    let mut counts = SeedCounts::default();
    let weights = Weights::default();
    for i in range {
        let mut rng = rng_for(opts.seed, 2, i);
        let created = opts.now - Duration::seconds(rng.i64(60..365 * 24 * 3_600));
        let age = (opts.now - created).num_seconds().max(1);
        let status = status(&mut rng, age);
        let updated = if status == "PENDING" && chance(&mut rng, 80) {
            created
        } else {
            created + Duration::seconds(rng.i64(0..age))
        };
        counts.leads += 1;
        if is_inbound(i) {
            counts.inbound += 1;
            let city = rng.usize(..CITIES.len());
            let (first, last) = person(&mut rng, city);
            let email = format!(
                "{}.{}.{i}@{}",
                slugify(first),
                slugify(last),
                pick(&mut rng, PROVIDERS)
            );
            let record = lead_record(
                uuid(&mut rng),
                "inbound",
                status,
                None,
                (Some(first), Some(last), Some(&email)),
                &Scored::inbound(),
                created,
                updated,
            );
            let _ = leads.write_record(&record);
            continue;
        }
        let search = (!search_ids.is_empty())
            .then(|| search_of(i, search_ids.len()))
            .flatten();
        let (ind, city) = match search {
            Some(s) => search_place(s),
            None => (rng.usize(..INDUSTRIES.len()), rng.usize(..CITIES.len())),
        };
        let company = Company::generate(&mut rng, i, ind, city, created);
        let _ = companies.write_record(company.record(updated));
        counts.companies += 1;
        let people = company_contacts(&mut rng, &company, created);
        for p in &people {
            let _ = contacts.write_record(p);
        }
        counts.contacts += people.len() as u64;
        let scored = Scored::discovered(&mut rng, &company, people.len(), &weights);
        let lead_id = uuid(&mut rng);
        let record = lead_record(
            lead_id,
            "discovered",
            status,
            Some(company.id),
            (None, None, None),
            &scored,
            created,
            updated,
        );
        let _ = leads.write_record(&record);
        if let Some(s) = search {
            let _ = results.write_record([
                search_ids[s].to_string(),
                lead_id.to_string(),
                scored.score.to_string(),
                ts(created),
            ]);
            counts.job_results += 1;
        }
    }
    SeedBatch {
        tables: vec![
            (SeedTable::Companies, finish(companies)),
            (SeedTable::Leads, finish(leads)),
            (SeedTable::Contacts, finish(contacts)),
            (SeedTable::JobResults, finish(results)),
        ],
        counts,
    }
}

/// A status, the older the lead the further along it tends to be.
fn status(rng: &mut fastrand::Rng, age_secs: i64) -> &'static str {
    if age_secs < 7 * 24 * 3_600 && chance(rng, 70) {
        return "PENDING";
    }
    let mut roll = rng.u32(0..100);
    for &(s, share) in STATUSES {
        if roll < share {
            return s;
        }
        roll -= share;
    }
    "PENDING"
}

fn person(rng: &mut fastrand::Rng, city: usize) -> (&'static str, &'static str) {
    let (firsts, lasts) = match CITIES[city].locale {
        Locale::De if chance(rng, 75) => (FIRST_NAMES_DE, SURNAMES_DE),
        Locale::Fr if chance(rng, 75) => (FIRST_NAMES_FR, SURNAMES_FR),
        _ => (FIRST_NAMES_EN, SURNAMES_EN),
    };
    (pick(rng, firsts), pick(rng, lasts))
}

/// A company as stored.
struct Company {
    id: Uuid,
    name: String,
    domain: Option<String>,
    industry: usize,
    city: usize,
    employees: Option<u32>,
    founded: Option<i32>,
    phone: String,
    email: Option<String>,
    technologies: Vec<&'static str>,
    street: String,
    postal_code: &'static str,
    created: DateTime<Utc>,
}

impl Company {
    fn generate(
        rng: &mut fastrand::Rng,
        i: usize,
        industry: usize,
        city: usize,
        created: DateTime<Utc>,
    ) -> Company {
        let name = make_name(rng, industry, city);
        // One in twelve businesses has no website: directory and map listings only.
        let domain = (!chance(rng, 8)).then(|| format!("{}-{i}.example", slugify(&name)));
        let email = domain
            .as_ref()
            .filter(|_| chance(rng, 75))
            .map(|d| format!("{}@{d}", pick(rng, &["info", "hello", "contact", "office"])));
        let mut technologies = Vec::new();
        if domain.is_some() {
            for _ in 0..rng.usize(1..6) {
                let t = pick(rng, TECHNOLOGIES).0;
                if !technologies.contains(&t) {
                    technologies.push(t);
                }
            }
        }
        let c = &CITIES[city];
        // Most businesses are small: employees fall off roughly geometrically.
        let employees = chance(rng, 70).then(|| {
            let scale = [8, 40, 150, 400, 900, 4_000][rng.usize(..6).min(rng.usize(..6))];
            rng.u32(1..=scale)
        });
        Company {
            id: uuid(rng),
            domain,
            industry,
            city,
            employees,
            founded: chance(rng, 60).then(|| rng.i32(1950..=2025)),
            phone: phone(rng, city),
            email,
            technologies,
            street: format!("{} {}", rng.u32(1..400), pick(rng, c.streets)),
            postal_code: pick(rng, c.postal_codes),
            name,
            created,
        }
    }

    /// The `companies` row.
    fn record(&self, updated: DateTime<Utc>) -> Vec<String> {
        let c = &CITIES[self.city];
        let ind = &INDUSTRIES[self.industry];
        let dedup_key = match &self.domain {
            Some(d) => format!("domain:{d}"),
            None => format!(
                "name:{}|{}",
                self.name.to_lowercase(),
                self.phone.trim_start_matches('+')
            ),
        };
        let website = self.domain.as_ref().map(|d| format!("https://{d}/"));
        let size = self.employees.map(|e| size_category(e).to_string());
        let emails = json!(self.email.iter().collect::<Vec<_>>());
        let socials = match &self.domain {
            Some(d) => json!([format!(
                "https://www.linkedin.com/company/{}",
                d.trim_end_matches(".example")
            )]),
            None => json!([]),
        };
        let business_info = json!({
            "business_model": "B2C",
            "target_market": format!("{} and surroundings", c.name),
            "timezone": timezone(c.country),
        });
        // A little jitter around the city centre, as a real street address would have.
        let jitter = (self.id.as_u128() % 1000) as f64 / 1000.0 - 0.5;
        vec![
            self.id.to_string(),
            self.name.clone(),
            dedup_key,
            opt(&self.domain).to_string(),
            opt(&website).to_string(),
            ind.slug.to_string(),
            opt(&size).to_string(),
            format!("{} — {}", self.name, ind.pitch),
            self.street.clone(),
            c.name.to_string(),
            c.region.to_string(),
            self.postal_code.to_string(),
            c.country.to_string(),
            format!("{:.5}", c.lat + jitter * 0.1),
            format!("{:.5}", c.lon - jitter * 0.1),
            self.founded.map(|y| y.to_string()).unwrap_or_default(),
            self.employees.map(|e| e.to_string()).unwrap_or_default(),
            json!([self.phone]).to_string(),
            emails.to_string(),
            socials.to_string(),
            json!(self.technologies).to_string(),
            business_info.to_string(),
            ts(self.created),
            ts(updated),
        ]
    }
}

fn timezone(country: &str) -> &'static str {
    match country {
        "GB" => "Europe/London",
        "DE" => "Europe/Berlin",
        "FR" => "Europe/Paris",
        _ => "America/New_York",
    }
}

/// A random number in the city's country, in E.164.
fn phone(rng: &mut fastrand::Rng, city: usize) -> String {
    let c = &CITIES[city];
    match c.locale {
        Locale::Us => format!(
            "+1{}{}{:04}",
            pick(rng, c.area_codes),
            rng.u32(200..1000),
            rng.u32(0..10_000)
        ),
        Locale::Gb => format!("+4420{:08}", rng.u32(0..100_000_000)),
        Locale::De => format!("+4930{:08}", rng.u32(0..100_000_000)),
        Locale::Fr => format!("+331{:08}", rng.u32(0..100_000_000)),
    }
}

/// Zero to four people of a company as `contacts` rows.
fn company_contacts(
    rng: &mut fastrand::Rng,
    company: &Company,
    created: DateTime<Utc>,
) -> Vec<Vec<String>> {
    let ind = &INDUSTRIES[company.industry];
    let n = [0, 1, 1, 2, 2, 3, 4][rng.usize(..7)];
    let mut out: Vec<Vec<String>> = Vec::with_capacity(n);
    let mut seen = Vec::with_capacity(n);
    for k in 0..n {
        let (first, last) = person(rng, company.city);
        let full = format!("{first} {last}");
        if seen.contains(&full) {
            continue;
        }
        seen.push(full.clone());
        let decision = k == 0;
        let title = if decision {
            pick(rng, ind.decision_titles)
        } else {
            pick(rng, ind.staff_titles)
        };
        let email = company
            .domain
            .as_ref()
            .filter(|_| chance(rng, 70))
            .map(|d| format!("{}.{}@{d}", slugify(first), slugify(last)));
        let (status, reason) = match &email {
            None => ("unverified", None),
            Some(_) => match rng.u32(0..10) {
                0..=4 => (
                    "verified",
                    Some("the domain accepts mail and the address was seen on its site"),
                ),
                5..=7 => ("inferred", Some("follows the company's address pattern")),
                8 => ("unverified", None),
                _ => ("invalid", Some("the domain does not accept mail")),
            },
        };
        let source = match &company.domain {
            Some(d) => format!("https://{d}/team"),
            None => "directory:localfinder".to_string(),
        };
        let dedup_key = email
            .clone()
            .unwrap_or_else(|| format!("name:{}", full.to_lowercase()));
        out.push(vec![
            uuid(rng).to_string(),
            company.id.to_string(),
            full,
            title.to_string(),
            opt(&email).to_string(),
            if decision && chance(rng, 40) {
                phone(rng, company.city)
            } else {
                String::new()
            },
            if chance(rng, 30) {
                format!(
                    "https://www.linkedin.com/in/{}-{}",
                    slugify(first),
                    slugify(last)
                )
            } else {
                String::new()
            },
            decision.to_string(),
            format!("{:.2}", 0.5 + rng.f32() * 0.45),
            source,
            status.to_string(),
            dedup_key,
            if email.is_some() { "personal" } else { "" }.to_string(),
            reason.unwrap_or("").to_string(),
            ts(created),
            ts(created),
        ]);
    }
    out
}

/// A lead's score and what the enrichment said about it.
struct Scored {
    score: u8,
    breakdown: Value,
    intelligence: Value,
    opportunities: Value,
    sources: Value,
}

impl Scored {
    fn inbound() -> Scored {
        Scored {
            score: 0,
            breakdown: json!({}),
            intelligence: json!({}),
            opportunities: json!([]),
            sources: json!([]),
        }
    }

    fn discovered(rng: &mut fastrand::Rng, c: &Company, people: usize, w: &Weights) -> Scored {
        let mut contact = 0u8;
        let mut contact_reasons = vec!["+30 phone number found".to_string()];
        contact += 30;
        if c.email.is_some() {
            contact += 25;
            contact_reasons.push("+25 email address found".into());
        }
        if people > 0 {
            contact += 25;
            contact_reasons.push(format!("+25 {people} named contacts"));
        }
        if c.domain.is_some() {
            contact += 20;
            contact_reasons.push("+20 website found".into());
        }
        let business = match c.employees {
            Some(e) if e > 50 => 80,
            Some(e) if e > 10 => 60,
            Some(_) => 40,
            None => 25,
        } + rng.u8(0..20);
        let quality_score = if c.domain.is_some() { 60 } else { 30 } + rng.u8(0..40);
        let engagement = rng.u8(10..90);
        let component = |score: u8, weight: f32, reasons: Vec<String>| ScoreComponent {
            score: score.min(100),
            weight,
            reasons,
        };
        let breakdown = ScoreBreakdown {
            contact_completeness: component(contact, w.contact, contact_reasons),
            business_indicators: component(
                business,
                w.business,
                vec![format!("+{business} company size and age")],
            ),
            data_quality: component(
                quality_score,
                w.quality,
                vec![format!("+{quality_score} fields agree across sources")],
            ),
            engagement_potential: component(
                engagement,
                w.engagement,
                vec![format!("+{engagement} growth signals and open roles")],
            ),
            weights_version: w.version.clone(),
        };
        let total = f32::from(breakdown.contact_completeness.score) * w.contact
            + f32::from(breakdown.business_indicators.score) * w.business
            + f32::from(breakdown.data_quality.score) * w.quality
            + f32::from(breakdown.engagement_potential.score) * w.engagement;
        let score = total.round().clamp(0.0, 100.0) as u8;
        let mut stack = serde_json::Map::new();
        for t in &c.technologies {
            if let Some((name, category)) = TECHNOLOGIES.iter().find(|(n, _)| n == t) {
                let entry = stack.entry(*category).or_insert_with(|| json!([]));
                if let Some(list) = entry.as_array_mut() {
                    list.push(json!(name));
                }
            }
        }
        let home = c.domain.as_ref().map(|d| format!("https://{d}/"));
        let mut growth = vec![];
        if engagement > 60 {
            growth.push(json!({
                "kind": "hiring",
                "description": "lists open roles on its careers page",
                "source": home.as_ref().map(|h| format!("{h}careers")).unwrap_or_default(),
                "confidence": 0.8,
            }));
        }
        let mut pains = vec![];
        let mut opportunities = vec![];
        if c.domain.is_none() {
            pains.push(json!({
                "kind": "no_website",
                "description": "no website found",
                "source": "directory:localfinder",
                "confidence": 0.9,
            }));
            opportunities.push(json!({
                "kind": "web_presence",
                "description": "a business with no website",
                "priority": "high",
                "suggested_approach": "offer a simple site with online booking",
            }));
        } else if c.technologies.contains(&"jQuery") {
            opportunities.push(json!({
                "kind": "website_modernisation",
                "description": "the site runs on an older JavaScript stack",
                "priority": "medium",
                "suggested_approach": "propose a faster, mobile-first rebuild",
            }));
        }
        let seen = ts(c.created);
        let mut sources = vec![json!({
            "source": "directory:localfinder",
            "url": format!("http://localfinder.test/biz/{}", c.id.simple()),
            "scraped_at": seen,
            "data_types": ["address", "name", "phone"],
        })];
        if let Some(h) = &home {
            sources.insert(
                0,
                json!({
                    "source": "company_website",
                    "url": h,
                    "pages": [h, format!("{h}about"), format!("{h}contact")],
                    "scraped_at": seen,
                    "data_types": ["description", "email", "employee_count", "technologies"],
                }),
            );
        }
        Scored {
            score,
            breakdown: serde_json::to_value(&breakdown).unwrap_or_default(),
            intelligence: json!({
                "growth_signals": growth,
                "technology_stack": stack,
                "pain_points": pains,
                "flagged_values": [],
                "locations": [],
                "industry_confidence": 0.6 + f64::from(rng.u8(0..35)) / 100.0,
                "quality": quality(score, w),
            }),
            opportunities: json!(opportunities),
            sources: json!(sources),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn lead_record(
    id: Uuid,
    origin: &str,
    status: &str,
    company: Option<Uuid>,
    (first, last, email): (Option<&str>, Option<&str>, Option<&str>),
    s: &Scored,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
) -> Vec<String> {
    vec![
        id.to_string(),
        origin.to_string(),
        status.to_string(),
        company.map(|c| c.to_string()).unwrap_or_default(),
        first.unwrap_or("").to_string(),
        last.unwrap_or("").to_string(),
        email.unwrap_or("").to_string(),
        s.score.to_string(),
        s.breakdown.to_string(),
        s.intelligence.to_string(),
        s.opportunities.to_string(),
        s.sources.to_string(),
        ts(created),
        ts(updated),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(leads: usize) -> SeedOptions {
        SeedOptions {
            leads,
            seed: 7,
            now: "2026-12-01T00:00:00Z".parse().unwrap(),
        }
    }

    fn rows(csv: &[u8]) -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv)
            .records()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn every_row_has_its_tables_columns() {
        let o = opts(500);
        let (ids, jobs) = search_jobs(&o);
        for r in rows(&jobs) {
            assert_eq!(r.len(), SeedTable::SearchJobs.columns().len());
        }
        let b = batch(&o, &ids, 0..500);
        for (table, csv) in &b.tables {
            let rs = rows(csv);
            assert!(!rs.is_empty(), "{table:?} has rows");
            for r in rs {
                assert_eq!(r.len(), table.columns().len(), "{table:?}: {r:?}");
            }
        }
        assert_eq!(b.counts.leads, 500);
        assert_eq!(b.counts.inbound, 75);
        assert_eq!(b.counts.companies, 425);
    }

    #[test]
    fn batches_cut_anywhere_give_the_same_rows() {
        let o = opts(300);
        let (ids, _) = search_jobs(&o);
        let whole = batch(&o, &ids, 0..300);
        let a = batch(&o, &ids, 0..120);
        let b = batch(&o, &ids, 120..300);
        for k in 0..whole.tables.len() {
            let mut joined = a.tables[k].1.clone();
            joined.extend_from_slice(&b.tables[k].1);
            assert_eq!(joined, whole.tables[k].1);
        }
    }

    #[test]
    fn search_result_counts_match_the_results_written() {
        let o = opts(5_000);
        let (ids, jobs) = search_jobs(&o);
        let written = rows(&batch(&o, &ids, 0..5_000).tables[3].1).len();
        let counted: usize = rows(&jobs)
            .iter()
            .map(|r| r[7].parse::<usize>().unwrap())
            .sum();
        assert_eq!(written, counted);
    }
}
