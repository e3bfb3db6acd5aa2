package ui

import (
	"charm.land/bubbles/v2/key"
)

// keyMap is what the help line shows for the active screen: the screen's
// own bindings followed by the global ones. Disabled bindings are hidden.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

func bind(keys []string, helpKey, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// globalKeys work on every screen. q and ? work only when no input is
// focused or the focused input could not take them (a Clerk key has no
// "?"); f1 opens the help from anywhere, as it types nothing.
type globalKeys struct {
	Help key.Binding
	// InputHelp reaches the help from a focused input.
	InputHelp key.Binding
	Quit      key.Binding
	Kill      key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Help:      bind([]string{"?", "f1"}, "?", "more keys"),
		InputHelp: bind([]string{"f1"}, "f1", "help"),
		Quit:      bind([]string{"q"}, "q", "quit"),
		Kill:      bind([]string{"ctrl+c"}, "ctrl+c", "quit"),
	}
}

type sourceKeys struct {
	Up, Down, Choose, Verify, Complete, Back key.Binding
	// Passwords moves between the source field and the passwords file.
	Passwords key.Binding
}

func newSourceKeys() sourceKeys {
	return sourceKeys{
		Up:        bind([]string{"up", "k"}, "↑/k", "up"),
		Down:      bind([]string{"down", "j"}, "↓/j", "down"),
		Choose:    bind([]string{"enter"}, "enter", "choose"),
		Verify:    bind([]string{"enter"}, "enter", "verify"),
		Complete:  bind([]string{"tab"}, "tab", "complete path"),
		Back:      bind([]string{"esc"}, "esc", "back"),
		Passwords: bind([]string{"shift+tab"}, "shift+tab", "passwords file"),
	}
}

type settingsKeys struct {
	Up, Down, Toggle, Retry, Continue, Back key.Binding
}

func newSettingsKeys() settingsKeys {
	return settingsKeys{
		Up:       bind([]string{"up", "k"}, "↑/k", "up"),
		Down:     bind([]string{"down", "j"}, "↓/j", "down"),
		Toggle:   bind([]string{"space", "x"}, "space", "toggle provider"),
		Retry:    bind([]string{"r"}, "r", "try again"),
		Continue: bind([]string{"enter"}, "enter", "continue"),
		Back:     bind([]string{"esc"}, "esc", "back"),
	}
}

type duplicatesKeys struct {
	Up, Down, NextReason, PrevReason, Filter, Toggle, MergeAll, SkipAll, Continue, Back key.Binding
	ApplyFilter, ClearFilter, Undo, Yes, No, Banned                                     key.Binding
}

func newDuplicatesKeys() duplicatesKeys {
	return duplicatesKeys{
		Up:          bind([]string{"up", "k"}, "↑/k", "up"),
		Down:        bind([]string{"down", "j"}, "↓/j", "down"),
		NextReason:  bind([]string{"tab"}, "tab", "next reason"),
		PrevReason:  bind([]string{"shift+tab"}, "shift+tab", "previous reason"),
		Filter:      bind([]string{"/"}, "/", "filter"),
		Toggle:      bind([]string{"space", "x"}, "space", "skip/merge row"),
		MergeAll:    bind([]string{"M"}, "M", "merge all"),
		SkipAll:     bind([]string{"S"}, "S", "skip all"),
		Continue:    bind([]string{"enter"}, "enter", "continue"),
		Back:        bind([]string{"esc"}, "esc", "back"),
		ApplyFilter: bind([]string{"enter"}, "enter", "apply filter"),
		ClearFilter: bind([]string{"esc"}, "esc", "clear filter"),
		Undo:        bind([]string{"u"}, "u", "undo bulk"),
		Banned:      bind([]string{"b"}, "b", "import banned"),
		Yes:         bind([]string{"y"}, "y", "apply"),
		No:          bind([]string{"n", "esc"}, "n", "cancel"),
	}
}

type confirmKeys struct {
	Phases, Yes, No, Submit, Back, Warnings, Scroll key.Binding
	Canary                                          key.Binding
}

func newConfirmKeys() confirmKeys {
	return confirmKeys{
		Phases: bind([]string{"p", "tab"}, "p/tab", "change phases"),
		Yes:    bind([]string{"y"}, "y", "start import"),
		No:     bind([]string{"n"}, "n", "not now"),
		Submit: bind([]string{"enter"}, "enter", "confirm"),
		Back:   bind([]string{"esc"}, "esc", "back"),
		// w: "import", typed on a production instance, has no w.
		Warnings: bind([]string{"w"}, "w", "warnings"),
		Scroll:   bind([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "scroll"),
		// c: "import" has no c either.
		Canary: bind([]string{"c"}, "c", "canary"),
	}
}

type progressKeys struct {
	Stop, Yes, No, Continue, Again key.Binding
}

func newProgressKeys() progressKeys {
	return progressKeys{
		// q asks too (a global key the root hands to askStop).
		Stop:     bind([]string{"esc"}, "esc/q", "ask to stop"),
		Yes:      bind([]string{"y"}, "y", "stop after this batch"),
		No:       bind([]string{"n", "esc"}, "n", "keep going"),
		Continue: bind([]string{"enter"}, "enter", "set up journeys"),
		Again:    bind([]string{"r"}, "r", "run again"),
	}
}

type journeysKeys struct {
	Next, Prev, Submit, Continue, Back, Yes, No key.Binding
}

func newJourneysKeys() journeysKeys {
	return journeysKeys{
		Next:     bind([]string{"tab", "down"}, "tab", "next"),
		Prev:     bind([]string{"shift+tab", "up"}, "shift+tab", "previous"),
		Submit:   bind([]string{"ctrl+s"}, "ctrl+s", "create journeys"),
		Continue: bind([]string{"enter"}, "enter", "open browser"),
		Back:     bind([]string{"esc"}, "esc", "back"),
		Yes:      bind([]string{"y"}, "y", "save into the sending journeys"),
		No:       bind([]string{"n", "esc"}, "n", "not now"),
	}
}

type browserKeys struct {
	Tab, Up, Down, Open, Filter, Back, Edit, Activate, Pause, Yes, No, NextField, Save key.Binding
	PickUser, NextStep, OpenStep                                                       key.Binding
	// Undo opens a run's undo; Confirm submits the typed word.
	Undo, Confirm key.Binding
	PrevTab       key.Binding
}

func newBrowserKeys() browserKeys {
	return browserKeys{
		Tab:       bind([]string{"tab"}, "tab", "next tab"),
		PrevTab:   bind([]string{"shift+tab"}, "shift+tab", "previous tab"),
		Up:        bind([]string{"up", "k"}, "↑/k", "up"),
		Down:      bind([]string{"down", "j"}, "↓/j", "down"),
		Open:      bind([]string{"enter"}, "enter", "open"),
		Filter:    bind([]string{"/"}, "/", "filter"),
		Back:      bind([]string{"esc"}, "esc", "back"),
		Edit:      bind([]string{"e"}, "e", "edit variables"),
		Activate:  bind([]string{"a"}, "a", "activate"),
		Pause:     bind([]string{"p"}, "p", "pause"),
		Yes:       bind([]string{"y"}, "y", "yes"),
		No:        bind([]string{"n", "esc"}, "n", "no"),
		NextField: bind([]string{"tab", "down"}, "tab", "next field"),
		Save:      bind([]string{"ctrl+s", "enter"}, "ctrl+s", "save"),
		PickUser:  bind([]string{"u"}, "u", "render for a user"),
		NextStep:  bind([]string{"tab"}, "tab", "next email"),
		OpenStep:  bind([]string{"enter"}, "enter", "open email"),
		Undo:      bind([]string{"u"}, "u", "undo this run"),
		Confirm:   bind([]string{"enter"}, "enter", "confirm"),
	}
}

type canaryKeys struct {
	Import, Up, Down, Back, Check, Done key.Binding
}

func newCanaryKeys() canaryKeys {
	return canaryKeys{
		Import: bind([]string{"enter"}, "enter", "import this user"),
		// Arrows only: letters are typed into the search.
		Up:    bind([]string{"up"}, "↑", "up"),
		Down:  bind([]string{"down"}, "↓", "down"),
		Back:  bind([]string{"esc"}, "esc", "back"),
		Check: bind([]string{"enter"}, "enter", "check password"),
		Done:  bind([]string{"enter"}, "enter", "back to confirm"),
	}
}
