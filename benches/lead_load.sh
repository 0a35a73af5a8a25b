#!/usr/bin/env bash
# The lead store under load: N seeded leads (default 1,000,000), the API's read endpoints hit by
# oha at high concurrency, side by side with the same SQL run straight against Postgres by
# pgbench (what the database alone takes, so the difference is the API's own cost), and the CSV
# export of every lead timed with the server's peak memory.
#
#   bash benches/lead_load.sh                       # 1,000,000 leads, 1,000 connections, 15 s each
#   LEADS=200000 CONNS=200 DURATION=10s bash benches/lead_load.sh
#   REUSE=1 bash benches/lead_load.sh               # keep the seeded database of an earlier run
#
# Needs: the machine's PostgreSQL (started if down), pgbench (a PostgreSQL server tool), and
# oha (crates.io; installed into ~/.cache/leadgen-tools on first use). Nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

LEADS="${LEADS:-1000000}"
CONNS="${CONNS:-1000}"
DB_CONNS="${DB_CONNS:-20}"
DURATION="${DURATION:-15s}"
PORT="${PORT:-18080}"
SERVER="${LEADGEN_BENCH_DATABASE:-postgres://postgres@127.0.0.1:5432}"
DB="leadgen_load_${LEADS}"
export PGSSLMODE="${PGSSLMODE:-disable}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leadgen-release}"
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=never
tools="$HOME/.cache/leadgen-tools"

work="$(mktemp -d -t lead-load.XXXXXX)"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*" >&2; }

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)

say "building leadgen (release)"
cargo build --release --bin leadgen
bin="$CARGO_TARGET_DIR/release/leadgen"
if [ ! -x "$tools/bin/oha" ]; then
  say "installing oha"
  cargo install oha --version 1.16.0 --locked --root "$tools"
fi
oha="$tools/bin/oha"
ulimit -n 65536 2>/dev/null || true

export DATABASE_URL="$SERVER/$DB"
have=$(psql "$SERVER/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [ "${REUSE:-0}" = 1 ] && [ "$have" = 1 ]; then
  say "reusing $DB"
  "$bin" migrate >/dev/null
else
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -qc "CREATE DATABASE $DB"
  "$bin" migrate >/dev/null
  say "seeding $LEADS leads"
  "$bin" seed --leads "$LEADS" | tee "$work/seed.txt"
fi
# Counting and sorting use index-only scans once the visibility map is set, as autovacuum
# would leave a table that has been in use for a while.
psql "$DATABASE_URL" -qc "VACUUM ANALYZE leads, companies, contacts, job_results"

say "starting the API"
echo "bench password for the load test" | "$bin" user create --email bench@leadgen.example --role admin >/dev/null 2>&1 || true
base="http://127.0.0.1:$PORT"
start_api() {
  # A fixed signing key, so a token outlives a restart of the API.
  LEADGEN_JWT_SECRET="lead-load-bench-signing-key-0123456789abcdef" \
  LEADGEN_BIND="127.0.0.1:$PORT" LEADGEN_RATE_LIMITS="auth=1000/s,read=1000000/s,export=1000/s" \
    RUST_LOG=warn "$bin" api >>"$work/api.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 100); do curl -sf "$base/api/v1/health/ready" >/dev/null && break; sleep 0.2; done
}
start_api
token=$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@leadgen.example","password":"bench password for the load test"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
lead=$(psql "$DATABASE_URL" -Atc "SELECT id FROM leads WHERE origin = 'discovered' ORDER BY lead_score DESC LIMIT 1")
email=$(psql "$DATABASE_URL" -Atc "SELECT split_part(email, '@', 1) FROM leads WHERE origin = 'inbound' LIMIT 1")
industry=$(psql "$DATABASE_URL" -Atc "SELECT industry FROM companies LIMIT 1")

# name|API path|SQL the API runs for it (files and parameters, one statement per line)
cases=(
  "list (best first)|/api/v1/leads?limit=25|list||counter|"
  "filter (status + industry)|/api/v1/leads?limit=25&status=QUALIFIED&industry=$industry|list|6='QUALIFIED';8='$industry'|count|4='QUALIFIED';6='$industry'"
  "filter (status)|/api/v1/leads?limit=25&status=QUALIFIED|list|6='QUALIFIED'|counter|status = 'QUALIFIED'"
  "sort (name A-Z)|/api/v1/leads?limit=25&sort=name&order=asc|list|12='name';13=true|counter|"
  "search (email)|/api/v1/leads?limit=25&q=$email|list|11='%$email%'|count|9='%$email%'"
  "search (company name)|/api/v1/leads?limit=25&q=golden%20smile|list|11='%golden smile%'|count|9='%golden smile%'"
  "search (status word)|/api/v1/leads?limit=25&q=converted|list|11='%converted%';14='{CONVERTED}'::text[]|count|9='%converted%';10='{CONVERTED}'::text[]"
  "lead detail|/api/v1/leads/$lead|detail|1='$lead'||"
  "analytics (all leads)|/api/v1/analytics/summary|analytics|1=NULL::uuid;2=70;3=40||"
)
LIST_DEFAULTS="1=NULL::uuid 2=NULL::int 3=25 4=0 5=NULL::text 6=NULL::text 7=NULL::uuid 8=NULL::text 9=NULL::timestamptz 10=NULL::timestamptz 11=NULL::text 12='score' 13=false 14='{}'::text[] 15=NULL::int 16=true"
COUNT_DEFAULTS="1=NULL::uuid 2=NULL::int 3=NULL::text 4=NULL::text 5=NULL::uuid 6=NULL::text 7=NULL::timestamptz 8=NULL::timestamptz 9=NULL::text 10='{}'::text[] 11=NULL::int"
sql_of() { # kind params → one SQL statement with the parameters written in
  local kind="$1" params="$2" file defaults=""
  case "$kind" in
    # The total the API reads from lead_counts when only origin and status filter.
    counter) echo "SELECT coalesce(sum(n), 0) FROM lead_counts WHERE ${params:-true};"; return ;;
    list) file=core/src/repo/leads_list.sql; defaults="$LIST_DEFAULTS" ;;
    count) file=core/src/repo/leads_count.sql; defaults="$COUNT_DEFAULTS" ;;
    detail) file=core/src/repo/lead_detail.sql ;;
    analytics) file=core/src/repo/analytics.sql ;;
  esac
  local -a extra=()
  [ -n "$params" ] && IFS=';' read -r -a extra <<<"$params"
  # shellcheck disable=SC2086
  python3 benches/lead_load/bind.py "$file" $defaults "${extra[@]}"
}

oha_run() { # conns url → "p50 p99 rps ok%"
  "$oha" -z "$DURATION" -c "$1" --no-tui --output-format json -H "Authorization: Bearer $token" "$2" |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
codes = r.get("statusCodeDistribution", {})
total = sum(codes.values()) or 1
ok = codes.get("200", 0)
p = r["latencyPercentiles"]
ms = lambda v: "-" if v is None else "%.1f" % (v * 1000)
# Requests still open when the time is up are counted apart (aborted), not as failures.
print("%s %s %.0f %.1f" % (ms(p["p50"]), ms(p["p99"]), r["summary"]["requestsPerSec"] or 0, 100.0 * ok / total))'
}

pgbench_run() { # script → "p50 p99 tps"
  (cd "$work" && rm -f pgbench_log.* && "$pgbench" -n -c "$DB_CONNS" -j 2 -T "${DURATION%s}" -l -f "$1" "$DATABASE_URL" >/dev/null 2>"$work/pgbench.err") || cat "$work/pgbench.err" >&2
  { cat "$work"/pgbench_log.* 2>/dev/null || true; } | python3 -c '
import sys
lat = sorted(int(l.split()[2]) for l in sys.stdin if l.strip())
n = len(lat)
q = lambda f: lat[min(n - 1, int(f * n))] / 1000.0 if n else float("nan")
secs = float(sys.argv[1])
print("%.1f %.1f %.0f" % (q(0.50), q(0.99), n / secs))' "${DURATION%s}"
}

say "measuring: API at $CONNS and $DB_CONNS connections (oha), the same SQL at $DB_CONNS (pgbench), $DURATION each"
printf '%-28s | %-29s | %-29s | %-22s\n' "" "API @ $CONNS conns" "API @ $DB_CONNS conns" "SQL @ $DB_CONNS (pgbench)" > "$work/table"
printf '%-28s | %8s %8s %11s | %8s %8s %11s | %8s %8s %6s\n' "request" "p50 ms" "p99 ms" "req/s (ok%)" "p50 ms" "p99 ms" "req/s (ok%)" "p50 ms" "p99 ms" "tx/s" >> "$work/table"
for c in "${cases[@]}"; do
  IFS='|' read -r name path k1 p1 k2 p2 <<<"$c"
  script="$work/script.sql"
  { echo "BEGIN;"; sql_of "$k1" "$p1"; [ -n "$k2" ] && sql_of "$k2" "$p2"; echo "COMMIT;"; } > "$script"
  read -r a50 a99 arps aok <<<"$(oha_run "$CONNS" "$base$path")"
  read -r b50 b99 brps bok <<<"$(oha_run "$DB_CONNS" "$base$path")"
  read -r s50 s99 stps <<<"$(pgbench_run "$script")"
  printf '%-28s | %8s %8s %5s (%3.0f) | %8s %8s %5s (%3.0f) | %8s %8s %6s\n' \
    "$name" "$a50" "$a99" "$arps" "$aok" "$b50" "$b99" "$brps" "$bok" "$s50" "$s99" "$stps" >> "$work/table"
done

say "CSV export of every lead (a fresh API process, so its memory is the export's)"
kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
start_api
peak="$work/peak_rss"
echo 0 > "$peak"
( while kill -0 "$api_pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$api_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$(cat "$peak")" ] && echo "$rss" > "$peak"
    sleep 0.05
  done ) &
sampler=$!
start=$(date +%s.%N)
rows=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/export/csv" | tail -n +2 | wc -l)
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
secs=$(python3 -c "print(round($end - $start, 2))")

echo
cat "$work/table"
[ -f "$work/seed.txt" ] && { echo; cat "$work/seed.txt"; }
python3 -c "print('CSV export: %d rows in %.2f s = %.0f rows/s; API peak RSS %.0f MiB' % ($rows, $secs, $rows / $secs, $(cat "$peak") / 1024))"
