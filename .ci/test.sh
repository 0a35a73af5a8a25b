#!/usr/bin/env bash
# The project's test command: starts what the tests need, then checks formatting, lints and
# runs every test (unit and end-to-end, real Postgres, the sample web on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/setup.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

# cargo-deny (crates.io), built once into a tools folder outside the clone: licences, banned
# crates and crate sources (.ci/deny.toml). Advisories need the RustSec database from GitHub.
tools="$HOME/.cache/leadgen-tools"
if ! "$tools/bin/cargo-deny" --version 2>/dev/null | grep -q "0.20.2"; then
  CARGO_TARGET_DIR="$HOME/.cache/leadgen-tools-build" \
    cargo install cargo-deny --version 0.20.2 --locked --root "$tools"
fi
"$tools/bin/cargo-deny" --config .ci/deny.toml check licenses bans sources
log=$(mktemp)
set +e
cargo test --workspace 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run: the sum over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "workspace: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
