package importer

import (
	"strings"
	"testing"
)

// The warnings a --users run gives too must not send it to --providers
// alone: with --users the CLI refuses it (exit 2).
func TestUsersRunAdviceNamesAWorkingRun(t *testing.T) {
	s := SettingsReport{NoUsableOAuthUsers: 2, SignInUnknownUsers: 3}
	texts := userWarnings(s)
	for _, w := range texts {
		if strings.Contains(w, "--providers") && !strings.Contains(w, "on a run without --users") {
			t.Errorf("advice a --users run cannot follow: %s", w)
		}
	}
	if len(texts) != 2 {
		t.Fatalf("warnings %q", texts)
	}
}

// The warning about users with no email holds for a settings run too,
// which skips nobody (skipped: 0): it does not say they were skipped.
func TestNoEmailWarningHoldsForEitherPhase(t *testing.T) {
	for _, phases := range []Phases{{Users: true, Settings: true}, {Settings: true}} {
		rep := run(t, newSource(5, mkUser("user_a", "a@example.com", withPassword), phoneOnly("user_p")), openEnv(t),
			Options{Mode: ModeRun, Phases: phases})
		found := false
		for _, w := range rep.Warnings {
			if strings.Contains(w, "only a phone number") {
				found = true
				if strings.Contains(w, "was skipped") || !strings.HasPrefix(w, "1 user has no email, only a phone number") {
					t.Errorf("%+v: %q", phases, w)
				}
			}
		}
		if !found {
			t.Errorf("%+v: no warning about the phone-only user: %q (skipped %d)", phases, rep.Warnings, rep.Users.Skipped)
		}
	}
}
