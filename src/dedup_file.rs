//! `leadgen dedup`: clusters the company records of a CSV file with the product's
//! deduplication engine, and `leadgen dedup-eval`: measures it on the sample web's labelled
//! records.
//!
//! Input columns are recognised by their headers (any case): name (`name`, `company`,
//! `company_name`, `business`, `business_name`, `organization`), address (`address`, `street`,
//! `address1`, `street_address`), city (`city`, `town`, `locality`), postal code
//! (`postal_code`, `postcode`, `zip`, `zip_code`, `zipcode`, `plz`), phone (`phone`,
//! `telephone`, `phone_number`, `tel`), website (`website`, `url`, `domain`, `web`, `homepage`,
//! `site`) and email (`email`, `e-mail`, `email_address`); other columns are carried through.
//! The output is the input with `cluster_id` (the 1-based row of the cluster's first record)
//! and `match_confidence` (empty for a record alone) appended, in input order.

use anyhow::{Context, bail};
use leadgen_core::dedup::{Record, Thresholds, cluster, normalize, pairwise_scores};
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use std::path::Path;
use std::time::Instant;

const COLUMNS: [(&str, &[&str]); 7] = [
    (
        "name",
        &[
            "name",
            "company",
            "company_name",
            "business",
            "business_name",
            "organization",
        ],
    ),
    (
        "address",
        &["address", "street", "address1", "street_address"],
    ),
    ("city", &["city", "town", "locality"]),
    (
        "postal_code",
        &[
            "postal_code",
            "postcode",
            "zip",
            "zip_code",
            "zipcode",
            "plz",
        ],
    ),
    ("phone", &["phone", "telephone", "phone_number", "tel"]),
    (
        "website",
        &["website", "url", "domain", "web", "homepage", "site"],
    ),
    ("email", &["email", "e-mail", "email_address"]),
];

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupSummary {
    /// Records read.
    pub records: usize,
    /// Clusters written (records alone count as one each).
    pub clusters: usize,
    /// Records that joined another.
    pub duplicates: usize,
}

/// The thresholds `LEADGEN_DEDUP_THRESHOLDS` sets, as the workers read them.
fn thresholds() -> anyhow::Result<Thresholds> {
    match std::env::var(Thresholds::ENV) {
        Ok(spec) if !spec.trim().is_empty() => Thresholds::parse(&spec).map_err(|e| {
            anyhow::anyhow!("configuration variable {} is invalid: {e}", Thresholds::ENV)
        }),
        _ => Ok(Thresholds::default()),
    }
}

/// Clusters `input` into `output`.
pub fn run(input: &Path, output: &Path) -> anyhow::Result<DedupSummary> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(input)
        .with_context(|| format!("--input: cannot open {}", input.display()))?;
    let headers = reader
        .headers()
        .with_context(|| format!("--input: {} has no header row", input.display()))?
        .clone();
    let position = |aliases: &[&str]| {
        headers.iter().position(|h| {
            let h = h.trim().to_ascii_lowercase().replace(' ', "_");
            aliases.contains(&h.as_str())
        })
    };
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|(_, a)| position(a)).collect();
    if cols[0].is_none() {
        bail!(
            "--input: no column for the company name (looked for a header named {})",
            COLUMNS[0].1.join(", ")
        );
    }
    let mut rows = Vec::new();
    let mut normalized = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("--input: line {} is not readable CSV", i + 2))?;
        let get = |c: usize| {
            cols[c]
                .and_then(|p| row.get(p))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        normalized.push(normalize(&Record {
            name: get(0).unwrap_or_default(),
            address: get(1),
            city: get(2),
            postal_code: get(3),
            phone: get(4),
            website: get(5),
            email: get(6),
        }));
        rows.push(row);
    }
    let clusters = cluster(&normalized, &thresholds()?);
    let mut writer = csv::Writer::from_path(output)
        .with_context(|| format!("--output: cannot create {}", output.display()))?;
    let mut head = headers.clone();
    head.push_field("cluster_id");
    head.push_field("match_confidence");
    writer.write_record(&head)?;
    for (row, (root, confidence)) in rows.iter().zip(&clusters) {
        let mut out = row.clone();
        out.push_field(&(root + 1).to_string());
        out.push_field(&confidence.map(|c| format!("{c:.2}")).unwrap_or_default());
        writer.write_record(&out)?;
    }
    writer.flush()?;
    let distinct: std::collections::HashSet<usize> = clusters.iter().map(|c| c.0).collect();
    Ok(DedupSummary {
        records: rows.len(),
        clusters: distinct.len(),
        duplicates: rows.len() - distinct.len(),
    })
}

/// Measured quality of the engine on a labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Records in the set.
    pub records: usize,
    /// Pairwise precision.
    pub precision: f64,
    /// Pairwise recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Per record kind: (kind, records, records whose cluster is exactly right).
    pub by_kind: Vec<(&'static str, usize, usize)>,
    /// Seconds spent clustering.
    pub seconds: f64,
    /// Some records put together that are different businesses, to see why.
    pub wrongly_joined: Vec<String>,
}

/// Clusters the sample web's labelled records and scores the result.
pub fn evaluate(companies: usize, seed: u64) -> Evaluation {
    let web = SampleWeb::generate(SampleWebOptions {
        companies,
        seed,
        latency_ms: None,
    });
    let set = web.dedup_set();
    let started = Instant::now();
    let normalized: Vec<_> = set.iter().map(|r| normalize(&r.record)).collect();
    let clusters = cluster(&normalized, &Thresholds::default());
    let seconds = started.elapsed().as_secs_f64();
    let predicted: Vec<usize> = clusters.iter().map(|c| c.0).collect();
    let truth: Vec<usize> = set.iter().map(|r| r.label).collect();
    let (precision, recall, f1) = pairwise_scores(&predicted, &truth);
    // A record is right when its predicted cluster holds exactly its business's records.
    let mut kinds: Vec<(&'static str, usize, usize)> = Vec::new();
    for (i, r) in set.iter().enumerate() {
        let right =
            (0..set.len()).all(|j| (predicted[j] == predicted[i]) == (truth[j] == truth[i]));
        match kinds.iter_mut().find(|k| k.0 == r.kind) {
            Some(k) => {
                k.1 += 1;
                k.2 += usize::from(right);
            }
            None => kinds.push((r.kind, 1, usize::from(right))),
        }
    }
    let mut wrongly_joined = Vec::new();
    let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, p) in predicted.iter().enumerate() {
        members.entry(*p).or_default().push(i);
    }
    let show = |i: usize| {
        let r = &set[i].record;
        format!(
            "{} [{}] {} | {} | {} | {}",
            r.name,
            set[i].kind,
            r.address.as_deref().unwrap_or("-"),
            r.postal_code.as_deref().unwrap_or("-"),
            r.phone.as_deref().unwrap_or("-"),
            r.website.as_deref().unwrap_or("-")
        )
    };
    'found: for group in members.values() {
        for (x, &i) in group.iter().enumerate() {
            for &j in &group[x + 1..] {
                if truth[i] != truth[j] {
                    wrongly_joined.push(format!("{}  ~  {}", show(i), show(j)));
                    if wrongly_joined.len() == 10 {
                        break 'found;
                    }
                    break;
                }
            }
        }
    }
    Evaluation {
        wrongly_joined,
        records: set.len(),
        precision,
        recall,
        f1,
        by_kind: kinds,
        seconds,
    }
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "records {}  precision {:.4}  recall {:.4}  F1 {:.4}  ({:.2} s)",
            self.records, self.precision, self.recall, self.f1, self.seconds
        )?;
        for (kind, n, right) in &self.by_kind {
            writeln!(
                f,
                "  {kind:<13} {n:>6} records, {right:>6} clustered exactly right"
            )?;
        }
        if !self.wrongly_joined.is_empty() {
            writeln!(f, "some records joined that are different businesses:")?;
            for w in &self.wrongly_joined {
                writeln!(f, "  {w}")?;
            }
        }
        Ok(())
    }
}
