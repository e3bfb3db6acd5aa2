#!/usr/bin/env bash
# Prints users/s and peak live heap for preview and run at 10k and 100k
# synthetic Clerk users (streamed from an export file into a fresh SQLite
# environment), plus the whole CLI's max RSS for a 100k-user preview.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./importer -run '^$' -bench BenchmarkImport -benchtime 1x -count 1 | grep -E 'Benchmark|ok'

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ascendkit" .
go run ./scripts/genusers -n 100000 -o "$tmp/clerk.json"
for mode in preview run; do
  /usr/bin/time -f "cli $mode 100000 users: %e s, max RSS %M KiB" \
    "$tmp/ascendkit" --env "local:$tmp/$mode.db" import clerk $mode --file "$tmp/clerk.json" --json >/dev/null
done
