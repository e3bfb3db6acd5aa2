package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// The journey methods that take an id or name resolve it as GetJourney
// does (the id first, then the exact name) and say the same when there
// is no such journey.
func TestJourneyRefsResolveLikeGetJourney(t *testing.T) {
	each(t, func(t *testing.T, env ascendkit.Environment) {
		a, _, err := env.CreateJourney(ctx, conformance.Journey("first", "x"))
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := env.CreateJourney(ctx, conformance.Journey(a.ID, "y"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := env.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_j", Create: []ascendkit.ImportedUser{
			conformance.Imported(1, "x"), conformance.Imported(2, "y"), conformance.Imported(3, "y")}}, time.Now())
		if err != nil || res.Created != 3 {
			t.Fatal(res, err)
		}
		for _, ref := range []string{a.ID, "first"} {
			if total, notEnrolled, err := env.AudienceSize(ctx, ref); err != nil || total != 1 || notEnrolled != 1 {
				t.Errorf("AudienceSize(%q) = %d, %d, %v; want journey %s's 1, 1", ref, total, notEnrolled, err, a.ID)
			}
		}
		if total, _, err := env.AudienceSize(ctx, b.ID); err != nil || total != 2 {
			t.Errorf("AudienceSize(%q) = %d, %v; want 2", b.ID, total, err)
		}
		if n, err := env.ActivateJourney(ctx, a.ID, time.Now()); err != nil || n != 1 {
			t.Fatalf("ActivateJourney(%q) = %d, %v; want 1", a.ID, n, err)
		}
		if got, err := env.GetJourney(ctx, b.ID); err != nil || got.Status != ascendkit.StatusDraft {
			t.Errorf("journey named %q: %+v, %v; want it still a draft", a.ID, got, err)
		}
		for _, ref := range []string{a.ID, "first"} {
			es, err := env.ListEnrollments(ctx, ref)
			if err != nil || len(es) != 1 || es[0].JourneyID != a.ID {
				t.Errorf("ListEnrollments(%q) = %+v, %v; want one in %s", ref, es, err, a.ID)
			}
		}
		if es, err := env.ListEnrollments(ctx, b.ID); err != nil || len(es) != 0 {
			t.Errorf("ListEnrollments(%q) = %+v, %v; want none", b.ID, es, err)
		}

		_, want := env.GetJourney(ctx, "jrn_nope")
		if !errors.Is(want, ascendkit.ErrNotFound) {
			t.Fatalf("GetJourney(jrn_nope): %v", want)
		}
		_, err1 := env.ActivateJourney(ctx, "jrn_nope", time.Now())
		_, err2 := env.ListEnrollments(ctx, "jrn_nope")
		_, _, err3 := env.AudienceSize(ctx, "jrn_nope")
		for _, err := range []error{err1, err2, err3} {
			if !errors.Is(err, ascendkit.ErrNotFound) || !strings.HasSuffix(err.Error(), want.Error()) {
				t.Errorf("missing journey: %v; want it to end %q", err, want)
			}
		}
	})
}
