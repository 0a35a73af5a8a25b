# Sourced by the test and coverage commands: starts and installs what the tests need and sets
# the environment they read.

# PostgreSQL on 127.0.0.1:5432 (trust auth) — start the machine's cluster if it is down.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  cluster_version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
fi
for _ in $(seq 1 60); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

# Headless Chromium and chromedriver for the rendering tests, a real SMTP server (aiosmtpd)
# for the email tests and the ClamAV daemon for the upload tests (Debian packages; the tests
# start clamd themselves with a local EICAR signature, so no signature download is needed).
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 \
   || ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || ! command -v clamd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver python3-aiosmtpd clamav-daemon >/dev/null
fi

# schemathesis (PyPI) in a virtualenv outside the clone, for the API contract test.
venv="$HOME/.cache/leadgen-venv"
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "4.32.5"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5
fi
export LEADGEN_SCHEMATHESIS="$venv/bin/schemathesis"

# openapi-spec-validator (PyPI), in a virtualenv of its own, lints the OpenAPI document.
lint_venv="$HOME/.cache/leadgen-lint-venv"
if [ ! -x "$lint_venv/bin/openapi-spec-validator" ]; then
  rm -rf "$lint_venv"
  python3 -m venv "$lint_venv"
  "$lint_venv/bin/pip" install -q openapi-spec-validator==0.7.2
fi
export LEADGEN_OPENAPI_VALIDATOR="$lint_venv/bin/openapi-spec-validator"
# axe-core (npm) for the accessibility checks the browser tests run in Chromium.
npm_dir="$HOME/.cache/leadgen-npm"
if [ ! -f "$npm_dir/node_modules/axe-core/axe.min.js" ]; then
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" axe-core@4.14.1
fi
export LEADGEN_AXE="$npm_dir/node_modules/axe-core/axe.min.js"

# Reuse one build directory across clones so warm runs are fast.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leadgen-target}"
export CARGO_TERM_COLOR=never
# SQL is checked at compile time against the committed query data in .sqlx/, not a live database.
export SQLX_OFFLINE=true
