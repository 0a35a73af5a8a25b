//! `leadgen eval-extract`: runs the extract and enrich stages on the sample web's sites, fetched
//! the way the crawler fetches them (robots.txt obeyed, the home page, the sitemap, the ranked
//! internal pages within the page budget, transient 503/429 answers retried, redirects
//! followed), and scores every field against the sample web's ground truth.
//!
//! Each field is counted in values: a value extracted and true is a hit, extracted and not
//! true a false positive, true and not extracted a miss. Truth a polite crawler cannot see is
//! not expected: people on a `/team` page robots.txt disallows, jobs on a disallowed
//! `/careers`. Sites that only render with JavaScript are left to the browser (their rendering
//! is tested against real Chromium) and sites that are down have nothing to read; both are
//! counted and reported, not scored.

use leadgen_core::email_check::{self, MailDomain};
use leadgen_core::model::{Candidate, Enrichment, Facts, StoredPage};
use leadgen_core::sample_web::{
    MailRecords, SampleWeb, SampleWebOptions, TruthCompany, TruthPerson,
};
use leadgen_core::stages::{enrich, extract, fetch};
use leadgen_core::technologies;
use std::collections::BTreeSet;
use std::time::Instant;
use url::Url;

/// The crawler's product token, for robots.txt.
const USER_AGENT: &str = "leadgen";
/// Attempts per URL before a transient answer counts as a failed fetch.
const ATTEMPTS: usize = 4;
/// Redirect hops followed, as the fetcher does.
const MAX_REDIRECTS: usize = 5;

/// Hits, false positives and misses of one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldScore {
    /// Field name as printed.
    pub field: &'static str,
    /// Values extracted and true.
    pub hits: usize,
    /// Values extracted and not true.
    pub false_positives: usize,
    /// True values not extracted.
    pub misses: usize,
    /// The first few false positives and misses, for finding what to fix.
    pub examples: Vec<String>,
}

/// Examples kept per field.
const EXAMPLES: usize = 12;

impl FieldScore {
    /// Share of extracted values that are true (1.0 when nothing was extracted).
    pub fn precision(&self) -> f64 {
        ratio(self.hits, self.hits + self.false_positives)
    }

    /// Share of true values that were extracted (1.0 when there was nothing to find).
    pub fn recall(&self) -> f64 {
        ratio(self.hits, self.hits + self.misses)
    }

    fn count<T: Ord + std::fmt::Debug>(&mut self, extracted: BTreeSet<T>, truth: BTreeSet<T>) {
        self.hits += extracted.intersection(&truth).count();
        for v in extracted.difference(&truth) {
            self.false_positives += 1;
            if self.examples.len() < EXAMPLES {
                self.examples.push(format!("false+ {v:?}"));
            }
        }
        for v in truth.difference(&extracted) {
            self.misses += 1;
            if self.examples.len() < EXAMPLES {
                self.examples.push(format!("missed {v:?}"));
            }
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// The measured accuracy of extraction on one sample web.
#[derive(Debug, Clone)]
pub struct ExtractEvaluation {
    /// Companies in the sample web.
    pub companies: usize,
    /// Sites fetched and scored.
    pub scored: usize,
    /// Sites that need a browser (not scored here).
    pub js_only: usize,
    /// Sites that never answer.
    pub down: usize,
    /// Companies without a website.
    pub no_website: usize,
    /// People shown without an address at companies whose site shows nobody's address: no
    /// pattern to learn, so no guess (not counted in `inferred_emails`).
    pub unlearnable: usize,
    /// Pages read.
    pub pages: usize,
    /// Bytes of HTML read.
    pub bytes: usize,
    /// Seconds spent in extract + enrich.
    pub seconds: f64,
    /// One entry per field, in print order.
    pub fields: Vec<FieldScore>,
}

impl ExtractEvaluation {
    /// The first false positives and misses of every field that has any, one per line.
    pub fn examples(&self) -> String {
        let mut out = String::new();
        for s in self.fields.iter().filter(|s| !s.examples.is_empty()) {
            out.push_str(&format!("{}:\n", s.field));
            for e in &s.examples {
                out.push_str(&format!("  {e}\n"));
            }
        }
        out
    }

    /// The score of `field`.
    pub fn field(&self, field: &str) -> Option<&FieldScore> {
        self.fields.iter().find(|f| f.field == field)
    }
}

/// Fetches every scoreable site of a generated sample web and scores extraction on it.
pub fn evaluate(companies: usize, seed: u64, page_budget: usize) -> ExtractEvaluation {
    let web = SampleWeb::generate(SampleWebOptions {
        seed,
        companies,
        latency_ms: None,
    });
    let mut eval = ExtractEvaluation {
        companies,
        scored: 0,
        js_only: 0,
        down: 0,
        no_website: 0,
        unlearnable: 0,
        pages: 0,
        bytes: 0,
        seconds: 0.0,
        fields: FIELDS
            .iter()
            .map(|&field| FieldScore {
                field,
                ..FieldScore::default()
            })
            .collect(),
    };
    let mut sites = Vec::new();
    for truth in web.ground_truth() {
        if truth.website.is_empty() {
            eval.no_website += 1;
            continue;
        }
        if truth.markup == "js-only" {
            eval.js_only += 1;
            continue;
        }
        let pages = crawl(&web, truth, page_budget);
        if pages.is_empty() {
            eval.down += 1;
            continue;
        }
        eval.scored += 1;
        eval.pages += pages.len();
        eval.bytes += pages.iter().map(|p| p.body.len()).sum::<usize>();
        let candidate = Candidate {
            name: truth.name.clone(),
            website: Some(truth.website.clone()),
            ..Candidate::default()
        };
        sites.push((truth, pages, candidate));
    }
    // A first pass over another web's sites builds what is built once per process (phone
    // metadata, fingerprints, patterns), as a running worker already has; it is another web so
    // nothing of the timed pages (their phone numbers) is remembered from it.
    let other = SampleWeb::generate(SampleWebOptions {
        seed: seed.wrapping_add(1),
        companies: 60,
        latency_ms: None,
    });
    for t in other
        .ground_truth()
        .iter()
        .filter(|t| !t.website.is_empty())
    {
        let pages = crawl(&other, t, page_budget);
        enrich::enrich(&extract::extract(&pages, None), &Candidate::default());
    }
    for (truth, pages, candidate) in &sites {
        let started = Instant::now();
        let facts = extract::extract(pages, None);
        let mut enriched = enrich::enrich(&facts, candidate);
        eval.seconds += started.elapsed().as_secs_f64();
        // The verdicts the worker would reach with the sample web's DNS answering.
        let mail = enriched
            .email_checks
            .iter()
            .filter_map(|c| email_check::domain_of(&c.address))
            .map(|d| (d.clone(), sample_mail_domain(&web, &d)))
            .collect();
        enriched.email_checks = enrich::email_checks(&facts, &enriched.people_emails, &mail);
        eval.unlearnable += score(&mut eval.fields, truth, &facts, &enriched, &web);
    }
    eval
}

/// Fields in print order.
const FIELDS: [&str; 20] = [
    "name",
    "street",
    "city",
    "postal_code",
    "country",
    "phones",
    "emails",
    "socials",
    "people",
    "person_titles",
    "person_emails",
    "decision_makers",
    "founded_year",
    "employee_count",
    "open_roles",
    "news_signals",
    "technologies",
    "industry",
    "email_verdicts",
    "inferred_emails",
];

fn one<T: Ord>(v: Option<T>) -> BTreeSet<T> {
    v.into_iter().collect()
}

/// The sample web's DNS answer as the worker's resolver reports it.
fn sample_mail_domain(web: &SampleWeb, domain: &str) -> MailDomain {
    match web.mail_records(domain) {
        MailRecords::Exchangers(mx) => MailDomain::Accepts {
            exchangers: mx.into_iter().map(|(_, h)| h).collect(),
        },
        MailRecords::AddressOnly => MailDomain::Accepts {
            exchangers: vec![domain.to_string()],
        },
        MailRecords::NullMx => MailDomain::Refuses {
            reason: format!("{domain} publishes a null MX (RFC 7505): it accepts no mail"),
        },
        MailRecords::NoSuchDomain => MailDomain::Refuses {
            reason: format!("{domain} does not exist (NXDOMAIN)"),
        },
    }
}

/// Scores one company into `fields`; returns its people left without a guess for want of an
/// example address.
fn score(
    fields: &mut [FieldScore],
    t: &TruthCompany,
    f: &Facts,
    e: &Enrichment,
    web: &SampleWeb,
) -> usize {
    let industry = e.industry.as_deref();
    let guessed = |a: &str| e.people_emails.iter().any(|m| m.inferred && m.address == a);
    let team_visible = t.allows("/team");
    let careers_visible = t.allows("/careers");
    let addr = f.address.as_ref().map(|a| &a.value);
    // People a polite crawler can see: the team page's, and the press contact the news page
    // names with their address.
    // News are expected where the crawl read the news page (it may fall outside the budget).
    let news_read = f.pages.iter().any(|u| u.ends_with("/news"));
    let press = t.press_contact.filter(|_| news_read);
    let people: Vec<TruthPerson> = t
        .people
        .iter()
        .enumerate()
        .filter(|(i, _)| team_visible || press == Some(*i))
        .map(|(i, p)| {
            let mut p = p.clone();
            if press == Some(i) {
                p.email = Some(p.mailbox.clone());
            }
            p
        })
        .collect();
    // Patterns are learned from the addresses a site shows next to names; where it shows none,
    // no guess is made (counted apart, as `unlearnable`).
    let learnable = people.iter().any(|p| p.email.is_some());
    let all_emails: BTreeSet<String> = t
        .emails
        .iter()
        .cloned()
        .chain(people.iter().filter_map(|p| p.email.clone()))
        .collect();
    for field in fields.iter_mut() {
        let before = field.examples.len();
        match field.field {
            "name" => field.count(
                one(f.name.as_ref().map(|n| n.value.clone())),
                one(Some(t.name.clone())),
            ),
            "street" => field.count(
                one(addr.and_then(|a| a.street.clone())),
                one(Some(t.street.clone())),
            ),
            "city" => field.count(
                one(addr.and_then(|a| a.city.clone())),
                one(Some(t.city.clone())),
            ),
            "postal_code" => field.count(
                one(addr.and_then(|a| a.postal_code.clone())),
                one(Some(t.postal_code.clone())),
            ),
            "country" => field.count(
                one(addr.and_then(|a| a.country.clone())),
                one(Some(t.country.clone())),
            ),
            "phones" => field.count(
                f.phones.iter().map(|p| p.value.clone()).collect(),
                t.phones.iter().cloned().collect(),
            ),
            "emails" => field.count(
                f.emails.iter().map(|e| e.value.clone()).collect(),
                all_emails.clone(),
            ),
            "socials" => field.count(
                f.socials.iter().map(|s| s.value.clone()).collect(),
                // Profiles are compared in the canonical form the extractor stores
                // (`https://x.com/<handle>`, no `www.`).
                t.socials
                    .iter()
                    .map(|u| extract::canonical_social(u).unwrap_or_else(|| u.clone()))
                    .collect(),
            ),
            "people" => field.count(
                f.people.iter().map(|p| p.name.clone()).collect(),
                people.iter().map(|p| p.name.clone()).collect(),
            ),
            "person_titles" => field.count(
                f.people
                    .iter()
                    .filter_map(|p| Some((p.name.clone(), p.title.clone()?)))
                    .collect(),
                people
                    .iter()
                    .map(|p| (p.name.clone(), p.title.clone()))
                    .collect(),
            ),
            "person_emails" => field.count(
                f.people
                    .iter()
                    .filter_map(|p| Some((p.name.clone(), p.email.clone()?)))
                    .collect(),
                people
                    .iter()
                    .filter_map(|p| Some((p.name.clone(), p.email.clone()?)))
                    .collect(),
            ),
            "decision_makers" => field.count(
                f.people
                    .iter()
                    .filter(|p| p.is_decision_maker)
                    .map(|p| p.name.clone())
                    .collect(),
                people
                    .iter()
                    .filter(|p| p.decision_maker)
                    .map(|p| p.name.clone())
                    .collect(),
            ),
            "founded_year" => field.count(
                one(f.founded_year.as_ref().map(|y| y.value)),
                one(t.founded_year),
            ),
            "employee_count" => field.count(
                one(f.employee_count.as_ref().map(|n| n.value)),
                one(t.employee_count),
            ),
            "open_roles" => field.count(
                one((!f.open_roles.is_empty()).then_some(f.open_roles.len() as u32)),
                one((careers_visible && t.open_roles > 0).then_some(t.open_roles)),
            ),
            // Growth posts on the news page, by kind and date.
            "news_signals" => field.count(
                f.news
                    .iter()
                    .map(|n| (n.kind.clone(), n.date.clone().unwrap_or_default()))
                    .collect(),
                t.news
                    .iter()
                    .filter(|_| news_read)
                    .map(|n| (n.kind.clone(), n.date.clone()))
                    .collect(),
            ),
            // What the site shows and what that implies (WordPress runs on PHP and MySQL): the
            // engine reports both, as Wappalyzer does.
            "technologies" => field.count(
                f.technologies.iter().cloned().collect(),
                t.technologies
                    .iter()
                    .flat_map(|n| {
                        let implied = technologies::active().implied_by(n);
                        std::iter::once(n.clone()).chain(implied.into_iter().map(str::to_string))
                    })
                    .collect(),
            ),
            "industry" => field.count(
                one(industry.map(str::to_string)),
                one(Some(t.industry.clone())),
            ),
            "email_verdicts" => field.count(
                e.email_checks
                    .iter()
                    .filter(|c| !guessed(c.address.as_str()))
                    .map(|c| (c.address.clone(), c.status.as_str().to_string()))
                    .collect(),
                // Addresses the extractor missed count against `emails`, not here.
                e.email_checks
                    .iter()
                    .map(|c| &c.address)
                    .filter(|a| all_emails.contains(*a))
                    .map(|a| {
                        let domain = email_check::domain_of(a).unwrap_or_default();
                        let ok = web.accepts_mail(&domain);
                        (
                            a.clone(),
                            if ok { "verified" } else { "invalid" }.to_string(),
                        )
                    })
                    .collect(),
            ),
            // People the site shows without an address, where it shows someone's address to
            // learn the pattern from: the guess should be their mailbox.
            "inferred_emails" => field.count(
                e.people_emails
                    .iter()
                    .filter(|m| m.inferred)
                    .map(|m| (m.name.clone(), m.address.clone()))
                    .collect(),
                people
                    .iter()
                    .filter(|p| p.email.is_none() && learnable)
                    .map(|p| (p.name.clone(), p.mailbox.clone()))
                    .collect(),
            ),
            _ => {}
        }
        for e in &mut field.examples[before..] {
            *e = format!("{}: {e}", t.domain);
        }
    }
    if learnable {
        0
    } else {
        people.iter().filter(|p| p.email.is_none()).count()
    }
}

/// A response as the crawler ends up with it: after redirects, with its final URL.
struct Answer {
    url: Url,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// One GET with the crawler's handling of transient answers and redirects; `None` when the
/// URL cannot be read.
fn get(web: &SampleWeb, url: &Url) -> Option<Answer> {
    let mut url = url.clone();
    for _hop in 0..=MAX_REDIRECTS {
        let host = url.host_str()?.to_string();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut resp = web.respond(&host, &path);
        for _ in 1..ATTEMPTS {
            if !matches!(resp.status, 429 | 503) {
                break;
            }
            resp = web.respond(&host, &path);
        }
        if (300..400).contains(&resp.status) {
            url = url.join(resp.header("location")?).ok()?;
            continue;
        }
        return Some(Answer {
            body: resp.text(),
            url,
            status: resp.status,
            headers: resp.headers,
        });
    }
    None
}

/// The pages of one site as the fetch stage would store them.
fn crawl(web: &SampleWeb, t: &TruthCompany, budget: usize) -> Vec<StoredPage> {
    let Ok(base) = Url::parse(&t.website) else {
        return vec![];
    };
    let robots = base
        .join("/robots.txt")
        .ok()
        .and_then(|u| get(web, &u))
        .filter(|a| a.status == 200)
        .map(|a| a.body)
        .unwrap_or_default();
    let allowed = |u: &Url| fetch::robots_allows(&robots, USER_AGENT, u.as_str());
    let page = |kind: &str, u: &Url| {
        let a = get(web, u)?;
        (200..300).contains(&a.status).then(|| StoredPage {
            url: u.to_string(),
            final_url: a.url.to_string(),
            kind: kind.to_string(),
            http_status: i32::from(a.status),
            body: a.body,
            headers: a
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            // The sample web's delays are simulated, not measured here.
            elapsed_ms: None,
        })
    };
    if !allowed(&base) {
        return vec![];
    }
    let Some(home) = page("home", &base) else {
        return vec![];
    };
    let rest = budget.saturating_sub(1);
    let mut sitemap = Vec::new();
    for s in fetch::robots_sitemaps(&robots) {
        if let Some(a) = Url::parse(&s).ok().and_then(|u| get(web, &u))
            && a.status == 200
        {
            sitemap.extend(fetch::sitemap_locs(&a.body, 200));
        }
    }
    let base_url = Url::parse(&home.final_url).unwrap_or(base);
    let mut pages = vec![home];
    for (kind, link) in fetch::rank_pages(&pages[0].body, &base_url, &sitemap, rest) {
        if allowed(&link)
            && let Some(p) = page(&kind, &link)
        {
            pages.push(p);
        }
    }
    pages
}

impl std::fmt::Display for ExtractEvaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} companies: {} sites scored ({} pages, {:.1} MB of HTML), {} JavaScript-only \
             (rendered in the browser, not scored here), {} down, {} without a website",
            self.companies,
            self.scored,
            self.pages,
            self.bytes as f64 / 1e6,
            self.js_only,
            self.down,
            self.no_website
        )?;
        writeln!(
            f,
            "{:<16} {:>9} {:>7} {:>7} {:>7} {:>7}",
            "field", "precision", "recall", "hits", "false+", "missed"
        )?;
        for s in &self.fields {
            let flag = if s.precision() < 0.95 || s.recall() < 0.90 {
                "  below goal"
            } else {
                ""
            };
            writeln!(
                f,
                "{:<16} {:>9.3} {:>7.3} {:>7} {:>7} {:>7}{flag}",
                s.field,
                s.precision(),
                s.recall(),
                s.hits,
                s.false_positives,
                s.misses
            )?;
        }
        writeln!(
            f,
            "inferred_emails leaves out {} people at sites that show nobody's address: no \
             pattern to learn, no guess",
            self.unlearnable
        )?;
        writeln!(
            f,
            "extract + enrich: {:.1} MB/s of HTML on one core ({:.0} sites/s)",
            self.bytes as f64 / 1e6 / self.seconds.max(1e-9),
            self.scored as f64 / self.seconds.max(1e-9)
        )
    }
}
