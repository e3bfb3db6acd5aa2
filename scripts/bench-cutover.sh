#!/usr/bin/env bash
# Measures the cut-over safety nets: 1,000 bcrypt checks at Clerk's cost 10
# (what `auth check-password` does per user), and undoing a 100k-user run
# (one transaction) plus re-importing after the undo.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./client/ascendkit/passhash -run '^$' -bench BcryptCost10 -benchtime 1000x -count 1 |
  awk '/^BenchmarkBcryptCost10/ { printf "1,000 bcrypt cost-10 checks: %.2f s (%.1f ms each)\n", $3*1000/1e9, $3/1e6 }'

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ascendkit" .
go run ./scripts/genusers -n 100000 -o "$tmp/clerk.json"
env="local:$tmp/env.db"
/usr/bin/time -f "run 100000 users: %e s, max RSS %M KiB" \
  "$tmp/ascendkit" --env "$env" import clerk run --file "$tmp/clerk.json" --json >"$tmp/run.json"
run=$(sed -n 's/^  "runId": "\(run_[0-9a-f]*\)".*/\1/p' "$tmp/run.json")
imported=$(sed -n '/"users": {/,/}/ s/^    "imported": \([0-9]*\).*/\1/p' "$tmp/run.json")
echo "run $run imported $imported users"
/usr/bin/time -f "undo $imported users: %e s, max RSS %M KiB" \
  "$tmp/ascendkit" --env "$env" import undo "$run" --yes >/dev/null
"$tmp/ascendkit" --env "$env" user list --json | grep -c '"usr_' | sed 's/^/users left after undo: /' || true
/usr/bin/time -f "re-run after undo: %e s" \
  "$tmp/ascendkit" --env "$env" import clerk run --file "$tmp/clerk.json" --json >"$tmp/again.json"
sed -n '/"users": {/,/}/ s/^    "imported": \([0-9]*\).*/imported again: \1/p' "$tmp/again.json"
