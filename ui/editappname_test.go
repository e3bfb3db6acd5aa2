package ui

import (
	"strings"
	"testing"
)

// TestEditAppNameChecked: the browser's variable editor holds the app
// name to the rule `journey set-vars` and `migration-journey create`
// use (importer.ValidateAppName): an over-long or hidden-character name
// is refused, an empty one left for the activation check to name.
func TestEditAppNameChecked(t *testing.T) {
	check := editChecks[editApp]
	for _, v := range []string{"", "Acme", "  Acme Café "} {
		if err := check(v); err != nil {
			t.Errorf("%q refused: %v", v, err)
		}
	}
	for _, v := range []string{strings.Repeat("A", 1200), "Ac\u202eme", "A{{userEmail}}"} {
		if err := check(v); err == nil {
			t.Errorf("%.20q… (%d bytes) accepted", v, len(v))
		}
	}
}
