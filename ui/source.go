package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

type sourceMode int

const (
	modeChoose sourceMode = iota
	modeKey
	modeFile
)

// envCountMsg carries the target environment's user count.
type envCountMsg struct {
	n   int
	err error
}

// verifyResultMsg is the outcome of checking a key or a file.
type verifyResultMsg struct {
	id     int
	choice sourceChoice
	err    error
	pwErr  bool // err is about the passwords file
}

// verifyWaitMsg is a pause of the Clerk client during the key check
// (the count call is being retried); waits brings the next one.
type verifyWaitMsg struct {
	id     int
	notice waitNotice
	waits  <-chan waitNotice
}

// listenWaits delivers the next pause of a key check; the channel is
// closed when the check is over.
func listenWaits(id int, waits <-chan waitNotice) tea.Cmd {
	return func() tea.Msg {
		n, ok := <-waits
		if !ok {
			return nil
		}
		return verifyWaitMsg{id: id, notice: n, waits: waits}
	}
}

// suggestionsMsg carries path completions for the value they were made
// for, in the export file field or (pw) the passwords file field.
type suggestionsMsg struct {
	value string
	paths []string
	pw    bool
}

// sourceScreen picks the Clerk source: an API key or an export file.
type sourceScreen struct {
	pc   *programContext
	keys sourceKeys

	mode      sourceMode
	choice    int // 0 API key, 1 export file
	keyInput  textinput.Model
	fileInput textinput.Model
	// pwInput is the optional passwords file (Dashboard CSV or support
	// export) next to the key or the export file; pwFocus puts the
	// cursor there.
	pwInput textinput.Model
	pwFocus bool
	spinner spinner.Model

	verifying bool
	verifyID  int
	cancel    context.CancelFunc
	err       string
	errPw     string     // err when it is about the passwords file (its hint is not the key's)
	note      string     // a neutral notice (the check was cancelled)
	wait      waitBanner // a pause of the Clerk client during the check

	envUsers int
	envErr   string
	width    int
	height   int
}

func newSourceScreen(pc *programContext) *sourceScreen {
	s := &sourceScreen{pc: pc, keys: newSourceKeys(), envUsers: -1, width: pc.width}
	s.keyInput = textinput.New()
	s.keyInput.Prompt = "Secret key › "
	s.keyInput.Placeholder = "sk_test_… or sk_live_…"
	s.keyInput.EchoMode = textinput.EchoPassword
	s.keyInput.EchoCharacter = '•'
	s.keyInput.CharLimit = 256
	s.fileInput = textinput.New()
	s.fileInput.Prompt = "Export file › "
	s.fileInput.Placeholder = "./clerk-export.json"
	s.fileInput.ShowSuggestions = true
	s.fileInput.CharLimit = 4096
	s.pwInput = textinput.New()
	s.pwInput.Prompt = "Passwords file › "
	s.pwInput.Placeholder = "optional: Dashboard CSV or support export with password digests"
	s.pwInput.ShowSuggestions = true
	s.pwInput.CharLimit = 4096
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	if pc.cfg.APIKey != "" {
		s.keyInput.SetValue(strings.TrimSpace(pc.cfg.APIKey))
		s.keyInput.CursorEnd()
		s.mode = modeKey
	}
	return s
}

func (s *sourceScreen) restyle() {
	s.keyInput.SetStyles(s.pc.styles.Input)
	s.fileInput.SetStyles(s.pc.styles.Input)
	s.pwInput.SetStyles(s.pc.styles.Input)
	s.spinner.Style = s.pc.styles.Selected
}

func (s *sourceScreen) Init() tea.Cmd {
	return tea.Batch(s.countUsers(), s.focusInput())
}

// resume is called when the person comes back to this step.
func (s *sourceScreen) resume() tea.Cmd {
	s.verifying = false
	return tea.Batch(s.countUsers(), s.focusInput())
}

func (s *sourceScreen) countUsers() tea.Cmd {
	env, base := s.pc.env, s.pc.base
	if env == nil {
		return nil
	}
	return func() tea.Msg {
		n, err := env.CountUsers(base)
		return envCountMsg{n: n, err: err}
	}
}

func (s *sourceScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	iw := max(w-20, 20)
	s.keyInput.SetWidth(iw)
	s.fileInput.SetWidth(iw)
	s.pwInput.SetWidth(max(w-24, 16))
}

func (s *sourceScreen) InputFocused() bool {
	return (s.mode == modeKey && s.keyInput.Focused()) || (s.mode == modeFile && s.fileInput.Focused()) ||
		(s.mode != modeChoose && s.pwInput.Focused())
}

// inputRefuses keeps keys a Clerk secret key cannot contain (such as ?)
// out of the key field, so they reach the global bindings instead.
func (s *sourceScreen) inputRefuses(k tea.KeyPressMsg) bool {
	if s.mode != modeKey || s.pwFocus || k.Text == "" {
		return false
	}
	for _, r := range k.Text {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return true
		}
	}
	return false
}

func (s *sourceScreen) liveKey() bool {
	return s.mode == modeKey && strings.HasPrefix(strings.TrimSpace(s.keyInput.Value()), "sk_live_")
}

func (s *sourceScreen) focusInput() tea.Cmd {
	s.keyInput.Blur()
	s.fileInput.Blur()
	s.pwInput.Blur()
	switch {
	case s.mode == modeChoose:
		return nil
	case s.pwFocus:
		return s.pwInput.Focus()
	case s.mode == modeKey:
		return s.keyInput.Focus()
	}
	return s.fileInput.Focus()
}

func (s *sourceScreen) close() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *sourceScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case envCountMsg:
		if msg.err != nil {
			s.envErr = termtext.Clean(msg.err.Error())
		} else {
			s.envUsers, s.envErr = msg.n, ""
		}
		return nil
	case spinner.TickMsg:
		if !s.verifying {
			return nil
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case verifyWaitMsg:
		if msg.id != s.verifyID || !s.verifying {
			return nil
		}
		// The spinner's ticks redraw the countdown.
		s.wait.notice = &msg.notice
		return listenWaits(msg.id, msg.waits)
	case verifyResultMsg:
		if msg.id != s.verifyID || !s.verifying {
			return nil
		}
		s.verifying = false
		s.wait.clear()
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			s.pwFocus, s.errPw = msg.pwErr, ""
			if msg.pwErr {
				s.errPw = s.err
			}
			return s.focusInput()
		}
		s.err = ""
		return navWith(stateSettings, sourceChosen{msg.choice})
	case suggestionsMsg:
		switch {
		case msg.pw && msg.value == s.pwInput.Value():
			s.pwInput.SetSuggestions(msg.paths)
		case !msg.pw && s.mode == modeFile && msg.value == s.fileInput.Value():
			s.fileInput.SetSuggestions(msg.paths)
		}
		return nil
	case tea.KeyPressMsg:
		return s.handleKey(msg)
	case tea.PasteMsg:
		return s.updateInput(msg)
	}
	return s.updateInput(msg)
}

func (s *sourceScreen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if s.verifying {
		if key.Matches(msg, s.keys.Back) {
			s.close()
			s.verifying = false
			s.wait.clear()
			s.err = ""
			s.note = "Check cancelled. Press enter to check again."
			if s.mode == modeFile {
				s.note = "Cancelled. Press enter to open the file again."
			}
			return s.focusInput()
		}
		return nil
	}
	switch s.mode {
	case modeChoose:
		switch {
		case key.Matches(msg, s.keys.Up):
			s.choice = 0
		case key.Matches(msg, s.keys.Down):
			s.choice = 1
		case msg.String() == "1":
			s.choice = 0
			return s.enterMode()
		case msg.String() == "2":
			s.choice = 1
			return s.enterMode()
		case key.Matches(msg, s.keys.Choose):
			return s.enterMode()
		case key.Matches(msg, s.keys.Back):
			return back
		}
		return nil
	default:
		switch {
		case key.Matches(msg, s.keys.Back):
			s.mode = modeChoose
			s.pwFocus = false
			s.err, s.note = "", ""
			return s.focusInput()
		case key.Matches(msg, s.keys.Verify):
			return s.verify()
		case key.Matches(msg, s.keys.Passwords), s.mode == modeKey && !s.pwFocus && key.Matches(msg, s.keys.Complete):
			// The key field completes nothing: tab moves too.
			s.pwFocus = !s.pwFocus
			s.err, s.note = "", ""
			return tea.Batch(s.focusInput(), s.complete())
		}
		return s.updateInput(msg)
	}
}

func (s *sourceScreen) enterMode() tea.Cmd {
	s.err, s.note = "", ""
	if s.choice == 0 {
		s.mode = modeKey
	} else {
		s.mode = modeFile
	}
	return tea.Batch(s.focusInput(), s.complete())
}

func (s *sourceScreen) updateInput(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if s.pwFocus && s.mode != modeChoose {
		before := s.pwInput.Value()
		s.pwInput, cmd = s.pwInput.Update(msg)
		if s.pwInput.Value() != before {
			s.err, s.note = "", ""
			return tea.Batch(cmd, s.complete())
		}
		return cmd
	}
	switch s.mode {
	case modeKey:
		before := s.keyInput.Value()
		s.keyInput, cmd = s.keyInput.Update(msg)
		if s.keyInput.Value() != before {
			s.err, s.note = "", ""
		}
	case modeFile:
		before := s.fileInput.Value()
		s.fileInput, cmd = s.fileInput.Update(msg)
		if s.fileInput.Value() != before {
			s.err, s.note = "", ""
			return tea.Batch(cmd, s.complete())
		}
	}
	return cmd
}

// complete lists the filesystem entries that extend the typed path.
func (s *sourceScreen) complete() tea.Cmd {
	if s.pwFocus && s.mode != modeChoose {
		value := s.pwInput.Value()
		return func() tea.Msg { return suggestionsMsg{value: value, paths: pathCompletions(value), pw: true} }
	}
	if s.mode != modeFile {
		return nil
	}
	value := s.fileInput.Value()
	return func() tea.Msg { return suggestionsMsg{value: value, paths: pathCompletions(value)} }
}

func pathCompletions(value string) []string {
	shown, real := value, value
	home, _ := os.UserHomeDir()
	if strings.HasPrefix(value, "~/") && home != "" {
		real = filepath.Join(home, value[2:])
		if strings.HasSuffix(value, "/") {
			real += "/"
		}
	}
	dir, prefix := filepath.Split(real)
	shownDir, _ := filepath.Split(shown)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	entries, err := os.ReadDir(readDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		if !completable(name) {
			continue
		}
		p := shownDir + name
		if e.IsDir() {
			p += string(filepath.Separator)
		}
		out = append(out, p)
		if len(out) >= 200 {
			break
		}
	}
	sort.Strings(out)
	return out
}

// completable reports that a file name can be offered as a completion:
// the field shows a suggestion as it is, and an escape sequence in a
// name (x$'\e[41m'.csv) would reach the terminal. Such a name, or one
// that is not UTF-8 (the field holds runes: it could not be opened
// again), is not offered; a path typed or pasted has its control
// characters removed by the field anyway.
func completable(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	return !strings.ContainsFunc(name, unicode.IsControl)
}

// verify checks the key (format, then /users/count) or the file.
func (s *sourceScreen) verify() tea.Cmd {
	s.note = ""
	s.verifyID++
	id := s.verifyID
	ctx, cancel := context.WithTimeout(s.pc.base, 2*time.Minute)
	s.cancel = cancel
	cfg := s.pc.cfg
	pw := strings.TrimSpace(s.pwInput.Value())
	if pw != "" && cfg.OpenFile == nil {
		cancel()
		s.err = "Passwords files are not available in this build."
		return nil
	}
	if s.mode == modeKey {
		k := strings.TrimSpace(s.keyInput.Value())
		if !strings.HasPrefix(k, "sk_live_") && !strings.HasPrefix(k, "sk_test_") {
			cancel()
			s.err = "A Clerk secret key starts with sk_live_ or sk_test_ (Clerk Dashboard → API Keys)."
			return nil
		}
		if cfg.OpenAPI == nil {
			cancel()
			s.err = "The Clerk API is not available in this build."
			return nil
		}
		s.verifying = true
		s.err = ""
		s.wait.clear()
		s.keyInput.Blur()
		s.pwInput.Blur()
		waits := &waitFeed{ch: make(chan waitNotice, 4)}
		now := s.pc.now
		onWait := func(reason string, d time.Duration) {
			if d >= minShownWait {
				waits.send(waitNotice{Reason: reason, Until: now().Add(d)})
			}
		}
		return tea.Batch(s.spinner.Tick, listenWaits(id, waits.ch), func() tea.Msg {
			defer cancel()
			defer waits.close()
			src, err := cfg.OpenAPI(k, onWait)
			if err != nil {
				return verifyResultMsg{id: id, err: err}
			}
			defer src.Close()
			total, err := src.Total(ctx)
			if err != nil {
				return verifyResultMsg{id: id, err: err}
			}
			pwPath, err := checkPasswordsFile(ctx, cfg.OpenFile, pw)
			if err != nil {
				return verifyResultMsg{id: id, err: err, pwErr: true}
			}
			return verifyResultMsg{id: id, choice: sourceChoice{Kind: "api", Key: k, Total: total, Format: clerk.FormatAPI, Passwords: pwPath}}
		})
	}
	p := strings.TrimSpace(s.fileInput.Value())
	if p == "" {
		cancel()
		s.err = "Type the path of a Clerk export file (JSON or CSV)."
		return nil
	}
	if cfg.OpenFile == nil {
		cancel()
		s.err = "Export files are not available in this build."
		return nil
	}
	s.verifying = true
	s.err = ""
	s.fileInput.Blur()
	s.pwInput.Blur()
	return tea.Batch(s.spinner.Tick, func() tea.Msg {
		defer cancel()
		path, err := statFile(p, "choose a Clerk export file (JSON or CSV)")
		if err != nil {
			return verifyResultMsg{id: id, err: err}
		}
		src, err := openFile(ctx, cfg.OpenFile, path)
		if err != nil {
			return verifyResultMsg{id: id, err: err}
		}
		// Read the start of the file: one that is not an export, or a
		// small one cut short, fails here rather than on the next step.
		// (A file reports a damaged record on the call after the records
		// before it, so this reads on past the first page; the preview
		// opens the file again.)
		total, _ := src.Total(ctx)
		_, err = checkStart(ctx, src)
		format := ""
		if f, ok := src.(clerk.Formatter); ok {
			format = f.Format()
		}
		src.Close()
		if err != nil {
			return verifyResultMsg{id: id, err: err}
		}
		pwPath, err := checkPasswordsFile(ctx, cfg.OpenFile, pw)
		if err != nil {
			return verifyResultMsg{id: id, err: err, pwErr: true}
		}
		return verifyResultMsg{id: id, choice: sourceChoice{Kind: "file", Path: path, Total: total, Format: format, Passwords: pwPath}}
	})
}

// statFile expands ~/ and checks that p is a file (what says what to
// choose instead of a directory). A path that does not exist as typed
// is tried as a terminal pastes a dragged file: shell-quoted or escaped.
func statFile(p, what string) (string, error) {
	path := expandHome(p)
	fi, err := os.Stat(path)
	if err != nil {
		if alt := droppedPath(p); alt != p {
			if afi, aerr := os.Stat(expandHome(alt)); aerr == nil {
				p, path, fi, err = alt, expandHome(alt), afi, nil
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", p, unwrapPathErr(err))
	}
	if fi.IsDir() {
		return "", fmt.Errorf("%s is a directory: %s", p, what)
	}
	if err := regularFile(p, fi); err != nil {
		return "", err
	}
	return path, nil
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// droppedPath undoes what terminals do to a file dragged onto them: they
// paste its path single- or double-quoted ('/a/x.csv', with ' written
// '\”), backslash-escaped (/a/dir\ with\ space/x.csv) or as a file://
// URL. It is a few rules, not a shell: anything else is returned as is.
func droppedPath(p string) string {
	p = strings.TrimSpace(p)
	if len(p) >= 2 {
		switch q := p[0]; {
		case q == '\'' && p[len(p)-1] == q:
			return strings.ReplaceAll(p[1:len(p)-1], `'\''`, "'")
		case q == '"' && p[len(p)-1] == q:
			return unescape(p[1:len(p)-1], `"\$`+"`")
		}
	}
	if u, err := url.Parse(p); err == nil && u.Scheme == "file" && (u.Host == "" || u.Host == "localhost") && u.Path != "" {
		return u.Path
	}
	return unescape(p, "")
}

// unescape drops the backslash before a character (any, or only those
// of only).
func unescape(s, only string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (only == "" || strings.IndexByte(only, s[i+1]) >= 0) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// regularFile refuses a pipe or a device, as the CLI's import run does:
// the wizard reads the file more than once, and opening a pipe with no
// writer blocks.
func regularFile(p string, fi os.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is not a regular file (a pipe or a device): the wizard reads it more than once, "+
		"to check it, to preview and to import, so save it to a file first", p)
}

// openFile opens an export file chosen before: it is checked again (it
// may have been replaced by a pipe since), and the open gives up when
// ctx ends.
func openFile(ctx context.Context, open func(string) (clerk.Source, error), path string) (clerk.Source, error) {
	if err := stillRegular(path); err != nil {
		return nil, err
	}
	return importer.OpenCancelable(ctx, func() (clerk.Source, error) { return open(path) })
}

// stillRegular checks again that a file chosen before is a regular file
// (it may have been replaced by a pipe since). A path gone or a
// directory is left to the open to report.
func stillRegular(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return regularFile(path, fi)
	}
	return nil
}

// checkPasswordsFile reads the start of the passwords file, as the
// export file's is read: one that is not an export, or whose records
// carry no password digest (an API export), fails here. It returns the
// path to open for each run ("" for none).
func checkPasswordsFile(ctx context.Context, open func(string) (clerk.Source, error), p string) (string, error) {
	if p == "" {
		return "", nil
	}
	path, err := statFile(p, "choose a Dashboard CSV or a Clerk support export")
	if err != nil {
		return "", fmt.Errorf("passwords file: %w", err)
	}
	src, err := openFile(ctx, open, path)
	if err != nil {
		return "", fmt.Errorf("passwords file: %w", err)
	}
	defer src.Close()
	if p, ok := src.(clerk.PasswordsReader); ok {
		p.ReadForPasswords() // as the import reads it
	}
	digests, err := checkStart(ctx, src)
	if err != nil {
		return "", fmt.Errorf("passwords file: %w", err)
	}
	if digests == 0 {
		return "", fmt.Errorf("passwords file %s: no password digests in its first users: choose the Dashboard CSV (User exports) or Clerk support's JSON export, which carry password_digest", p)
	}
	return path, nil
}

// checkedRecords is how far into an export file the source step reads.
const checkedRecords = 5000

// checkStart reads src until its end or checkedRecords records, and
// returns the first error other than the end, with the number of the
// records read that carry a password digest.
func checkStart(ctx context.Context, src clerk.Source) (digests int, err error) {
	for n := 0; n < checkedRecords; {
		recs, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return digests, nil
		}
		if err != nil {
			return digests, err
		}
		if len(recs) == 0 {
			return digests, nil
		}
		for _, r := range recs {
			if r.User != nil && r.User.PasswordDigest != "" {
				digests++
			}
		}
		n += len(recs)
	}
	return digests, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// View lays the step out for its height: on a short terminal the
// explanations go first, then the blank lines, the target and the
// choice of source, so the focused field, its error and what to do
// about it always show (the body is otherwise cut from the bottom).
func (s *sourceScreen) View() string {
	st := s.pc.styles
	var parts []viewPart
	add := func(drop int, text string) {
		parts = append(parts, viewPart{text: strings.TrimSuffix(text, "\n"), drop: drop})
	}
	// Drop levels: the highest is left out first.
	const (
		dropBlurred = 1 // the field not focused
		dropChoice  = 2 // the list of sources, once one is chosen
		dropTarget  = 3
		dropSugg    = 4
		dropBlank   = 5
		dropHint    = 6 // what a field is for
	)
	target := "(none)"
	if s.pc.env != nil {
		target = termtext.Clean(s.pc.env.Describe())
	}
	users := st.Dim.Render("counting users…")
	switch {
	case s.envErr != "":
		users = indentLines(errorText(st, "cannot count users: "+s.envErr, s.width-2), "  ")[2:]
	case s.envUsers >= 0:
		users = st.Number.Render(fmtInt(s.envUsers)) + " users now"
	}
	add(dropTarget, st.Heading.Render("Target environment")+"\n  "+target+"\n  "+users)
	add(dropBlank, "")

	var choice strings.Builder
	choice.WriteString(st.Heading.Render("Where are your Clerk users?"))
	opts := []string{"Clerk API key", "Clerk export file (JSON or CSV)"}
	for i, o := range opts {
		active := (s.mode == modeChoose && s.choice == i) || (s.mode == modeKey && i == 0) || (s.mode == modeFile && i == 1)
		mark := "  "
		line := fmt.Sprintf("%d  %s", i+1, o)
		if active {
			mark = st.Cursor.Render("› ")
			line = st.Selected.Render(line)
		}
		choice.WriteString("\n" + mark + line)
	}
	if s.mode == modeChoose {
		add(0, choice.String())
	} else {
		add(dropChoice, choice.String())
	}
	add(dropBlank, "")

	blurred := func(focused bool) int {
		if focused {
			return 0
		}
		return dropBlurred
	}
	switch s.mode {
	case modeChoose:
		add(dropHint, noticeText(st.Dim, "Choose with ↑/↓ and enter (or press 1 / 2).", s.width))
	case modeKey:
		add(blurred(!s.pwFocus), s.keyInput.View())
		k := strings.TrimSpace(s.keyInput.Value())
		switch {
		case strings.HasPrefix(k, "sk_live_"):
			// The header's badge says it too.
			add(dropTarget, st.ProdBadge.Render("PRODUCTION INSTANCE")+" "+st.Warning.Render("this key reads your live users"))
		case strings.HasPrefix(k, "sk_test_"):
			add(dropHint, st.TestBadge.Render("development instance"))
		case k == "":
			add(dropHint, noticeText(st.Dim, "Paste your secret key (Clerk Dashboard → API Keys).", s.width))
		default:
			add(blurred(!s.pwFocus), noticeText(st.Warning, "A Clerk secret key starts with sk_live_ or sk_test_.", s.width))
		}
	case modeFile:
		add(blurred(!s.pwFocus), markHidden(s.fileInput.View()))
		if sugg := s.fileInput.MatchedSuggestions(); !s.pwFocus && len(sugg) > 1 {
			add(dropSugg, suggestionLine(st.Dim, sugg))
		} else {
			add(dropHint, noticeText(st.Dim, "Dashboard CSV, Clerk support JSON, a clerk migrate export, or Backend API users (JSON).", s.width))
		}
	}
	if s.mode != modeChoose {
		add(blurred(s.pwFocus), markHidden(s.pwInput.View()))
		if sugg := s.pwInput.MatchedSuggestions(); s.pwFocus && len(sugg) > 1 {
			add(dropSugg, suggestionLine(st.Dim, sugg))
		} else if s.pwFocus {
			add(dropHint, noticeText(st.Dim, "Its password digests are kept (joined by Clerk id); leave empty to reset passwords.", s.width))
		}
	}
	if s.verifying {
		what := "Checking the key with Clerk (/users/count)…"
		if s.mode == modeFile {
			what = "Opening the export file…"
		}
		add(dropBlank, "")
		add(0, s.spinner.View()+" "+what)
		if w := s.wait.view(st, s.pc.now(), "the check", s.width); w != "" {
			add(0, w)
		}
	}
	if s.err != "" {
		add(dropBlank, "")
		add(0, errorText(st, s.err, s.width))
		switch {
		case s.errPw != "" && s.errPw == s.err:
			// The key may be fine: the fault is the file beside it.
			add(0, noticeText(st.Dim, "Fix the passwords file's path (or clear it) and press enter to try again.", s.width))
		case s.mode == modeKey:
			add(0, noticeText(st.Dim, "Fix the key and press enter to try again.", s.width))
		}
	}
	if s.note != "" {
		add(dropBlank, "")
		add(0, noticeText(st.Dim, s.note, s.width))
	}
	return fitParts(parts, s.height)
}

// suggestionLine shows the first path completions by their base name.
func suggestionLine(dim lipgloss.Style, sugg []string) string {
	shown := sugg
	if len(shown) > 4 {
		shown = shown[:4]
	}
	parts := make([]string, len(shown))
	for i, p := range shown {
		parts[i] = termtext.Clean(filepath.Base(strings.TrimSuffix(p, "/")))
	}
	more := ""
	if len(sugg) > len(shown) {
		more = fmt.Sprintf(" +%d", len(sugg)-len(shown))
	}
	return dim.Render("  " + strings.Join(parts, "  ") + more)
}

func (s *sourceScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch {
	case s.verifying:
		k.Back.SetHelp("esc", "cancel")
		short = []key.Binding{k.Back}
	case s.mode == modeChoose:
		short = []key.Binding{k.Up, k.Down, k.Choose}
	case s.pwFocus:
		back := "key"
		if s.mode == modeFile {
			back = "export file"
		}
		k.Passwords.SetHelp("shift+tab", back)
		short = []key.Binding{k.Complete, k.Verify, k.Passwords, k.Back}
	case s.mode == modeKey:
		k.Passwords.SetHelp("tab", "passwords file")
		short = []key.Binding{k.Verify, k.Passwords, k.Back}
	case s.mode == modeFile:
		k.Verify.SetHelp("enter", "open file")
		short = []key.Binding{k.Complete, k.Verify, k.Passwords, k.Back}
	}
	return keyMap{short: short, full: [][]key.Binding{short}}
}
