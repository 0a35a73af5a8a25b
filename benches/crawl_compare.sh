#!/usr/bin/env bash
# Crawler against Scrapy on the same sample web, one after the other in one run.
#
#   bash benches/crawl_compare.sh                     # 500 sites, every one known at the start
#   COMPANIES=800 bash benches/crawl_compare.sh
#   START=directory bash benches/crawl_compare.sh     # sites found through directory searches
#   PGSSLMODE=prefer bash benches/crawl_compare.sh    # TLS to the loopback Postgres, if it offers it
#
# Ours: the pipeline bench (benches/pipeline.rs) — API, workers and the sample web in one
# process, searches through the real API (domain lists, or one search per industry), the whole
# pipeline (fetch, extract, enrich, score, merge) against Postgres, the crawl stages on a
# runtime of their own so the crawler's CPU is measured apart. Scrapy: benches/crawl_compare/spider.py, installed
# into a temporary virtualenv, against `leadgen sample-web` with the same companies, seed and
# latency. Both obey robots.txt, send at most one request per second to a host, and fetch at
# most 8 pages per site. Nothing leaves the machine except pip's download of Scrapy from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPANIES="${COMPANIES:-500}"
START="${START:-domains}"
FETCH_CONCURRENCY="${FETCH_CONCURRENCY:-600}"
SEED="${SEED:-42}"
LATENCY_MS="${LATENCY_MS:-20-80}"
# Postgres on loopback without TLS, as docker-compose.yml runs it (its Postgres has no TLS);
# a machine's Postgres with ssl = on would otherwise encrypt every round trip on loopback.
export PGSSLMODE="${PGSSLMODE:-disable}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leadgen-target}"
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=never

work="$(mktemp -d -t crawl-compare.XXXXXX)"
web_pid=""
cleanup() {
  if [ -n "$web_pid" ]; then
    kill "$web_pid" 2>/dev/null || true
    wait "$web_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL on 127.0.0.1:5432 for ours (start the machine's cluster if it is down).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  cluster_version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
  for _ in $(seq 1 60); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
fi

# GNU time measures Scrapy's process from outside.
[ -x /usr/bin/time ] || apt_install time

say "temporary virtualenv with Scrapy ($work/venv)"
python=python3
if ! "$python" -m venv "$work/venv" >/dev/null 2>&1; then
  apt_install python3-venv
  python=/usr/bin/python3
  rm -rf "$work/venv"
  "$python" -m venv "$work/venv"
fi
"$work/venv/bin/pip" install -q --disable-pip-version-check scrapy
"$work/venv/bin/python" -c 'import scrapy; print("scrapy", scrapy.__version__)' >&2

say "release build"
cargo build --release
cargo bench --bench pipeline --no-run
leadgen="$CARGO_TARGET_DIR/release/leadgen"

say "ours: pipeline bench, $COMPANIES companies (seed $SEED, latency $LATENCY_MS ms, PGSSLMODE=$PGSSLMODE)"
LEADGEN_BENCH_COMPANIES="$COMPANIES" LEADGEN_BENCH_SEED="$SEED" LEADGEN_BENCH_START="$START" \
  LEADGEN_FETCH_CONCURRENCY="$FETCH_CONCURRENCY" \
  LEADGEN_BENCH_LATENCY_MS="$LATENCY_MS" LEADGEN_BENCH_DELAY_MS=1000 \
  cargo bench --bench pipeline | tee "$work/ours.txt" >&2
tail -n 1 "$work/ours.txt" >"$work/ours.json"
"$work/venv/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/ours.json" \
  || { echo "the pipeline bench printed no summary line" >&2; exit 1; }

say "Scrapy: same sample web served by \`leadgen sample-web\`"
port=$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$leadgen" sample-web --bind "127.0.0.1:$port" --companies "$COMPANIES" --seed "$SEED" \
  --latency-ms "$LATENCY_MS" >"$work/web.log" 2>&1 &
web_pid=$!
for _ in $(seq 1 100); do
  grep -q '^proxy URL:' "$work/web.log" && break
  kill -0 "$web_pid" 2>/dev/null || { cat "$work/web.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^proxy URL:' "$work/web.log" || { echo "sample web did not start" >&2; exit 1; }

industries=$("$work/venv/bin/python" -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["industries"]))' "$work/ours.json")
cities=$("$work/venv/bin/python" -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["cities"]))' "$work/ours.json")
"$work/venv/bin/python" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["domains"]))' "$work/ours.json" >"$work/domains.txt"
if [ "$START" = domains ]; then
  start_args=(--domains "$work/domains.txt")
else
  start_args=(--industries "$industries" --cities "$cities")
fi
/usr/bin/time -v -o "$work/scrapy.time" \
  "$work/venv/bin/python" benches/crawl_compare/spider.py \
  --proxy "http://127.0.0.1:$port" --out "$work/scrapy.json" \
  "${start_args[@]}" --log-level INFO \
  2> >(tee "$work/scrapy.log" | grep --line-buffered -E 'INFO: (Crawled|Spider (opened|closed))' >&2) \
  || { sleep 1; tail -n 40 "$work/scrapy.log" >&2; exit 1; }
kill "$web_pid" 2>/dev/null || true
wait "$web_pid" 2>/dev/null || true
web_pid=""

"$work/venv/bin/python" - "$work/ours.json" "$work/scrapy.json" "$work/scrapy.time" <<'PY'
import json, re, sys

ours = json.load(open(sys.argv[1]))
scrapy = json.load(open(sys.argv[2]))
gnu = {}
for line in open(sys.argv[3]):
    k, _, v = line.strip().partition(": ")
    gnu[k] = v
s_user = float(gnu.get("User time (seconds)", "nan"))
s_sys = float(gnu.get("System time (seconds)", "nan"))
s_rss = int(gnu.get("Maximum resident set size (kbytes)", "0")) / 1024

o_cpu = ours["cpu_crawler_per_1000_pages_s"]
o_cpu_crawl_pg = (ours["cpu_crawler_s"] + ours["cpu_postgres_crawler_s"]) * 1000 / max(ours["pages"], 1)
o_cpu_all = ours["cpu_leadgen_per_1000_pages_s"]
o_cpu_pg = (ours["cpu_leadgen_s"] + ours["cpu_postgres_s"]) * 1000 / max(ours["pages"], 1)
s_cpu = scrapy["cpu_per_1000_pages_s"]
ratio = ours["wall_over_floor"]

def f(x, p=1):
    return "n/a" if x is None else f"{x:,.{p}f}"

rows = [
    ("sites with pages", f"{ours['hosts']}", f"{scrapy['sites']}", ""),
    ("pages (status 200)", f"{ours['pages']} ({ours['pages_ok']})",
     f"{scrapy['pages']} ({scrapy['pages_ok']})", ""),
    ("requests to the sample web", f"{ours['requests']}", f"{scrapy['requests']}", ""),
    ("most sites in progress at once", f"{ours['max_sites_in_flight']}",
     f"{scrapy['max_sites_in_flight']}", ""),
    ("wall s", f(ours["wall_s"]), f(scrapy["wall_s"]), ""),
    ("politeness floor s (busiest host)",
     f"{f(ours['floor_s'])} ({ours['busiest_host']}, {ours['busiest_host_requests']} req)",
     f"{f(scrapy['floor_s'])} ({scrapy['busiest_host']}, {scrapy['busiest_host_requests']} req)", ""),
    ("wall / floor", f(ratio, 2), f(scrapy["wall_over_floor"], 2), "≤ 1.20"),
    ("floor along the critical path s",
     f"{f(ours['critical_path_floor_s'])} ({ours['critical_path_host']})",
     f"{f(scrapy['critical_path_floor_s'])} ({scrapy['critical_path_host']})", ""),
    ("wall / critical-path floor", f(ours["wall_s"] / ours["critical_path_floor_s"], 2),
     f(scrapy["wall_s"] / scrapy["critical_path_floor_s"], 2), ""),
    ("pages/s", f(ours["pages_per_s"], 2), f(scrapy["pages_per_s"], 2), ""),
    ("CPU s per 1,000 pages (crawler)", f(o_cpu, 2), f(s_cpu, 2),
     f"≤ {f(s_cpu / 3, 2)} (⅓ of Scrapy)"),
    ("  same, with the crawler's Postgres backends", f(o_cpu_crawl_pg, 2), "", ""),
    ("  whole pipeline (+ extract, enrich, score, merge, API)", f(o_cpu_all, 2), "", ""),
    ("  whole pipeline + all its Postgres backends", f(o_cpu_pg, 2), "", ""),
    ("peak RSS MiB", f(ours["peak_rss_mib"]), f(s_rss), "< 300"),
]
print()
print(f"crawler against Scrapy — {ours['companies']} companies ({ours['start']}), seed {ours['seed']}, "
      f"latency {ours['latency_ms'][0]}–{ours['latency_ms'][1]} ms, 1 request/s per host, "
      f"8 pages per site (Scrapy {scrapy['scrapy_version']})")
print()
print("| | ours | Scrapy | goal |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print(f"ours: CPU counted from the first search to the last one finished: the crawler's runtime "
      f"(discover, fetch, render; {f(ours['cpu_crawler_s'], 2)} s, its Postgres backends "
      f"{f(ours['cpu_postgres_crawler_s'], 2)} s), the whole of leadgen's API + workers "
      f"({f(ours['cpu_leadgen_s'], 2)} s; the in-process sample web's {f(ours['cpu_sample_web_s'], 2)} s "
      f"left out), all Postgres backends {f(ours['cpu_postgres_s'], 2)} s; fetch concurrency "
      f"{ours['fetch_concurrency']}; searches "
      f"{ours['searches_completed']}/{ours['searches']} completed"
      f"{', TIMED OUT' if ours['timed_out'] else ''}.")
if ours["start"] == "domains":
    print("floor: every site is known at the start, so it is the slowest host's own requests one "
          "delay (or its robots.txt Crawl-delay) apart.")
else:
    print("floor: the busiest host's requests one delay apart; along the critical path: a site's "
          "directory page (directory pages one delay apart, in the order read), then the site's own "
          "requests one delay (or its robots.txt Crawl-delay) apart, the latest such site.")
print(f"Scrapy: CPU counted from spider open to close ({f(scrapy['cpu_crawl_s'], 2)} s); "
      f"whole process incl. start-up {f(s_user + s_sys, 2)} s, wall {gnu.get('Elapsed (wall clock) time (h:mm:ss or m:ss)', '?')}; "
      f"{scrapy['retries']} retries, {scrapy['robots_forbidden']} URLs forbidden by robots.txt, "
      f"Crawl-delay applied on {scrapy['crawl_delay_hosts']} hosts.")
verdict = lambda ok: "met" if ok else "MISSED"
print()
print(f"goals: wall within 1.2× of the floor: {verdict(ratio is not None and ratio <= 1.2)} ({f(ratio, 2)}×); "
      f"CPU per page ≤ ⅓ of Scrapy's: {verdict(o_cpu is not None and o_cpu <= s_cpu / 3)} "
      f"({f(o_cpu / s_cpu, 2)}× Scrapy's); "
      f"peak RSS < 300 MB: {verdict(ours['peak_rss_mib'] < 300)} ({f(ours['peak_rss_mib'])} MiB).")
PY
