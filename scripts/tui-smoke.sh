#!/usr/bin/env bash
# Smoke test of the interactive wizard: runs the real binary's demo in tmux,
# walks every screen with send-keys and fails when an expected text does
# not appear on screen in time. Needs tmux.
#
#   scripts/tui-smoke.sh            # build, run, walk the demo
#   KEEP=1 scripts/tui-smoke.sh     # leave the tmux server running on failure
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "tui-smoke: tmux is required (apt-get install tmux)" >&2; exit 1; }

BIN=${BIN:-/tmp/ascendkit}
TIMEOUT=${TIMEOUT:-30}
SOCK="ascendkit-smoke-$$"
T=(tmux -L "$SOCK")

go build -o "$BIN" .

cleanup() {
	local rc=$?
	if [[ $rc -ne 0 && -n "${KEEP:-}" ]]; then
		echo "tui-smoke: tmux server kept: tmux -L $SOCK attach" >&2
		return
	fi
	"${T[@]}" kill-server 2>/dev/null || true
}
trap cleanup EXIT

# The pane stays open after the program ends so its last output can be read.
"${T[@]}" new-session -d -s smoke -x 100 -y 30 "env -u NO_COLOR TERM=xterm-256color $BIN demo; echo \"[exit \$?]\"; sleep 600"

screen() { "${T[@]}" capture-pane -t smoke -p; }

# wait_for TEXT: poll the screen until TEXT shows, or fail with the screen.
wait_for() {
	local text=$1 deadline=$((SECONDS + TIMEOUT))
	while ((SECONDS < deadline)); do
		if screen | grep -qF -- "$text"; then
			echo "ok: $text"
			return 0
		fi
		sleep 0.1
	done
	echo "tui-smoke: FAIL: \"$text\" did not appear within ${TIMEOUT}s; screen:" >&2
	screen >&2
	exit 1
}

keys() { "${T[@]}" send-keys -t smoke "$@"; }
type_text() { "${T[@]}" send-keys -t smoke -l "$1"; }

wait_for "development instance"
wait_for "users now"
keys Enter
wait_for "preview complete"
wait_for "Providers to enable"
keys Enter
wait_for "Duplicates and skipped users"
keys Tab
wait_for "showing"
keys Enter
wait_for "Start the import?"
keys y
wait_for "Import complete"
keys Enter
wait_for "Sender email"
type_text "migrations@acme.test"
keys Tab
type_text "Acme"
keys Tab
type_text "https://acme.test/login"
keys Tab
type_text "https://acme.test/reset"
keys C-s
wait_for "Migration journeys ready"
keys Enter
wait_for "Journeys (2)"
keys Enter
wait_for "not enrolled"
wait_for "Day 7"
keys a
wait_for "will be enrolled now by backfill"
keys y
wait_for "Activated:"
keys Escape
wait_for "enter open"
keys Tab
wait_for "migration-announcement"
keys Enter
wait_for "Subject"
keys Escape
wait_for "enter open"
keys q
wait_for "Import finished."
wait_for "Activated \"Migration announcement\""
wait_for "[exit 0]"
echo "tui-smoke: PASS"
