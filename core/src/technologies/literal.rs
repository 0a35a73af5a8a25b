//! Required literals of a regex: a small set of strings at least one of which occurs in every
//! text the regex matches. The matcher feeds them to one Aho-Corasick automaton per input and
//! runs a regex only when one of its literals occurs, so matching cost does not grow with the
//! number of fingerprints loaded.
//!
//! Literals are lowercased ASCII and are searched ASCII-case-insensitively (fingerprints match
//! case-insensitively, as in Wappalyzer). Non-ASCII characters end a literal.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Largest number of alternatives a literal set may have.
const MAX_SET: usize = 16;
/// Literals shorter than this (or made only of common markup) do not make a useful prefilter.
pub(crate) const MIN_SCORE: usize = 3;

/// Fragments that occur in almost every page: a literal inside one of these prefilters nothing.
const COMMON: [&str; 24] = [
    "<script type=\"text/javascript\"",
    "<link rel=\"stylesheet\" href=\"",
    "<meta name=\"",
    "<meta property=\"",
    "<meta content=\"",
    "<script src=\"",
    "<link href=\"",
    "<iframe src=\"",
    "<input type=\"",
    "<div class=\"",
    "<span class=\"",
    "<img src=\"",
    "<a href=\"https://www.",
    "<form action=\"",
    "<!doctype html>",
    "<html lang=\"",
    "<body class=\"",
    "application/ld+json",
    "text/javascript",
    "window.document.",
    ".min.js?ver=",
    ".min.css?ver=",
    "https://cdn.",
    "function() {return ",
];

/// What a (sub)expression says about the text it matches.
#[derive(Debug, Clone, PartialEq)]
enum Lits {
    /// It matches exactly one of these strings.
    Exact(Vec<String>),
    /// Every match contains one of these strings.
    Required(Vec<String>),
    /// Nothing useful is known.
    Unknown,
}

/// The required literal set of a parsed regex, or `None` when it has no useful one.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    let set = match walk(hir) {
        Lits::Exact(s) | Lits::Required(s) => s,
        Lits::Unknown => return None,
    };
    (score(&set) >= MIN_SCORE).then_some(set)
}

/// How good a literal set is as a prefilter: the quality of its weakest member.
fn score(set: &[String]) -> usize {
    set.iter().map(|l| quality(l)).min().unwrap_or(0)
}

fn quality(lit: &str) -> usize {
    if COMMON.iter().any(|c| c.contains(lit)) {
        1.min(lit.len())
    } else {
        lit.len()
    }
}

fn walk(hir: &Hir) -> Lits {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Lits::Exact(vec![String::new()]),
        HirKind::Literal(lit) => literal(&lit.0),
        HirKind::Class(class) => class_chars(class).map_or(Lits::Unknown, Lits::Exact),
        HirKind::Capture(c) => walk(&c.sub),
        HirKind::Repetition(rep) => {
            let sub = walk(&rep.sub);
            match (rep.min, rep.max, sub) {
                (1, Some(1), sub) => sub,
                (0, Some(1), Lits::Exact(mut set)) if set.len() < MAX_SET => {
                    if !set.iter().any(String::is_empty) {
                        set.push(String::new());
                    }
                    Lits::Exact(set)
                }
                (0, _, _) => Lits::Unknown,
                (_, _, Lits::Exact(set) | Lits::Required(set)) => Lits::Required(set),
                (_, _, Lits::Unknown) => Lits::Unknown,
            }
        }
        HirKind::Concat(subs) => concat(subs),
        HirKind::Alternation(subs) => alternation(subs),
    }
}

fn literal(bytes: &[u8]) -> Lits {
    let text = String::from_utf8_lossy(bytes);
    if text.is_ascii() {
        return Lits::Exact(vec![text.to_ascii_lowercase()]);
    }
    text.split(|c: char| !c.is_ascii())
        .max_by_key(|s| s.len())
        .filter(|s| !s.is_empty())
        .map_or(Lits::Unknown, |s| {
            Lits::Required(vec![s.to_ascii_lowercase()])
        })
}

/// The characters of a small ASCII class, lowercased (`[Aa]` is one character).
fn class_chars(class: &Class) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: char| -> Option<()> {
        if !c.is_ascii() {
            return None;
        }
        let s = c.to_ascii_lowercase().to_string();
        if !out.contains(&s) {
            out.push(s);
        }
        (out.len() <= 4).then_some(())
    };
    match class {
        Class::Unicode(u) => {
            for r in u.ranges() {
                if (r.end() as u32) - (r.start() as u32) > 8 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    push(c)?;
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                if r.end() - r.start() > 8 {
                    return None;
                }
                for c in r.start()..=r.end() {
                    push(char::from(c))?;
                }
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn cross(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let s = format!("{x}{y}");
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn concat(subs: &[Hir]) -> Lits {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    let mut run = vec![String::new()];
    let mut exact = true;
    for sub in subs {
        match walk(sub) {
            Lits::Exact(set) => {
                if run.len() * set.len() <= MAX_SET {
                    run = cross(&run, &set);
                } else {
                    exact = false;
                    candidates.push(std::mem::replace(&mut run, set));
                }
            }
            Lits::Required(set) => {
                exact = false;
                candidates.push(std::mem::replace(&mut run, vec![String::new()]));
                candidates.push(set);
            }
            Lits::Unknown => {
                exact = false;
                candidates.push(std::mem::replace(&mut run, vec![String::new()]));
            }
        }
    }
    if exact {
        return Lits::Exact(run);
    }
    candidates.push(run);
    candidates
        .into_iter()
        .filter(|c| score(c) > 0)
        .max_by(|a, b| score(a).cmp(&score(b)).then(b.len().cmp(&a.len())))
        .map_or(Lits::Unknown, Lits::Required)
}

fn alternation(subs: &[Hir]) -> Lits {
    let mut all_exact = true;
    let mut union: Vec<String> = Vec::new();
    for sub in subs {
        let set = match walk(sub) {
            Lits::Exact(s) => s,
            Lits::Required(s) => {
                all_exact = false;
                s
            }
            Lits::Unknown => return Lits::Unknown,
        };
        for s in set {
            if !union.contains(&s) {
                union.push(s);
            }
        }
        if union.len() > MAX_SET {
            return Lits::Unknown;
        }
    }
    if all_exact {
        Lits::Exact(union)
    } else if score(&union) > 0 {
        Lits::Required(union)
    } else {
        Lits::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .unwrap();
        required_literals(&hir).map(|mut v| {
            v.sort();
            v
        })
    }

    #[test]
    fn extracts_the_best_required_literal() {
        assert_eq!(
            lits(r"<link[^>]+/wp-(?:content|includes)/"),
            Some(vec!["/wp-content/".into(), "/wp-includes/".into()])
        );
        assert_eq!(
            lits(r"^WordPress(?: ([\d.]+))?"),
            Some(vec!["wordpress".into()])
        );
        assert_eq!(
            lits(r"jquery[.-]([\d.]+)(?:\.min)?\.js"),
            Some(vec!["jquery-".into(), "jquery.".into()])
        );
        assert_eq!(lits(r"js\.stripe\.com"), Some(vec!["js.stripe.com".into()]));
        assert_eq!(
            lits(r#"<script[^>]+id=["']__NEXT_DATA__"#),
            Some(vec![
                r#"id="__next_data__"#.into(),
                "id='__next_data__".into()
            ])
        );
        assert_eq!(lits(r"^(?:\d+)$"), None);
        assert_eq!(lits(r"<script[^>]+>"), None);
        assert_eq!(lits(r"a|bc"), None);
    }
}
