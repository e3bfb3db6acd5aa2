package conformance

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// A run's settings phase adds its providers to those on at the time of
// its write: what another run enabled and a change by hand made while it
// ran stay, and the result says what was there before and after that
// write. Undoing the run then turns off only what it added.
func testAddRunProvidersKeepsChangesMadeMeanwhile(t *testing.T, be Backend) {
	l := be.Open(t)
	providers := func() []string {
		t.Helper()
		s, err := l.AuthSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s.Providers
	}
	if err := l.SetAuthProvidersByHand(ctx, []string{"credentials", "github"}, t0); err != nil {
		t.Fatal(err)
	}
	if err := l.SetAuthProvidersByHand(ctx, []string{"credentials"}, t0); err != nil { // github off by hand
		t.Fatal(err)
	}
	startRun(t, l, "run_a")
	startRun(t, l, "run_b")
	// run_b enables google and finishes; a person adds magic-link.
	if ch, err := l.AddRunProviders(ctx, "run_b", []string{"credentials", "google"}); err != nil ||
		!reflect.DeepEqual(ch, ascendkit.ProvidersChange{Before: []string{"credentials"}, After: []string{"credentials", "google"}}) {
		t.Fatalf("run_b's providers %+v, %v", ch, err)
	}
	finishRun(t, l, "run_b")
	if err := l.SetAuthProvidersByHand(ctx, []string{"credentials", "google", "magic-link"}, t0); err != nil {
		t.Fatal(err)
	}
	ch, err := l.AddRunProviders(ctx, "run_a", []string{"Credentials", "github"})
	want := ascendkit.ProvidersChange{Before: []string{"credentials", "google", "magic-link"},
		After: []string{"credentials", "github", "google", "magic-link"}, TurnedBackOn: []string{"github"}}
	if err != nil || !reflect.DeepEqual(ch, want) {
		t.Fatalf("run_a's providers %+v, %v; want %+v", ch, err, want)
	}
	if got := providers(); !reflect.DeepEqual(got, want.After) {
		t.Fatalf("providers %v, want %v", got, want.After)
	}
	// Adding what is on already writes nothing and turns nothing back on.
	if ch, err := l.AddRunProviders(ctx, "run_a", []string{"github"}); err != nil || !reflect.DeepEqual(ch.Before, ch.After) || len(ch.TurnedBackOn) != 0 {
		t.Errorf("again %+v, %v", ch, err)
	}
	finishRun(t, l, "run_a")
	undoRun(t, l, "run_a")
	if got := providers(); !reflect.DeepEqual(got, []string{"credentials", "google", "magic-link"}) {
		t.Errorf("after undoing run_a providers %v: only its github goes", got)
	}
	// A run recorded ended turns nothing on.
	if _, err := l.AddRunProviders(ctx, "run_a", []string{"apple"}); !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Errorf("ended run: %v, want ErrRunEnded", err)
	}
	if got := providers(); !reflect.DeepEqual(got, []string{"credentials", "google", "magic-link"}) {
		t.Errorf("providers %v after an ended run's try", got)
	}
}
