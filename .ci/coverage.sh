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
cargo llvm-cov report --summary-only | tee "$CARGO_TARGET_DIR/summary.txt"
cargo llvm-cov report --html >/dev/null
awk '$1 ~ /^core\// { lines += $8; missed += $9 }
     END { if (lines > 0) printf "core/: %d of %d lines covered (%.1f%%)\n", lines - missed, lines, 100 * (lines - missed) / lines }' \
  "$CARGO_TARGET_DIR/summary.txt"
