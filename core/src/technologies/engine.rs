//! The compiled fingerprint set and the matcher.
//!
//! Every pattern is parsed once when the set is built: its required literals (see
//! [`super::literal`]) go into one Aho-Corasick automaton per input (HTML, inline scripts, script
//! URLs, URL, and each meta, header and cookie name). Matching a page scans each input once
//! with its automaton and runs only the regexes whose literal occurred, plus the few patterns
//! without a usable literal. Regexes are compiled on first use, so a set of thousands of
//! technologies loads in milliseconds and only ever compiles what pages trigger.

use super::Category;
use super::format::{self, Field, FileContent, RawTech};
use super::literal;
use super::signals::PageSignals;
use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A technology found on a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// Technology name, e.g. `WordPress`.
    pub name: String,
    /// Version when the page shows one, e.g. `6.4.2`.
    #[serde(default)]
    pub version: Option<String>,
    /// Our stack categories (never empty; `other` when none fits).
    #[serde(default)]
    pub categories: Vec<Category>,
    /// How sure the match is, 0–100 (the sum of the matched patterns' confidences, capped;
    /// an implied technology gets at most the confidence of what implied it).
    pub confidence: u8,
}

/// A fingerprint that was skipped in part or whole while loading, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The technology it belongs to.
    pub technology: String,
    /// The Wappalyzer field (`html`, `headers server`, …), empty for the whole technology.
    pub field: String,
    /// The pattern as written, empty when not about one pattern.
    pub pattern: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "technology {:?}", self.technology)?;
        if !self.field.is_empty() {
            write!(f, ", {}", self.field)?;
        }
        if !self.pattern.is_empty() {
            write!(f, " pattern {:?}", self.pattern)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A fingerprint file that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file or directory could not be read.
    #[error("cannot read fingerprint file {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a JSON object.
    #[error("fingerprint file {origin} is not Wappalyzer JSON: {source}")]
    Json {
        /// Where the JSON came from.
        origin: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

/// Sizes of a built set, for logs and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Technologies.
    pub technologies: usize,
    /// Patterns kept (after skipping invalid ones).
    pub patterns: usize,
    /// Patterns run only when one of their literals occurs.
    pub prefiltered: usize,
    /// Empty patterns: the meta tag, header or cookie only has to be present.
    pub presence: usize,
    /// Other patterns without a usable literal, run on every value of their input.
    pub always_run: usize,
    /// Distinct literals across all automata.
    pub literals: usize,
    /// Heap bytes of the literal automata.
    pub automata_bytes: usize,
}

struct Tech {
    name: String,
    categories: Vec<Category>,
    cat_ids: Vec<u32>,
    implies: Vec<(usize, u8)>,
    excludes: Vec<usize>,
    requires: Vec<usize>,
    requires_category: Vec<u32>,
}

enum Matcher {
    Std(regex::Regex),
    Fancy(Box<fancy_regex::Regex>),
}

struct Pattern {
    tech: usize,
    /// Regex in `regex` (or `fancy_regex`) syntax; empty matches any value.
    source: String,
    fancy: bool,
    version: Option<String>,
    confidence: u8,
    compiled: OnceLock<Option<Matcher>>,
}

impl Pattern {
    fn matcher(&self) -> Option<&Matcher> {
        self.compiled
            .get_or_init(|| {
                let built = if self.fancy {
                    fancy_regex::RegexBuilder::new(&self.source)
                        .case_insensitive(true)
                        .build()
                        .map(|r| Matcher::Fancy(Box::new(r)))
                        .map_err(|e| e.to_string())
                } else {
                    regex::RegexBuilder::new(&self.source)
                        .case_insensitive(true)
                        .build()
                        .map(Matcher::Std)
                        .map_err(|e| e.to_string())
                };
                built
                    .map_err(|e| {
                        tracing::warn!(pattern = %self.source, error = %e, "fingerprint regex not compiled");
                    })
                    .ok()
            })
            .as_ref()
    }

    /// Whether `hay` matches, and the version it shows.
    fn run(&self, hay: &str) -> Option<Option<String>> {
        if self.source.is_empty() {
            return Some(None);
        }
        let m = self.matcher()?;
        let Some(template) = &self.version else {
            let hit = match m {
                Matcher::Std(r) => r.is_match(hay),
                Matcher::Fancy(r) => r.is_match(hay).unwrap_or(false),
            };
            return hit.then_some(None);
        };
        match m {
            Matcher::Std(r) => {
                let c = r.captures(hay)?;
                Some(format::resolve_version(template, &|i| {
                    c.get(i).map(|g| g.as_str().to_string())
                }))
            }
            Matcher::Fancy(r) => {
                let c = r.captures(hay).ok()??;
                Some(format::resolve_version(template, &|i| {
                    c.get(i).map(|g| g.as_str().to_string())
                }))
            }
        }
    }
}

/// Largest literal count of a group scanned by a DFA (about 20 MB at most).
const DFA_MAX_LITERALS: usize = 3_000;

/// The patterns of one input, behind their literal automaton.
#[derive(Default)]
struct Group {
    ac: Option<AhoCorasick>,
    by_literal: Vec<Vec<u32>>,
    always: Vec<u32>,
}

#[derive(Default)]
struct GroupBuilder {
    literals: HashMap<String, usize>,
    by_literal: Vec<Vec<u32>>,
    always: Vec<u32>,
}

impl GroupBuilder {
    fn add(&mut self, pattern: u32, literals: Option<Vec<String>>) {
        match literals {
            Some(lits) => {
                for l in lits {
                    let next = self.by_literal.len();
                    let id = *self.literals.entry(l).or_insert(next);
                    if id == next {
                        self.by_literal.push(Vec::new());
                    }
                    self.by_literal[id].push(pattern);
                }
            }
            None => self.always.push(pattern),
        }
    }

    fn build(self) -> Group {
        let mut lits: Vec<(String, usize)> = self.literals.into_iter().collect();
        lits.sort_by_key(|(_, id)| *id);
        let ac = (!lits.is_empty()).then(|| {
            // A DFA scans about three times faster than an NFA but takes ~6 KB per literal;
            // very large groups (thousands of technologies) use the NFA.
            let kind = if lits.len() <= DFA_MAX_LITERALS {
                aho_corasick::AhoCorasickKind::DFA
            } else {
                aho_corasick::AhoCorasickKind::ContiguousNFA
            };
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(kind))
                .build(lits.iter().map(|(l, _)| l.as_bytes()))
                .expect("literal automaton")
        });
        Group {
            ac,
            by_literal: self.by_literal,
            always: self.always,
        }
    }
}

#[derive(Default)]
struct Hit {
    confidence: u32,
    patterns: Vec<u32>,
    versions: Vec<String>,
}

/// A compiled set of technology fingerprints. Build it once (see [`super::curated`] and
/// [`super::active`]) and share it: matching takes `&self`.
pub struct Fingerprints {
    techs: Vec<Tech>,
    by_name: HashMap<String, usize>,
    patterns: Vec<Pattern>,
    html: Group,
    scripts: Group,
    script_src: Group,
    url: Group,
    meta: HashMap<String, Group>,
    headers: HashMap<String, Group>,
    cookies: HashMap<String, Group>,
    stats: Stats,
}

impl std::fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprints")
            .field("stats", &self.stats)
            .finish()
    }
}

/// Collects Wappalyzer-format files, then builds a [`Fingerprints`]. A technology loaded later
/// replaces one of the same name loaded earlier (a community file overrides the curated entry).
#[derive(Default)]
pub struct FingerprintsBuilder {
    techs: Vec<RawTech>,
    index: HashMap<String, usize>,
    categories: HashMap<u32, String>,
    problems: Vec<Problem>,
}

impl FingerprintsBuilder {
    /// An empty builder.
    pub fn new() -> FingerprintsBuilder {
        FingerprintsBuilder::default()
    }

    /// A builder holding the curated set shipped in the binary.
    pub fn curated() -> FingerprintsBuilder {
        let mut b = FingerprintsBuilder::new();
        b.add_json(super::CURATED_JSON, "curated fingerprints")
            .expect("curated fingerprints are valid JSON");
        b
    }

    /// Adds one Wappalyzer JSON document: technologies, or a `categories.json` map.
    /// Returns the number of technologies added.
    pub fn add_json(&mut self, json: &str, origin: &str) -> Result<usize, LoadError> {
        let content = format::parse_file(json).map_err(|source| LoadError::Json {
            origin: origin.to_string(),
            source,
        })?;
        match content {
            FileContent::Categories(map) => {
                self.categories.extend(map);
                Ok(0)
            }
            FileContent::Technologies(techs, problems) => {
                self.problems
                    .extend(problems.into_iter().map(|(technology, message)| Problem {
                        technology,
                        field: String::new(),
                        pattern: String::new(),
                        message,
                    }));
                let n = techs.len();
                for t in techs {
                    match self.index.get(&t.name) {
                        Some(&i) => self.techs[i] = t,
                        None => {
                            self.index.insert(t.name.clone(), self.techs.len());
                            self.techs.push(t);
                        }
                    }
                }
                Ok(n)
            }
        }
    }

    /// Adds a file, or every `*.json` file of a directory (in name order, so `categories.json`
    /// and `a.json` … `z.json` of the community dataset load together).
    pub fn add_path(&mut self, path: &Path) -> Result<usize, LoadError> {
        let io = |source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect();
            files.sort();
            let mut n = 0;
            for f in files {
                n += self.add_path(&f)?;
            }
            return Ok(n);
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        self.add_json(&text, &path.display().to_string())
    }

    /// Parses every pattern, extracts literals and builds the automata. Invalid patterns and
    /// unknown names in `implies`/`excludes`/`requires` are skipped and returned as problems.
    pub fn build(self) -> (Fingerprints, Vec<Problem>) {
        let FingerprintsBuilder {
            techs: raw,
            categories,
            mut problems,
            ..
        } = self;
        let by_name: HashMap<String, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let lookup = |owner: &str, list: &[String], what: &str, problems: &mut Vec<Problem>| {
            let mut out = Vec::new();
            for entry in list {
                let (name, confidence) = format::split_name(entry);
                match by_name.get(&name) {
                    Some(&i) => out.push((i, confidence)),
                    None => problems.push(Problem {
                        technology: owner.to_string(),
                        field: what.to_string(),
                        pattern: String::new(),
                        message: format!("unknown technology {name:?} ignored"),
                    }),
                }
            }
            out
        };
        let mut techs = Vec::with_capacity(raw.len());
        for t in &raw {
            let mut cats: Vec<Category> = t
                .cat_ids()
                .map(|id| match categories.get(&id) {
                    Some(name) => match Category::from_wappalyzer_name(name) {
                        Category::Other => Category::from_wappalyzer_id(id),
                        c => c,
                    },
                    None => Category::from_wappalyzer_id(id),
                })
                .collect();
            cats.sort();
            cats.dedup();
            if cats.len() > 1 {
                cats.retain(|c| *c != Category::Other);
            }
            if cats.is_empty() {
                cats.push(Category::Other);
            }
            techs.push(Tech {
                name: t.name.clone(),
                categories: cats,
                cat_ids: t.cats.clone(),
                implies: lookup(&t.name, &t.implies, "implies", &mut problems),
                excludes: lookup(&t.name, &t.excludes, "excludes", &mut problems)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect(),
                requires: lookup(&t.name, &t.requires, "requires", &mut problems)
                    .into_iter()
                    .map(|(i, _)| i)
                    .collect(),
                requires_category: t.requires_category.clone(),
            });
        }

        let mut patterns = Vec::new();
        let mut groups: BTreeMap<Field, GroupBuilder> = BTreeMap::new();
        let mut stats = Stats {
            technologies: techs.len(),
            ..Stats::default()
        };
        for (ti, t) in raw.iter().enumerate() {
            for p in &t.patterns {
                let spec = format::split_pattern(&p.raw);
                let source = format::js_to_rust(&spec.regex);
                let (fancy, literals) = match analyse(&source) {
                    Ok(a) => a,
                    Err(message) => {
                        problems.push(Problem {
                            technology: t.name.clone(),
                            field: p.field.describe(),
                            pattern: p.raw.clone(),
                            message,
                        });
                        continue;
                    }
                };
                let id = u32::try_from(patterns.len()).expect("fewer than 4 billion patterns");
                if literals.is_some() {
                    stats.prefiltered += 1;
                } else if source.is_empty() {
                    stats.presence += 1;
                } else {
                    stats.always_run += 1;
                }
                groups.entry(p.field.clone()).or_default().add(id, literals);
                patterns.push(Pattern {
                    tech: ti,
                    source,
                    fancy,
                    version: spec.version,
                    confidence: spec.confidence,
                    compiled: OnceLock::new(),
                });
            }
        }
        stats.patterns = patterns.len();
        let mut set = Fingerprints {
            techs,
            by_name,
            patterns,
            html: Group::default(),
            scripts: Group::default(),
            script_src: Group::default(),
            url: Group::default(),
            meta: HashMap::new(),
            headers: HashMap::new(),
            cookies: HashMap::new(),
            stats,
        };
        for (field, g) in groups {
            set.stats.literals += g.by_literal.len();
            let g = g.build();
            set.stats.automata_bytes += g.ac.as_ref().map_or(0, AhoCorasick::memory_usage);
            match field {
                Field::Html => set.html = g,
                Field::Scripts => set.scripts = g,
                Field::ScriptSrc => set.script_src = g,
                Field::Url => set.url = g,
                Field::Meta(k) => drop(set.meta.insert(k, g)),
                Field::Header(k) => drop(set.headers.insert(k, g)),
                Field::Cookie(k) => drop(set.cookies.insert(k, g)),
            }
        }
        (set, problems)
    }
}

impl RawTech {
    fn cat_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.cats.iter().copied()
    }
}

/// Checks a pattern and finds its literals: `(uses fancy_regex, literals)`, or why it is invalid.
fn analyse(source: &str) -> Result<(bool, Option<Vec<String>>), String> {
    if source.is_empty() {
        return Ok((false, None));
    }
    let parse = |s: &str| {
        regex_syntax::ParserBuilder::new()
            .build()
            .parse(s)
            .map_err(|e| e.to_string())
    };
    match parse(source) {
        Ok(hir) => Ok((false, literal::required_literals(&hir))),
        Err(msg) => {
            // Look-around and backreferences: fancy_regex runs them; its literals come from
            // the pattern without them, which matches a superset of the same texts.
            if fancy_regex::Regex::new(source).is_err() {
                let line = msg
                    .lines()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or(&msg);
                return Err(format!("invalid regex: {line}"));
            }
            let literals = parse(&strip_fancy(source))
                .ok()
                .and_then(|hir| literal::required_literals(&hir));
            Ok((true, literals))
        }
    }
}

/// The pattern without look-arounds, backreferences as `.*`, atomic groups as plain groups.
fn strip_fancy(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut in_class = false;
    while i < c.len() {
        match c[i] {
            '\\' if i + 1 < c.len() => {
                if !in_class && c[i + 1].is_ascii_digit() && c[i + 1] != '0' {
                    out.push_str("(?s:.*)");
                } else {
                    out.push(c[i]);
                    out.push(c[i + 1]);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                let head: String = c[i..c.len().min(i + 4)].iter().collect();
                if head.starts_with("(?>") {
                    out.push_str("(?:");
                    i += 3;
                    continue;
                }
                if ["(?=", "(?!", "(?<=", "(?<!"]
                    .iter()
                    .any(|p| head.starts_with(p))
                {
                    i = skip_group(&c, i);
                    continue;
                }
            }
            _ => {}
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Index after the group opening at `start`.
fn skip_group(c: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut i = start;
    while i < c.len() {
        match c[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    c.len()
}

/// Orders versions: more numeric parts first, then numerically.
fn version_key(v: &str) -> (usize, Vec<u64>) {
    let parts: Vec<u64> = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect();
    (parts.len(), parts)
}

impl Fingerprints {
    /// Builds a set from one Wappalyzer JSON document alone (no curated entries).
    pub fn from_json(json: &str) -> Result<(Fingerprints, Vec<Problem>), LoadError> {
        let mut b = FingerprintsBuilder::new();
        b.add_json(json, "inline JSON")?;
        Ok(b.build())
    }

    /// Sizes of the set.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Number of technologies.
    pub fn len(&self) -> usize {
        self.techs.len()
    }

    /// Whether the set has no technologies.
    pub fn is_empty(&self) -> bool {
        self.techs.is_empty()
    }

    /// Names of all technologies, in load order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.techs.iter().map(|t| t.name.as_str())
    }

    /// The categories of a technology by exact name, or `None` when the set lacks it.
    pub fn categories_of(&self, name: &str) -> Option<&[Category]> {
        self.by_name
            .get(name)
            .map(|&i| self.techs[i].categories.as_slice())
    }

    /// What a technology implies, transitively (WordPress → PHP, MySQL), without itself; empty
    /// when the set lacks it.
    pub fn implied_by(&self, name: &str) -> Vec<&str> {
        let mut seen: Vec<usize> = Vec::new();
        let mut todo: Vec<usize> = self.by_name.get(name).copied().into_iter().collect();
        while let Some(t) = todo.pop() {
            for &(i, _) in &self.techs[t].implies {
                if !seen.contains(&i) && Some(&i) != self.by_name.get(name) {
                    seen.push(i);
                    todo.push(i);
                }
            }
        }
        seen.into_iter()
            .map(|i| self.techs[i].name.as_str())
            .collect()
    }

    /// The technologies a page shows, sorted by name (case-insensitively), with versions,
    /// categories and confidence; `implies` added (transitively), `excludes` and `requires`
    /// applied.
    pub fn detect(&self, page: &PageSignals<'_>) -> Vec<Detection> {
        let mut hits: HashMap<usize, Hit> = HashMap::new();
        let mut scratch = Vec::new();
        self.scan(&self.html, page.html, &mut hits, &mut scratch);
        self.scan(&self.scripts, &page.scripts, &mut hits, &mut scratch);
        for src in &page.script_src {
            self.scan(&self.script_src, src, &mut hits, &mut scratch);
        }
        self.scan(&self.url, page.url, &mut hits, &mut scratch);
        for (map, values) in [
            (&self.meta, &page.meta),
            (&self.headers, &page.headers),
            (&self.cookies, &page.cookies),
        ] {
            for (k, v) in values {
                let g = if k.bytes().any(|b| b.is_ascii_uppercase()) {
                    map.get(&k.to_ascii_lowercase())
                } else {
                    map.get(k)
                };
                if let Some(g) = g {
                    self.scan(g, v, &mut hits, &mut scratch);
                }
            }
        }
        self.resolve(hits)
    }

    fn scan(&self, g: &Group, hay: &str, hits: &mut HashMap<usize, Hit>, cand: &mut Vec<u32>) {
        if hay.is_empty() && g.always.is_empty() {
            return;
        }
        cand.clear();
        cand.extend_from_slice(&g.always);
        if let Some(ac) = &g.ac {
            let mut seen: Vec<usize> = Vec::new();
            for m in ac.find_overlapping_iter(hay) {
                let lit = m.pattern().as_usize();
                if !seen.contains(&lit) {
                    seen.push(lit);
                    cand.extend_from_slice(&g.by_literal[lit]);
                }
            }
        }
        cand.sort_unstable();
        cand.dedup();
        for &p in cand.iter() {
            let pat = &self.patterns[p as usize];
            let hit = hits.get(&pat.tech);
            let done = hit.is_some_and(|h| {
                h.patterns.contains(&p) && (pat.version.is_none() || !h.versions.is_empty())
            });
            if done {
                continue;
            }
            if let Some(version) = pat.run(hay) {
                let h = hits.entry(pat.tech).or_default();
                if !h.patterns.contains(&p) {
                    h.patterns.push(p);
                    h.confidence += u32::from(pat.confidence);
                }
                h.versions.extend(version);
            }
        }
    }

    /// Adds `implies` transitively to `found` (confidence is the lower of the implier's and the
    /// implication's), skipping `blocked`. Terminates on cycles: a technology is re-queued only
    /// when its confidence rises, and confidence is bounded.
    fn imply(&self, found: &mut BTreeMap<usize, u8>, blocked: &[usize]) {
        let mut queue: VecDeque<usize> = found.keys().copied().collect();
        while let Some(t) = queue.pop_front() {
            let conf = found[&t];
            for &(i, c) in &self.techs[t].implies {
                if blocked.contains(&i) {
                    continue;
                }
                let c = c.min(conf);
                let e = found.entry(i).or_insert(0);
                if c > *e {
                    *e = c;
                    queue.push_back(i);
                }
            }
        }
    }

    fn resolve(&self, hits: HashMap<usize, Hit>) -> Vec<Detection> {
        let mut direct: BTreeMap<usize, u8> = hits
            .iter()
            .map(|(&t, h)| (t, h.confidence.min(100) as u8))
            .filter(|(_, c)| *c > 0)
            .collect();
        // `requires`: drop what lacks its required technology or category, until stable.
        loop {
            let mut all = direct.clone();
            self.imply(&mut all, &[]);
            let before = direct.len();
            direct.retain(|&t, _| {
                let tech = &self.techs[t];
                tech.requires.iter().all(|r| all.contains_key(r))
                    && tech.requires_category.iter().all(|c| {
                        all.keys()
                            .any(|&o| o != t && self.techs[o].cat_ids.contains(c))
                    })
            });
            if direct.len() == before {
                break;
            }
        }
        // `excludes`: the more confident of two conflicting technologies stays; what a kept
        // technology rules out is neither kept nor implied.
        let mut order: Vec<(usize, u8)> = direct.iter().map(|(&t, &c)| (t, c)).collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut found: BTreeMap<usize, u8> = BTreeMap::new();
        for (t, c) in order {
            let conflict = found.keys().any(|&k| {
                self.techs[k].excludes.contains(&t) || self.techs[t].excludes.contains(&k)
            });
            if !conflict {
                found.insert(t, c);
            }
        }
        let blocked: Vec<usize> = found
            .keys()
            .flat_map(|&t| self.techs[t].excludes.iter().copied())
            .collect();
        self.imply(&mut found, &blocked);

        let mut out: Vec<Detection> = found
            .into_iter()
            .map(|(t, confidence)| {
                let tech = &self.techs[t];
                let version = hits
                    .get(&t)
                    .and_then(|h| h.versions.iter().max_by_key(|v| version_key(v)).cloned());
                Detection {
                    name: tech.name.clone(),
                    version,
                    categories: tech.categories.clone(),
                    confidence,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }
}
