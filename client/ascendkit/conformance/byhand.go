package conformance

import (
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func setByHand(t *testing.T, l ascendkit.Environment, providers ...string) {
	t.Helper()
	if err := l.SetAuthProvidersByHand(ctx, providers, t0); err != nil {
		t.Fatal(err)
	}
}

func wantOffByHand(t *testing.T, l ascendkit.Environment, when string, want ...string) {
	t.Helper()
	s, err := l.AuthSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.OffByHand, want) {
		t.Errorf("%s: off by hand %v, want %v", when, s.OffByHand, want)
	}
}

// testUndoLeavesProvidersTurnedOnByHand: a provider a run enabled that a
// person then turned off and on again (auth update) is theirs, and the
// run's undo leaves it on, while one the run enabled and nobody touched
// goes back off. The providers last turned off by hand and still off are
// what AuthSettings.OffByHand names.
func testUndoLeavesProvidersTurnedOnByHand(t *testing.T, be Backend) {
	l := be.Open(t)
	setByHand(t, l, "credentials")
	wantOffByHand(t, l, "nothing turned off yet")
	runWithProviders(t, l, "run_a", []string{"apple", "credentials", "github"}, imported(5))
	setByHand(t, l, "credentials", "github")
	wantOffByHand(t, l, "apple turned off", "apple")
	setByHand(t, l, "apple", "credentials", "github")
	wantOffByHand(t, l, "apple turned back on")
	if p := undoRun(t, l, "run_a"); !p.Settings || p.Users != 1 {
		t.Errorf("undo %+v", p)
	}
	wantProviders(t, l, "after the undo", "apple", "credentials")

	// A provider turned off by hand that a run turns back on is named
	// until it is on; the run's undo turns it off again.
	l = be.Open(t)
	setByHand(t, l, "credentials", "google")
	setByHand(t, l, "credentials")
	wantOffByHand(t, l, "google retired", "google")
	runWithProviders(t, l, "run_b", []string{"credentials", "google"}, imported(6))
	wantOffByHand(t, l, "google back on by a run")
	if p := undoRun(t, l, "run_b"); !p.Settings {
		t.Errorf("undo of the run that turned google back on: %+v", p)
	}
	wantProviders(t, l, "after run_b's undo", "credentials")
	wantOffByHand(t, l, "after run_b's undo", "google")

	// A record not written by this code is no record: the undo turns off
	// what the run enabled.
	l = be.Open(t)
	runWithProviders(t, l, "run_a", []string{"apple"}, imported(5))
	if err := l.SetSetting(ctx, "auth.providers.by_hand", "not json"); err != nil {
		t.Fatal(err)
	}
	undoRun(t, l, "run_a")
	wantProviders(t, l, "after an undo with an unreadable record")
}
