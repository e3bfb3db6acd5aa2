package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// toSettings walks from the source to the settings preview with a key.
func toSettings(t *testing.T, w, h int, opts ...driverOpt) (*driver, *fakeCore) {
	t.Helper()
	env := newFakeEnv()
	cfg := testConfig(env, makeUsers(10))
	cfg.APIKey = "sk_test_0123456789abcdef"
	core := &fakeCore{}
	d := newDriver(t, cfg, w, h, append([]driverOpt{core.install}, opts...)...)
	d.press("enter")
	d.waitFor("settings", func(m Model) bool { return m.state == stateSettings })
	return d, core
}

func settingsOf(d *driver) *settingsScreen { return d.m.screens[stateSettings].(*settingsScreen) }

func TestSettingsStreamsPreview(t *testing.T) {
	d, core := toSettings(t, 80, 24)
	d.waitFor("the preview to finish", func(m Model) bool { return settingsOf(d).report != nil })
	s := settingsOf(d)
	if s.fetched != 10 || s.an.Password != 4 || s.an.SocialOnly != 3 || s.an.Both != 2 || s.an.Neither != 1 {
		t.Fatalf("analysis not applied: fetched %d %+v", s.fetched, s.an)
	}
	if len(s.entries) != 3 || len(d.m.pc.sess.entries) != 3 {
		t.Fatalf("entries %d / session %d, want 3", len(s.entries), len(d.m.pc.sess.entries))
	}
	calls := core.callList()
	if len(calls) != 1 || calls[0].Mode != importer.ModePreview || !calls[0].Phases.Users || !calls[0].Phases.Settings || calls[0].Providers != nil {
		t.Fatalf("preview options %+v", calls)
	}
	d.mustSee("preview complete")
	d.mustSee("Unsupported providers: oauth_tiktok (1)")
	d.mustSee("1 stranded users")
	d.mustSee("10 / 10")
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("state %v, want review", d.state())
	}
	d.press("esc")
	if d.state() != stateSettings {
		t.Fatalf("esc went to %v, want settings", d.state())
	}
	if len(core.callList()) != 1 {
		t.Fatal("going back re-ran the preview")
	}
}

func TestSettingsEnterWaitsForPreview(t *testing.T) {
	hold := make(chan struct{})
	evs, rep := previewEvents()
	d, _ := toSettings(t, 80, 24, func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			return scriptedRun(evs[:3], rep, hold)(ctx, src, env, opts)
		}
	})
	d.waitFor("half the users", func(m Model) bool { return settingsOf(d).fetched == 5 })
	d.mustSee("5 / 10")
	d.mustSee("reading users")
	d.press("enter")
	if d.state() != stateSettings {
		t.Fatal("enter left the settings before the preview finished")
	}
	// Leaving cancels the preview.
	run := settingsOf(d).run
	d.press("esc")
	if d.state() != stateSource {
		t.Fatalf("state %v", d.state())
	}
	d.waitFor("the run to end", func(Model) bool {
		select {
		case <-run.finished:
			return true
		default:
			return false
		}
	})
}

func TestSettingsProviderOverride(t *testing.T) {
	d, core := toSettings(t, 80, 24)
	d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
	// Cursor on google (first); untick it, tick apple.
	d.press("space")
	d.mustSee("Selection changed")
	d.press("down", "down", "space")
	s := settingsOf(d)
	if got := s.override(); !slices.Equal(got, []string{"github", "apple"}) {
		t.Fatalf("override %v", got)
	}
	d.press("enter") // recomputes instead of moving on
	d.waitFor("the second preview", func(m Model) bool { return len(core.callList()) == 2 && settingsOf(d).report != nil })
	if d.state() != stateSettings {
		t.Fatalf("state %v", d.state())
	}
	if p := core.callList()[1].Providers; !slices.Equal(p, []string{"github", "apple"}) {
		t.Fatalf("second preview providers %v", p)
	}
	if p := d.m.pc.sess.providers; !slices.Equal(p, []string{"github", "apple"}) {
		t.Fatalf("session providers %v", p)
	}
	d.mustSee("Provider override: apple,github")
	if strings.Contains(d.view(), "Selection changed") {
		t.Fatal("still dirty after recompute")
	}
}

func TestSettingsGoldenStreaming(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		evs, rep := previewEvents()
		d, _ := toSettings(t, w, h, func(pc *programContext) {
			pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
				return scriptedRun(evs[:3], rep, hold)(ctx, src, env, opts)
			}
		})
		d.waitFor("half the users", func(m Model) bool { return settingsOf(d).fetched == 5 })
		return d
	})
}

func TestSettingsGoldenDone(t *testing.T) {
	goldenSizes(t, func(t *testing.T, w, h int) *driver {
		d, _ := toSettings(t, w, h)
		d.waitFor("the preview", func(m Model) bool { return settingsOf(d).report != nil })
		return d
	})
}
