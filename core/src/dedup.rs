//! Company deduplication: which records describe the same business.
//!
//! Records are normalised (names folded to ASCII, cased, "&"/"+" read as "and", punctuation,
//! legal forms and word order ignored, common abbreviations expanded; registrable domains via
//! the public suffix list, free-mail domains ignored; phones to their last ten digits; postal
//! codes and street numbers), grouped into candidate blocks (same registrable domain, same
//! phone, same normalised name, or a shared rare name word in the same city or postal code),
//! and compared pair by pair. A pair is the same company when
//!
//! 1. they share a registrable domain and no address detail conflicts (branches of one
//!    franchise share a domain but not an address, so they stay apart), or
//! 2. they share a phone and their names agree at least [`Thresholds::name_with_phone`]
//!    (different companies sharing a building's switchboard have different names), or
//! 3. their names agree at least [`Thresholds::name_with_address`] and so do their street
//!    number and postal code (or city, when a postal code is missing) — a company that moved
//!    to a new domain keeps its address — or
//! 4. their names agree at least [`Thresholds::name_alone`] in the same city or postal code,
//!    with no conflicting address, phone or domain.
//!
//! Matches are joined transitively into clusters (union–find). Every decision is a general
//! rule about business records, not about any one data set.

use crate::stages::extract::is_freemail;
use crate::stages::fetch::registrable_domain;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// One company record as a user's file or a source gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Company name.
    pub name: String,
    /// Street address (or the whole address line).
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Phone in any format.
    pub phone: Option<String>,
    /// Website or domain.
    pub website: Option<String>,
    /// An email address of the company.
    pub email: Option<String>,
}

/// Decision thresholds on name agreement (0–1), documented in the module and the README.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// With the same phone.
    pub name_with_phone: f64,
    /// With the same street number and postal code.
    pub name_with_address: f64,
    /// With only the same city or postal code.
    pub name_alone: f64,
    /// Blocks larger than this (very common name words) are not compared pairwise.
    pub max_block: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            name_with_phone: 0.6,
            name_with_address: 0.8,
            name_alone: 0.93,
            max_block: 200,
        }
    }
}

impl Thresholds {
    /// The environment variable that overrides the defaults.
    pub const ENV: &'static str = "LEADGEN_DEDUP_THRESHOLDS";

    /// Reads `name_with_phone=0.6,name_with_address=0.8,name_alone=0.93,max_block=200` (any
    /// subset; the rest keep their defaults). Name agreements must lie in 0–1, `max_block` ≥ 2.
    pub fn parse(spec: &str) -> Result<Thresholds, String> {
        let mut t = Thresholds::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not name=value"))?;
            let (key, value) = (key.trim(), value.trim());
            let share = || match value.parse::<f64>() {
                Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
                _ => Err(format!("{key}: `{value}` is not a number between 0 and 1")),
            };
            match key {
                "name_with_phone" => t.name_with_phone = share()?,
                "name_with_address" => t.name_with_address = share()?,
                "name_alone" => t.name_alone = share()?,
                "max_block" => {
                    t.max_block =
                        value.parse().ok().filter(|n| *n >= 2).ok_or_else(|| {
                            format!("max_block: `{value}` is not a whole number ≥ 2")
                        })?
                }
                other => {
                    return Err(format!(
                        "unknown threshold `{other}` (name_with_phone, name_with_address, \
                         name_alone, max_block)"
                    ));
                }
            }
        }
        Ok(t)
    }
}

/// A record reduced to what comparison needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    tokens: Vec<String>,
    key: String,
    domain: Option<String>,
    phone: Option<String>,
    postal: Option<String>,
    city: Option<String>,
    number: Option<String>,
    street: Option<String>,
}

const LEGAL_FORMS: [&str; 24] = [
    "llc",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llp",
    "lp",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ug",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "pllc",
    "pc",
    "pa",
    "sa",
    "sarl",
    "bv",
    "nv",
];
const STOP_WORDS: [&str; 4] = ["the", "and", "of", "und"];
const ABBREVIATIONS: [(&str, &str); 12] = [
    ("intl", "international"),
    ("svc", "services"),
    ("svcs", "services"),
    ("mgmt", "management"),
    ("assoc", "associates"),
    ("assocs", "associates"),
    ("bros", "brothers"),
    ("ctr", "center"),
    ("centre", "center"),
    ("dept", "department"),
    ("tech", "technologies"),
    ("grp", "group"),
];

/// Text without accents (`Müller` → `muller`, `ß` → `ss`), lowercase.
pub(crate) fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .replace('ß', "ss")
        .to_lowercase()
}

/// Name words: ASCII-folded, lowercase, abbreviations expanded, legal forms and stop words
/// dropped.
pub fn name_tokens(name: &str) -> Vec<String> {
    let folded: String = fold(name).replace(['&', '+'], " and ").replace('\'', "");
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !LEGAL_FORMS.contains(w) && !STOP_WORDS.contains(w))
        .map(|w| {
            ABBREVIATIONS
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, full)| *full)
                .to_string()
        })
        .collect()
}

impl Normalized {
    /// Keys that any record this one can match shares with it: its domain, its phone, and
    /// each name word with its city and with its postal code. [`compare`] only matches records
    /// with the same domain, the same phone, or a shared name word in the same city or postal
    /// code, so a store indexed by these keys finds every possible match, and locks taken on
    /// them serialise every pair of writers that could create the same company twice.
    pub fn match_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(d) = &self.domain {
            keys.push(format!("d:{d}"));
        }
        if let Some(p) = &self.phone {
            keys.push(format!("p:{p}"));
        }
        for place in [&self.city, &self.postal].into_iter().flatten() {
            for tok in &self.tokens {
                keys.push(format!("t:{tok}|{place}"));
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Normalises a record for comparison.
pub fn normalize(r: &Record) -> Normalized {
    let tokens = name_tokens(&r.name);
    let mut sorted = tokens.clone();
    sorted.sort();
    sorted.dedup();
    let domain = r.website.as_deref().and_then(website_domain).or_else(|| {
        r.email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| registrable_domain(d.trim()))
            .filter(|d| !is_freemail(d))
    });
    let digits: String = r
        .phone
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let phone = (digits.len() >= 7).then(|| digits[digits.len().saturating_sub(10)..].to_string());
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(|v| {
                v.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_uppercase()
            })
            .filter(|v| !v.is_empty())
    };
    let city = r
        .city
        .as_deref()
        .map(|c| name_tokens(c).join(" "))
        .filter(|c| !c.is_empty());
    let number = r.address.as_deref().and_then(street_number);
    let street = r.address.as_deref().and_then(street_name);
    Normalized {
        key: sorted.join(" "),
        tokens: sorted,
        domain,
        phone,
        postal: clean(&r.postal_code),
        city,
        number,
        street,
    }
}

/// The street of an address line without its number, words folded and suffixes spelled out
/// (`12 Main St.` and `12 Main Street` → `main street`).
fn street_name(line: &str) -> Option<String> {
    const SUFFIXES: [(&str, &str); 9] = [
        ("st", "street"),
        ("str", "strasse"),
        ("ave", "avenue"),
        ("rd", "road"),
        ("blvd", "boulevard"),
        ("dr", "drive"),
        ("ln", "lane"),
        ("hwy", "highway"),
        ("sq", "square"),
    ];
    let first = line.split(',').next()?;
    let folded = fold(first);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|w| {
            SUFFIXES
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, full)| *full)
                .to_string()
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn website_domain(w: &str) -> Option<String> {
    let w = w.trim();
    if w.is_empty() {
        return None;
    }
    let with_scheme = if w.contains("://") {
        w.to_string()
    } else {
        format!("http://{w}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    let host = url.host_str()?;
    host.contains('.').then(|| registrable_domain(host))
}

/// The house number of a street line (`1200 Congress Ave` → `1200`, `Torstraße 12` → `12`).
fn street_number(line: &str) -> Option<String> {
    let first = line.split(',').next()?;
    let words: Vec<&str> = first.split_whitespace().collect();
    let numeric = |w: &&&str| w.chars().next().is_some_and(|c| c.is_ascii_digit());
    words
        .first()
        .filter(numeric)
        .or_else(|| words.last().filter(numeric))
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase()
        })
}

/// How much two names agree, 0–1: Jaro–Winkler over the sorted words (discounted by a quarter
/// when the names share no word), or the share of the shorter name's words found in the other
/// when at least two words are shared.
pub fn name_similarity(a: &Normalized, b: &Normalized) -> f64 {
    if a.key.is_empty() || b.key.is_empty() {
        return 0.0;
    }
    if a.key == b.key {
        return 1.0;
    }
    let shared = a.tokens.iter().filter(|t| b.tokens.contains(t)).count();
    // Character likeness alone is weak evidence: unrelated names score 0.6 and more.
    let jw = strsim::jaro_winkler(&a.key, &b.key) * if shared == 0 { 0.75 } else { 1.0 };
    let shorter = a.tokens.len().min(b.tokens.len()).max(1);
    let containment = if shared >= 2 {
        shared as f64 / shorter as f64 * 0.97
    } else {
        0.0
    };
    jw.max(containment)
}

/// Whether two records are the same company, and how sure: `Some(confidence)` for a match.
pub fn compare(a: &Normalized, b: &Normalized, t: &Thresholds) -> Option<f64> {
    let both = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let domain = both(&a.domain, &b.domain);
    let phone = both(&a.phone, &b.phone);
    let postal = both(&a.postal, &b.postal);
    let city = both(&a.city, &b.city);
    let number = both(&a.number, &b.number);
    let street = match (&a.street, &b.street) {
        (Some(x), Some(y)) => Some(x == y || strsim::jaro_winkler(x, y) >= 0.9),
        _ => None,
    };
    let address_conflict = postal == Some(false)
        || (postal != Some(true) && city == Some(false))
        || number == Some(false)
        || (number == Some(true) && street == Some(false));
    let same_place = postal == Some(true) || city == Some(true);
    let sim = name_similarity(a, b);
    if domain == Some(true) && !address_conflict && phone != Some(false) {
        return Some(0.95);
    }
    if domain == Some(true) && !address_conflict && sim >= t.name_with_phone {
        return Some(0.9);
    }
    if phone == Some(true) && sim >= t.name_with_phone && !address_conflict {
        return Some(0.9);
    }
    let same_building = number == Some(true)
        && street != Some(false)
        && (postal == Some(true) || (postal.is_none() && city == Some(true)));
    if sim >= t.name_with_address && same_building {
        return Some(0.9);
    }
    if sim >= t.name_alone
        && same_place
        && !address_conflict
        && phone != Some(false)
        && domain != Some(false)
    {
        return Some(0.8 + (sim - t.name_alone).max(0.0));
    }
    None
}

/// The cluster of every record (the index of its cluster's first record) and the confidence of
/// the match that put it there (`None` for a record alone).
pub fn cluster(records: &[Normalized], t: &Thresholds) -> Vec<(usize, Option<f64>)> {
    let n = records.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut confidence: Vec<Option<f64>> = vec![None; n];
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Word frequencies decide which name words are rare enough to block on.
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for r in records {
        for tok in &r.tokens {
            *freq.entry(tok.as_str()).or_default() += 1;
        }
    }
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let place = r.postal.as_deref().or(r.city.as_deref());
        let mut keys = Vec::new();
        if let Some(d) = &r.domain {
            keys.push(format!("d:{d}"));
        }
        if let Some(p) = &r.phone {
            keys.push(format!("p:{p}"));
        }
        if !r.key.is_empty() {
            keys.push(format!("k:{}", r.key));
        }
        // A record with a postal code also meets records that only give the city.
        let places = [place, r.city.as_deref().filter(|_| r.postal.is_some())];
        for place in places.into_iter().flatten() {
            for tok in &r.tokens {
                if tok.len() >= 3 && freq.get(tok.as_str()).copied().unwrap_or(0) <= t.max_block {
                    keys.push(format!("t:{tok}|{place}"));
                }
            }
        }
        for k in keys {
            blocks.entry(k).or_default().push(i);
        }
    }
    let mut keys: Vec<&String> = blocks.keys().collect();
    keys.sort();
    for k in keys {
        let members = &blocks[k];
        if members.len() < 2 || members.len() > t.max_block {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri == rj {
                    continue;
                }
                if let Some(c) = compare(&records[i], &records[j], t) {
                    let (lo, hi) = (ri.min(rj), ri.max(rj));
                    parent[hi] = lo;
                    for idx in [i, j] {
                        confidence[idx] = Some(confidence[idx].map_or(c, |old: f64| old.max(c)));
                    }
                }
            }
        }
    }
    (0..n)
        .map(|i| (find(&mut parent, i), confidence[i]))
        .collect()
}

/// Pairwise precision, recall and F1 of predicted clusters against true ones.
pub fn pairwise_scores(predicted: &[usize], truth: &[usize]) -> (f64, f64, f64) {
    let pairs = |labels: &[usize]| {
        let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, l) in labels.iter().enumerate() {
            groups.entry(*l).or_default().push(i);
        }
        let mut out = std::collections::HashSet::new();
        for g in groups.values() {
            for (x, &i) in g.iter().enumerate() {
                for &j in &g[x + 1..] {
                    out.insert((i, j));
                }
            }
        }
        out
    };
    let (p, t) = (pairs(predicted), pairs(truth));
    let hit = p.intersection(&t).count() as f64;
    let precision = if p.is_empty() {
        1.0
    } else {
        hit / p.len() as f64
    };
    let recall = if t.is_empty() {
        1.0
    } else {
        hit / t.len() as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_read_from_a_subset_and_bad_values_named() {
        let t = Thresholds::parse("name_alone=0.9, max_block=50").unwrap();
        assert_eq!(t.name_alone, 0.9);
        assert_eq!(t.max_block, 50);
        assert_eq!(t.name_with_phone, Thresholds::default().name_with_phone);
        assert!(
            Thresholds::parse("name_alone=1.5")
                .unwrap_err()
                .contains("name_alone")
        );
        assert!(
            Thresholds::parse("nmae_alone=0.9")
                .unwrap_err()
                .contains("unknown")
        );
        assert!(
            Thresholds::parse("max_block=1")
                .unwrap_err()
                .contains("max_block")
        );
    }

    fn rec(name: &str, address: &str, postal: &str, phone: &str, website: &str) -> Normalized {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        normalize(&Record {
            name: name.into(),
            address: opt(address),
            city: Some("Austin".into()),
            postal_code: opt(postal),
            phone: opt(phone),
            website: opt(website),
            email: None,
        })
    }

    #[test]
    fn names_ignore_case_accents_legal_forms_and_order() {
        assert_eq!(name_tokens("Müller & Söhne GmbH"), ["muller", "sohne"]);
        let a = rec("Keller & Sons Plumbing, LLC", "", "", "", "");
        let b = rec("plumbing keller and sons", "", "", "", "");
        assert_eq!(name_similarity(&a, &b), 1.0);
        let c = rec("Keller Bros Intl", "", "", "", "");
        assert_eq!(c.key, "brothers international keller");
    }

    #[test]
    fn hard_cases_follow_the_rules() {
        let t = Thresholds::default();
        // The same company, its domain with and without www.
        let a = rec(
            "Bright Smile Dental",
            "12 Main St",
            "78701",
            "(512) 555-0142",
            "http://www.bright.test/",
        );
        let b = rec(
            "Bright Smile Dental Care",
            "12 Main Street",
            "78701",
            "+1 512 555 0142",
            "bright.test",
        );
        assert!(compare(&a, &b, &t).is_some());
        // Moved to a new domain: same name and address.
        let moved = rec(
            "Bright Smile Dental",
            "12 Main St",
            "78701",
            "",
            "https://brightsmile-austin.test",
        );
        assert!(compare(&a, &moved, &t).is_some());
        // Two companies sharing a building's phone.
        let neighbour = rec(
            "Lone Star Law Group",
            "12 Main St",
            "78701",
            "512-555-0142",
            "",
        );
        assert!(compare(&a, &neighbour, &t).is_none());
        // Franchise branches: one domain, different addresses and phones.
        let north = rec(
            "Smile Co Dental",
            "100 North Rd",
            "78758",
            "512 555 0100",
            "smileco.test",
        );
        let south = rec(
            "Smile Co Dental",
            "900 South Rd",
            "78745",
            "512 555 0900",
            "smileco.test",
        );
        assert!(compare(&north, &south, &t).is_none());
        // Two firms at the same number of different streets.
        let a1 = rec(
            "Becker & Weber Orthodontics",
            "Oranienstraße 40",
            "",
            "",
            "becker-weber.test",
        );
        let b1 = rec(
            "Becker & Hoffmann LLP",
            "Karl-Marx-Allee 40",
            "",
            "",
            "becker-hoffmann.test",
        );
        assert!(compare(&a1, &b1, &t).is_none());
        let moved_de = rec(
            "Becker & Weber Orthodontics",
            "Oranienstr. 40",
            "",
            "",
            "bw-ortho.test",
        );
        assert!(compare(&a1, &moved_de, &t).is_some());
        // Same name in another postal code with another phone: not the same business.
        let other = rec(
            "Bright Smile Dental",
            "400 Oak St",
            "78745",
            "512 555 0999",
            "",
        );
        assert!(compare(&a, &other, &t).is_none());
    }

    #[test]
    fn clusters_are_transitive_and_scored() {
        let recs = vec![
            rec("Acme Dental", "1 A St", "78701", "5125550100", ""),
            rec("Acme Dental LLC", "", "78701", "512-555-0100", "acme.test"),
            rec("ACME dental", "", "", "", "http://acme.test"),
            rec("Zeta Law", "9 B St", "78702", "5125550200", ""),
        ];
        let c = cluster(&recs, &Thresholds::default());
        assert_eq!(c[0].0, c[1].0);
        assert_eq!(c[1].0, c[2].0);
        assert_ne!(c[3].0, c[0].0);
        assert!(c[0].1.is_some() && c[3].1.is_none());
        let (p, r, f) = pairwise_scores(&[0, 0, 0, 3], &[0, 0, 1, 3]);
        assert!((p - 1.0 / 3.0).abs() < 1e-9 && r == 1.0 && f > 0.49);
    }
}
