#!/usr/bin/env bash
# Prints, for 100k and 400k synthetic Clerk users imported from an export
# file into a fresh PostgreSQL environment by the CLI: users/s, the CLI's
# CPU seconds and max RSS, and the ratio of the import's time to a raw COPY of the same
# rows into the same tables, measured in the same run (goal <= 1.5x).
# With --1m it also imports 1M users into PostgreSQL and into SQLite and
# prints both max RSS figures (goal: PostgreSQL's no higher).
#
# The server is $ASCENDKIT_TEST_POSTGRES, or a throwaway cluster started
# with scripts/pg-up.sh (and stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

# BENCH_SIZES overrides the sizes ("" with --1m runs the 1M case alone).
read -r -a sizes <<<"${BENCH_SIZES-100000 400000}"
big=""
[ "${1:-}" = "--1m" ] && big=1000000

tmp=$(mktemp -d)
cleanup() {
  [ -n "${started_pg:-}" ] && bash scripts/pg-up.sh stop "$ASCENDKIT_PG_DIR"
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "${ASCENDKIT_TEST_POSTGRES:-}" ]; then
  eval "$(bash scripts/pg-up.sh)"
  started_pg=1
fi
base=$ASCENDKIT_TEST_POSTGRES
sep='?'; case "$base" in *\?*) sep='&' ;; esac

go build -o "$tmp/ascendkit" .
go build -o "$tmp/pgcopybench" ./scripts/pgcopybench

schema_url() { echo "${base}${sep}search_path=$1"; }
# Quiet: a dropped schema would list every table it cascades to.
psql_base() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$base" "$@"; }

for n in ${sizes[@]+"${sizes[@]}"} $big; do
  go run ./scripts/genusers -n "$n" -o "$tmp/clerk-$n.json"
  schema="bench_import_$n"
  psql_base -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  start=$(date +%s.%N)
  /usr/bin/time -o "$tmp/time" -f "%M %U %S" \
    "$tmp/ascendkit" --env "$(schema_url "$schema")" import clerk run --file "$tmp/clerk-$n.json" --json >"$tmp/report.json"
  end=$(date +%s.%N)
  read -r rss usr sys <"$tmp/time"
  imported=$(grep -o '"imported": *[0-9]*' "$tmp/report.json" | head -1 | grep -o '[0-9]*$')
  read -r copy_s rows < <("$tmp/pgcopybench" -url "$base" -from "$schema")
  awk -v n="$n" -v imp="$imported" -v s="$start" -v e="$end" -v c="$copy_s" -v rows="$rows" -v rss="$rss" -v cpu="$usr $sys" 'BEGIN {
    t = e - s
    split(cpu, u, " ")
    printf "postgres run %d users: %d imported in %.2f s (CLI CPU %.2f s) = %.0f users/s, max RSS %d KiB; raw COPY of the same %d rows %.2f s; ratio %.2fx\n",
      n, imp, t, u[1] + u[2], imp / t, rss, rows, c, t / c
  }'
  psql_base -c "DROP SCHEMA $schema CASCADE"
  if [ "$n" = "$big" ]; then
    /usr/bin/time -o "$tmp/time" -f "%M" \
      "$tmp/ascendkit" --env "local:$tmp/big.db" import clerk run --file "$tmp/clerk-$n.json" --json >/dev/null
    echo "sqlite run $n users: max RSS $(cat "$tmp/time") KiB (postgres: $rss KiB)"
  fi
  rm -f "$tmp/clerk-$n.json"
done
