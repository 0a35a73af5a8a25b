//! Technology stack detection: which frontend, backend, CMS, e-commerce, database, cloud/CDN,
//! analytics, marketing, support/chat and payment technologies a page shows, with versions
//! where visible, from its HTML, script URLs, inline scripts, meta tags, response headers,
//! cookies and URL.
//!
//! **Fingerprints** use the Wappalyzer JSON format: an object of technology name →
//! `{"cats": [ids], "html", "scriptSrc", "scripts", "meta", "headers", "cookies", "url",
//! "implies", "excludes", "requires", "requiresCategory", "website", …}` where each pattern is a
//! string or list of strings, a (JavaScript) regex matched case-insensitively, with the suffixes
//! `\;version:\1` (also `\1?a:b` ternaries) and `\;confidence:50`. Fields read:
//! - `html` and `text` against the raw HTML; `scriptSrc` (and its pre-2020 name `script`)
//!   against each `<script src>`; `scripts` against the code of the inline scripts (external
//!   script files are not fetched); `url` against the page URL; `meta`, `headers` and
//!   `cookies` against the value of that meta tag (`name`, `property`, `http-equiv` or
//!   `itemprop`), response header or cookie (from `set-cookie`), names case-insensitive; an
//!   empty pattern means "present".
//! - Ignored: `js` and `dom` (they need a JavaScript engine and a DOM), `css`, `xhr`, `robots`,
//!   `dns`, `probe`, `certIssuer` (they need other requests).
//!
//! Wappalyzer category ids map onto our ten [`Category`] values through
//! [`WAPPALYZER_CATEGORIES`]; a `categories.json` (id → `{"name": …}`) loaded alongside maps ids
//! by name instead; unknown ids are `other`. JavaScript-only regex syntax is rewritten
//! (`\/`, a literal `{`, …); look-around runs through `fancy_regex`. A pattern that is still
//! invalid is skipped and reported as a [`Problem`] naming its technology, never a panic.
//!
//! **The curated set** (`fingerprints.json`, over 150 technologies, embedded in the binary) is
//! [`curated()`]. **The community dataset** (~7,500 technologies in `src/technologies/a.json` …
//! `z.json` plus `src/categories.json`) plugs in with [`load`] / [`FingerprintsBuilder`]:
//! entries of the same name replace curated ones.
//!
//! **Environment:** `LEADGEN_FINGERPRINTS` lists extra fingerprint files or directories (all
//! `*.json` in them), separated like `PATH` (`:` on Unix). [`active()`] is the curated set plus
//! those files, built once on first use; a file that cannot be read is logged and the curated
//! set used alone, skipped patterns are logged as warnings. [`check_env`] loads them eagerly
//! and returns the errors and problems, for a process to check at start.
//!
//! **Matching cost** does not grow with the number of fingerprints: each input is scanned once
//! by an Aho-Corasick automaton of the patterns' required literals and only the regexes whose
//! literal occurs run (see `engine.rs`). Sets are built once ([`std::sync::LazyLock`]), never per
//! page.

mod category;
mod engine;
mod format;
mod literal;
mod signals;
#[cfg(test)]
mod tests;

pub use category::{Category, WAPPALYZER_CATEGORIES};
pub use engine::{Detection, Fingerprints, FingerprintsBuilder, LoadError, Problem, Stats};
pub use signals::{PageSignals, parse_set_cookie};

use std::path::PathBuf;
use std::sync::LazyLock;

/// The curated fingerprints in Wappalyzer format.
pub const CURATED_JSON: &str = include_str!("fingerprints.json");

/// The environment variable listing extra fingerprint files or directories.
pub const FINGERPRINTS_ENV: &str = "LEADGEN_FINGERPRINTS";

static CURATED: LazyLock<Fingerprints> = LazyLock::new(|| {
    let (set, problems) = FingerprintsBuilder::curated().build();
    for p in &problems {
        tracing::warn!(problem = %p, "curated fingerprint skipped");
    }
    set
});

static ACTIVE: LazyLock<Option<Fingerprints>> = LazyLock::new(|| {
    let paths = env_paths();
    if paths.is_empty() {
        return None;
    }
    match load(&paths) {
        Ok((set, problems)) => {
            for p in &problems {
                tracing::warn!(problem = %p, "fingerprint skipped");
            }
            tracing::info!(
                technologies = set.len(),
                "fingerprints loaded from {FINGERPRINTS_ENV}"
            );
            Some(set)
        }
        Err(e) => {
            tracing::error!(error = %e, "{FINGERPRINTS_ENV} not loaded; using the curated fingerprints");
            None
        }
    }
});

fn env_paths() -> Vec<PathBuf> {
    std::env::var_os(FINGERPRINTS_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The curated fingerprint set shipped in the binary, built on first use.
pub fn curated() -> &'static Fingerprints {
    &CURATED
}

/// The set pages are matched against: the curated set plus the files named by
/// `LEADGEN_FINGERPRINTS` (see the module documentation), built on first use.
pub fn active() -> &'static Fingerprints {
    ACTIVE.as_ref().unwrap_or(&CURATED)
}

/// Loads the files named by `LEADGEN_FINGERPRINTS` now and reports what [`active()`] would
/// log: the error that makes it fall back to the curated set, or the skipped patterns.
pub fn check_env() -> Result<Vec<Problem>, LoadError> {
    let paths = env_paths();
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    load(&paths).map(|(_, problems)| problems)
}

/// The curated set plus Wappalyzer-format files or directories (later entries replace earlier
/// ones of the same name). Invalid patterns are skipped and returned as problems.
pub fn load(paths: &[PathBuf]) -> Result<(Fingerprints, Vec<Problem>), LoadError> {
    let mut b = FingerprintsBuilder::curated();
    for p in paths {
        b.add_path(p)?;
    }
    Ok(b.build())
}

/// The technologies of one fetched page, matched against [`active()`].
pub fn detect_page(page: &crate::model::StoredPage) -> Vec<Detection> {
    active().detect(&PageSignals::from_page(page))
}
