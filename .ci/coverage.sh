#!/usr/bin/env bash
# Line coverage of the whole test suite (every unit and end-to-end test, the `leadgen` child
# processes they start included), reported per crate; prints the summary table and the total
# for core/. Uses cargo-llvm-cov (crates.io) with Debian's LLVM 19 tools, which read the
# profiles rustc writes (rustup's llvm-tools component is not reachable here).
#   bash .ci/coverage.sh            # summary; the HTML report lands in $CARGO_TARGET_DIR/llvm-cov/html
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/setup.sh

if ! command -v /usr/lib/llvm-19/bin/llvm-cov >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq llvm-19 >/dev/null
fi
export LLVM_COV=/usr/lib/llvm-19/bin/llvm-cov
export LLVM_PROFDATA=/usr/lib/llvm-19/bin/llvm-profdata

tools="$HOME/.cache/leadgen-tools"
if ! "$tools/bin/cargo-llvm-cov" llvm-cov --version 2>/dev/null | grep -q "0.9.1"; then
  CARGO_TARGET_DIR="$HOME/.cache/leadgen-tools-build" \
    cargo install cargo-llvm-cov --version 0.9.1 --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"

# The instrumented build lives apart from the test command's.
export CARGO_TARGET_DIR="$HOME/.cache/leadgen-coverage"
cargo llvm-cov clean --workspace
# Failing tests still leave their coverage; the summary is what this reports.
cargo llvm-cov --workspace --no-report --no-fail-fast || true
cargo llvm-cov report --workspace --summary-only | tee "$CARGO_TARGET_DIR/summary.txt"
cargo llvm-cov report --workspace --html >/dev/null
# Lines covered per crate folder (columns 8 and 9 of the summary: lines, missed lines).
awk '$1 ~ /^(core|api|worker|src)\// { split($1, p, "/"); n[p[1]] += $8; m[p[1]] += $9 }
     END { for (c in n) printf "%s/: %d of %d lines covered (%.1f%%)\n", c, n[c] - m[c], n[c], 100 * (n[c] - m[c]) / n[c] }' \
  "$CARGO_TARGET_DIR/summary.txt" | sort
