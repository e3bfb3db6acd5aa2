package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

// textNumbers reads what `journey show` prints about the audience and
// what refuses activation.
func textNumbers(t *testing.T, text string) (audience, notEnrolled int, problems []string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Audience: users tagged \S+ \((\d+) users, (\d+) not enrolled yet\)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("journey show prints no audience line:\n%s", text)
	}
	audience, _ = strconv.Atoi(m[1])
	notEnrolled, _ = strconv.Atoi(m[2])
	problems = []string{}
	if _, rest, ok := strings.Cut(text, "\nActivation is refused until these are set:\n"); ok {
		for _, l := range strings.Split(rest, "\n") {
			p, ok := strings.CutPrefix(l, "  - ")
			if !ok {
				break
			}
			problems = append(problems, p)
		}
	}
	return audience, notEnrolled, problems
}

// TestJourneyShowJSONHasTheTextsNumbers: `journey show --json` carries
// the numbers the human form prints (audience size, not enrolled yet,
// the problems refusing activation; problems [] when none) and still
// every key of the journey, with its value, as it printed before.
func TestJourneyShowJSONHasTheTextsNumbers(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 300)
	h.ok("import", "clerk", "run", "--api-key", testKey)
	var created importer.JourneysResult
	// No URLs or app name: the journeys have problems.
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hello@acme.dev")

	check := func(when, id string, wantProblems bool) string {
		t.Helper()
		text := h.ok("journey", "show", id).stdout
		audience, notEnrolled, problems := textNumbers(t, text)
		raw := h.ok("journey", "show", id, "--json").stdout
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &keys); err != nil {
			t.Fatalf("%s: %v\n%s", when, err, raw)
		}
		var got struct {
			AudienceSize *int      `json:"audienceSize"`
			NotEnrolled  *int      `json:"notEnrolled"`
			Problems     *[]string `json:"problems"`
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if got.AudienceSize == nil || got.NotEnrolled == nil || got.Problems == nil {
			t.Fatalf("%s: --json lacks audienceSize, notEnrolled or problems:\n%s", when, raw)
		}
		if *got.AudienceSize != audience || *got.NotEnrolled != notEnrolled || !slices.Equal(*got.Problems, problems) {
			t.Errorf("%s: --json says audience %d, not enrolled %d, problems %q; the text %d, %d, %q",
				when, *got.AudienceSize, *got.NotEnrolled, *got.Problems, audience, notEnrolled, problems)
		}
		if audience == 0 || wantProblems != (len(problems) > 0) {
			t.Errorf("%s: audience %d, problems %q: not the state the test means to compare", when, audience, problems)
		}
		if !wantProblems && string(keys["problems"]) != "[]" {
			t.Errorf("%s: problems is %s, want []", when, keys["problems"])
		}
		// The journey's own keys, each with the value it had when --json
		// printed the journey alone.
		var j ascendkit.Journey
		if err := json.Unmarshal([]byte(raw), &j); err != nil {
			t.Fatal(err)
		}
		var before bytes.Buffer
		if err := printJSON(&before, j); err != nil {
			t.Fatal(err)
		}
		var old map[string]json.RawMessage
		if err := json.Unmarshal(before.Bytes(), &old); err != nil {
			t.Fatal(err)
		}
		for k, v := range old {
			if compactJSON(t, keys[k]) != compactJSON(t, v) {
				t.Errorf("%s: key %q is %s, was %s", when, k, keys[k], v)
			}
		}
		if want := append(slices.Sorted(maps.Keys(old)), "audienceSize", "notEnrolled", "problems"); len(keys) != len(want) {
			t.Errorf("%s: keys %v, want %v", when, slices.Sorted(maps.Keys(keys)), want)
		}
		return text
	}

	id := created.Journeys[1].ID
	check("draft with problems", id, true)
	h.ok("journey", "set-vars", id, "--var", "resetUrl=https://acme.dev/reset", "--var", "appName=Acme")
	check("draft ready", id, false)
	h.ok("journey", "activate", id, "--yes")
	text := check("active", id, false)
	// Active with nothing to fix: the next command is the one left, pause.
	if !strings.Contains(text, fmt.Sprintf("\nNext: ascendkit journey pause %s ", id)) || strings.Contains(text, "journey activate") {
		t.Errorf("active journey: want pause as the next command:\n%s", text)
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "invalid: " + string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// A journey of a shared environment may have been written by other
// tools: `journey show` prints none of its ids, actions, variable names
// or events raw.
func TestJourneyShowCleansEveryField(t *testing.T) {
	bad := "x\x1b]52;c;aGk=\x07\x1b[31m\u202e"
	j := ascendkit.Journey{ID: "jrn_1" + bad, Name: "n" + bad, Status: ascendkit.StatusDraft, Entry: "a" + bad,
		Nodes: []ascendkit.Node{
			{ID: "a" + bad, Action: ascendkit.ActionSendEmail, TemplateSlug: "t" + bad, From: "f" + bad, Variables: map[string]string{"k" + bad: "v" + bad}},
			{ID: "b" + bad, Action: "wait" + bad},
			{ID: "c" + bad, Action: "end" + bad},
		},
		Transitions: []ascendkit.Transition{
			{ID: "t1" + bad, From: "a" + bad, To: "b" + bad, Trigger: ascendkit.TriggerTimer, After: "3d" + bad},
			{From: "b" + bad, To: "c" + bad, Trigger: ascendkit.TriggerEvent, On: "user.login" + bad},
		}}
	var b strings.Builder
	printJourney(&b, j, 3, 1)
	out := b.String()
	for _, c := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(out, c) {
			t.Errorf("journey show prints %q:\n%q", c, out)
		}
	}
	if !strings.Contains(out, "Timeline:") || !strings.Contains(out, "Transitions:") {
		t.Errorf("journey show:\n%s", out)
	}
}
