package ui

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/importer"
)

// syncForm is a huh form of single-line inputs whose focus moves in the
// same Update as the key. huh moves focus with a command, so text typed
// right after tab (a paste, a script, a fast typist) would land in the
// field being left; here tab, enter and ↓ move at once when the field's
// value passes its check, and otherwise reach the field, which shows why.
type syncForm struct {
	form   *huh.Form
	vals   []*string
	checks []func(string) error
	focus  int
}

// newSyncForm builds the form: one inline input per label, bound to vals,
// checked by checks (nil = anything), styled like the wizard.
func newSyncForm(st Styles, labelWidth, width int, labels, placeholders []string, vals []*string, checks []func(string) error) *syncForm {
	f := &syncForm{vals: vals, checks: checks}
	fields := make([]huh.Field, len(labels))
	for i := range fields {
		check := f.check(i)
		in := huh.NewInput().Title(labels[i]).Inline(true).Prompt("").CharLimit(512).
			Value(vals[i]).Validate(check)
		if i < len(placeholders) {
			in.Placeholder(placeholders[i])
		}
		fields[i] = in
	}
	km := huh.NewDefaultKeyMap()
	km.Quit.SetEnabled(false) // ctrl+c is the program's
	km.Input.Next.SetKeys("enter", "tab", "down")
	km.Input.Prev.SetKeys("shift+tab", "up")
	f.form = huh.NewForm(huh.NewGroup(fields...)).WithShowHelp(false).WithKeyMap(km).
		WithTheme(formTheme(st, labelWidth)).WithWidth(min(max(width, 40), 90))
	return f
}

func (f *syncForm) check(i int) func(string) error {
	return func(v string) error {
		var c func(string) error
		if i < len(f.checks) {
			c = f.checks[i]
		}
		return visibleOnly(c)(strings.TrimSpace(v))
	}
}

// errHiddenText is a field value holding characters that would make the
// emails read other than the field does.
var errHiddenText = errors.New("it contains control, invisible or direction-changing characters, which would show in the emails other than they read here; type it again")

// visibleOnly refuses a value with hidden characters (a pasted bidi
// override or zero-width space), then applies check (nil = anything).
// The form and the submit both check through it.
func visibleOnly(check func(string) error) func(string) error {
	return func(v string) error {
		if importer.HiddenAt(v) >= 0 {
			return errHiddenText
		}
		if check == nil {
			return nil
		}
		return check(v)
	}
}

func (f *syncForm) Init() tea.Cmd { return f.form.Init() }

// View is the form without the blank lines huh pads it with.
func (f *syncForm) View() string {
	// A pasted bidi override or zero-width character would act on the
	// terminal (or hide) as typed: the field shows a marker instead.
	lines := strings.Split(markHidden(f.form.View()), "\n")
	for len(lines) > 0 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func (f *syncForm) restyle(st Styles, labelWidth int) { f.form.WithTheme(formTheme(st, labelWidth)) }
func (f *syncForm) setWidth(w int)                    { f.form.WithWidth(min(max(w, 40), 90)) }

// Update hands msg to the form; submit reports enter on the last field
// with every value so far passing its check.
func (f *syncForm) Update(msg tea.Msg) (cmd tea.Cmd, submit bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "shift+tab", "up":
			if f.focus == 0 {
				return nil, false
			}
			f.focus--
			return f.form.PrevField(), false
		case "tab", "down", "enter":
			if f.check(f.focus)(*f.vals[f.focus]) != nil {
				break // the field checks it again and says why
			}
			if f.focus == len(f.vals)-1 {
				return nil, k.String() == "enter"
			}
			f.focus++
			return f.form.NextField(), false
		}
	}
	m, cmd := f.form.Update(msg)
	if hf, ok := m.(*huh.Form); ok {
		f.form = hf
	}
	return cmd, false
}

// hiddenMarker is what markHidden shows in place of a hidden character.
const hiddenMarker = '\uFFFD'

// markHidden shows each hidden character of already styled output (an
// input's view) as hiddenMarker, by the importer's rule (joiners inside
// emoji and words are text), so that what is typed into a field never
// acts on the terminal and can be seen. C0/C1 controls are left alone:
// the styling's escape sequences are made of them, and text inputs drop
// typed controls before they reach a view.
func markHidden(s string) string {
	var b strings.Builder
	for {
		i := importer.HiddenIndex(s, markable)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[:i])
		b.WriteRune(hiddenMarker)
		s = s[i+size:]
	}
}

func markable(r rune) bool { return importer.HiddenRune(r) && !unicode.IsControl(r) }
