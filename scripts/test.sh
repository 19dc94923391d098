#!/usr/bin/env bash
# Everything CI runs: lint, types, the suite on SQLite, then again on PostgreSQL when it answers.
# Under CI=true a missing PostgreSQL or browser is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== lint"
make --no-print-directory lint
echo "== types"
$BIN/mypy .

# The suite runs on every core (pytest-xdist), a test file to a worker: each worker has its own database and Chromium,
# and a file's module-scoped fixtures are made once.
PARALLEL=(-n auto --dist loadfile)

echo "== tests on SQLite"
$BIN/pytest "${PARALLEL[@]}" -m "not postgres" "$@"

pg_url=${HIROBA_TEST_POSTGRES_URL:-}
if [ -z "$pg_url" ] && $BIN/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgresql://postgres@127.0.0.1:5432/postgres"
fi

if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL ($pg_url)"
  # Browser tests (marked `browser`: Chromium through Playwright) run in the SQLite pass only. What they add to the
  # services' and pages' own tests, which run here too (races included), is markup, JavaScript and journeys through
  # pages, which no database changes; the accessibility crawl checks templates.
  HIROBA_TEST_DATABASE_URL="$pg_url" $BIN/pytest "${PARALLEL[@]}" -m "not browser" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432 and HIROBA_TEST_POSTGRES_URL is unset: CI needs it." >&2
  exit 1
else
  echo "NOTICE: PostgreSQL not reachable; skipped the PostgreSQL run (set HIROBA_TEST_POSTGRES_URL)."
fi
