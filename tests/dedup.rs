//! Batch deduplication of a user's own company file (`leadgen dedup`), and the engine's
//! measured quality on the sample web's labelled records, hard cases included.

use std::process::Command;

#[test]
fn the_dedup_command_clusters_a_csv_and_carries_other_columns() {
    let dir = std::env::temp_dir().join(format!("leadgen-dedup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("companies.csv");
    std::fs::write(
        &input,
        "Company Name,Street,City,ZIP,Telephone,Web,Owner\n\
         \"Keller & Sons Plumbing, LLC\",12 Main St,Austin,78701,(512) 555-0100,kellerplumbing.test,ann\n\
         Keller and Sons Plumbing,12 Main Street,Austin,78701,+1 512 555 0100,,bob\n\
         Lone Star Law Group,12 Main St,Austin,78701,512-555-0100,,cy\n\
         Smile Co Dental,100 North Rd,Austin,78758,512 555 0101,smileco.test,dee\n\
         Smile Co Dental,900 South Rd,Austin,78745,512 555 0909,https://www.smileco.test/,eve\n",
    )
    .unwrap();
    let output = dir.join("clusters.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_leadgen"))
        .args(["dedup", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("5 records → 4 companies (1 duplicates)"),
        "{stdout}"
    );
    let mut reader = csv::Reader::from_path(&output).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.get(6), Some("Owner"));
    assert_eq!(headers.get(7), Some("cluster_id"));
    assert_eq!(headers.get(8), Some("match_confidence"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cluster = |i: usize| rows[i].get(7).unwrap().to_string();
    // The two Keller rows are one company; the neighbour sharing the switchboard and the
    // franchise branches are not.
    assert_eq!(cluster(0), "1");
    assert_eq!(cluster(1), "1");
    assert_eq!(cluster(2), "3");
    assert_ne!(cluster(3), cluster(4));
    assert!(!rows[1].get(8).unwrap().is_empty());
    assert_eq!(rows[2].get(8), Some(""));
    assert_eq!(rows[0].get(0), Some("Keller & Sons Plumbing, LLC"));

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "street,city\n1 A St,Austin\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leadgen"))
        .args(["dedup", "--input"])
        .arg(&bad)
        .arg("--output")
        .arg(dir.join("never.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--input: no column for the company name"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn deduplication_meets_its_quality_goals_on_the_labelled_records() {
    let e = leadgen::dedup_file::evaluate(2000, 42);
    println!("{e}");
    assert!(e.records > 5000);
    assert!(e.precision >= 0.98, "{e}");
    assert!(e.recall >= 0.95, "{e}");
    for kind in ["moved", "shared-phone", "branch", "duplicate"] {
        let (_, n, right) = e.by_kind.iter().find(|k| k.0 == kind).copied().unwrap();
        assert!(
            n > 0 && right as f64 >= 0.9 * n as f64,
            "{kind}: {right} of {n}\n{e}"
        );
    }
}
