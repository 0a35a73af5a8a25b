//! Batch deduplication at scale: writes the sample web's labelled records (about 100,000 rows
//! for 37,000 companies) to a CSV, runs `leadgen dedup` on it (read, cluster, write), and
//! prints rows per second, the peak memory of the process and the pairwise quality.
//!
//! `cargo bench --bench dedup` (`-- --companies N` for another size).

use leadgen::dedup_file;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let companies = args
        .iter()
        .position(|a| a == "--companies")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(37_000usize);
    let web = SampleWeb::generate(SampleWebOptions {
        companies,
        seed: 42,
        latency_ms: None,
    });
    let set = web.dedup_set();
    let dir = std::env::temp_dir().join(format!("leadgen-dedup-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("companies.csv");
    let output = dir.join("clusters.csv");
    let mut w = csv::Writer::from_path(&input)?;
    w.write_record([
        "company", "address", "city", "zip", "phone", "website", "source",
    ])?;
    for r in &set {
        let c = &r.record;
        w.write_record([
            c.name.as_str(),
            c.address.as_deref().unwrap_or(""),
            c.city.as_deref().unwrap_or(""),
            c.postal_code.as_deref().unwrap_or(""),
            c.phone.as_deref().unwrap_or(""),
            c.website.as_deref().unwrap_or(""),
            r.kind,
        ])?;
    }
    w.flush()?;
    let started = Instant::now();
    let summary = dedup_file::run(&input, &output)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "leadgen dedup: {} rows → {} companies in {secs:.2} s ({:.0} rows/s), peak RSS {:.0} MB",
        summary.records,
        summary.clusters,
        summary.records as f64 / secs,
        peak_rss_mb()
    );
    let eval = dedup_file::evaluate(companies.min(5000), 42);
    println!(
        "quality on {} labelled records: precision {:.4}, recall {:.4}, F1 {:.4}",
        eval.records, eval.precision, eval.recall, eval.f1
    );
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
