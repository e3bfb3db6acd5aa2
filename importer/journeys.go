package importer

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Journey names of the migration cadences.
const (
	JourneyAnnouncement  = "Migration announcement"
	JourneyPasswordReset = "Migration password reset"
)

// Settings keys the migration setup is remembered under, so later runs
// (and `import clerk run --from-identity`) reuse it.
const (
	SettingFromIdentity = "migration.fromIdentity"
	SettingAppName      = "migration.appName"
	SettingLoginURL     = "migration.loginUrl"
	SettingResetURL     = "migration.resetUrl"
)

// JourneySetup is what the migration journeys are created with. Empty
// fields fall back to the values saved by an earlier setup.
type JourneySetup struct {
	FromIdentity string // sender email on every email node
	AppName      string
	LoginURL     string
	ResetURL     string
}

// CreatedTemplate names one migration template and whether this call
// created it. A template has no status or activation problems, so unlike
// a journey it carries none: every field is always present in JSON.
type CreatedTemplate struct {
	ID      string `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Created bool   `json:"created"`
}

// Created names one migration journey and whether this call created or
// updated it. Every field is always present in JSON (problems as [] when
// there are none), so a script can read them without checking.
type Created struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Created bool   `json:"created"`
	// Updated is true when an existing journey got the new sender or variables.
	Updated bool `json:"updated"`
	// Sending: the journey is active, or paused with users still in it
	// (keepsSender), so an update reaches its next emails.
	Sending bool `json:"sending"`
	// Problems are what ActivationCheck finds: activation is refused
	// until they are fixed.
	Problems []string `json:"problems"`
}

// JourneysResult is what CreateMigrationJourneys made or found.
type JourneysResult struct {
	Templates []CreatedTemplate `json:"templates"`
	Journeys  []Created         `json:"journeys"`
	// Unset names the setup values neither given nor saved before that
	// an email step still lacks (one set by hand on the journeys is set),
	// by the flag that sets them: from-identity, app-name, login-url,
	// reset-url.
	Unset []string `json:"unset"`
}

// resolveSetup validates the setup, fills empty fields from the saved
// settings and saves the given ones, once the journeys' subjects are
// known to fit with them (setupFits): a value refused is not saved for
// the next create to reuse. given is the values given, trimmed: what an
// existing journey is set to (applySetup).
func resolveSetup(ctx context.Context, env ascendkit.Environment, s JourneySetup) (_, given JourneySetup, _ error) {
	if err := ValidateJourneySetup(strings.TrimSpace(s.FromIdentity), strings.TrimSpace(s.LoginURL), strings.TrimSpace(s.ResetURL), false); err != nil {
		return s, given, err
	}
	if err := ValidateAppName(s.AppName); err != nil && strings.TrimSpace(s.AppName) != "" {
		return s, given, fmt.Errorf("app name: %w", err)
	}
	given = s
	fields := []struct {
		key      string
		v, given *string
	}{{SettingFromIdentity, &s.FromIdentity, &given.FromIdentity}, {SettingAppName, &s.AppName, &given.AppName},
		{SettingLoginURL, &s.LoginURL, &given.LoginURL}, {SettingResetURL, &s.ResetURL, &given.ResetURL}}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		*f.given = *f.v
		if *f.v != "" {
			continue
		}
		saved, ok, err := env.Setting(ctx, f.key)
		if err != nil {
			return s, given, err
		}
		if ok {
			*f.v = saved
		}
	}
	if err := setupFits(ctx, env, s, given); err != nil {
		return s, given, err
	}
	for _, f := range fields {
		if *f.given != "" {
			if err := env.SetSetting(ctx, f.key, *f.given); err != nil {
				return s, given, err
			}
		}
	}
	return s, given, nil
}

// setupFits checks the subjects of the migration journeys as the setup
// leaves them: a journey that exists gets the given values (applySetup),
// one to create all of s (migrationJourneys).
func setupFits(ctx context.Context, env ascendkit.Environment, s, given JourneySetup) error {
	for _, j := range migrationJourneys(s) {
		nodes := j.Nodes
		if got, err := env.GetJourney(ctx, j.Name); err == nil {
			nodes, _ = setupNodes(got, given, templateUses(ctx, env))
		} else if !errors.Is(err, ascendkit.ErrNotFound) {
			return err
		}
		if err := NodeSubjectsFit(ctx, env, nodes); err != nil {
			return fmt.Errorf("journey %q: %w", j.Name, err)
		}
	}
	return nil
}

// migrationJourneys builds the two cadences of import.md. Variables left
// empty are filled in later (journey node variables) and reported as
// missing when a template is rendered.
func migrationJourneys(s JourneySetup) []ascendkit.Journey {
	login := map[string]string{"appName": s.AppName, "loginUrl": s.LoginURL}
	reset := map[string]string{"appName": s.AppName, "resetUrl": s.ResetURL}
	email := func(id, slug string, vars map[string]string) ascendkit.Node {
		return ascendkit.Node{ID: id, Action: ascendkit.ActionSendEmail, TemplateSlug: slug, From: s.FromIdentity, Variables: vars}
	}
	timer := func(from, to, after string) ascendkit.Transition {
		return ascendkit.Transition{ID: ascendkit.TransitionID(from, to), From: from, To: to, Trigger: ascendkit.TriggerTimer, After: after}
	}
	on := func(from, to, event string) ascendkit.Transition {
		return ascendkit.Transition{ID: ascendkit.TransitionID(from, to), From: from, To: to, Trigger: ascendkit.TriggerEvent, On: event}
	}
	return []ascendkit.Journey{
		{
			Name:        JourneyAnnouncement,
			Description: "All imported users: Day 0 announcement → Day 3 go-live → Day 7 reminder (skipped once they log in).",
			Audience:    ascendkit.Audience{Tag: TagClerk},
			Entry:       "announcement",
			Nodes: []ascendkit.Node{
				email("announcement", SlugAnnouncement, login),
				email("go_live", SlugGoLive, login),
				email("reminder", SlugReminder, login),
				{ID: "done", Action: ascendkit.ActionNone},
			},
			Transitions: []ascendkit.Transition{
				timer("announcement", "go_live", "3d"),
				on("announcement", "done", EventUserLogin),
				timer("go_live", "reminder", "4d"),
				on("go_live", "done", EventUserLogin),
				timer("reminder", "done", "0d"),
			},
		},
		{
			Name:        JourneyPasswordReset,
			Description: "Users who had a password, or whose OAuth sign-in does not carry over: Day 1 password reset → Day 4 reminder (skipped once they log in).",
			Audience:    ascendkit.Audience{Tag: TagNeedsPasswordReset},
			Entry:       "start",
			Nodes: []ascendkit.Node{
				{ID: "start", Action: ascendkit.ActionNone},
				email("password_reset", SlugPasswordReset, reset),
				email("password_reset_reminder", SlugPasswordResetReminder, reset),
				{ID: "done", Action: ascendkit.ActionNone},
			},
			Transitions: []ascendkit.Transition{
				timer("start", "password_reset", "1d"),
				on("start", "done", EventUserLogin),
				timer("password_reset", "password_reset_reminder", "3d"),
				on("password_reset", "done", EventUserLogin),
				timer("password_reset_reminder", "done", "0d"),
			},
		},
	}
}

// CreateMigrationJourneys creates the 5 migration templates and the 2 draft
// journeys. Existing ones (by slug and name) are kept, so running it again
// creates nothing new; given setup values (sender, URLs, app name) are
// applied to the existing journeys' email nodes.
func CreateMigrationJourneys(ctx context.Context, env ascendkit.Environment, setup JourneySetup) (JourneysResult, error) {
	setup, given, err := resolveSetup(ctx, env, setup)
	if err != nil {
		return JourneysResult{}, err
	}
	res := JourneysResult{Templates: []CreatedTemplate{}, Journeys: []Created{}, Unset: []string{}}
	// Unset are the values neither given nor saved that an email step
	// still lacks: one set by hand on the journeys (set-vars) is set.
	unsetFlags := map[string]bool{}
	for _, f := range []struct{ flag, v string }{{"from-identity", setup.FromIdentity}, {"app-name", setup.AppName}, {"login-url", setup.LoginURL}, {"reset-url", setup.ResetURL}} {
		if f.v == "" {
			unsetFlags[f.flag] = true
		}
	}
	lacking := map[string]bool{}
	for _, t := range migrationTemplates() {
		got, created, err := env.CreateTemplate(ctx, t)
		if err != nil {
			return res, fmt.Errorf("creating template %s: %w", t.Slug, err)
		}
		res.Templates = append(res.Templates, CreatedTemplate{ID: got.ID, Slug: got.Slug, Name: got.Name, Created: created})
	}
	for _, j := range migrationJourneys(setup) {
		got, created, err := env.CreateJourney(ctx, j)
		if err != nil {
			return res, fmt.Errorf("creating journey %q: %w", j.Name, err)
		}
		c := Created{ID: got.ID, Name: got.Name, Status: got.Status, Created: created, Sending: keepsSender(got)}
		if !created {
			if _, c.Updated, err = applySetup(ctx, env, got, given); err != nil {
				return res, err
			}
		}
		p, err := ActivationCheck(ctx, env, got.ID)
		if err != nil {
			return res, err
		}
		c.Problems = p.Problems
		if c.Problems == nil {
			c.Problems = []string{} // [] in JSON, as documented
		}
		res.Journeys = append(res.Journeys, c)
		if err := lackedSetup(ctx, env, got.ID, lacking); err != nil {
			return res, err
		}
	}
	for _, flag := range []string{"from-identity", "app-name", "login-url", "reset-url"} {
		if unsetFlags[flag] && lacking[flag] {
			res.Unset = append(res.Unset, flag)
		}
	}
	return res, nil
}

// setupVariables maps the template variables the setup flags fill.
var setupVariables = map[string]string{"appName": "app-name", "loginUrl": "login-url", "resetUrl": "reset-url"}

// lackedSetup adds to lacking the setup flags whose value some email step
// of journey id lacks (its sender, or a variable its template uses).
func lackedSetup(ctx context.Context, env ascendkit.Environment, id string, lacking map[string]bool) error {
	j, err := env.GetJourney(ctx, id)
	if err != nil {
		return err
	}
	for _, n := range j.Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		if strings.TrimSpace(n.From) == "" {
			lacking["from-identity"] = true
		}
		t, err := env.GetTemplate(ctx, n.TemplateSlug)
		if err != nil {
			continue // a missing template is the activation check's to report
		}
		for _, v := range TemplateVariables(t) {
			if flag, ok := setupVariables[v]; ok && strings.TrimSpace(n.Variables[v]) == "" {
				lacking[flag] = true
			}
		}
	}
	return nil
}

// applySetup writes the explicitly given setup values onto an existing
// journey's email nodes; it reports whether anything changed.
func applySetup(ctx context.Context, env ascendkit.Environment, j ascendkit.Journey, s JourneySetup) (ascendkit.Journey, bool, error) {
	nodes, changed := setupNodes(j, s, templateUses(ctx, env))
	if !changed {
		return j, false, nil
	}
	if err := NodeSubjectsFit(ctx, env, nodes); err != nil {
		return j, false, fmt.Errorf("journey %q: %w", j.Name, err)
	}
	got, err := env.UpdateJourneyNodes(ctx, j.ID, nodes)
	if err != nil {
		return j, false, fmt.Errorf("updating journey %q: %w", j.Name, err)
	}
	return got, true, nil
}

// setupNodes is j's nodes with the given setup values set on its email
// nodes, and whether that changes any: on each node that has the
// variable, or whose template uses it (uses: an edited template may use
// resetUrl where the built-in one did not, and the URL just given is then
// what it lacks; nil: only the node's own variables).
func setupNodes(j ascendkit.Journey, s JourneySetup, uses func(slug string) map[string]bool) ([]ascendkit.Node, bool) {
	changed := false
	nodes := slices.Clone(j.Nodes)
	for i := range nodes {
		n := &nodes[i]
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		set := func(cur *string, v string) {
			if v != "" && *cur != v {
				*cur, changed = v, true
			}
		}
		set(&n.From, s.FromIdentity)
		vars := map[string]string{}
		for k, v := range n.Variables {
			vars[k] = v
		}
		for k, v := range map[string]string{"appName": s.AppName, "loginUrl": s.LoginURL, "resetUrl": s.ResetURL} {
			if _, used := vars[k]; v == "" || !used && (uses == nil || !uses(n.TemplateSlug)[k]) {
				continue // nothing given, or nothing on this node uses it
			}
			cur := vars[k]
			set(&cur, v)
			vars[k] = cur
		}
		n.Variables = vars
	}
	return nodes, changed
}

// templateUses says which variables each template uses, reading each
// once; a template it cannot read uses none beyond its nodes' own.
func templateUses(ctx context.Context, env ascendkit.Environment) func(string) map[string]bool {
	read := map[string]map[string]bool{}
	return func(slug string) map[string]bool {
		if u, ok := read[slug]; ok {
			return u
		}
		u := map[string]bool{}
		if t, err := env.GetTemplate(ctx, slug); err == nil {
			for _, v := range TemplateVariables(t) {
				u[v] = true
			}
		}
		read[slug] = u
		return u
	}
}

// SubjectFits checks that template t's subject, as node (its id, for the
// message) renders it with vars (the user's own fields left empty),
// stays within MaxSubjectBytes. The values' bounds keep the built-in
// subjects short, but an edited subject may quote a value several times.
func SubjectFits(t ascendkit.Template, node string, vars map[string]string) error {
	if sub := Render(t, ascendkit.User{}, vars).Subject; len(sub) > MaxSubjectBytes {
		return fmt.Errorf("the subject of %s (node %s) would be %s bytes long: at most %d (RFC 5322's limit on a mail header line); shorten the values or the subject",
			t.Slug, node, Thousands(len(sub)), MaxSubjectBytes)
	}
	return nil
}

// NodeSubjectsFit is SubjectFits for every email node of nodes whose
// template exists: what a journey's nodes are about to be set to.
func NodeSubjectsFit(ctx context.Context, env ascendkit.Environment, nodes []ascendkit.Node) error {
	for _, n := range nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		t, err := env.GetTemplate(ctx, n.TemplateSlug)
		if errors.Is(err, ascendkit.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := SubjectFits(t, n.ID, n.Variables); err != nil {
			return err
		}
	}
	return nil
}

// SetSender saves the migration sender and applies it to the migration
// journeys that exist (`import clerk run --from-identity`). What it
// replaces is kept for runID, so that undoing the run puts it back.
func SetSender(ctx context.Context, env ascendkit.Environment, identity, runID string) error {
	identity, err := CleanIdentity(identity)
	if err != nil {
		return err
	}
	if identity == "" {
		return nil
	}
	before, _, err := env.Setting(ctx, SettingFromIdentity)
	if err != nil {
		return err
	}
	change := senderChange{Before: before, After: identity, At: time.Now().UTC()}
	var journeys []ascendkit.Journey
	for _, name := range []string{JourneyAnnouncement, JourneyPasswordReset} {
		j, err := env.GetJourney(ctx, name)
		if err != nil {
			continue // not created yet: migration-journey create will use the saved sender
		}
		journeys = append(journeys, j)
		for _, n := range j.Nodes {
			if n.Action == ascendkit.ActionSendEmail && n.From != identity {
				change.Nodes = append(change.Nodes, nodeFrom{Journey: j.Name, Node: n.ID, From: n.From})
			}
		}
	}
	if runID != "" {
		// Kept before the change, so a change made is never one undo
		// cannot put back. Kept when nothing changes too: the run asked
		// for the sender in force, and undoing the run that set it
		// before (a canary) must then hand it on (spliceSender) rather
		// than take it from a run still in effect.
		b, err := json.Marshal(change)
		if err != nil {
			return err
		}
		if err := env.SetSetting(ctx, senderUndoKey(runID), string(b)); err != nil {
			return err
		}
	}
	if err := env.SetSetting(ctx, SettingFromIdentity, identity); err != nil {
		return err
	}
	for _, j := range journeys {
		if _, _, err := applySetup(ctx, env, j, JourneySetup{FromIdentity: identity}); err != nil {
			return err
		}
	}
	return nil
}

// senderUndoKey is the setting that keeps what a run's --from-identity
// replaced.
func senderUndoKey(runID string) string { return SettingFromIdentity + ".undo." + runID }

// senderChange is what SetSender replaced for a run.
type senderChange struct {
	Before string     `json:"before"` // the saved sender ("" = none)
	After  string     `json:"after"`
	Nodes  []nodeFrom `json:"nodes"` // the email nodes whose sender it changed
	// At is when the run set it: a record of no change (Before ==
	// After) takes over only from a run that set the sender before it
	// (see nextSenderChange).
	At time.Time `json:"at,omitzero"`
}

// nodeFrom is an email node's sender before a run changed it.
type nodeFrom struct {
	Journey string `json:"journey"` // the journey's name
	Node    string `json:"node"`
	From    string `json:"from"`
	// Set is the sender the node was given, when not the record's After:
	// a node an undone earlier run changed, handed to a later run.
	Set string `json:"set,omitempty"`
}

// senderUndo is what undoing a run's --from-identity does (or, dry,
// would do).
type senderUndo struct {
	// Restored is true when something was put back.
	Restored bool
	// Kept names, sorted, the journeys whose email nodes keep the run's
	// sender because they are sending (see keepsSender); it is the
	// UndoPlan's SenderKept.
	Kept []string
}

// SetupChangesSending names the migration journeys that are sending
// (active, or paused with users still in them; see keepsSender) whose
// email steps setup s would change: their next emails would go out with
// the new sender or values, which the wizard asks about first.
func SetupChangesSending(ctx context.Context, env ascendkit.Environment, s JourneySetup) ([]string, error) {
	var out []string
	uses := templateUses(ctx, env) // both journeys' templates, read once
	for _, name := range []string{JourneyAnnouncement, JourneyPasswordReset} {
		j, err := env.GetJourney(ctx, name)
		if errors.Is(err, ascendkit.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, changed := setupNodes(j, s, uses); changed && keepsSender(j) {
			out = append(out, j.Name)
		}
	}
	return out, nil
}

// keepsSender says whether undo leaves journey j's sender alone: an
// active journey sends with the sender it was activated with, and taking
// it away (often to none) would leave its enrolled users mid-way with
// emails that cannot go out, while activation's own check never sees the
// change. A paused journey with users still in it is resumed to carry on
// for them, so it counts as sending too; a paused one with none left is
// as good as a draft, which any later activation checks anew.
func keepsSender(j ascendkit.Journey) bool {
	return j.Status == ascendkit.StatusActive || (j.Status == ascendkit.StatusPaused && j.Stats.Active > 0)
}

// undoSender puts back what runID's --from-identity replaced, where it is
// still what the run set (a sender changed since is left alone), but not
// on the journeys that keep it (keepsSender), and reports what was or
// (dry) would be put back and kept. The saved sender goes back even when
// a journey keeps the run's: it is only the default of journeys created
// later. keep, when not nil, names the journeys that keep it instead of
// keepsSender: Undo decides them before it removes the run's users, as
// PlanUndo did, since removing them may leave a paused journey with no
// one in it (and the plan would have said it keeps the sender).
func undoSender(ctx context.Context, env ascendkit.Environment, runID string, dry bool, keep map[string]bool) (senderUndo, error) {
	var u senderUndo
	raw, ok, err := env.Setting(ctx, senderUndoKey(runID))
	if err != nil || !ok || raw == "" {
		return u, err
	}
	var c senderChange
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return u, fmt.Errorf("reading the sender run %s replaced: %w", runID, err)
	}
	// A later live run replaced this run's sender: its undo is to put
	// back what this run replaced, and nothing changes now.
	if spliced, err := spliceSender(ctx, env, runID, c, dry); err != nil || spliced {
		if err == nil && !dry {
			err = env.SetSetting(ctx, senderUndoKey(runID), "")
		}
		return u, err
	}
	cur, _, err := env.Setting(ctx, SettingFromIdentity)
	if err != nil {
		return u, err
	}
	settingBack := cur == c.After && c.Before != c.After
	if settingBack {
		u.Restored = true
		if !dry {
			if err := env.SetSetting(ctx, SettingFromIdentity, c.Before); err != nil {
				return u, err
			}
		}
	}
	byJourney := map[string]map[string]nodeFrom{}
	for _, n := range c.Nodes {
		if byJourney[n.Journey] == nil {
			byJourney[n.Journey] = map[string]nodeFrom{}
		}
		byJourney[n.Journey][n.Node] = n
	}
	if settingBack {
		// Journeys created after the run took its sender from the saved
		// setting: their email nodes still sending from it go back too.
		js, err := env.ListJourneys(ctx)
		if err != nil {
			return u, err
		}
		for _, j := range js {
			for _, n := range j.Nodes {
				if n.Action != ascendkit.ActionSendEmail || n.From != c.After {
					continue
				}
				if _, ok := byJourney[j.Name][n.ID]; ok {
					continue
				}
				if byJourney[j.Name] == nil {
					byJourney[j.Name] = map[string]nodeFrom{}
				}
				byJourney[j.Name][n.ID] = nodeFrom{Journey: j.Name, Node: n.ID, From: c.Before}
			}
		}
	}
	for name, froms := range byJourney {
		j, err := env.GetJourney(ctx, name)
		if err != nil {
			continue // deleted since: nothing to put back
		}
		nodes := slices.Clone(j.Nodes)
		changed := false
		for i := range nodes {
			if n, ok := froms[nodes[i].ID]; ok && nodes[i].From == cmp.Or(n.Set, c.After) {
				nodes[i].From, changed = n.From, true
			}
		}
		if !changed {
			continue
		}
		if (keep == nil && keepsSender(j)) || keep[j.Name] {
			u.Kept = append(u.Kept, j.Name)
			continue
		}
		u.Restored = true
		if !dry {
			if _, err := env.UpdateJourneyNodes(ctx, j.ID, nodes); err != nil {
				return u, fmt.Errorf("updating journey %q: %w", j.Name, err)
			}
		}
	}
	slices.Sort(u.Kept)
	// The record goes also when a journey kept the sender: that is the
	// journey's now, and no later undo is to take it.
	if !dry {
		if err := env.SetSetting(ctx, senderUndoKey(runID), ""); err != nil {
			return u, err
		}
	}
	return u, nil
}

// Step is one node of a journey's timeline, at its day offset from enrollment.
type Step struct {
	Day  int
	Node ascendkit.Node
	// Via is how the step is reached: "" for the entry, "timer (3d)", or
	// "on user.login".
	Via string
}

// Days parses a timer delay such as "3d", "12h" or "0d" into days.
func Days(after string) (int, bool) {
	after = strings.TrimSpace(after)
	if n, err := strconv.Atoi(strings.TrimSuffix(after, "d")); err == nil && strings.HasSuffix(after, "d") {
		return n, true
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(after, "h")); err == nil && strings.HasSuffix(after, "h") {
		return n / 24, true
	}
	return 0, false
}

// Timeline walks a journey from its entry along timer transitions and
// returns its steps with their day offsets (Day 0 → Day 3 → Day 7). Nodes
// reached only by events are appended after, with the event named.
func Timeline(j ascendkit.Journey) []Step {
	nodes := map[string]ascendkit.Node{}
	for _, n := range j.Nodes {
		nodes[n.ID] = n
	}
	var steps []Step
	seen := map[string]bool{}
	cur, day, via := j.Entry, 0, ""
	for cur != "" && !seen[cur] {
		n, ok := nodes[cur]
		if !ok {
			break
		}
		seen[cur] = true
		steps = append(steps, Step{Day: day, Node: n, Via: via})
		next := ""
		for _, t := range j.Transitions {
			if t.From == cur && t.Trigger == ascendkit.TriggerTimer {
				d, _ := Days(t.After)
				next, day, via = t.To, day+d, "timer ("+t.After+")"
				break
			}
		}
		cur = next
	}
	for _, t := range j.Transitions {
		if t.Trigger == ascendkit.TriggerEvent && !seen[t.To] {
			if n, ok := nodes[t.To]; ok {
				seen[t.To] = true
				steps = append(steps, Step{Day: -1, Node: n, Via: "on " + t.On})
			}
		}
	}
	return steps
}

// TransitionLine formats a transition as `journey show` prints it:
// "a → b [timer (3d)] (a-to-b)".
func TransitionLine(t ascendkit.Transition) string {
	trig := "on " + t.On
	if t.Trigger == ascendkit.TriggerTimer {
		trig = "timer (" + t.After + ")"
	}
	id := t.ID
	if id == "" {
		id = ascendkit.TransitionID(t.From, t.To)
	}
	return fmt.Sprintf("%s → %s [%s] (%s)", t.From, t.To, trig, id)
}

// varName is what a {{variable}} may be called (see varPattern).
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// ValidateVariable checks one journey variable before it is stored: a
// known name that is not filled from the user, a non-empty value, for
// appName what ValidateAppName asks (the name `migration-journey create`
// takes), for a name ending in "url" (loginUrl, resetUrl) an http(s)
// URL, and for any other a value of at most maxVariableBytes.
func ValidateVariable(name, value string) error {
	switch {
	case !varName.MatchString(name):
		return fmt.Errorf("variable %q: not a valid name (letters, digits, _ and .)", name)
	case userVariables[name]:
		return fmt.Errorf("variable %s is filled from each user and cannot be set on a journey", name)
	case strings.TrimSpace(value) == "":
		return fmt.Errorf("variable %s: the value is empty", name)
	case name == "appName":
		// One rule for the app name, however it is set.
		if err := ValidateAppName(value); err != nil {
			return fmt.Errorf("variable %s: %w", name, err)
		}
	case !strings.HasSuffix(strings.ToLower(name), "url") && len(strings.TrimSpace(value)) > maxVariableBytes:
		return fmt.Errorf("variable %s: the value is %s bytes long: at most %s", name, Thousands(len(strings.TrimSpace(value))), Thousands(maxVariableBytes))
	case HiddenIndex(value, hiddenInLine) >= 0:
		return fmt.Errorf("variable %s: %w (%s)", name, errHiddenText, hiddenWhere(value, HiddenIndex(value, hiddenInLine)))
	case placeholderFree(value) != nil:
		return fmt.Errorf("variable %s: %w", name, placeholderFree(value))
	case strings.HasSuffix(strings.ToLower(name), "url"):
		check := ValidateURL
		if strings.EqualFold(name, "resetUrl") {
			check = ValidateResetURL
		}
		if err := check(value); err != nil {
			return fmt.Errorf("variable %s: %w", name, err)
		}
	}
	return nil
}

// VariableUpdate is what SetJourneyVariables changes.
type VariableUpdate struct {
	// From, when not empty, becomes the sender of the email nodes.
	From string
	// Vars are set on the email nodes whose template uses them (or, with
	// Node, on that node whatever its template uses).
	Vars map[string]string
	// Node limits the update to one email node by id; "" means all.
	Node string
}

// SetJourneyVariables sets the sender and variables of a journey's email
// nodes, so a journey that activation refuses can be fixed without the
// wizard. Every value is validated before anything is written; a
// variable no targeted node's template uses is an error rather than
// silently ignored.
func SetJourneyVariables(ctx context.Context, env ascendkit.Environment, journeyRef string, u VariableUpdate) (ascendkit.Journey, error) {
	if u.From == "" && len(u.Vars) == 0 {
		return ascendkit.Journey{}, errors.New("nothing to set: give a sender or at least one variable")
	}
	if u.From != "" {
		if err := ValidateSender(u.From); err != nil {
			return ascendkit.Journey{}, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(u.Vars)) {
		if err := ValidateVariable(k, u.Vars[k]); err != nil {
			return ascendkit.Journey{}, err
		}
	}
	j, err := env.GetJourney(ctx, journeyRef)
	if err != nil {
		return j, err
	}
	nodes := slices.Clone(j.Nodes)
	used := map[string]bool{}
	targeted := 0
	for i := range nodes {
		n := &nodes[i]
		if n.Action != ascendkit.ActionSendEmail || (u.Node != "" && n.ID != u.Node) {
			continue
		}
		targeted++
		uses := map[string]bool{}
		t, err := env.GetTemplate(ctx, n.TemplateSlug)
		found := err == nil
		if found {
			for _, v := range TemplateVariables(t) {
				uses[v] = true
			}
		} else if !errors.Is(err, ascendkit.ErrNotFound) {
			return j, err
		}
		if u.From != "" {
			n.From = u.From
		}
		vars := maps.Clone(n.Variables)
		if vars == nil {
			vars = map[string]string{}
		}
		for k, v := range u.Vars {
			if _, has := vars[k]; has || uses[k] || u.Node != "" {
				vars[k] = strings.TrimSpace(v)
				used[k] = true
			}
		}
		n.Variables = vars
		if found {
			if err := SubjectFits(t, n.ID, vars); err != nil {
				return j, err
			}
		}
	}
	if targeted == 0 {
		if u.Node != "" {
			return j, fmt.Errorf("journey %q has no email node %q", j.Name, u.Node)
		}
		return j, fmt.Errorf("journey %q has no email nodes", j.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(u.Vars)) {
		if !used[k] {
			return j, fmt.Errorf("no email of journey %q uses {{%s}}", j.Name, k)
		}
	}
	got, err := env.UpdateJourneyNodes(ctx, j.ID, nodes)
	if err != nil {
		return j, fmt.Errorf("updating journey %q: %w", j.Name, err)
	}
	return got, nil
}

// UserEnrollment is one journey a user is enrolled in.
type UserEnrollment struct {
	Journey string `json:"journey"`
	// JourneyStatus is the journey's own status: an enrollment stays
	// "active" while its journey is paused, and nothing is sent then.
	JourneyStatus string `json:"journeyStatus"`
	ascendkit.Enrollment
}

// UserEnrollments lists the journeys user userID is enrolled in, in
// journey order. The environment lists enrollments per journey, so this
// reads each journey's enrollments once and keeps only the user's.
func UserEnrollments(ctx context.Context, env ascendkit.Environment, userID string) ([]UserEnrollment, error) {
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return nil, err
	}
	out := []UserEnrollment{}
	for _, j := range js {
		if j.Stats.Enrolled == 0 {
			continue
		}
		es, err := env.ListEnrollments(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.UserID == userID {
				out = append(out, UserEnrollment{Journey: j.Name, JourneyStatus: j.Status, Enrollment: e})
			}
		}
	}
	return out, nil
}

// activeAudiences lists the audience tags of the active journeys ("" for
// a journey of every user), sorted: what decides the enrollments an
// import makes.
func activeAudiences(ctx context.Context, env ascendkit.Environment) ([]string, error) {
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	var tags []string
	for _, j := range js {
		if j.Status == ascendkit.StatusActive {
			tags = append(tags, j.Audience.Tag)
		}
	}
	slices.Sort(tags)
	return tags, nil
}

// enrollments is how many active journeys a created user enters, as the
// environment enrolls them: every journey whose audience tag the user has
// (or that has none), none for a banned user. (A merge enrolls the user
// only where it adds the tag, which a preview cannot tell; it counts
// creates.)
func enrollments(audiences, tags []string, banned bool) int {
	if banned {
		return 0
	}
	n := 0
	for _, a := range audiences {
		if a == "" || slices.Contains(tags, a) {
			n++
		}
	}
	return n
}
