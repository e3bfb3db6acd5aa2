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
	inputs []*huh.Input
	vals   []*string
	checks []func(string) error
	focus  int
	// width is the form's width last set (0 before the first): the
	// fields are realigned only when it changes.
	width int
}

// newSyncForm builds the form: one inline input per label, bound to vals,
// checked by checks (nil = anything), styled like the wizard.
func newSyncForm(st Styles, labelWidth, width int, labels, placeholders []string, vals []*string, checks []func(string) error) *syncForm {
	f := &syncForm{vals: vals, checks: checks}
	fields := make([]huh.Field, len(labels))
	for i := range fields {
		check := f.check(i)
		// No CharLimit: the input would cut a longer value silently
		// (one the CLI set, opened and saved unchanged); the checks,
		// the core's, refuse what is too long and say why.
		in := huh.NewInput().Title(labels[i]).Inline(true).Prompt("").
			Value(vals[i]).Validate(check)
		if i < len(placeholders) {
			in.Placeholder(placeholders[i])
		}
		fields[i] = in
		f.inputs = append(f.inputs, in)
	}
	km := huh.NewDefaultKeyMap()
	km.Quit.SetEnabled(false) // ctrl+c is the program's
	km.Input.Next.SetKeys("enter", "tab", "down")
	km.Input.Prev.SetKeys("shift+tab", "up")
	f.form = huh.NewForm(huh.NewGroup(fields...)).WithShowHelp(false).WithKeyMap(km).
		WithTheme(formTheme(st, labelWidth))
	f.setWidth(width)
	return f
}

// Keys the fields are scrolled with (textinput's own bindings).
var (
	keyHome = tea.KeyPressMsg{Code: tea.KeyHome}
	keyEnd  = tea.KeyPressMsg{Code: tea.KeyEnd}
)

// realignMsg makes the form draw its fields again after realign.
type realignMsg struct{}

// realign scrolls field i's one line to fit the field's width: a field
// not being edited shows the start of its value, the one being edited
// its end, where the cursor is. The text input computes its scroll only
// when the cursor moves, and only while focused, so a value set before
// the width was known would draw whole (wrapped over many lines, pushing
// later fields out of the form) and a field left with the cursor at the
// end would show the tail of a long URL. The field's error is kept as it
// was: the user did not leave it.
func (f *syncForm) realign(i int) {
	in := f.inputs[i]
	hadErr := in.Error() != nil
	in.Focus()
	in.Update(keyEnd) // moves the scroll, from wherever it was
	if i == f.focus {
		if hadErr {
			in.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) // the field checks again and shows why
		}
		return
	}
	in.Update(keyHome)
	in.Blur() // checks the value, as leaving it does
	if !hadErr {
		in.Update(keyHome) // a key clears the check's error; blurred, it is not typed
	}
}

// moved realigns the field left (its start shows) and the one focused
// (its cursor at the end, where typing or ctrl+u acts on the whole
// value), after focus moved with cmd.
func (f *syncForm) moved(left int, cmd tea.Cmd) tea.Cmd {
	f.realign(left)
	f.realign(f.focus)
	f.form.Update(realignMsg{})
	return cmd
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

// setWidth lays the form out for width w. Screens call it on every
// SetSize, height-only ones included (the full help opening), and
// realigning moves the focused field's cursor to the end: so the fields
// are realigned only when the form's width changes, and then all but the
// focused one, whose cursor stays where the user put it unless the form
// narrows (see below).
func (f *syncForm) setWidth(w int) {
	w = min(max(w, 40), 90)
	if w == f.width {
		return
	}
	first, narrower := f.width == 0, w < f.width
	f.width = w
	f.form.WithWidth(w)
	for i := range f.inputs {
		// The first time, every field: values set before the width was
		// known. After, the field being edited keeps its cursor when
		// the form widens (its line only shows less than it could).
		// Narrower, its text input keeps the wider scroll until the
		// cursor leaves it, and the line would wrap; huh gives no way
		// to read the cursor, so it goes to the end, where the scroll
		// fits the new width.
		if first || i != f.focus || narrower {
			f.realign(i)
		}
	}
	f.form.Update(realignMsg{})
}

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
			return f.moved(f.focus+1, f.form.PrevField()), false
		case "tab", "down", "enter":
			if f.check(f.focus)(*f.vals[f.focus]) != nil {
				break // the field checks it again and says why
			}
			if f.focus == len(f.vals)-1 {
				return nil, k.String() == "enter"
			}
			f.focus++
			return f.moved(f.focus-1, f.form.NextField()), false
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
