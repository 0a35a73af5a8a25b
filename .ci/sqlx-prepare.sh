#!/usr/bin/env bash
# Regenerates .sqlx/, the query data that lets the product's SQL be checked at compile time
# without a database. Run it after changing a query or a migration:
#
#   bash .ci/sqlx-prepare.sh            # rewrite .sqlx/
#   bash .ci/sqlx-prepare.sh --check    # fail if .sqlx/ is out of date
#
# It migrates a scratch database on the local PostgreSQL (127.0.0.1:5432, or $LEADGEN_TEST_DATABASE_URL),
# runs `cargo sqlx prepare` against it and keeps only the product's queries: the queue library
# checks its own SQL with the same macros, and its entries would otherwise land here too.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${LEADGEN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}"
db="leadgen_sqlx_prepare_$$"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leadgen-target}"

if ! command -v cargo-sqlx >/dev/null 2>&1; then
  cargo install sqlx-cli --version 0.9.0 --locked --no-default-features --features postgres,rustls
fi

psql "$server/postgres" -qc "CREATE DATABASE $db"
trap 'psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
# Apply both migration sets with psql: building the migrate command would itself need the
# query data this script makes.
apalis=$(cargo metadata --format-version 1 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(next(p["manifest_path"] for p in m["packages"] if p["name"] == "apalis-postgres"))')
for f in "$(dirname "$apalis")"/migrations/*.sql migrations/*.sql; do
  psql "$server/$db" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -f "$f" >/dev/null
done

saved=$(mktemp -d)
cp -r .sqlx "$saved"/
SQLX_OFFLINE=false DATABASE_URL="$server/$db" cargo sqlx prepare --workspace -- --all-targets -q
# Keep the entries whose SQL appears in the product's sources.
python3 - .sqlx <<'PY'
import json, pathlib, sys
sources = "".join(p.read_text() for ext in ("*.rs", "*.sql")
                  for p in pathlib.Path(".").glob(f"**/{ext}")
                  if "target" not in p.parts and not p.parts[0].startswith("."))
for f in pathlib.Path(sys.argv[1]).glob("query-*.json"):
    if json.loads(f.read_text())["query"] not in sources:
        f.unlink()
PY
if [ "${1:-}" = "--check" ]; then
  status=0
  diff -rq "$saved/.sqlx" .sqlx || status=1
  rm -rf .sqlx && mv "$saved/.sqlx" .sqlx
  if [ $status = 1 ]; then
    echo "The .sqlx query data is out of date: run bash .ci/sqlx-prepare.sh" >&2
    exit 1
  fi
  echo ".sqlx query data is up to date"
fi
