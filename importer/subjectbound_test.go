package importer

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestAppNameBoundKeepsSubjectsWithinLimit: the longest app name
// ValidateAppName takes renders every built-in subject within
// MaxSubjectBytes, and one byte more is refused, with a message naming
// the limit; the bound is tight (one byte more would overflow a subject).
func TestAppNameBoundKeepsSubjectsWithinLimit(t *testing.T) {
	if maxAppNameBytes < 100 || maxAppNameBytes >= MaxSubjectBytes {
		t.Fatalf("app name bound %d: want room for a real name, under the subject limit", maxAppNameBytes)
	}
	longest := strings.Repeat("A", maxAppNameBytes)
	over := longest + "A"
	if err := ValidateAppName(longest); err != nil {
		t.Fatalf("name of %d bytes refused: %v", len(longest), err)
	}
	overflows := false
	for _, tm := range migrationTemplates() {
		vars := map[string]string{"appName": longest}
		if sub := Render(tm, ascendkit.User{}, vars).Subject; len(sub) > MaxSubjectBytes {
			t.Errorf("%s: the longest allowed name renders a %d-byte subject", tm.Slug, len(sub))
		}
		vars["appName"] = over
		overflows = overflows || len(Render(tm, ascendkit.User{}, vars).Subject) > MaxSubjectBytes
	}
	if !overflows {
		t.Errorf("bound %d is not tight: a name one byte longer fits every subject", maxAppNameBytes)
	}
	for _, s := range []string{over, strings.Repeat("é", maxAppNameBytes/2+1), strings.Repeat("A", 1200)} {
		err := ValidateAppName(s)
		if err == nil || !strings.Contains(err.Error(), strconv.Itoa(maxAppNameBytes)) || !strings.Contains(err.Error(), "998") {
			t.Errorf("%d-byte name: %v", len(s), err)
		}
		// set-vars takes the app name under the same rule.
		if err := ValidateVariable("appName", s); err == nil || !strings.Contains(err.Error(), strconv.Itoa(maxAppNameBytes)) {
			t.Errorf("ValidateVariable(appName, %d bytes) = %v", len(s), err)
		}
	}
	// Spaces around the name are trimmed before it is stored, so they do
	// not count.
	if err := ValidateAppName("  " + longest + "  "); err != nil {
		t.Errorf("padded longest name: %v", err)
	}
}

// TestVariableValuesBounded: a variable that is neither the app name nor
// a URL still has a bound; a URL has the URL's.
func TestVariableValuesBounded(t *testing.T) {
	if err := ValidateVariable("supportName", strings.Repeat("x", maxVariableBytes)); err != nil {
		t.Errorf("value at the bound: %v", err)
	}
	if err := ValidateVariable("supportName", strings.Repeat("x", maxVariableBytes+1)); err == nil || !strings.Contains(err.Error(), Thousands(maxVariableBytes)) {
		t.Errorf("value over the bound: %v", err)
	}
	long := "https://acme.dev/" + strings.Repeat("a", maxURLLen)
	if err := ValidateVariable("loginUrl", long); err == nil {
		t.Error("a URL over the URL bound accepted")
	}
}

// TestSetVariablesMeasuresRenderedSubject: a subject edited to quote a
// variable more than the built-in ones do is measured as it would
// render, so set-vars refuses values that would push it over the limit
// and leaves the journey as it was.
func TestSetVariablesMeasuresRenderedSubject(t *testing.T) {
	env, res := journeysQuotingAppNameThrice(t)
	name := strings.Repeat("N", maxAppNameBytes) // allowed alone, too long three times
	_, err := SetJourneyVariables(ctx, env, res.Journeys[0].ID, VariableUpdate{Vars: map[string]string{"appName": name}})
	if err == nil || !strings.Contains(err.Error(), SlugAnnouncement) || !strings.Contains(err.Error(), "998") {
		t.Fatalf("over-long rendered subject: %v", err)
	}
	j, err := env.GetJourney(ctx, res.Journeys[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range j.Nodes {
		if v := n.Variables["appName"]; v != "" && v != "Acme" {
			t.Errorf("node %s: appName changed to %d bytes despite the error", n.ID, len(v))
		}
	}
	// A name that fits three times is taken.
	if _, err := SetJourneyVariables(ctx, env, res.Journeys[0].ID, VariableUpdate{Vars: map[string]string{"appName": strings.Repeat("N", 300)}}); err != nil {
		t.Errorf("name fitting the edited subject: %v", err)
	}
}

// migration-journey create measures the subjects as they would render
// too: an app name allowed alone is refused where an edited subject
// quotes it three times, and the journey keeps its old name.
func TestCreateJourneysMeasuresRenderedSubject(t *testing.T) {
	env, _ := journeysQuotingAppNameThrice(t)
	_, err := CreateMigrationJourneys(ctx, env, JourneySetup{AppName: strings.Repeat("N", maxAppNameBytes)})
	if err == nil || !strings.Contains(err.Error(), SlugAnnouncement) || !strings.Contains(err.Error(), "998") {
		t.Fatalf("over-long rendered subject: %v", err)
	}
	if saved, _, err := env.Setting(ctx, SettingAppName); err != nil || saved != "Acme" {
		t.Errorf("saved app name %d bytes (%v), want Acme kept: a refused value is not saved for the next create", len(saved), err)
	}
	// A padded value is set trimmed, as it is saved.
	if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{AppName: "  Acme Two "}); err != nil {
		t.Fatal(err)
	}
	j, err := env.GetJourney(ctx, JourneyAnnouncement)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range j.Nodes {
		if n.Action == ascendkit.ActionSendEmail && n.Variables["appName"] != "Acme Two" {
			t.Errorf("node %s's appName is now %q, want Acme Two", n.ID, cut(n.Variables["appName"]))
		}
	}
}

// cut shortens a long value for a message.
func cut(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// journeysQuotingAppNameThrice creates the migration journeys for "Acme"
// and edits the announcement's subject to quote {{appName}} three times,
// more than any built-in subject does.
func journeysQuotingAppNameThrice(t *testing.T) (ascendkit.Environment, JourneysResult) {
	t.Helper()
	env := openEnv(t)
	res, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "hi@acme.dev", AppName: "Acme", LoginURL: "https://acme.dev/login", ResetURL: "https://acme.dev/reset"})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := env.GetTemplate(ctx, SlugAnnouncement)
	if err != nil {
		t.Fatal(err)
	}
	tm.Subject = "{{appName}} {{appName}} {{appName}}: news"
	if _, err := env.UpdateTemplate(ctx, tm); err != nil {
		t.Fatal(err)
	}
	return env, res
}
