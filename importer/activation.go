package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// userVariables are filled from the user being emailed, not from the
// journey, so they are never "unset" at activation.
var userVariables = map[string]bool{"userName": true, "userEmail": true}

// PlannedStep is one email step activation would schedule.
type PlannedStep struct {
	// Day is the offset from enrollment (0 = sent now); -1 for a step
	// reached only by an event (Via names it).
	Day      int    `json:"day"`
	Node     string `json:"node"`
	Template string `json:"template"`
	// Emails is how many emails the step sends to the users enrolled now:
	// all of them for Day 0, at most that many later (users who leave the
	// journey earlier, e.g. by logging in, skip it).
	Emails int    `json:"emails"`
	Via    string `json:"via,omitempty"`
}

// AtMost says whether the i-th step's Emails is a ceiling rather than a
// count: all but a first step sent now, as users who leave the journey
// before a step (by logging in, say) skip it.
func (s PlannedStep) AtMost(i int) bool { return i > 0 || s.Day != 0 }

// ActivationPlan is what activating a journey would do, and what stops it.
type ActivationPlan struct {
	JourneyID string `json:"journeyId"`
	Journey   string `json:"journey"`
	Status    string `json:"status"`
	// Problems names each send-email node whose template has an unset
	// variable or that has no sender. Activation is refused while any exist.
	Problems []string `json:"problems"`
	// Enroll is how many users the backfill enrolls now.
	Enroll int `json:"enroll"`
	// Resume is how many enrollments activating a paused journey resumes:
	// those still active when it was paused. Their emails that fell due
	// meanwhile go out at once. 0 unless the journey is paused.
	Resume int `json:"resume"`
	// Audience is how many non-banned users the journey targets in all.
	Audience int           `json:"audience"`
	Steps    []PlannedStep `json:"steps"`
	// Unnamed is how many of the users enrolled now have no name while
	// the journey's emails greet them by {{userName}}: it renders empty.
	// A name of invisible characters only (a zero-width space, a BOM,
	// white space) is none: it renders "Hi ," too (ascendkit.BlankName).
	Unnamed int `json:"unnamed"`
}

// Describe says in one sentence what activation sends, e.g. "1,204
// emails of migration-announcement will be sent now (Day 0), then up to
// 1,204 of migration-go-live on Day 3, then …". The CLI and the wizard
// both show it before asking to activate.
func (p ActivationPlan) Describe() string {
	resumes := countOf(p.Resume, "enrollment", "enrollments") + " paused with the journey"
	if len(p.Steps) == 0 {
		if p.Resume > 0 {
			return fmt.Sprintf("The journey sends no emails; %s users would be enrolled now, and the %s resume.", Thousands(p.Enroll), resumes)
		}
		return fmt.Sprintf("The journey sends no emails; %s users would be enrolled now.", Thousands(p.Enroll))
	}
	// Resumed enrollments send whatever fell due while the journey was
	// paused: "no emails are sent now" would be false for them.
	resumed := fmt.Sprintf("activating resumes the %s: the emails that fell due while it was paused are sent now, the rest on schedule", resumes)
	if p.Enroll == 0 {
		if p.Resume > 0 {
			return "No new users would be enrolled, but " + resumed + ". Users imported later into the audience are enrolled and emailed as they arrive."
		}
		return "No users would be enrolled now, so no emails are sent now; users imported later into the audience are enrolled and emailed as they arrive."
	}
	var b strings.Builder
	for i, s := range p.Steps {
		n := Thousands(s.Emails)
		emails := countOf(s.Emails, "email", "emails")
		switch {
		case i == 0 && s.Day == 0:
			fmt.Fprintf(&b, "%s of %s will be sent now (Day 0)", emails, s.Template)
		case i == 0 && s.Day > 0:
			fmt.Fprintf(&b, "Up to %s of %s will be sent on Day %d (%s from now)", emails, s.Template, s.Day, plural(s.Day, "day"))
		case i == 0 && s.Day < 0:
			fmt.Fprintf(&b, "Up to %s of %s will be sent %s", emails, s.Template, s.Via)
		case s.Day < 0:
			fmt.Fprintf(&b, ", then up to %s of %s %s", n, s.Template, s.Via)
		default:
			fmt.Fprintf(&b, ", then up to %s of %s on Day %d", n, s.Template, s.Day)
		}
	}
	fmt.Fprintf(&b, " (%s enrolled now).", countOf(p.Enroll, "user", "users"))
	if p.Unnamed > 0 {
		fmt.Fprintf(&b, " %s of them %s no name, so {{userName}} is empty in their emails (\"Hi ,\").",
			Thousands(p.Unnamed), map[bool]string{true: "has", false: "have"}[p.Unnamed == 1])
	}
	if p.Resume > 0 {
		fmt.Fprintf(&b, " Also, %s.", resumed)
	}
	return b.String()
}

func plural(n int, unit string) string { return countOf(n, unit, unit+"s") }

// ActivationRefusedError is returned by Activate while the plan has problems.
type ActivationRefusedError struct {
	Journey  string
	Problems []string
}

func (e *ActivationRefusedError) Error() string {
	return fmt.Sprintf("journey %q cannot be activated until these are fixed:\n  %s", e.Journey, strings.Join(e.Problems, "\n  "))
}

// TemplateVariables lists the {{variables}} a template uses, sorted and
// without duplicates.
func TemplateVariables(t ascendkit.Template) []string {
	var out []string
	for _, s := range []string{t.Subject, t.BodyText, t.BodyHTML} {
		for _, m := range varPattern.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nodeProblem describes what a send-email node lacks, or "" if nothing;
// vars are its template's variables, found false when the template does
// not exist.
func nodeProblem(n ascendkit.Node, vars []string, found bool) string {
	var lacks []string
	if strings.TrimSpace(n.From) == "" {
		lacks = append(lacks, "no sender")
	}
	if !found {
		lacks = append(lacks, "its template does not exist")
	} else {
		var unset []string
		for _, v := range vars {
			if !userVariables[v] && strings.TrimSpace(n.Variables[v]) == "" {
				unset = append(unset, v)
			}
		}
		if len(unset) > 0 {
			lacks = append(lacks, "unset "+strings.Join(unset, ", "))
		}
	}
	if len(lacks) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (node %s): %s", n.TemplateSlug, n.ID, strings.Join(lacks, "; "))
}

// ActivationCheck works out, without changing anything, what activating
// journey journeyID (id or name) would enroll and send, and what stops it.
func ActivationCheck(ctx context.Context, env ascendkit.Environment, journeyID string) (ActivationPlan, error) {
	j, err := env.GetJourney(ctx, journeyID)
	if err != nil {
		return ActivationPlan{}, err
	}
	p := ActivationPlan{JourneyID: j.ID, Journey: j.Name, Status: j.Status, Problems: []string{}, Steps: []PlannedStep{}}
	if j.Status == ascendkit.StatusPaused {
		// Pausing keeps enrollments where they are; activating moves the
		// active ones on again.
		p.Resume = j.Stats.Active
	}
	if p.Audience, p.Enroll, err = env.AudienceSize(ctx, j.ID); err != nil {
		return p, err
	}
	for _, s := range Timeline(j) {
		if s.Node.Action != ascendkit.ActionSendEmail {
			continue
		}
		step := PlannedStep{Day: s.Day, Node: s.Node.ID, Template: s.Node.TemplateSlug, Emails: p.Enroll}
		if s.Day < 0 {
			step.Via = s.Via
		}
		p.Steps = append(p.Steps, step)
	}
	// Every send-email node is checked, including ones the timeline does
	// not reach, since a later edit of the graph could reach them.
	greets := false
	for _, n := range j.Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		t, err := env.GetTemplate(ctx, n.TemplateSlug)
		if err != nil && !errors.Is(err, ascendkit.ErrNotFound) {
			return p, err
		}
		vars := TemplateVariables(t)
		greets = greets || (err == nil && slices.Contains(vars, "userName"))
		if prob := nodeProblem(n, vars, err == nil); prob != "" {
			p.Problems = append(p.Problems, prob)
		}
	}
	// Missing variables render empty and are warned about: a user's own
	// name is one (users who signed up with an email only have none).
	if greets && p.Enroll > 0 {
		if p.Unnamed, err = env.UnnamedInAudience(ctx, j.ID); err != nil {
			return p, err
		}
	}
	return p, nil
}

// ActivationResult is what Activate did.
type ActivationResult struct {
	Plan ActivationPlan `json:"plan"`
	// NewlyEnrolled is how many users the backfill enrolled.
	NewlyEnrolled int               `json:"newlyEnrolled"`
	Journey       ascendkit.Journey `json:"journey"`
}

// Activate activates a journey and backfills its audience at now, after
// ActivationCheck: while the check finds problems it refuses with an
// *ActivationRefusedError naming them and changes nothing.
func Activate(ctx context.Context, env ascendkit.Environment, journeyID string, now time.Time) (ActivationResult, error) {
	p, err := ActivationCheck(ctx, env, journeyID)
	if err != nil {
		return ActivationResult{}, err
	}
	res := ActivationResult{Plan: p}
	if len(p.Problems) > 0 {
		return res, &ActivationRefusedError{Journey: p.Journey, Problems: p.Problems}
	}
	if res.NewlyEnrolled, err = env.ActivateJourney(ctx, p.JourneyID, now); err != nil {
		return res, err
	}
	res.Journey, err = env.GetJourney(ctx, p.JourneyID)
	return res, err
}
