package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
)

var ctx = context.Background()

// backends opens a fresh environment of each backend the store serves
// (PostgreSQL from ASCENDKIT_TEST_POSTGRES, see pgtest). The conformance
// suite covers the methods; these tests pin down what sharing one
// implementation decided where the two backends used to differ.
var backends = []struct {
	name string
	open func(t *testing.T) ascendkit.Environment
}{
	{"sqlite", func(t *testing.T) ascendkit.Environment {
		l, err := sqlite.OpenLocal(filepath.Join(t.TempDir(), "env.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}},
	{"postgres", func(t *testing.T) ascendkit.Environment {
		e, err := postgres.Open(ctx, pgtest.Target(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}},
}

func each(t *testing.T, fn func(t *testing.T, env ascendkit.Environment)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

// A slug may be spelled like another template's id: creating it again
// returns the template with that slug, and a lookup by that text finds
// the one with that id first.
func TestTemplateSlugLikeAnotherID(t *testing.T) {
	each(t, func(t *testing.T, env ascendkit.Environment) {
		a, _, err := env.CreateTemplate(ctx, ascendkit.Template{Slug: "first", Subject: "A"})
		if err != nil {
			t.Fatal(err)
		}
		b, created, err := env.CreateTemplate(ctx, ascendkit.Template{Slug: a.ID, Subject: "B"})
		if err != nil || !created {
			t.Fatal(created, err)
		}
		again, created, err := env.CreateTemplate(ctx, ascendkit.Template{Slug: a.ID, Subject: "C"})
		if err != nil || created || again.ID != b.ID || again.Subject != "B" {
			t.Errorf("create %q again = %+v, %v, %v; want %s", a.ID, again, created, err, b.ID)
		}
		got, err := env.GetTemplate(ctx, a.ID)
		if err != nil || got.ID != a.ID {
			t.Errorf("GetTemplate(%q) = %+v, %v; want the template with that id", a.ID, got, err)
		}
	})
}

// Likewise for a journey named like another journey's id.
func TestJourneyNameLikeAnotherID(t *testing.T) {
	each(t, func(t *testing.T, env ascendkit.Environment) {
		a, _, err := env.CreateJourney(ctx, conformance.Journey("first", "x"))
		if err != nil {
			t.Fatal(err)
		}
		b, created, err := env.CreateJourney(ctx, conformance.Journey(a.ID, "y"))
		if err != nil || !created {
			t.Fatal(created, err)
		}
		again, created, err := env.CreateJourney(ctx, conformance.Journey(a.ID, "z"))
		if err != nil || created || again.ID != b.ID || again.Audience.Tag != "y" {
			t.Errorf("create %q again = %+v, %v, %v; want %s", a.ID, again, created, err, b.ID)
		}
		if got, err := env.GetJourney(ctx, a.ID); err != nil || got.ID != a.ID {
			t.Errorf("GetJourney(%q) = %+v, %v; want the journey with that id", a.ID, got, err)
		}
	})
}

// Concurrent updates of one template, through two handles as two
// processes would, each make a version of their own: none is lost and
// none fails on another's version number.
func TestConcurrentTemplateUpdates(t *testing.T) {
	const n = 8
	each(t, func(t *testing.T, env ascendkit.Environment) {
		other := env
		switch e := env.(type) {
		case *sqlite.Local:
			l, err := sqlite.OpenLocal(e.Path())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			other = l
		}
		tpl, _, err := env.CreateTemplate(ctx, ascendkit.Template{Slug: "busy", Subject: "v1"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			h := env
			if i%2 == 1 {
				h = other
			}
			wg.Go(func() {
				_, err := h.UpdateTemplate(ctx, ascendkit.Template{ID: tpl.ID, Subject: fmt.Sprintf("update %d", i)})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		got, err := env.GetTemplate(ctx, tpl.ID)
		if err != nil || got.Version != n+1 {
			t.Errorf("after %d updates: version %d, %v", n, got.Version, err)
		}
	})
}
