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
