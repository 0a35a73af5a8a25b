//! Extract: read a company's pages (static or rendered HTML) into cleaned facts, each with the
//! URL it came from and a confidence. Structured data (JSON-LD, microdata) first, then links and
//! page text. Content inside testimonials, partner lists and quotes is ignored, because it
//! describes other companies.

/// A CSS selector parsed once per process, where it is written (`selector!("a[href]")`).
macro_rules! selector {
    ($css:expr) => {{
        static SELECTOR: std::sync::LazyLock<scraper::Selector> =
            std::sync::LazyLock::new(|| scraper::Selector::parse($css).expect("static selector"));
        &*SELECTOR
    }};
}

mod news;
mod people;

use crate::model::{Address, Facts, Found, Person, StoredPage};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::sync::LazyLock;

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}(?-u:\b)",
    )
    .expect("static regex")
});
/// Addresses written to fool harvesters: `info [at] acme [dot] com`, `info(at)acme.com`,
/// `info AT acme DOT com`, `info at acme dot com`. A bare `at` needs a spelled-out dot too, so
/// "visit us at acme.com" is not read as an address.
static OBFUSCATED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?-u:\b)(?P<local>[A-Za-z0-9._%+-]+)
        (?P<at>\s*[\[\(\{<]\s*(?i:at)\s*[\]\)\}>]\s*|\s+(?:at|AT)\s+)
        (?P<domain>[A-Za-z0-9-]+
          (?:(?:\s*[\[\(\{<]\s*(?i:dot)\s*[\]\)\}>]\s*|\s+(?:dot|DOT)\s+|\.)[A-Za-z0-9-]+)+)",
    )
    .expect("static regex")
});
/// String literals joined with `+` in an inline script (`'info' + '@' + 'acme.test'`).
static CONCAT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:'[^'\n]{0,80}'|"[^"\n]{0,80}")(?:\s*\+\s*(?:'[^'\n]{0,80}'|"[^"\n]{0,80}"))+"#)
        .expect("static regex")
});
/// A literal reversed in script (`'tset.emca@ofni'.split('').reverse().join('')`).
static REVERSED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"['"]([^'"\n]{3,120})['"]\s*\.split\(\s*['"]{2}\s*\)\s*\.reverse\(\)\s*\.join\(\s*['"]{2}\s*\)"#)
        .expect("static regex")
});
static DOT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*[\[\(\{<]\s*(?i:dot)\s*[\]\)\}>]\s*|\s+(?:dot|DOT)\s+").expect("static regex")
});
/// Numbers in text: digit groups (`512-555-0128`, `020 7946 0508`, `+33 1 42 68 53 00`), or one
/// run of digits after a country code or an area code in brackets (`+49 (30) 3622471`,
/// `(030) 3622471`).
static PHONE_TEXT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\+\d{1,3}[\s.-]?\d{1,4}(?:[\s.-]\d{2,8}){2,5}|(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,8}){1,4}|(?:\+\d{1,3}[\s.-]?)?\(\d{1,5}\)[\s.-]?\d{3,10}|\+\d{1,3}[\s.-]?\d{4,12}",
    )
    .expect("static regex")
});
static FOUNDED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:founded|established|since|gegründet)\s+(?:in\s+)?(1[6-9]\d\d|20\d\d)(?-u:\b)")
        .expect("static regex")
});
static EMPLOYEES_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:team of|staff of|workforce of)\s+(\d{1,3}(?:,\d{3})+|\d{1,6})(?-u:\b)|(?-u:\b)(\d{1,3}(?:,\d{3})+|\d{1,6})\s+(?:full-time\s+)?(?:employees|people|staff|staff members|team members|professionals|colleagues)(?-u:\b)")
        .expect("static regex")
});

/// Addresses in free text. The pattern's word boundaries are ASCII (Unicode ones make the
/// regex engine give up its fast path on any non-ASCII text), so a match glued to a non-ASCII
/// letter (`ller@…` in `müller@…`) is dropped here.
pub(super) fn emails_in(text: &str) -> impl Iterator<Item = &str> {
    EMAIL_RE
        .find_iter(text)
        .filter(|m| {
            !text[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                && !text[m.end()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        })
        .map(|m| m.as_str())
}

/// Image file names that look like addresses (`logo@2x.png`).
const IMAGE_SUFFIXES: [&str; 5] = [".png", ".jpg", ".gif", ".svg", ".webp"];
/// Addresses that are examples or placeholders, never real contacts.
const PLACEHOLDER_EMAILS: [&str; 4] = ["example.com", "example.org", "domain.com", "email.com"];
/// Class or id fragments of elements that talk about other companies.
const FOREIGN_BLOCKS: [&str; 6] = [
    "testimonial",
    "partner",
    "review",
    "quote",
    "client",
    "sponsor",
];
/// Title words that mark a buying decision maker: owners, founders, the executive suite,
/// partners and principals, general and managing directors, vice presidents.
const DECISION_TITLES: [&str; 26] = [
    "ceo",
    "founder",
    "co-founder",
    "owner",
    "president",
    "partner",
    "principal",
    "chief",
    "vp",
    "vice president",
    "cto",
    "cfo",
    "coo",
    "general manager",
    "managing director",
    "executive director",
    "geschäftsführer",
    "inhaber",
    "gérant",
    "fondateur",
    "fondatrice",
    "président",
    "directeur général",
    "directrice générale",
    "pdg",
    "associé gérant",
];
/// Title words that name a department's lead or a junior partner-track role, not a buyer for
/// the company: `Creative Director`, `Head of Sales`, `Partner Manager`, `Associate Principal`.
const NOT_DECISION_TITLES: [&str; 4] = ["associate", "assistant", "manager of", "partner manager"];
/// A page of `acme.test` of the given kind, for the extractors' tests.
#[cfg(test)]
fn test_page(kind: &str, body: &str) -> StoredPage {
    StoredPage {
        url: format!("http://acme.test/{kind}"),
        final_url: format!("http://acme.test/{kind}"),
        kind: kind.into(),
        http_status: 200,
        body: body.into(),
        headers: Default::default(),
        elapsed_ms: None,
    }
}

/// Extracts the facts of one company from its fetched pages. `country` (ISO alpha-2) is the
/// default region for phone numbers written without a country code.
pub fn extract(pages: &[StoredPage], country: Option<&str>) -> Facts {
    let mut facts = Facts::default();
    let site_domain = pages
        .first()
        .and_then(|p| url::Url::parse(&p.final_url).ok())
        .and_then(|u| u.host_str().map(super::fetch::registrable_domain));
    // Pages are read in a fixed order (by kind, then URL), so the facts do not depend on the
    // order the crawler happened to fetch them in: a repeated search stores the same contacts.
    let mut ordered: Vec<&StoredPage> = pages
        .iter()
        .filter(|p| (200..300).contains(&p.http_status) && !p.body.is_empty())
        .collect();
    ordered.sort_by(|a, b| {
        (kind_rank(&a.kind), &a.final_url).cmp(&(kind_rank(&b.kind), &b.final_url))
    });
    let docs: Vec<(&StoredPage, Html)> = ordered
        .into_iter()
        .map(|p| (p, Html::parse_document(&p.body)))
        .collect();
    // Structured data first, so its country guides phone parsing.
    for (page, doc) in &docs {
        read_json_ld(doc, &page.final_url, &mut facts);
        read_microdata(doc, &page.final_url, &mut facts);
    }
    let known_region = facts
        .address
        .as_ref()
        .and_then(|a| a.value.country.clone())
        .or_else(|| country.map(str::to_string));
    let region = known_region.clone().unwrap_or_else(|| "US".into());
    for (page, doc) in &docs {
        facts.pages.push(page.final_url.clone());
        read_links(doc, page, &region, site_domain.as_deref(), &mut facts);
        read_text(doc, page, &region, site_domain.as_deref(), &mut facts);
        if page.kind == "team" {
            read_people(doc, page, &region, &mut facts);
            people::read_tables(doc, page, &region, &mut facts);
            people::read_definition_lists(doc, page, &region, &mut facts);
            people::read_lists(doc, page, &region, &mut facts);
        }
        if page.kind == "news" {
            news::read(doc, page, &mut facts);
        }
        // Prose names people on team and about pages, and press contacts on news pages.
        if matches!(page.kind.as_str(), "team" | "about" | "news") {
            people::read_prose(doc, page, &region, &mut facts);
        }
        if page.kind == "careers" && facts.open_roles.is_empty() {
            (facts.open_roles, facts.open_role_departments) = read_roles(doc).into_iter().unzip();
        }
        if page.kind == "home" {
            read_home_meta(doc, page, &mut facts);
        }
        add_technologies(&mut facts, detect_technologies(page));
    }
    if known_region.is_none() {
        // The address read from the page text, else the international numbers, name the
        // country the site's national numbers are written in.
        let found = facts
            .address
            .as_ref()
            .and_then(|a| a.value.country.clone())
            .or_else(|| phones_region(&facts.phones));
        if let Some(found) = found.filter(|f| *f != region) {
            reread_national_numbers(&mut facts, &found);
        }
    }
    facts.https = pages
        .first()
        .is_some_and(|p| p.final_url.starts_with("https://"));
    let mut times: Vec<u32> = pages.iter().filter_map(|p| p.elapsed_ms).collect();
    times.sort_unstable();
    facts.response_ms = times.get(times.len() / 2).copied();
    facts
}

/// Reading order of page kinds: the home page first, then the pages that describe the
/// company, its people, and the rest.
fn kind_rank(kind: &str) -> usize {
    const ORDER: [&str; 7] = [
        "home",
        "about",
        "team",
        "contact",
        "locations",
        "careers",
        "news",
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// The country most of the site's international numbers belong to.
fn phones_region(phones: &[Found<String>]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for p in phones {
        let Some(id) = phonenumber::parse(None, &p.value)
            .ok()
            .and_then(|n| n.country().id())
        else {
            continue;
        };
        let code = id.as_ref().to_string();
        match counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => counts.push((code, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

/// Numbers written the national way (`tel:0303622471`) on a site whose structured data names
/// no country are first read as US numbers; once its address or international numbers say it
/// is elsewhere, those flagged as invalid are read again in `region`.
fn reread_national_numbers(facts: &mut Facts, region: &str) {
    let flagged = std::mem::take(&mut facts.flagged);
    for f in flagged {
        match (f.field == "phone")
            .then(|| normalize_phone(&f.value, region))
            .flatten()
        {
            Some(p) => push_unique(&mut facts.phones, p, &f.source_url, 0.8),
            None => facts.flagged.push(f),
        }
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<Found<T>>, value: T, url: &str, confidence: f32) {
    if let Some(existing) = list.iter_mut().find(|f| f.value == value) {
        existing.confidence = existing.confidence.max(confidence);
    } else {
        list.push(Found {
            value,
            source_url: url.to_string(),
            confidence,
        });
    }
}

fn set_if_better<T>(slot: &mut Option<Found<T>>, value: T, url: &str, confidence: f32) {
    if slot.as_ref().is_none_or(|f| f.confidence < confidence) {
        *slot = Some(Found {
            value,
            source_url: url.to_string(),
            confidence,
        });
    }
}

/// Why a phone number as written cannot be used (`None`: it can).
pub fn phone_problem(raw: &str, region: &str) -> Option<String> {
    if normalize_phone(raw, region).is_some() {
        return None;
    }
    let digits = raw.chars().filter(|c| c.is_ascii_digit()).count();
    Some(if digits < 7 {
        format!("{digits} digits: too short for a phone number")
    } else if digits > 15 {
        format!("{digits} digits: longer than any phone number (E.164 allows 15)")
    } else {
        format!("not a valid number in {region} or in international form")
    })
}

/// Why an email address as written cannot be used (`None`: it can).
pub fn email_problem(raw: &str) -> Option<String> {
    if normalize_email(raw).is_some() {
        return None;
    }
    let e = raw.trim().to_ascii_lowercase();
    let domain = e.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    Some(if e.is_empty() {
        "empty address".to_string()
    } else if PLACEHOLDER_EMAILS.contains(&domain) {
        format!("{domain} is a placeholder domain")
    } else if IMAGE_SUFFIXES.iter().any(|x| e.ends_with(x)) {
        "an image file name, not an address".to_string()
    } else {
        match crate::email_check::syntax_error(&e) {
            Some(why) => format!("not a valid address: {why}"),
            None => "not a valid address".to_string(),
        }
    })
}

fn flag(facts: &mut Facts, field: &str, value: &str, reason: String, url: &str) {
    let value = value.trim();
    if value.is_empty()
        || facts
            .flagged
            .iter()
            .any(|f| f.field == field && f.value == value)
    {
        return;
    }
    facts.flagged.push(crate::model::Flagged {
        field: field.to_string(),
        value: value.chars().take(200).collect(),
        reason,
        source_url: url.to_string(),
    });
}

thread_local! {
    /// Numbers this thread has read, by region and text: a site repeats its numbers on every
    /// page, and parsing is among the costliest steps of extraction.
    static PHONES: std::cell::RefCell<std::collections::HashMap<(String, String), Option<String>>> =
        Default::default();
}

/// Entries [`PHONES`] holds before it starts over.
const PHONE_MEMO: usize = 20_000;

/// Normalises a phone number to E.164, or `None` when it is not a valid number.
pub fn normalize_phone(raw: &str, region: &str) -> Option<String> {
    let digits = raw.chars().filter(|c| c.is_ascii_digit()).count();
    if !(7..=15).contains(&digits) {
        return None;
    }
    let key = (region.to_string(), raw.trim().to_string());
    if let Some(known) = PHONES.with_borrow(|m| m.get(&key).cloned()) {
        return known;
    }
    let read = parse_phone(raw, region);
    PHONES.with_borrow_mut(|m| {
        if m.len() >= PHONE_MEMO {
            m.clear();
        }
        m.insert(key, read.clone());
    });
    read
}

fn parse_phone(raw: &str, region: &str) -> Option<String> {
    let id = region.parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(id, raw.trim()).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Lowercases and checks an email address; `None` for placeholders and malformed values.
pub fn normalize_email(raw: &str) -> Option<String> {
    let e = raw
        .trim()
        .trim_matches(|c: char| c == '.' || c == ',')
        .to_ascii_lowercase();
    let m = EMAIL_RE.find(&e)?;
    if m.start() != 0 || m.end() != e.len() {
        return None;
    }
    let domain = e.rsplit('@').next()?;
    if PLACEHOLDER_EMAILS.contains(&domain) || IMAGE_SUFFIXES.iter().any(|x| e.ends_with(x)) {
        return None;
    }
    // The pattern finds candidates; RFC 5322 decides (no `..`, no leading dot, label rules).
    if crate::email_check::syntax_error(&e).is_some() {
        return None;
    }
    Some(e)
}

fn is_foreign(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .chain(std::iter::once(*el))
        .filter_map(|n| n.value().as_element())
        .any(|e| {
            e.name() == "blockquote"
                || e.attr("class").into_iter().chain(e.attr("id")).any(|c| {
                    FOREIGN_BLOCKS
                        .iter()
                        .any(|f| c.to_ascii_lowercase().contains(f))
                })
        })
}

fn email_belongs(email: &str, site_domain: Option<&str>) -> bool {
    let domain = email.rsplit('@').next().unwrap_or("");
    match site_domain {
        Some(site) => super::fetch::registrable_domain(domain) == site || is_freemail(domain),
        None => true,
    }
}

/// Whether `domain` is a free mail provider (its addresses say nothing about a company).
pub fn is_freemail(domain: &str) -> bool {
    [
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "gmx.de",
        "web.de",
    ]
    .contains(&domain)
}

/// The JSON values of one JSON-LD script as sites write them: strict JSON first; else with
/// comments, trailing commas, control characters, HTML comment or CDATA wrappers, and several
/// values one after the other.
fn parse_json_ld(raw: &str) -> Vec<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(raw) {
        return vec![v];
    }
    let mut text = raw.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("<![CDATA[", "]]>"),
        ("//<![CDATA[", "//]]>"),
    ] {
        if let Some(inner) = text.strip_prefix(open) {
            text = inner.trim_end().strip_suffix(close).unwrap_or(inner).trim();
        }
    }
    // Raw newlines and control characters inside strings, \v and \x escapes, invalid UTF-8.
    let mut de = serde_json_lenient::Deserializer::from_slice_with_options(
        text.as_bytes(),
        true,
        true,
        true,
        true,
        true,
    );
    de.set_allow_comments(true);
    de.set_ignore_trailing_commas(true);
    de.into_iter::<Value>().map_while(Result::ok).collect()
}

fn read_json_ld(doc: &Html, url: &str, facts: &mut Facts) {
    for script in doc.select(selector!(r#"script[type="application/ld+json"]"#)) {
        let raw: String = script.text().collect();
        let mut stack = parse_json_ld(&raw);
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(items) => stack.extend(items),
                Value::Object(mut obj) => {
                    if let Some(graph) = obj.remove("@graph") {
                        stack.push(graph);
                    }
                    let types: Vec<String> = match obj.get("@type") {
                        Some(Value::String(t)) => vec![t.clone()],
                        Some(Value::Array(ts)) => ts
                            .iter()
                            .filter_map(|t| t.as_str().map(str::to_string))
                            .collect(),
                        _ => vec![],
                    };
                    if types.iter().any(|t| t == "Person") {
                        if let Some(p) = json_ld_person(&obj, url)
                            && !facts.people.iter().any(|q| q.name == p.name)
                        {
                            facts.people.push(p);
                        }
                        continue;
                    }
                    if types.is_empty() || types.iter().any(|t| t == "WebSite" || t == "WebPage") {
                        continue;
                    }
                    for t in &types {
                        if !facts.schema_types.contains(t) {
                            facts.schema_types.push(t.clone());
                        }
                    }
                    json_ld_org(&obj, url, facts);
                    if let Some(people) = obj.get("employee").or_else(|| obj.get("founder")) {
                        stack.push(people.clone());
                    }
                }
                _ => {}
            }
        }
    }
}

fn str_field<'a>(obj: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A schema.org PostalAddress object as an address.
fn json_ld_address(a: &serde_json::Map<String, Value>) -> Address {
    let country = match a.get("addressCountry") {
        Some(Value::String(c)) => Some(c.clone()),
        Some(Value::Object(c)) => str_field(c, "name").map(str::to_string),
        _ => None,
    };
    Address {
        street: str_field(a, "streetAddress").map(str::to_string),
        city: str_field(a, "addressLocality").map(str::to_string),
        region: str_field(a, "addressRegion").map(str::to_string),
        postal_code: str_field(a, "postalCode").map(str::to_string),
        country: country.map(|c| country_code(&c)),
    }
}

/// Adds an address to the company's locations unless it is there already (same street and
/// postal code, case and spacing ignored).
fn add_location(facts: &mut Facts, addr: &Address, url: &str, confidence: f32) {
    let fold = |s: Option<&str>| -> String {
        s.unwrap_or("")
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let key = |a: &Address| {
        (
            fold(a.street.as_deref()),
            fold(a.postal_code.as_deref()),
            fold(a.city.as_deref()),
        )
    };
    if (addr.street.is_none() && addr.city.is_none())
        || facts.locations.iter().any(|l| key(&l.value) == key(addr))
    {
        return;
    }
    facts.locations.push(Found {
        value: addr.clone(),
        source_url: url.to_string(),
        confidence,
    });
}

fn json_ld_org(obj: &serde_json::Map<String, Value>, url: &str, facts: &mut Facts) {
    if let Some(name) = str_field(obj, "name") {
        set_if_better(&mut facts.name, super::discover::squash(name), url, 0.95);
    }
    if let Some(d) = str_field(obj, "description") {
        set_if_better(&mut facts.description, d.to_string(), url, 0.9);
    }
    // The organisation's own address (one, or several), then those of its places and branches.
    let objects = |v: Option<&Value>| -> Vec<serde_json::Map<String, Value>> {
        match v {
            Some(Value::Object(o)) => vec![o.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_object().cloned())
                .collect(),
            _ => vec![],
        }
    };
    for (k, a) in objects(obj.get("address")).iter().enumerate() {
        let addr = json_ld_address(a);
        if k == 0 {
            set_if_better(&mut facts.address, addr.clone(), url, 0.95);
        }
        add_location(facts, &addr, url, 0.95);
    }
    for key in ["location", "department", "subOrganization"] {
        for place in objects(obj.get(key)) {
            for a in objects(place.get("address")) {
                add_location(facts, &json_ld_address(&a), url, 0.85);
            }
        }
    }
    for key in ["telephone", "email", "sameAs"] {
        let values: Vec<String> = match obj.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        };
        for v in values {
            match key {
                "telephone" => {
                    let region = facts
                        .address
                        .as_ref()
                        .and_then(|a| a.value.country.clone())
                        .unwrap_or_else(|| "US".into());
                    match normalize_phone(&v, &region) {
                        Some(p) => push_unique(&mut facts.phones, p, url, 0.95),
                        None => {
                            let why = phone_problem(&v, &region).unwrap_or_default();
                            flag(facts, "phone", &v, why, url);
                        }
                    }
                }
                "email" => {
                    let raw = v.trim_start_matches("mailto:");
                    match normalize_email(raw) {
                        Some(e) => push_unique(&mut facts.emails, e, url, 0.95),
                        None => {
                            let why = email_problem(raw).unwrap_or_default();
                            flag(facts, "email", raw, why, url);
                        }
                    }
                }
                _ => {
                    if let Some(s) = canonical_social(&v) {
                        push_unique(&mut facts.socials, s, url, 0.95);
                    }
                }
            }
        }
    }
    if let Some(year) = str_field(obj, "foundingDate")
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<i32>().ok())
    {
        set_if_better(&mut facts.founded_year, year, url, 0.95);
    }
    let employees = match obj.get("numberOfEmployees") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Object(q)) => q
            .get("value")
            .or_else(|| q.get("maxValue"))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok())),
        _ => None,
    };
    if let Some(n) = employees.and_then(|n| u32::try_from(n).ok()) {
        set_if_better(&mut facts.employee_count, n, url, 0.95);
    }
}

fn json_ld_person(obj: &serde_json::Map<String, Value>, url: &str) -> Option<Person> {
    let name = super::discover::squash(str_field(obj, "name")?);
    let title = str_field(obj, "jobTitle").map(super::discover::squash);
    Some(Person {
        is_decision_maker: title.as_deref().is_some_and(is_decision_maker),
        name,
        title,
        email: str_field(obj, "email")
            .and_then(|e| normalize_email(e.trim_start_matches("mailto:"))),
        phone: None,
        linkedin_url: str_field(obj, "sameAs").and_then(canonical_social),
        source_url: url.to_string(),
        confidence: 0.9,
    })
}

fn read_microdata(doc: &Html, url: &str, facts: &mut Facts) {
    let scope = selector!(r#"[itemscope][itemtype*="schema.org"]"#);
    // The first element carrying each property, in document order.
    let prop = |el: ElementRef<'_>, name: &str| {
        el.select(selector!("[itemprop]"))
            .find(|e| e.value().attr("itemprop") == Some(name))
            .map(|e| {
                e.value()
                    .attr("content")
                    .map(str::to_string)
                    .unwrap_or_else(|| super::discover::squash(&e.text().collect::<String>()))
            })
            .filter(|s| !s.is_empty())
    };
    for el in doc.select(scope) {
        let kind = el.value().attr("itemtype").unwrap_or("");
        if kind.ends_with("/PostalAddress") || kind.ends_with("/Person") || is_foreign(el) {
            continue;
        }
        if let Some(t) = kind.rsplit('/').next()
            && !facts.schema_types.iter().any(|s| s == t)
        {
            facts.schema_types.push(t.to_string());
        }
        if let Some(name) = prop(el, "name") {
            set_if_better(&mut facts.name, name, url, 0.9);
        }
        if let Some(d) = prop(el, "description") {
            set_if_better(&mut facts.description, d, url, 0.85);
        }
        let country = prop(el, "addressCountry").map(|c| country_code(&c));
        let addr = Address {
            street: prop(el, "streetAddress"),
            city: prop(el, "addressLocality"),
            region: prop(el, "addressRegion"),
            postal_code: prop(el, "postalCode"),
            country,
        };
        if addr.street.is_some() || addr.city.is_some() {
            add_location(facts, &addr, url, 0.9);
            set_if_better(&mut facts.address, addr, url, 0.9);
        }
        let region = facts
            .address
            .as_ref()
            .and_then(|a| a.value.country.clone())
            .unwrap_or_else(|| "US".into());
        if let Some(p) = prop(el, "telephone").and_then(|t| normalize_phone(&t, &region)) {
            push_unique(&mut facts.phones, p, url, 0.9);
        }
        if let Some(e) =
            prop(el, "email").and_then(|e| normalize_email(e.trim_start_matches("mailto:")))
        {
            push_unique(&mut facts.emails, e, url, 0.9);
        }
        if let Some(y) = prop(el, "foundingDate").and_then(|d| d.get(..4)?.parse().ok()) {
            set_if_better(&mut facts.founded_year, y, url, 0.9);
        }
    }
}

fn read_links(
    doc: &Html,
    page: &StoredPage,
    region: &str,
    site_domain: Option<&str>,
    facts: &mut Facts,
) {
    let url = page.final_url.as_str();
    for a in doc.select(selector!("a[href]")) {
        if is_foreign(a) {
            continue;
        }
        let href = a.value().attr("href").unwrap_or("").trim();
        if let Some(tel) = href.strip_prefix("tel:") {
            let raw = percent_decode(tel);
            match normalize_phone(&raw, region) {
                Some(p) => push_unique(&mut facts.phones, p, url, 0.9),
                None => {
                    let why = phone_problem(&raw, region).unwrap_or_default();
                    flag(facts, "phone", &raw, why, url);
                }
            }
        } else if let Some(mail) = href.strip_prefix("mailto:") {
            let addr = percent_decode(mail.split('?').next().unwrap_or(""));
            match normalize_email(&addr) {
                Some(e) if email_belongs(&e, site_domain) => {
                    push_unique(&mut facts.emails, e, url, 0.9);
                }
                Some(_) => {}
                None => {
                    let why = email_problem(&addr).unwrap_or_default();
                    flag(facts, "email", &addr, why, url);
                }
            }
        } else if let Some(s) = canonical_social(href) {
            push_unique(&mut facts.socials, s, url, 0.85);
        }
    }
}

fn visible_text(doc: &Html) -> String {
    let body = selector!("body");
    let mut out = String::new();
    if let Some(b) = doc.select(body).next() {
        for node in b.descendants() {
            let Some(text) = node.value().as_text() else {
                continue;
            };
            let parent = node.parent().and_then(ElementRef::wrap);
            if parent.is_some_and(|p| {
                matches!(p.value().name(), "script" | "style" | "noscript") || is_foreign(p)
            }) {
                continue;
            }
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

/// Addresses that inline scripts assemble to keep them from harvesters: string literals joined
/// with `+`, and reversed literals.
fn script_emails(doc: &Html) -> Vec<String> {
    let mut out = Vec::new();
    for script in doc.select(selector!("script:not([src])")) {
        if script
            .value()
            .attr("type")
            .is_some_and(|t| t.contains("json"))
        {
            continue;
        }
        let code: String = script.text().collect();
        if !code.contains('@') && !code.contains("reverse") {
            continue;
        }
        let joined = CONCAT_RE.find_iter(&code).map(|m| {
            m.as_str()
                .split('+')
                .map(|part| part.trim().trim_matches(['\'', '"']))
                .collect::<String>()
        });
        let reversed = REVERSED_RE
            .captures_iter(&code)
            .map(|c| c[1].chars().rev().collect::<String>());
        for candidate in joined.chain(reversed) {
            for m in emails_in(&candidate) {
                if let Some(e) = normalize_email(m)
                    && !out.contains(&e)
                {
                    out.push(e);
                }
            }
        }
    }
    out
}

fn read_text(
    doc: &Html,
    page: &StoredPage,
    region: &str,
    site_domain: Option<&str>,
    facts: &mut Facts,
) {
    let url = page.final_url.as_str();
    let text = visible_text(doc);
    if matches!(page.kind.as_str(), "home" | "about") {
        crate::industry::tally(&text, 1.0, &mut facts.industry_words);
    }
    for m in emails_in(&text) {
        if let Some(e) = normalize_email(m)
            && email_belongs(&e, site_domain)
        {
            push_unique(&mut facts.emails, e, url, 0.8);
        }
    }
    for e in script_emails(doc) {
        if email_belongs(&e, site_domain) {
            push_unique(&mut facts.emails, e, url, 0.7);
        }
    }
    for c in OBFUSCATED_RE.captures_iter(&text) {
        // The ASCII word boundary also starts inside `müller`: not an address of its own.
        let start = c.get(0).map_or(0, |m| m.start());
        if text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let bare_at = !c["at"].contains(['[', '(', '{', '<']);
        if bare_at && !DOT_RE.is_match(&c["domain"]) {
            continue;
        }
        let domain = DOT_RE.replace_all(&c["domain"], ".");
        if let Some(e) = normalize_email(&format!("{}@{}", &c["local"], domain))
            && email_belongs(&e, site_domain)
        {
            push_unique(&mut facts.emails, e, url, 0.75);
        }
    }
    if matches!(
        page.kind.as_str(),
        "home" | "contact" | "about" | "locations"
    ) {
        for m in PHONE_TEXT_RE.find_iter(&text) {
            if let Some(p) = normalize_phone(m.as_str(), region) {
                push_unique(&mut facts.phones, p, url, 0.7);
            }
        }
    }
    if let Some(c) = FOUNDED_RE.captures(&text)
        && let Ok(y) = c[1].parse()
    {
        set_if_better(&mut facts.founded_year, y, url, 0.75);
    }
    if let Some(c) = EMPLOYEES_RE.captures(&text)
        && let Some(n) = c
            .get(1)
            .or(c.get(2))
            .and_then(|m| m.as_str().replace(',', "").parse().ok())
    {
        set_if_better(&mut facts.employee_count, n, url, 0.7);
    }
    // Every address block of a locations or contact page is one of the company's places.
    if matches!(page.kind.as_str(), "locations" | "contact") {
        for block in doc
            .select(selector!(r#"address, [class~="address"], [class~="adr"]"#))
            .filter(|a| !is_foreign(*a))
        {
            let lines: Vec<String> = block
                .text()
                .map(super::discover::squash)
                .filter(|l| !l.is_empty())
                .collect();
            if let Some(a) = parse_address_lines(&lines) {
                add_location(facts, &a, url, 0.8);
            }
        }
    }
    if facts.address.is_none()
        && let Some(lines) = doc
            .select(selector!(r#"address, [class~="address"], [class~="adr"]"#))
            .find(|a| !is_foreign(*a))
            .map(|a| {
                a.text()
                    .map(super::discover::squash)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|l| l.iter().map(String::len).sum::<usize>() > 5)
    {
        let (value, confidence) = match parse_address_lines(&lines) {
            Some(a) => (a, 0.8),
            None => (
                Address {
                    street: Some(lines.join(", ")),
                    ..Address::default()
                },
                0.6,
            ),
        };
        add_location(facts, &value, url, confidence);
        facts.address = Some(Found {
            value,
            source_url: url.to_string(),
            confidence,
        });
    }
}

fn read_people(doc: &Html, page: &StoredPage, region: &str, facts: &mut Facts) {
    let cards = selector!(
        r#"[class*="member"], [class*="person"], [class*="profile"], [class*="staff"], [class*="bio"], .card"#
    );
    let name_sel = selector!(r#"h2, h3, h4, strong, [class*="name"]"#);
    let title_sel = selector!(r#"[class*="title"], [class*="role"], [class*="position"], p, span"#);
    for card in doc.select(cards) {
        if is_foreign(card) {
            continue;
        }
        let Some(name_el) = card.select(name_sel).next() else {
            continue;
        };
        let name = super::discover::squash(&name_el.text().collect::<String>());
        let words = name.split_whitespace().count();
        if !(2..=5).contains(&words)
            || name.len() > 80
            || facts.people.iter().any(|p| p.name == name)
        {
            continue;
        }
        let title = card
            .select(title_sel)
            .map(|t| super::discover::squash(&t.text().collect::<String>()))
            .find(|t| !t.is_empty() && *t != name && t.len() < 100 && !t.contains('@'));
        let mut person = Person {
            is_decision_maker: title.as_deref().is_some_and(is_decision_maker),
            name,
            title,
            source_url: page.final_url.clone(),
            confidence: 0.8,
            ..Person::default()
        };
        people::contacts_from(card, region, &mut person);
        facts.people.push(person);
    }
}

/// Headings over job lists that name the list, not a department.
const JOB_LIST_HEADINGS: [&str; 12] = [
    "position",
    "opening",
    "job",
    "career",
    "hiring",
    "join",
    "vacanc",
    "role",
    "opportunit",
    "work with",
    "stellen",
    "karriere",
];

/// Open roles with the department each is listed under: an element of the role marked as its
/// department, else the short heading the role follows.
fn read_roles(doc: &Html) -> Vec<(String, Option<String>)> {
    let specific = selector!(
        r#"h2, h3, h4, [class*="job"] li, li[class*="job"], [class*="role"] li, li[class*="role"], [class*="opening"] li, li[class*="opening"], [class*="position"] li, li[class*="position"], [class*="vacanc"] li"#
    );
    let department = selector!(r#"[class*="department"], [class*="team"], [class*="category"]"#);
    let read = |selector: &Selector| {
        let mut heading: Option<String> = None;
        let mut roles = Vec::new();
        for el in doc.select(selector) {
            let text = super::discover::squash(&el.text().collect::<String>());
            if matches!(el.value().name(), "h2" | "h3" | "h4") {
                // A heading inside a listed role is that role's title, not a section.
                if el
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|a| a.value().name() == "li")
                {
                    continue;
                }
                let lower = text.to_lowercase();
                heading = (text.split_whitespace().count() <= 4
                    && !JOB_LIST_HEADINGS.iter().any(|w| lower.contains(w)))
                .then_some(text);
                continue;
            }
            if text.is_empty() || text.len() >= 120 {
                continue;
            }
            let dept = el.select(department).next();
            let marked = dept
                .map(|d| super::discover::squash(&d.text().collect::<String>()))
                .filter(|d| !d.is_empty() && d.len() < 60);
            let title = match dept.filter(|_| marked.is_some()) {
                // The role's own words: its text outside the department element.
                Some(d) => {
                    let inside: Vec<_> = d.descendants().map(|n| n.id()).collect();
                    let own: String = el
                        .descendants()
                        .filter(|n| !inside.contains(&n.id()))
                        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
                        .collect();
                    super::discover::squash(own.trim_matches([' ', '-', '–', '—', '|', ',']))
                }
                None => text,
            };
            roles.push((title, marked.or_else(|| heading.clone())));
        }
        roles
    };
    let mut roles = read(specific);
    if roles.is_empty() {
        roles = read(selector!("h2, h3, h4, main li"));
    }
    roles.dedup();
    roles
}

fn read_home_meta(doc: &Html, page: &StoredPage, facts: &mut Facts) {
    let url = page.final_url.as_str();
    facts.mobile_viewport = doc
        .select(selector!(r#"meta[name="viewport"]"#))
        .next()
        .is_some();
    let meta = |q: &Selector| {
        doc.select(q)
            .next()
            .and_then(|m| m.value().attr("content"))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(n) = meta(selector!(r#"meta[property="og:site_name"]"#)) {
        set_if_better(&mut facts.name, n, url, 0.85);
    }
    if let Some(d) = meta(selector!(r#"meta[name="description"]"#))
        .or_else(|| meta(selector!(r#"meta[property="og:description"]"#)))
    {
        // What a site says of itself in a line weighs more than its body text.
        crate::industry::tally(&d, 2.0, &mut facts.industry_words);
        set_if_better(&mut facts.description, d, url, 0.7);
    }
    if let Some(title) = doc.select(selector!("title")).next() {
        let t = super::discover::squash(&title.text().collect::<String>());
        crate::industry::tally(&t, 2.0, &mut facts.industry_words);
        if let Some(name) = name_from_title(&t, url) {
            set_if_better(&mut facts.name, name, url, 0.6);
        }
    }
}

/// Words that name a page, not a company, in titles like `Home | Acme Dental`.
const PAGE_TITLE_WORDS: [&str; 12] = [
    "home",
    "homepage",
    "home page",
    "welcome",
    "start",
    "startseite",
    "about",
    "about us",
    "contact",
    "contact us",
    "index",
    "accueil",
];

/// The company name in a page title: of the segments between `|`, `–`, `—`, ` - ` and ` :: `,
/// the one sharing most with the site's host name (`Home | Acme Dental` on
/// `acme-dental.com`), else the first that is not a page word.
fn name_from_title(title: &str, url: &str) -> Option<String> {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(super::fetch::registrable_domain))
        .unwrap_or_default();
    let label: String = host
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let segments: Vec<&str> = title
        .split(['|', '–', '—'])
        .flat_map(|s| s.split(" - "))
        .flat_map(|s| s.split(" :: "))
        .map(str::trim)
        .filter(|s| !s.is_empty() && !PAGE_TITLE_WORDS.contains(&s.to_lowercase().as_str()))
        .collect();
    // How long a start of the segment (letters and digits, at least 4) the host name contains.
    let overlap = |seg: &str| -> usize {
        let c: String = seg
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        (4..=c.len())
            .rev()
            .find(|&n| label.contains(&c[..n]))
            .unwrap_or(0)
    };
    let mut best: Option<(&str, usize)> = None;
    for seg in &segments {
        let o = overlap(seg);
        if o > 0 && best.is_none_or(|(_, b)| o > b) {
            best = Some((seg, o));
        }
    }
    best.map(|(seg, _)| seg)
        .or(segments.first().copied())
        .map(str::to_string)
}

/// Technologies a page shows in its HTML, script sources, inline scripts, meta tags, response
/// headers, cookies and URL, matched against the fingerprint set
/// ([`crate::technologies::active`]: the curated set plus `LEADGEN_FINGERPRINTS` files).
pub fn detect_technologies(page: &StoredPage) -> Vec<crate::technologies::Detection> {
    crate::technologies::detect_page(page)
}

/// Adds a page's detections to the facts: names to `technologies`, details to
/// `technology_details` (highest confidence and the first version seen win).
fn add_technologies(facts: &mut Facts, found: Vec<crate::technologies::Detection>) {
    for d in found {
        if !facts.technologies.contains(&d.name) {
            facts.technologies.push(d.name.clone());
        }
        match facts
            .technology_details
            .iter_mut()
            .find(|e| e.name == d.name)
        {
            Some(e) => {
                e.confidence = e.confidence.max(d.confidence);
                if e.version.is_none() {
                    e.version = d.version;
                }
            }
            None => facts.technology_details.push(d),
        }
    }
}

/// Seniority levels of [`seniority`], highest first.
pub const SENIORITIES: [&str; 6] = [
    "executive",
    "director",
    "manager",
    "senior",
    "staff",
    "entry",
];

/// The seniority a job title says: `executive` (owners, founders, C-level, presidents,
/// managing partners and directors), `director` (directors, heads, vice presidents, partners),
/// `manager` (managers, leads, supervisors), `senior` (senior, principal and master
/// practitioners), `entry` (apprentices, interns, trainees, juniors), else `staff`.
pub fn seniority(title: &str) -> &'static str {
    let t = title.to_lowercase();
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let phrase = |p: &str| t.contains(p);
    if is_decision_maker(title)
        || has("chief")
        || words
            .iter()
            .any(|w| ["ceo", "cto", "cfo", "coo", "cmo", "cio"].contains(w))
    {
        "executive"
    } else if has("director")
        || phrase("head of")
        || has("head")
        || phrase("vice president")
        || has("vp")
        || has("partner")
        || has("counsel")
    {
        "director"
    } else if has("manager") || has("lead") || has("supervisor") || has("foreman") {
        "manager"
    } else if has("senior") || has("sr") || has("principal") || has("master") {
        "senior"
    } else if has("apprentice")
        || has("intern")
        || has("trainee")
        || has("junior")
        || has("jr")
        || phrase("werkstudent")
    {
        "entry"
    } else {
        "staff"
    }
}

/// The kind of line an E.164 number is (`mobile`, `fixed_line`, `fixed_line_or_mobile`,
/// `toll_free`, `premium_rate`, `voip`, …), from the numbering plan; `None` when unknown.
pub fn phone_type(e164: &str) -> Option<&'static str> {
    use phonenumber::Type;
    let number = phonenumber::parse(None, e164).ok()?;
    Some(match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::FixedLine => "fixed_line",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed_line_or_mobile",
        Type::TollFree => "toll_free",
        Type::PremiumRate => "premium_rate",
        Type::SharedCost => "shared_cost",
        Type::PersonalNumber => "personal_number",
        Type::Voip => "voip",
        Type::Pager => "pager",
        Type::Uan => "uan",
        Type::Voicemail => "voicemail",
        _ => return None,
    })
}

/// Whether a job title marks someone who takes buying decisions.
pub fn is_decision_maker(title: &str) -> bool {
    let t = title.to_lowercase();
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    // A plain "Director" (the company's) decides; "Creative Director" leads a department.
    if words == ["director"] {
        return true;
    }
    if NOT_DECISION_TITLES.iter().any(|n| t.contains(n)) && !t.contains("owner") {
        return false;
    }
    DECISION_TITLES.iter().any(|d| {
        if d.contains(' ') {
            t.contains(d)
        } else {
            words.contains(d)
        }
    })
}

/// The canonical https URL of a social profile, or `None` when `href` is not one.
pub fn canonical_social(href: &str) -> Option<String> {
    let u = url::Url::parse(href.trim()).ok()?;
    let host = u
        .host_str()?
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let host = match host.as_str() {
        "twitter.com" | "x.com" => "x.com",
        "linkedin.com" | "facebook.com" | "instagram.com" | "youtube.com" | "github.com" => {
            host.as_str()
        }
        h if h.ends_with(".linkedin.com") => "linkedin.com",
        _ => return None,
    };
    let path = u.path().trim_end_matches('/');
    if path.is_empty()
        || path == "/share"
        || path.starts_with("/sharer")
        || path.starts_with("/intent")
    {
        return None;
    }
    Some(format!("https://{host}{path}"))
}

static US_CITY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<city>[^,\d]+),\s*(?P<region>[A-Z]{2})\s+(?P<postal>\d{5}(?:-\d{4})?)$")
        .expect("static regex")
});
static UK_CITY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<city>[^,\d]+?),?\s+(?P<postal>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$")
        .expect("static regex")
});
static POSTAL_FIRST_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z]{1,2}-)?(?P<postal>\d{4,5})\s+(?P<city>[^\d,]+)$").expect("static regex")
});

/// Reads an address written over lines (as `<br>`-separated text): the street first, then the
/// city line in the US (`Austin, TX 78701`), British (`London EC1A 1BB`) or continental
/// (`10115 Berlin`) order, then an optional country name. `None` when the city line is in
/// none of these shapes.
fn parse_address_lines(lines: &[String]) -> Option<Address> {
    let mut lines: Vec<&str> = lines.iter().map(|l| l.trim_end_matches(',')).collect();
    let mut country = None;
    if let Some(last) = lines.last() {
        let code = country_code(last);
        if lines.len() > 2 && code.len() == 2 && last.len() > 2 {
            country = Some(code);
            lines.pop();
        }
    }
    let (street, city_line) = match lines.as_slice() {
        [street @ .., city] if !street.is_empty() => (street.join(", "), *city),
        _ => return None,
    };
    let group = |c: &regex::Captures<'_>, name: &str| c.name(name).map(|m| m.as_str().to_string());
    let (city, region, postal, implied) = if let Some(c) = US_CITY_LINE.captures(city_line) {
        (
            group(&c, "city"),
            group(&c, "region"),
            group(&c, "postal"),
            "US",
        )
    } else if let Some(c) = UK_CITY_LINE.captures(city_line) {
        (group(&c, "city"), None, group(&c, "postal"), "GB")
    } else if let Some(c) = POSTAL_FIRST_LINE.captures(city_line) {
        (group(&c, "city"), None, group(&c, "postal"), "")
    } else {
        return None;
    };
    Some(Address {
        street: Some(street),
        city: city.map(|c| c.trim().to_string()),
        region,
        postal_code: postal,
        country: country.or_else(|| (!implied.is_empty()).then(|| implied.to_string())),
    })
}

/// Two-letter country code from a name or code as sites write it.
pub fn country_code(raw: &str) -> String {
    let r = raw.trim();
    match r.to_ascii_lowercase().as_str() {
        "united states" | "usa" | "us" | "united states of america" => "US".into(),
        "united kingdom" | "uk" | "gb" | "great britain" | "england" => "GB".into(),
        "germany" | "deutschland" | "de" => "DE".into(),
        "france" | "fr" => "FR".into(),
        "canada" | "ca" => "CA".into(),
        _ if r.len() == 2 => r.to_ascii_uppercase(),
        _ => r.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_makers_are_owners_executives_and_partners_not_department_leads() {
        for t in [
            "Owner & Lead Dentist",
            "Founder, DDS",
            "Managing Partner",
            "Co-Founder & CEO",
            "General Manager",
            "Managing Director",
            "VP Sales",
            "Director",
            "Geschäftsführer",
        ] {
            assert!(is_decision_maker(t), "{t}");
        }
        for t in [
            "Creative Director",
            "Head of Sales",
            "Associate Principal",
            "Assistant to the CEO",
            "Partner Manager",
            "Office Manager",
            "Corporate Associate",
        ] {
            assert!(!is_decision_maker(t), "{t}");
        }
    }

    #[test]
    fn employee_counts_are_read_in_the_usual_phrasings() {
        for (text, n) in [
            ("Today we are a team of 25 people.", 25),
            ("Our 40 employees serve clients across Texas.", 40),
            ("With 12 staff, we are big enough to deliver.", 12),
            ("We employ 1,200 full-time employees.", 1200),
        ] {
            let body = format!("<html><body><p>{text}</p></body></html>");
            let f = extract(&[page("about", &body)], Some("US"));
            assert_eq!(f.employee_count.map(|e| e.value), Some(n), "{text}");
        }
    }

    #[test]
    fn the_company_name_is_the_title_segment_matching_the_host() {
        let n = |t: &str, u: &str| name_from_title(t, u);
        assert_eq!(
            n("Home | Acme Dental", "http://acme-dental.com/").as_deref(),
            Some("Acme Dental")
        );
        assert_eq!(
            n(
                "Acme Dental – Gentle care in Austin",
                "https://www.acmedental.com/"
            )
            .as_deref(),
            Some("Acme Dental")
        );
        assert_eq!(
            n("Welcome - Brightside Law", "http://example.org/").as_deref(),
            Some("Brightside Law")
        );
        assert_eq!(n("Home", "http://x.com/"), None);
    }

    #[test]
    fn addresses_over_lines_are_read_in_us_british_and_continental_order() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let us = parse_address_lines(&lines(&[
            "1200 Congress Ave, Suite 300",
            "Austin, TX 78701",
        ]))
        .unwrap();
        assert_eq!(us.street.as_deref(), Some("1200 Congress Ave, Suite 300"));
        assert_eq!(us.city.as_deref(), Some("Austin"));
        assert_eq!(us.region.as_deref(), Some("TX"));
        assert_eq!(us.postal_code.as_deref(), Some("78701"));
        assert_eq!(us.country.as_deref(), Some("US"));
        let gb = parse_address_lines(&lines(&["12 High St", "London EC1A 1BB", "United Kingdom"]))
            .unwrap();
        assert_eq!(
            (
                gb.city.as_deref(),
                gb.postal_code.as_deref(),
                gb.country.as_deref()
            ),
            (Some("London"), Some("EC1A 1BB"), Some("GB"))
        );
        let de = parse_address_lines(&lines(&["Torstraße 12", "10115 Berlin", "Germany"])).unwrap();
        assert_eq!(
            (
                de.city.as_deref(),
                de.postal_code.as_deref(),
                de.country.as_deref()
            ),
            (Some("Berlin"), Some("10115"), Some("DE"))
        );
        assert!(parse_address_lines(&lines(&["Somewhere nice"])).is_none());
    }

    fn page(kind: &str, body: &str) -> StoredPage {
        test_page(kind, body)
    }

    #[test]
    fn json_ld_as_sites_write_it_comments_trailing_commas_wrappers_and_several_values() {
        let pages = [
            // A comment and a trailing comma.
            "{\"@type\":\"Dentist\", /* brand */ \"name\":\"Smile Co\", \"telephone\":\"+1 512 555 0100\",}",
            // A CDATA wrapper and a raw newline inside a string.
            "//<![CDATA[\n{\"@type\":\"Dentist\",\"name\":\"Smile\nCo\"}\n//]]>",
            // Two objects one after the other, the second the organisation.
            "{\"@type\":\"WebSite\",\"name\":\"x\"}\n{\"@type\":\"Dentist\",\"name\":\"Smile Co\"}",
            // An HTML comment around it, a line comment inside.
            "<!--\n{\"@type\":\"Dentist\", // the practice\n \"name\":\"Smile Co\"}\n-->",
        ];
        for json in pages {
            let html = format!(
                "<html><head><script type=\"application/ld+json\">{json}</script></head></html>"
            );
            let f = extract(&[page("home", &html)], None);
            assert_eq!(
                f.name.as_ref().map(|n| n.value.as_str()),
                Some("Smile Co"),
                "{json}"
            );
            assert!(f.schema_types.contains(&"Dentist".to_string()), "{json}");
        }
    }

    #[test]
    fn json_ld_organisation_with_graph() {
        let html = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"Site"},
            {"@type":["Dentist","LocalBusiness"],"name":"Acme Dental","telephone":"(512) 555-0142",
             "email":"info@acme.test","sameAs":["https://www.linkedin.com/company/acme/"],
             "foundingDate":"1998-04-01","numberOfEmployees":{"@type":"QuantitativeValue","value":45},
             "address":{"@type":"PostalAddress","streetAddress":"1 Main St","addressLocality":"Austin",
                        "addressRegion":"TX","postalCode":"78701","addressCountry":"US"}}]}</script>"#;
        let f = extract(&[page("home", html)], None);
        assert_eq!(f.name.unwrap().value, "Acme Dental");
        assert_eq!(f.phones[0].value, "+15125550142");
        assert_eq!(f.emails[0].value, "info@acme.test");
        assert_eq!(f.socials[0].value, "https://linkedin.com/company/acme");
        assert_eq!(f.founded_year.unwrap().value, 1998);
        assert_eq!(f.employee_count.unwrap().value, 45);
        assert_eq!(f.address.unwrap().value.city.as_deref(), Some("Austin"));
        assert!(f.schema_types.contains(&"Dentist".to_string()));
    }

    #[test]
    fn links_text_and_obfuscation_but_not_testimonials() {
        let html = r#"<html><body>
            <p>Call <a href="tel:+44 20 7946 0018">020 7946 0018</a> or write to
               sales [at] acme [dot] test. Founded in 2004, a team of 12 people.</p>
            <a href="mailto:jane@acme.test">Jane</a>
            <div class="testimonials"><p>"Great!" — Bob, bob@other.test, +1 512 555 0199</p>
              <a href="mailto:bob@other.test">Bob</a></div>
            <a href="https://twitter.com/acme">X</a></body></html>"#;
        let f = extract(&[page("contact", html)], Some("GB"));
        let phones: Vec<_> = f.phones.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(phones, ["+442079460018"]);
        let emails: Vec<_> = f.emails.iter().map(|p| p.value.as_str()).collect();
        assert!(emails.contains(&"jane@acme.test"));
        assert!(emails.contains(&"sales@acme.test"));
        assert!(!emails.iter().any(|e| e.contains("other.test")));
        assert_eq!(f.founded_year.unwrap().value, 2004);
        assert_eq!(f.employee_count.unwrap().value, 12);
        assert_eq!(f.socials[0].value, "https://x.com/acme");
    }

    #[test]
    fn every_obfuscation_of_an_address() {
        let html = r#"<html><body><main>
            <p>Write to sales [at] acme [dot] test, or billing(at)acme.test.</p>
            <p>Bookings: team AT acme DOT test · press {at} acme {dot} test</p>
            <p>Old style: jobs at acme dot test. Visit us at acme.test for more.</p>
            <p>Schreiben Sie an mueller@acme.test oder müller@acme.test, jörg (at) acme (dot) test</p>
            </main></body></html>"#;
        let f = extract(&[page("contact", html)], Some("US"));
        let emails: Vec<_> = f.emails.iter().map(|p| p.value.as_str()).collect();
        for e in [
            "sales@acme.test",
            "billing@acme.test",
            "team@acme.test",
            "press@acme.test",
            "jobs@acme.test",
            "mueller@acme.test",
        ] {
            assert!(emails.contains(&e), "{e} in {emails:?}");
        }
        // "at acme.test" with a real dot is a sentence, not an address; an address glued to a
        // non-ASCII letter is not cut short.
        assert!(!emails.contains(&"us@acme.test"), "{emails:?}");
        assert!(!emails.contains(&"ller@acme.test"), "{emails:?}");
        assert!(!emails.contains(&"rg@acme.test"), "{emails:?}");
    }

    #[test]
    fn international_numbers_in_text_and_national_links_read_in_the_sites_country() {
        // No structured data names the country; the address and the written numbers do.
        let html = r#"<html><body><main>
            <p class="address">209 Old Street<br>London N1 2XF<br>United Kingdom</p>
            <p>Call <a href="tel:02079460508">020 7946 0508</a></p>
            </main></body></html>"#;
        let f = extract(&[page("contact", html)], None);
        let phones: Vec<_> = f.phones.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(phones, ["+442079460508"]);
        assert!(f.flagged.is_empty(), "{:?}", f.flagged);
        let html = r#"<html><body><main>
            <p>Main office: <a href="tel:0303622471">+49 (30) 3622471</a></p>
            <p>Emergencies: <a href="tel:0302057173">030 2057173</a></p>
            </main></body></html>"#;
        let f = extract(&[page("contact", html)], None);
        let phones: Vec<_> = f.phones.iter().map(|p| p.value.as_str()).collect();
        assert!(phones.contains(&"+49303622471"), "{phones:?}");
        let f = extract(
            &[page(
                "contact",
                "<main><p>Appelez le +33 1 42 68 53 00</p></main>",
            )],
            Some("FR"),
        );
        assert_eq!(f.phones[0].value, "+33142685300");
        assert!(phones.contains(&"+49302057173"), "{phones:?}");
        // A number that is invalid everywhere stays flagged.
        let f = extract(
            &[page(
                "contact",
                r#"<a href="tel:+49 30 3622471">x</a><a href="tel:12">y</a>"#,
            )],
            None,
        );
        assert_eq!(f.flagged.len(), 1, "{:?}", f.flagged);
    }

    #[test]
    fn open_roles_keep_the_department_they_are_listed_under() {
        let careers = r#"<main><h1>Careers</h1><h2>Open positions</h2>
            <h3>Engineering</h3><ul class="jobs"><li>Backend Developer</li><li>QA Engineer</li></ul>
            <h3>Sales</h3><ul class="jobs"><li>Account Executive</li></ul>
            <ul class="jobs"><li class="job"><span class="department">Support</span> – Support Specialist</li></ul>
            </main>"#;
        let f = extract(&[page("careers", careers)], None);
        assert_eq!(
            f.open_roles,
            [
                "Backend Developer",
                "QA Engineer",
                "Account Executive",
                "Support Specialist"
            ]
        );
        assert_eq!(
            f.open_role_departments,
            [
                Some("Engineering".to_string()),
                Some("Engineering".to_string()),
                Some("Sales".to_string()),
                Some("Support".to_string())
            ]
        );
        let titled = r#"<main><h3>Engineering</h3><ul class="jobs"><li><h3>Backend Developer</h3><p>Remote</p></li>
            <li><h3>QA Engineer</h3><p>Austin</p></li></ul></main>"#;
        let f = extract(&[page("careers", titled)], None);
        assert_eq!(f.open_roles.len(), 2, "{:?}", f.open_roles);
        assert_eq!(
            f.open_role_departments,
            [
                Some("Engineering".to_string()),
                Some("Engineering".to_string())
            ]
        );
        let bare =
            r#"<main><h2>Join our team</h2><ul class="jobs"><li>Office Manager</li></ul></main>"#;
        let f = extract(&[page("careers", bare)], None);
        assert_eq!(f.open_role_departments, [None]);
    }

    #[test]
    fn malformed_phones_and_addresses_are_flagged_with_the_reason() {
        let html = r#"<html><body>
            <a href="tel:555">call</a> <a href="tel:+1 (512) 555-0100">call</a>
            <a href="mailto:you@example.com">write</a> <a href="mailto:jane..doe@acme.test">Jane</a>
            <script type="application/ld+json">{"@type":"Dentist","name":"Smile","telephone":"12345678901234567"}</script>
            </body></html>"#;
        let f = extract(&[page("contact", html)], Some("US"));
        let flagged: Vec<(&str, &str, &str)> = f
            .flagged
            .iter()
            .map(|x| (x.field.as_str(), x.value.as_str(), x.reason.as_str()))
            .collect();
        assert_eq!(f.phones.len(), 1, "{flagged:?}");
        let reason = |value: &str| {
            flagged
                .iter()
                .find(|(_, v, _)| *v == value)
                .map(|(_, _, r)| r.to_string())
                .unwrap_or_else(|| panic!("{value} not flagged: {flagged:?}"))
        };
        assert!(reason("555").contains("too short"));
        assert!(reason("12345678901234567").contains("longer than any phone number"));
        assert!(reason("you@example.com").contains("placeholder"));
        assert!(reason("jane..doe@acme.test").starts_with("not a valid address"));
        assert_eq!(flagged.len(), 4, "{flagged:?}");
        assert!(
            f.flagged
                .iter()
                .all(|x| x.source_url == "http://acme.test/contact")
        );
    }

    #[test]
    fn seniority_and_phone_types_from_the_taxonomy_and_the_numbering_plan() {
        for (title, level) in [
            ("Founder & CEO", "executive"),
            ("Managing Partner", "executive"),
            ("Chief Revenue Officer", "executive"),
            ("Creative Director", "director"),
            ("Head of Sales", "director"),
            ("Of Counsel", "director"),
            ("Office Manager", "manager"),
            ("Senior Accountant", "senior"),
            ("Master Plumber", "senior"),
            ("Apprentice", "entry"),
            ("Marketing Intern", "entry"),
            ("Paralegal", "staff"),
        ] {
            assert_eq!(seniority(title), level, "{title}");
        }
        assert_eq!(phone_type("+447911123456"), Some("mobile"));
        assert_eq!(phone_type("+442079460018"), Some("fixed_line"));
        assert_eq!(phone_type("+18005550100"), Some("toll_free"));
        assert_eq!(phone_type("+15125550142"), Some("fixed_line_or_mobile"));
        assert_eq!(phone_type("not a number"), None);
    }

    #[test]
    fn addresses_assembled_by_scripts() {
        let html = r#"<html><body><p>Write to us:</p>
            <script>document.write('<a href="mailto:' + 'info' + '@' + 'acme.test' + '">mail</a>');</script>
            <script>var a = "tset.emca@selas".split("").reverse().join("");</script>
            <script type="application/ld+json">{"x": "a" + "@b.test"}</script>
            </body></html>"#;
        let f = extract(&[page("contact", html)], None);
        let emails: Vec<&str> = f.emails.iter().map(|e| e.value.as_str()).collect();
        assert!(emails.contains(&"info@acme.test"), "{emails:?}");
        assert!(emails.contains(&"sales@acme.test"), "{emails:?}");
    }

    #[test]
    fn every_location_the_site_gives_is_kept_once() {
        let json_ld = r#"<script type="application/ld+json">{"@type":"Dentist","name":"Smile",
            "address":{"@type":"PostalAddress","streetAddress":"1200 Congress Ave","addressLocality":"Austin","postalCode":"78701","addressCountry":"US"},
            "department":[
              {"@type":"Dentist","name":"Smile North","address":{"streetAddress":"5 Main St","addressLocality":"Round Rock","postalCode":"78664"}},
              {"@type":"Dentist","name":"Smile South","address":{"streetAddress":"77 Oak Rd","addressLocality":"Buda","postalCode":"78610"}}]}</script>"#;
        let locations_page = r#"<main><h1>Our locations</h1>
            <div class="location"><h2>Downtown</h2><address>1200 Congress Ave.<br>Austin, TX 78701</address></div>
            <div class="location"><h2>Cedar Park</h2><address>900 Bell Blvd<br>Cedar Park, TX 78613</address></div>
            <div class="testimonial"><address>1 Other Way<br>Austin, TX 78702</address></div></main>"#;
        let f = extract(
            &[page("home", json_ld), page("locations", locations_page)],
            None,
        );
        let streets: Vec<&str> = f
            .locations
            .iter()
            .filter_map(|l| l.value.street.as_deref())
            .collect();
        assert_eq!(
            streets,
            [
                "1200 Congress Ave",
                "5 Main St",
                "77 Oak Rd",
                "900 Bell Blvd"
            ],
            "{:?}",
            f.locations
        );
        assert_eq!(
            f.address.as_ref().and_then(|a| a.value.street.as_deref()),
            Some("1200 Congress Ave")
        );
    }

    #[test]
    fn team_cards_and_roles() {
        let team = r#"<main><div class="team-member"><h3>Jane Doe</h3><p class="title">Managing Partner</p>
            <a href="mailto:jane@acme.test">email</a></div>
            <div class="team-member"><h3>John Roe</h3><p class="title">Paralegal</p></div></main>"#;
        let careers = r#"<main><ul class="jobs"><li>Office Manager</li><li>Associate Attorney</li></ul></main>"#;
        let f = extract(&[page("team", team), page("careers", careers)], None);
        assert_eq!(f.people.len(), 2);
        assert!(f.people[0].is_decision_maker);
        assert_eq!(f.people[0].email.as_deref(), Some("jane@acme.test"));
        assert!(!f.people[1].is_decision_maker);
        assert_eq!(f.open_roles.len(), 2);
    }

    #[test]
    fn technologies_with_versions_and_details() {
        let mut home = page(
            "home",
            r#"<html><head><meta name="generator" content="WordPress 6.4.2">
            <script src="/wp-includes/js/jquery/jquery-3.6.0.min.js"></script></head><body></body></html>"#,
        );
        home.headers.insert("server".into(), "nginx/1.24.0".into());
        let about = page(
            "about",
            r#"<script src="https://js.stripe.com/v3/"></script>"#,
        );
        let f = extract(&[home, about], None);
        assert_eq!(
            f.technologies,
            ["jQuery", "MySQL", "Nginx", "PHP", "WordPress", "Stripe"]
        );
        let detail = |name: &str| {
            f.technology_details
                .iter()
                .find(|d| d.name == name)
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(detail("WordPress").version.as_deref(), Some("6.4.2"));
        assert_eq!(detail("jQuery").version.as_deref(), Some("3.6.0"));
        assert_eq!(detail("Nginx").version.as_deref(), Some("1.24.0"));
        assert_eq!(detail("MySQL").categories[0].as_str(), "database");
        assert_eq!(f.technology_details.len(), f.technologies.len());
    }

    #[test]
    fn rejects_junk() {
        assert_eq!(normalize_phone("123", "US"), None);
        assert_eq!(normalize_phone("000-000-0000", "US"), None);
        assert_eq!(normalize_email("user@example.com"), None);
        assert_eq!(normalize_email("logo@2x.png"), None);
        assert_eq!(
            normalize_email(" Info@Acme.Test "),
            Some("info@acme.test".into())
        );
    }
}
