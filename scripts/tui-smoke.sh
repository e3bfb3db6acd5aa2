#!/usr/bin/env bash
# Walks the real binary's demo in tmux through every wizard screen with
# send-keys, failing when an expected text does not appear in time; with
# SHOTS=1 it also renders each screen to screenshots/ (scripts/screenshots.sh).
# Needs tmux; SHOTS needs perl and the Go toolchain (freeze runs with
# `go run`), and uses pngquant when installed.
#
#   scripts/tui-smoke.sh            # build, run, walk the demo
#   KEEP=1 scripts/tui-smoke.sh     # leave the tmux server running on failure
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "tui-smoke: tmux is required (apt-get install tmux)" >&2; exit 1; }

BIN=${BIN:-/tmp/ascendkit}
TIMEOUT=${TIMEOUT:-30}
SHOTS=${SHOTS:-}
OUT=${OUT:-screenshots}
FONT_SIZE=${FONT_SIZE:-7}
# Screenshots use 30,000 demo users: two passes over the emulator's
# development rate limit (100 requests / 10 s), so the import pauses on it
# and its progress screen can be caught.
USERS=${USERS:-3000}
SOCK="ascendkit-smoke-$$"
T=(tmux -L "$SOCK")
TMP=$(mktemp -d)

go build -o "$BIN" .

cleanup() {
	local rc=$?
	rm -rf "$TMP"
	if [[ $rc -ne 0 && -n "${KEEP:-}" ]]; then
		echo "tui-smoke: tmux server kept: tmux -L $SOCK attach" >&2
		return
	fi
	"${T[@]}" kill-server 2>/dev/null || true
}
trap cleanup EXIT

# A 100×30 truecolor terminal. The pane stays open after the program ends
# so its last output (the plain summary) can be read.
"${T[@]}" new-session -d -s smoke -x 100 -y 30 \
	"env -u NO_COLOR TERM=xterm-256color COLORTERM=truecolor $BIN demo --users $USERS; echo \"[exit \$?]\"; sleep 600"
"${T[@]}" set-option -t smoke -g default-terminal "xterm-256color" >/dev/null

screen() { "${T[@]}" capture-pane -t smoke -p; }

fail() {
	echo "tui-smoke: FAIL: $1; screen:" >&2
	screen >&2
	exit 1
}

# wait_until CMD…: poll until CMD succeeds on the screen, or fail.
wait_until() {
	local deadline=$((SECONDS + TIMEOUT))
	while ((SECONDS < deadline)); do
		if "$@"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
has() { screen | grep -qF -- "$1"; }
has_re() { screen | grep -qE -- "$1"; }
lacks() { ! has "$1"; }

wait_for() { wait_until has "$1" || fail "\"$1\" did not appear within ${TIMEOUT}s"; echo "ok: $1"; }
wait_re() { wait_until has_re "$1" || fail "/$1/ did not appear within ${TIMEOUT}s"; echo "ok: /$1/"; }
wait_gone() { wait_until lacks "$1" || fail "\"$1\" did not go away within ${TIMEOUT}s"; echo "ok: gone: $1"; }

keys() { "${T[@]}" send-keys -t smoke "$@"; }
type_text() { "${T[@]}" send-keys -t smoke -l "$1"; }

# shot NAME (SHOTS=1 only): capture the pane with its colours and render a
# PNG. The capture's attributes are restated on every line
# (sgr-normalize.pl) so freeze draws them as the terminal does. freeze
# renders PNGs at 4× its font size: 7 gives ~1600×1200 for 100×30 cells;
# pngquant, when present, cuts each file to a tenth with no visible change.
PNGQUANT=$(command -v pngquant || true)
# FREEZE names a freeze binary to use instead of `go run …@v0.2.2`: that
# build crashes at start on Go 1.26 ("split stack overflow") with the
# golang.org/x/sys and wazero versions its go.mod pins; built with their
# latest versions it works.
if [[ -n "${FREEZE:-}" ]]; then FREEZE=("$FREEZE"); else FREEZE=(go run github.com/charmbracelet/freeze@v0.2.2); fi
shot() {
	[[ -n "$SHOTS" ]] || return 0
	local name=$1
	mkdir -p "$OUT"
	sleep 0.3 # let the last frame land
	"${T[@]}" capture-pane -t smoke -e -p | perl scripts/sgr-normalize.pl >"$TMP/$name.ansi"
	"${FREEZE[@]}" --language ansi --window=false --padding 10 \
		--font.size "$FONT_SIZE" -o "$OUT/$name.png" "$TMP/$name.ansi" >/dev/null
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
wait_for "Providers to enable"
# Override a provider: the numbers follow at once (no new read).
keys Down Down Space
wait_for "same as --providers"
shot 2-settings
keys Space
wait_gone "same as --providers"
keys Enter
wait_for "Duplicates and skipped users"
# The first tab after "all" is "flagged" (users imported with something
# left out: nothing to merge); the next is the first duplicate reason.
keys Tab
wait_for "default for duplicates"
keys Tab
wait_for "showing 41 of 118"
keys Space
wait_for "merge 1)"
shot 3-duplicates
keys Space
wait_for "merge 0)"
# Bulk merge on this filtered tab: it asks, changes only the rows shown,
# and u undoes it.
keys M
wait_re "Merge the [0-9,]+ duplicates? this filter shows \(hidden rows stay\)\? y / n"
keys y
wait_re "Merging [0-9,]+ duplicates?\. Press u to undo\."
lacks "merge 0)" || fail "the bulk merge changed nothing"
keys u
wait_for "Undone: merge"
wait_for "merge 0)"
keys Enter
wait_for "Start the import?"
shot 4-confirm
# The canary: one user imported alone first. The demo's API users carry
# no password digests, so there is no password to check (it says why).
keys c
wait_for "Canary: import one user first"
wait_re "[0-9,]+ of [0-9,]+ listed"
keys Enter
TIMEOUT=$((TIMEOUT * 3)) wait_re "✓ (Imported|Merged) "
wait_for "No password to check"
shot 4-canary
keys Enter
TIMEOUT=$((TIMEOUT * 3)) wait_for "Start the import?"
keys y
if [[ -n "$SHOTS" ]]; then
	wait_for "Importing from"
	wait_re "created [1-9]"
	shot 5-progress
fi
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
wait_for "not enrolled"
wait_for "Day 7"
# Unset the login URL in the editor: activation is refused, naming it.
keys e
wait_for "Edit every email step"
keys Tab Tab C-u C-s
wait_for "Saved the sender and variables"
keys a
wait_for "Cannot activate"
wait_for "unset loginUrl"
shot 7-journey-refused
keys e
wait_for "Edit every email step"
keys Tab Tab
type_text "https://acme.test/login"
keys C-s
wait_for "Saved the sender and variables"
keys a
wait_for "will be sent now (Day 0)"
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
keys Escape
wait_for "tab next email"
# The runs tab (next to the journeys): the canary and the full run; the
# newest one's undo plan, left unconfirmed.
keys Escape
wait_for "Runs (2)"
keys Tab
keys Enter
wait_for "u undo this run"
keys u
wait_for "Undo removes"
wait_for "Type undo to confirm"
shot 7-runs-undo
keys Escape
wait_for "u undo this run"
keys Escape
wait_for "enter open"
keys q
wait_re "Canary [^ ]+: imported \(run_"
wait_for "Import finished."
wait_for "Activated \"Migration announcement\""
wait_for "[exit 0]"
echo "tui-smoke: PASS"
