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

echo "== tests on SQLite"
$BIN/pytest -m "not postgres" "$@"

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
  # The accessibility crawl checks templates, which do not depend on the database: it runs in the SQLite pass only.
  # So do the voting pages' browser tests: what they add to the services' own PostgreSQL tests (test_elections,
  # test_threshold, test_credentials, with their races) is JavaScript and markup, which no database changes.
  HIROBA_TEST_DATABASE_URL="$pg_url" $BIN/pytest --ignore=tests/browser/test_accessibility.py \
    --ignore=tests/browser/test_voting_booth.py --ignore=tests/browser/test_voting_committee.py \
    --ignore=tests/browser/test_voting_authority.py --ignore=hiroba/voting/tests/test_booth_crypto.py "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432 and HIROBA_TEST_POSTGRES_URL is unset: CI needs it." >&2
  exit 1
else
  echo "NOTICE: PostgreSQL not reachable; skipped the PostgreSQL run (set HIROBA_TEST_POSTGRES_URL)."
fi
