#!/usr/bin/env bash
# Regenerates screenshots/: one PNG per wizard screen, from tmux captures of
# the real binary's demo (capture-pane -e keeps the colours) rendered by
# freeze. Needs tmux and the Go toolchain (freeze runs with `go run`).
#
#   scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "screenshots: tmux is required (apt-get install tmux)" >&2; exit 1; }

BIN=${BIN:-/tmp/ascendkit}
OUT=${OUT:-screenshots}
TIMEOUT=${TIMEOUT:-30}
FREEZE=(go run github.com/charmbracelet/freeze@v0.2.2)
SOCK="ascendkit-shots-$$"
T=(tmux -L "$SOCK")
TMP=$(mktemp -d)

go build -o "$BIN" .
mkdir -p "$OUT"

cleanup() {
	"${T[@]}" kill-server 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# A 100×30 truecolor terminal. 30,000 demo users take two passes over the
# emulator's development rate limit (100 requests / 10 s), so the import
# pauses on it and its progress screen can be caught.
"${T[@]}" new-session -d -s shots -x 100 -y 30 \
	"env -u NO_COLOR TERM=xterm-256color COLORTERM=truecolor $BIN demo --users 30000; sleep 600"
"${T[@]}" set-option -t shots -g default-terminal "xterm-256color" >/dev/null

screen() { "${T[@]}" capture-pane -t shots -p; }

wait_for() {
	local text=$1 deadline=$((SECONDS + TIMEOUT))
	while ((SECONDS < deadline)); do
		if screen | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
	done
	echo "screenshots: \"$text\" did not appear; screen:" >&2
	screen >&2
	exit 1
}

keys() { "${T[@]}" send-keys -t shots "$@"; }
type_text() { "${T[@]}" send-keys -t shots -l "$1"; }

# shot NAME: capture the pane with its colours and render a PNG.
shot() {
	local name=$1
	sleep 0.3 # let the last frame land
	"${T[@]}" capture-pane -t shots -e -p >"$TMP/$name.ansi"
	"${FREEZE[@]}" --language ansi --window=false --padding 20 --font.size 14 \
		-o "$OUT/$name.png" "$TMP/$name.ansi" >/dev/null
	echo "wrote $OUT/$name.png"
}

wait_for "development instance"
wait_for "users now"
shot 1-source
keys Enter
wait_for "preview complete"
keys Down Down Space
wait_for "Selection changed"
shot 2-settings
keys Space
wait_for "preview complete"
keys Enter
wait_for "Duplicates and skipped users"
keys Tab
wait_for "default for duplicates"
keys Space
wait_for "merge 1)"
shot 3-duplicates
keys Space
wait_for "merge 0)"
keys Enter
wait_for "Start the import?"
shot 4-confirm
keys y
wait_for "Importing from"
shot 5-progress
wait_for "Import complete"
shot 5-summary
keys Enter
wait_for "Sender email"
type_text "migrations@acme.test"
keys Tab
type_text "Acme"
keys Tab
type_text "https://acme.test/login"
keys Tab
type_text "https://acme.test/reset"
shot 6-journeys-form
keys C-s
wait_for "Migration journeys ready"
shot 6-journeys
keys Enter
wait_for "Journeys (2)"
shot 7-browser
keys Enter
wait_for "Day 7"
keys a
wait_for "will be enrolled now by backfill"
shot 7-journey-activate
keys y
wait_for "Activated:"
shot 7-journey-active
keys Escape
wait_for "enter open"
keys Tab
wait_for "migration-announcement"
keys Enter
wait_for "Subject"
shot 7-template
keys q
