package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// typeMidValue types a value into the Journeys step's first field, moves
// the cursor five characters left and types Z, rendering after each key
// as the program does (after runs once the value is typed); it returns
// the field's value.
func typeMidValue(d *driver, after func()) string {
	s := journeysOf(d)
	d.press("hello@acme.test")
	d.view()
	if after != nil {
		after()
	}
	for range 5 {
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
		d.view()
	}
	d.press("Z")
	d.view()
	return s.vals[fieldSender]
}

const midEdited = "hello@acmeZ.test"

// Rendering with the full help open lays the screen out for a shorter
// body: that must not move the cursor of the field being edited.
func TestMidEditWithFullHelpKeepsCursor(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	got := typeMidValue(d, func() {
		d.send(tea.KeyPressMsg{Code: tea.KeyF1})
		d.view()
	})
	if got != midEdited {
		t.Errorf("typed with the full help open: %q, want %q", got, midEdited)
	}
}

// On a short terminal every render lays the body out for fewer lines.
func TestMidEditOnShortTerminalKeepsCursor(t *testing.T) {
	for _, w := range []int{40, 120} {
		d, _ := toJourneys(t, w, 10)
		if got := typeMidValue(d, nil); got != midEdited {
			t.Errorf("%dx10: typed %q, want %q", w, got, midEdited)
		}
	}
}

// A resize realigns the fields not being edited; the one being edited
// keeps its cursor.
func TestMidEditAcrossResizeKeepsCursor(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	s := journeysOf(d)
	d.press("hello@acme.test")
	for range 5 {
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
	}
	d.send(tea.WindowSizeMsg{Width: 90, Height: 24})
	d.view()
	d.press("Z")
	if got := s.vals[fieldSender]; got != midEdited {
		t.Errorf("typed after a resize: %q, want %q", got, midEdited)
	}
}

// ctrl+u deletes what is left of the cursor, not the whole value, while
// the full help is open.
func TestClearToCursorWithFullHelp(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	s := journeysOf(d)
	d.press("hello@acme.test")
	d.send(tea.KeyPressMsg{Code: tea.KeyF1})
	d.view()
	for range 5 {
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
		d.view()
	}
	d.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	d.view()
	if got := s.vals[fieldSender]; got != ".test" {
		t.Errorf("after ctrl+u: %q, want %q", got, ".test")
	}
}

// The browser's editor sits on the same form: with the full help open,
// typing in the middle of a prefilled value lands where the cursor is.
func TestBrowserEditMidValueWithFullHelp(t *testing.T) {
	d, _ := toBrowser(t, 80, 24)
	b := browserOf(d)
	d.press("enter")
	d.waitFor("the detail", func(m Model) bool { return b.mode == browseJourney })
	d.press("e")
	if b.mode != browseEdit || b.vals[editSender] != "hello@acme.test" {
		t.Fatalf("the editor did not open with the sender: %q", b.vals)
	}
	d.send(tea.KeyPressMsg{Code: tea.KeyF1})
	d.view()
	for range 5 {
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
		d.view()
	}
	d.press("Z")
	d.view()
	if got := b.vals[editSender]; got != midEdited {
		t.Errorf("typed in the editor with the full help open: %q, want %q", got, midEdited)
	}
}

// The full help shortens the body: the screen is laid out for it when
// the help opens and closes, in Update; View only draws.
func TestFullHelpLaysOutInUpdate(t *testing.T) {
	d, _ := toJourneys(t, 80, 24)
	s := journeysOf(d)
	full := s.height
	d.send(tea.KeyPressMsg{Code: tea.KeyF1})
	short := s.height
	if short >= full {
		t.Fatalf("opening the full help left the body %d lines high, want fewer than %d", short, full)
	}
	first := d.view()
	if s.height != short || d.view() != first {
		t.Errorf("View changed the screen: height %d, want %d", s.height, short)
	}
	d.send(tea.KeyPressMsg{Code: tea.KeyF1})
	if s.height != full {
		t.Errorf("closing the full help left the body %d lines high, want %d", s.height, full)
	}
}

// Narrowing the terminal while a long value is being edited keeps the
// field on one line: its scroll fits the new width (the cursor goes to
// the end, as huh gives no way to keep it where it was and fit).
func TestNarrowingKeepsTheEditedFieldOnOneLine(t *testing.T) {
	d, _ := toJourneys(t, 100, 30)
	s := journeysOf(d)
	long := strings.Repeat("a", 90) + "@example.com"
	d.press(long)
	for range 10 {
		d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
	}
	d.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	var shown []string
	for _, l := range strings.Split(d.view(), "\n") {
		if strings.Contains(l, "aaa") || strings.Contains(l, "example") {
			shown = append(shown, l)
		}
	}
	if len(shown) != 1 {
		t.Errorf("the field being edited shows on %d lines after narrowing, want 1:\n%s", len(shown), strings.Join(shown, "\n"))
	}
	d.press("Z")
	if got := s.vals[fieldSender]; got != long+"Z" {
		t.Errorf("typed after narrowing: %q, want the value then Z", got)
	}
}
