//! The deployment files name only what the binary has: every `leadgen` service in
//! `docker-compose.yml` and every `Procfile` process runs a real subcommand, and every
//! `LEADGEN_*` variable they set is one the code reads (a misspelt variable would otherwise be
//! ignored in silence). The compose file is read with PyYAML from the test command's lint
//! virtualenv.

use clap::CommandFactory;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The subcommands of the `leadgen` binary.
fn subcommands() -> BTreeSet<String> {
    leadgen::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Every `LEADGEN_…` name written in the product's source, which is where variables are read.
fn variables_read() -> BTreeSet<String> {
    fn walk(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("\"LEADGEN_") {
                    let name: String = text[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    found.insert(name);
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    for dir in ["core/src", "api/src", "worker/src", "src"] {
        walk(&root().join(dir), &mut found);
    }
    found.insert("DATABASE_URL".into());
    found
}

/// `docker-compose.yml` as JSON (anchors and merge keys resolved).
fn compose() -> Value {
    let python = std::env::var("LEADGEN_OPENAPI_VALIDATOR")
        .map(|v| PathBuf::from(v).with_file_name("python"))
        .unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            PathBuf::from(home).join(".cache/leadgen-lint-venv/bin/python")
        });
    assert!(
        python.is_file(),
        "{} is missing: run the test command (bash .ci/test.sh), which makes it",
        python.display()
    );
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(root().join("docker-compose.yml"))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "docker-compose.yml is not valid YAML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn docker_compose_runs_real_subcommands_with_real_variables() {
    let compose = compose();
    let subcommands = subcommands();
    let variables = variables_read();
    let services = compose["services"].as_object().expect("services");
    let ours: Vec<(&String, &Value)> = services
        .iter()
        .filter(|(_, s)| s.get("build").is_some())
        .collect();
    assert!(
        ours.len() >= 3,
        "migrate, api and worker are built: {ours:?}"
    );
    for (name, service) in ours {
        let command = service["command"][0].as_str().unwrap_or_default();
        assert!(
            subcommands.contains(command),
            "service {name} runs `leadgen {command}`, not one of {subcommands:?}"
        );
        for var in service["environment"].as_object().into_iter().flatten() {
            let var = var.0;
            assert!(
                variables.contains(var),
                "service {name} sets {var}, which leadgen never reads"
            );
        }
        // Every variable the code requires at start in production is set or defaulted here.
        if command == "api" {
            let env = &service["environment"];
            for required in ["DATABASE_URL", "LEADGEN_JWT_SECRET", "LEADGEN_FILES_KEY"] {
                assert!(
                    env.get(required).is_some(),
                    "the api service needs {required}"
                );
            }
        }
    }
    // The services it depends on are declared.
    for needed in ["postgres", "chromedriver", "mailcatcher"] {
        assert!(services.contains_key(needed), "no {needed} service");
    }
}

#[test]
fn the_procfile_and_the_image_run_real_subcommands() {
    let subcommands = subcommands();
    let procfile = std::fs::read_to_string(root().join("Procfile")).unwrap();
    for line in procfile.lines().filter(|l| !l.trim().is_empty()) {
        let (process, command) = line.split_once(':').expect("process: command");
        let mut words = command.split_whitespace();
        assert_eq!(words.next(), Some("leadgen"), "{line}");
        let sub = words.next().unwrap_or_default();
        assert!(
            subcommands.contains(sub),
            "Procfile {process} runs `leadgen {sub}`"
        );
    }
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("ENTRYPOINT [\"leadgen\"]"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("target/release/leadgen"),
        "{dockerfile}"
    );
}
