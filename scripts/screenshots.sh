#!/usr/bin/env bash
# Regenerates screenshots/: one PNG per wizard screen, from tmux captures of
# the real binary's demo (capture-pane -e keeps the colours) rendered by
# freeze. Needs tmux, perl and the Go toolchain (freeze runs with `go run`);
# pngquant is used when installed.
#
#   scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "screenshots: tmux is required (apt-get install tmux)" >&2; exit 1; }

BIN=${BIN:-/tmp/ascendkit}
OUT=${OUT:-screenshots}
TIMEOUT=${TIMEOUT:-30}
FREEZE=(go run github.com/charmbracelet/freeze@v0.2.2)
FONT_SIZE=${FONT_SIZE:-7}
PNGQUANT=$(command -v pngquant || true)
[[ -n "$PNGQUANT" ]] || echo "screenshots: pngquant not found: PNGs stay uncompressed (~400 KB each)" >&2
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

wait_re() {
	local re=$1 deadline=$((SECONDS + TIMEOUT))
	while ((SECONDS < deadline)); do
		if screen | grep -qE -- "$re"; then
			return 0
		fi
		sleep 0.1
	done
	echo "screenshots: /$re/ did not appear; screen:" >&2
	screen >&2
	exit 1
}

wait_gone() {
	local text=$1 deadline=$((SECONDS + TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! screen | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
	done
	echo "screenshots: \"$text\" did not go away; screen:" >&2
	screen >&2
	exit 1
}

keys() { "${T[@]}" send-keys -t shots "$@"; }
type_text() { "${T[@]}" send-keys -t shots -l "$1"; }

# shot NAME: capture the pane with its colours and render a PNG. The
# capture's attributes are restated on every line (sgr-normalize.pl) so
# freeze draws them as the terminal does. freeze renders PNGs at 4× its
# font size: 7 gives 1610×1220 for 100×30 cells, sharp enough for the
# README; pngquant (apt-get install pngquant), when present, cuts each
# file to a tenth with no visible change.
shot() {
	local name=$1
	sleep 0.3 # let the last frame land
	"${T[@]}" capture-pane -t shots -e -p | perl scripts/sgr-normalize.pl >"$TMP/$name.ansi"
	"${FREEZE[@]}" --language ansi --window=false --padding 10 --font.size "$FONT_SIZE" \
		-o "$OUT/$name.png" "$TMP/$name.ansi" >/dev/null
	if [[ -n "$PNGQUANT" ]]; then
		"$PNGQUANT" --quality 70-95 --speed 1 --strip --force --output "$OUT/$name.png" "$OUT/$name.png"
	fi
	echo "wrote $OUT/$name.png ($(wc -c <"$OUT/$name.png") bytes)"
}

wait_for "development instance"
wait_for "users now"
shot 1-source
keys Enter
wait_for "preview complete"
# Override a provider: the numbers follow at once (no new read).
keys Down Down Space
wait_for "same as --providers"
shot 2-settings
keys Space
wait_gone "same as --providers"
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
wait_re "created [1-9]"
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
