//! Email address patterns: learn how a company forms its people's addresses (`jane.doe@`,
//! `jdoe@`, …) from the addresses seen next to names on its site, then
//! - attach a seen address to the named person it belongs to, when the address is listed apart
//!   from the name (a contact page listing `jane.doe@acme.test`, a team page naming Jane Doe);
//! - guess the address of a named person shown without one, marked `inferred`, with a
//!   confidence from how many seen addresses agree on the pattern.
//!
//! Role addresses (`info@`) and free-mail addresses teach nothing about the company's pattern.

use crate::email_check::{EmailKind, kind};
use crate::model::Facts;
use serde::{Deserialize, Serialize};

/// The patterns understood, most specific first (ties between patterns go to the earlier one).
pub const PATTERNS: [&str; 12] = [
    "first.last",
    "first_last",
    "first-last",
    "firstlast",
    "f.last",
    "flast",
    "last.first",
    "lastfirst",
    "firstl",
    "lastf",
    "first",
    "last",
];

/// An address for a named person that the person was not shown with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonEmail {
    /// The person's name as extracted.
    pub name: String,
    /// The address, lowercased.
    pub address: String,
    /// The pattern that links the name and the address, e.g. `first.last`.
    pub pattern: String,
    /// `false`: the address was seen on the site and matched to the name; `true`: it is a guess.
    pub inferred: bool,
    /// 0.0–1.0.
    pub confidence: f32,
}

/// How letters outside ASCII are written in addresses: dropped accents (`Müller` → `muller`)
/// or the German spelling (`mueller`, `ae`, `oe`, `ss`), common in German-speaking companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Plain,
    German,
}

/// Given and family name of a person in ASCII, lowercase, letters only; `None` for a one-word
/// name (no pattern can be told from it).
fn first_last(name: &str, spelling: Spelling) -> Option<(String, String)> {
    const HONORIFICS: [&str; 9] = ["dr", "mr", "mrs", "ms", "prof", "jr", "sr", "phd", "md"];
    let spelled = match spelling {
        Spelling::Plain => name.to_string(),
        Spelling::German => name
            .replace(['ä', 'Ä'], "ae")
            .replace(['ö', 'Ö'], "oe")
            .replace(['ü', 'Ü'], "ue")
            .replace('ß', "ss"),
    };
    let words: Vec<String> = crate::dedup::fold(&spelled)
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty() && !HONORIFICS.contains(&w.as_str()))
        .collect();
    match words.as_slice() {
        [first, .., last] => Some((first.clone(), last.clone())),
        _ => None,
    }
}

/// Whether a name is spelled differently by the two spellings.
fn has_umlaut(name: &str) -> bool {
    name.contains(['ä', 'Ä', 'ö', 'Ö', 'ü', 'Ü', 'ß'])
}

/// The local part `pattern` gives for a name.
pub fn apply(pattern: &str, first: &str, last: &str) -> Option<String> {
    let f = first.chars().next()?.to_string();
    let l = last.chars().next()?.to_string();
    Some(match pattern {
        "first.last" => format!("{first}.{last}"),
        "first_last" => format!("{first}_{last}"),
        "first-last" => format!("{first}-{last}"),
        "firstlast" => format!("{first}{last}"),
        "f.last" => format!("{f}.{last}"),
        "flast" => format!("{f}{last}"),
        "last.first" => format!("{last}.{first}"),
        "lastfirst" => format!("{last}{first}"),
        "firstl" => format!("{first}{l}"),
        "lastf" => format!("{last}{f}"),
        "first" => first.to_string(),
        "last" => last.to_string(),
        _ => return None,
    })
}

/// The patterns that turn `name` into the local part of `address`, most specific first.
pub fn patterns_of(name: &str, address: &str) -> Vec<&'static str> {
    spelled_patterns(name, address)
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

fn spelled_patterns(name: &str, address: &str) -> Vec<(&'static str, Spelling)> {
    let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
    let mut out = Vec::new();
    for spelling in [Spelling::Plain, Spelling::German] {
        let Some((first, last)) = first_last(name, spelling) else {
            continue;
        };
        for p in PATTERNS {
            if apply(p, &first, &last).as_deref() == Some(local.as_str())
                && !out.iter().any(|(q, _)| *q == p)
            {
                out.push((p, spelling));
            }
        }
    }
    out
}

fn company_address(address: &str, domain: &str) -> bool {
    address.rsplit_once('@').is_some_and(|(_, d)| d == domain)
        && kind(address) == EmailKind::Personal
}

/// Matches seen addresses to named people and guesses the rest (see the module documentation).
pub fn people_emails(facts: &Facts) -> Vec<PersonEmail> {
    // The company's mail domain: the most common domain of its personal addresses.
    let seen: Vec<&str> = facts
        .people
        .iter()
        .filter_map(|p| p.email.as_deref())
        .chain(facts.emails.iter().map(|e| e.value.as_str()))
        .collect();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for a in &seen {
        let Some((_, d)) = a.rsplit_once('@') else {
            continue;
        };
        if crate::stages::extract::is_freemail(d) || kind(a) == EmailKind::Role {
            continue;
        }
        match counts.iter_mut().find(|(x, _)| *x == d) {
            Some((_, n)) => *n += 1,
            None => counts.push((d, 1)),
        }
    }
    let Some(domain) = counts.iter().max_by_key(|(_, n)| *n).map(|(d, _)| *d) else {
        return Vec::new();
    };

    let mut out = Vec::new();
    // Addresses listed apart from names, claimed by the one person whose name fits.
    let taken: Vec<&str> = facts
        .people
        .iter()
        .filter_map(|p| p.email.as_deref())
        .collect();
    for e in &facts.emails {
        let a = e.value.as_str();
        if taken.contains(&a) || !company_address(a, domain) {
            continue;
        }
        let fits: Vec<(&str, &'static str)> = facts
            .people
            .iter()
            .filter(|p| p.email.is_none())
            .filter_map(|p| {
                patterns_of(&p.name, a)
                    .first()
                    .map(|pat| (p.name.as_str(), *pat))
            })
            .collect();
        if let [(name, pattern)] = fits.as_slice()
            && !out.iter().any(|m: &PersonEmail| m.name == *name)
        {
            out.push(PersonEmail {
                name: name.to_string(),
                address: a.to_string(),
                pattern: pattern.to_string(),
                inferred: false,
                confidence: 0.85,
            });
        }
    }

    // Votes for each pattern from every (name, address) pair known.
    let pairs: Vec<(&str, &str)> = facts
        .people
        .iter()
        .filter_map(|p| p.email.as_deref().map(|e| (p.name.as_str(), e)))
        .chain(out.iter().map(|m| (m.name.as_str(), m.address.as_str())))
        .filter(|(_, a)| company_address(a, domain))
        .collect();
    let examples = pairs.len();
    let mut votes = [0usize; PATTERNS.len()];
    let (mut plain, mut german) = (0, 0);
    for (name, a) in &pairs {
        for (p, spelling) in spelled_patterns(name, a) {
            if let Some(i) = PATTERNS.iter().position(|x| *x == p) {
                votes[i] += 1;
            }
            let differs = first_last(name, Spelling::Plain)
                .zip(first_last(name, Spelling::German))
                .is_some_and(|((pf, pl), (gf, gl))| apply(p, &pf, &pl) != apply(p, &gf, &gl));
            if has_umlaut(name) && differs {
                match spelling {
                    Spelling::Plain => plain += 1,
                    Spelling::German => german += 1,
                }
            }
        }
    }
    // Without an example either way, umlauts are written the German way (DIN 5007-2), as
    // most German-speaking companies do in addresses.
    let spelling = if plain > german {
        Spelling::Plain
    } else {
        Spelling::German
    };
    let Some((best, &n)) = votes
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .max_by(|(i, a), (j, b)| a.cmp(b).then(j.cmp(i)))
    else {
        return out;
    };
    let pattern = PATTERNS[best];
    // Agreement among the examples, discounted while there are few of them.
    let support = n as f32 / examples as f32;
    let confidence = 0.3 + 0.55 * support * (examples as f32 / (examples as f32 + 1.0));
    for p in &facts.people {
        if p.email.is_some() || out.iter().any(|m| m.name == p.name) {
            continue;
        }
        let Some((first, last)) = first_last(&p.name, spelling) else {
            continue;
        };
        let Some(local) = apply(pattern, &first, &last) else {
            continue;
        };
        // A guess equal to an address someone already has (John and Jane Smith under `flast`)
        // would make two people one: no guess then.
        let address = format!("{local}@{domain}");
        if seen.iter().any(|a| a.eq_ignore_ascii_case(&address))
            || out.iter().any(|m| m.address == address)
        {
            continue;
        }
        out.push(PersonEmail {
            name: p.name.clone(),
            address,
            pattern: pattern.to_string(),
            inferred: true,
            confidence: (confidence * 100.0).round() / 100.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Found, Person};

    fn person(name: &str, email: Option<&str>) -> Person {
        Person {
            name: name.into(),
            email: email.map(str::to_string),
            source_url: "http://acme.test/team".into(),
            confidence: 0.9,
            ..Person::default()
        }
    }

    fn found(v: &str) -> Found<String> {
        Found {
            value: v.into(),
            source_url: "http://acme.test/contact".into(),
            confidence: 0.8,
        }
    }

    #[test]
    fn patterns_are_read_from_names_with_accents_and_honorifics() {
        assert_eq!(
            patterns_of("Dr. José Núñez", "jose.nunez@acme.test"),
            vec!["first.last"]
        );
        assert_eq!(patterns_of("Jane Doe", "jdoe@acme.test"), vec!["flast"]);
        assert_eq!(
            patterns_of("Mary O'Brien", "obrienm@acme.test"),
            vec!["lastf"]
        );
        assert_eq!(patterns_of("Jane Doe", "jane@acme.test"), vec!["first"]);
        assert!(patterns_of("Jane Doe", "sales@acme.test").is_empty());
        assert!(patterns_of("Cher", "cher@acme.test").is_empty());
    }

    #[test]
    fn the_pattern_seen_is_applied_to_people_without_an_address() {
        let facts = Facts {
            people: vec![
                person("Jane Doe", Some("jdoe@acme.test")),
                person("Omar Haddad", Some("ohaddad@acme.test")),
                person("Li Wei", None),
            ],
            emails: vec![found("info@acme.test")],
            ..Facts::default()
        };
        let got = people_emails(&facts);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "Li Wei");
        assert_eq!(got[0].address, "lwei@acme.test");
        assert_eq!(got[0].pattern, "flast");
        assert!(got[0].inferred);
        // Two agreeing examples: more sure than one, never certain.
        assert!(
            got[0].confidence > 0.6 && got[0].confidence < 0.9,
            "{}",
            got[0].confidence
        );
    }

    #[test]
    fn an_address_listed_apart_is_matched_to_the_person_it_names() {
        let facts = Facts {
            people: vec![person("Jane Doe", None), person("Tom Berg", None)],
            emails: vec![found("jane.doe@acme.test"), found("info@acme.test")],
            ..Facts::default()
        };
        let got = people_emails(&facts);
        let jane = got
            .iter()
            .find(|m| m.name == "Jane Doe")
            .expect("jane matched");
        assert_eq!(jane.address, "jane.doe@acme.test");
        assert!(!jane.inferred);
        let tom = got
            .iter()
            .find(|m| m.name == "Tom Berg")
            .expect("tom inferred");
        assert_eq!(tom.address, "tom.berg@acme.test");
        assert!(tom.inferred);
    }

    #[test]
    fn umlauts_are_spelled_as_the_company_spells_them() {
        assert_eq!(
            patterns_of("Jürgen Müller", "juergen.mueller@acme.de"),
            vec!["first.last"]
        );
        assert_eq!(
            patterns_of("Jürgen Müller", "jurgen.muller@acme.de"),
            vec!["first.last"]
        );
        let facts = |seen: &str| Facts {
            people: vec![
                person("Jürgen Müller", Some(seen)),
                person("Käthe Schön", None),
            ],
            ..Facts::default()
        };
        let german = people_emails(&facts("juergen.mueller@acme.de"));
        assert_eq!(german[0].address, "kaethe.schoen@acme.de");
        let plain = people_emails(&facts("jurgen.muller@acme.de"));
        assert_eq!(plain[0].address, "kathe.schon@acme.de");
        // No umlaut among the examples: the German spelling.
        let facts = Facts {
            people: vec![
                person("Anna Berg", Some("anna.berg@acme.de")),
                person("Jörg Weiß", None),
            ],
            ..Facts::default()
        };
        assert_eq!(people_emails(&facts)[0].address, "joerg.weiss@acme.de");
    }

    #[test]
    fn a_guess_never_copies_someone_elses_address() {
        let facts = Facts {
            people: vec![
                person("John Smith", Some("jsmith@acme.test")),
                person("Jane Smith", None),
                person("Tom Berg", None),
                person("Tina Berg", None),
            ],
            ..Facts::default()
        };
        let got = people_emails(&facts);
        let addresses: Vec<&str> = got.iter().map(|m| m.address.as_str()).collect();
        assert_eq!(addresses, ["tberg@acme.test"], "{got:?}");
    }

    #[test]
    fn role_and_free_mail_addresses_teach_no_pattern() {
        let facts = Facts {
            people: vec![
                person("Jane Doe", Some("jane.doe.home@gmail.com")),
                person("Tom Berg", None),
            ],
            emails: vec![found("info@acme.test"), found("sales@acme.test")],
            ..Facts::default()
        };
        assert!(people_emails(&facts).is_empty());
    }
}
