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
"$tmp/ascendkit" --env "$env" user list --all --json | grep -c '"usr_' | sed 's/^/users left after undo: /' || true
/usr/bin/time -f "re-run after undo: %e s" \
  "$tmp/ascendkit" --env "$env" import clerk run --file "$tmp/clerk.json" --json >"$tmp/again.json"
sed -n '/"users": {/,/}/ s/^    "imported": \([0-9]*\).*/imported again: \1/p' "$tmp/again.json"

# The --passwords join at 1M digests (100k matching the source, 900k not):
# peak RSS should stay near the plain preview's.
go run ./scripts/genpasswords -users 100000 -extra 900000 -o "$tmp/passwords.json"
/usr/bin/time -f "preview 100000 users: %e s, max RSS %M KiB" \
  "$tmp/ascendkit" --env "local:$tmp/p.db" import clerk preview --file "$tmp/clerk.json" --json >/dev/null
/usr/bin/time -f "preview 100000 users + 1M-digest passwords file: %e s, max RSS %M KiB" \
  "$tmp/ascendkit" --env "local:$tmp/p.db" import clerk preview --file "$tmp/clerk.json" --passwords "$tmp/passwords.json" --json >"$tmp/pw.json"
grep -A7 '^  "passwords": {' "$tmp/pw.json" | tr -s ' \n' ' '; echo
