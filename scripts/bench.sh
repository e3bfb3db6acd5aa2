#!/usr/bin/env bash
# Throughput of `import clerk` against floors measured in the same run on
# the same data (issue 8), for 100k and 400k synthetic Clerk users:
#   preview --file  vs a decode-only pass (encoding/json into a small struct)
#   run --file      vs a raw insert of the same rows: those the run wrote,
#                   copied value for value (prepared statements, 5,000 users
#                   per transaction, same schema); each the mean of two, in
#                   the order run, insert, insert, run
#   peak RSS of the CLI's preview at both sizes, and its growth
#   API preview     (in-process emulator: sk_live limits, 300 ms per page,
#                   a fresh instance for each preview so none starts with
#                   its allowance spent by the one before)
#                   vs a file preview of the same users in the same process
#                   (order API, file, API without latency twice, file, API;
#                   means of two runs each); the latency-free runs show what
#                   the walk costs beside the round trips no walk avoids;
#                   the CPU seconds of each tell a slow walk from a busy machine
# plus BenchmarkImport (users/s and peak live heap, 10k and 100k), and the
# same sizes imported into PostgreSQL vs a raw COPY (scripts/bench-postgres.sh).
# Speed is judged only by these ratios, never by a timed test.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${BENCH_SIZES:-"100000 400000"}

go test ./importer -run '^$' -bench BenchmarkImport -benchtime 1x -count 1 | grep -E 'Benchmark|ok'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ascendkit" .
go build -o "$tmp/benchfloor" ./scripts/benchfloor
go build -o "$tmp/genusers" ./scripts/genusers

# field KEY LINE: the value of KEY=… in a benchfloor line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
# cli MODE N: runs the CLI under /usr/bin/time -v, into a fresh database;
# prints "seconds maxrss_kib", or what went wrong (and fails).
# Call it as out=$(cli …), so that set -e sees a failure.
cli() {
  rm -f "$tmp/$1-$2.db"*
  if ! /usr/bin/time -v "$tmp/ascendkit" --env "local:$tmp/$1-$2.db" import clerk "$1" \
    --file "$tmp/clerk-$2.json" --json >/dev/null 2>"$tmp/time-$1-$2"; then
    cat "$tmp/time-$1-$2" >&2
    return 1
  fi
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
              /Maximum resident set size/ { rss = $2 }
              END { printf "%.2f %d\n", s, rss }' "$tmp/time-$1-$2"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a + b) / 2 }'; }
# insert N: the raw-insert floor, in seconds: the rows the last run of N
# users wrote, into a fresh database.
insert() {
  local line
  rm -f "$tmp/floor-$1.db"*
  line=$("$tmp/benchfloor" insert "$tmp/run-$1.db" "$tmp/floor-$1.db") || return 1
  field seconds "$line"
}

declare -A rss
for n in $sizes; do
  "$tmp/genusers" -n "$n" -o "$tmp/clerk-$n.json"
  line=$("$tmp/benchfloor" decode "$tmp/clerk-$n.json")
  decode=$(field seconds "$line")
  out=$(cli preview "$n")
  read -r preview rss[$n] <<<"$out"
  # The disk's speed drifts by a quarter from one minute to the next here,
  # so the run and its floor go run, insert, insert, run, and each is the
  # mean of its two.
  out=$(cli run "$n")
  read -r run1 _ <<<"$out"
  insert1=$(insert "$n")
  insert2=$(insert "$n")
  out=$(cli run "$n")
  read -r run2 _ <<<"$out"
  insert=$(mean "$insert1" "$insert2") runs=$(mean "$run1" "$run2")
  api=$("$tmp/benchfloor" api "$n" "$tmp/clerk-$n.json")
  apis=$(field api_seconds "$api")
  files=$(field file_seconds "$api")
  echo "== $n users"
  printf '  preview --file  %7.2f s   decode-only floor %6.2f s   ratio %s×  (goal ≤ 1.3×)\n' \
    "$preview" "$decode" "$(ratio "$preview" "$decode")"
  printf '  run --file      %7.2f s   raw-insert floor  %6.2f s   ratio %s×  (goal ≤ 1.3×)   [run %s, insert %s, insert %s, run %s]\n' \
    "$runs" "$insert" "$(ratio "$runs" "$insert")" "$run1" "$insert1" "$insert2" "$run2"
  printf '  peak RSS, preview --file: %.1f MB\n' "$(ratio "${rss[$n]}" 1024)"
  printf '  API preview     %7.2f s = %6.0f users/s (%s list requests, %s refused with 429, CPU %s s); file preview in the same process %6.2f s = %6.0f users/s (CPU %s s); ratio %s×  (goal ≥ 0.9×)\n' \
    "$apis" "$(ratio "$n" "$apis")" "$(field api_requests "$api")" "$(field api_throttled "$api")" "$(field api_cpu "$api")" \
    "$files" "$(ratio "$n" "$files")" "$(field file_cpu "$api")" "$(ratio "$files" "$apis")"
  api0=$(field api0_seconds "$api")
  printf '    the same API preview without the 300 ms latency %6.2f s (ratio %s×): the walk'"'"'s own cost; the rest is waiting on round trips\n' \
    "$api0" "$(ratio "$files" "$api0")"
done
set -- $sizes
if [ $# -ge 2 ]; then
  a=${rss[$1]} b=${rss[${!#}]}
  printf '== peak RSS growth, preview %s → %s users: %.1f → %.1f MB = %+.0f %%  (goal < +20 %%)\n' \
    "$1" "${!#}" "$(ratio "$a" 1024)" "$(ratio "$b" 1024)" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) * 100 / a }')"
fi

# The same sizes into PostgreSQL, against a raw COPY of the same rows
# (issue 10): scripts/bench-postgres.sh starts a throwaway cluster unless
# $ASCENDKIT_TEST_POSTGRES names one. BENCH_NO_POSTGRES=1 leaves it out.
if [ -z "${BENCH_NO_POSTGRES:-}" ]; then
  echo "== PostgreSQL"
  BENCH_SIZES="$sizes" bash scripts/bench-postgres.sh
fi
