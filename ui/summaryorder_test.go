package ui

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// The plain summary tells the undos and the journey actions in the order
// they happened: a journey activated, then the import undone, reads so.
func TestSummaryTellsUndosAndJourneysInOrder(t *testing.T) {
	d := newDriver(t, Config{Env: newTestEnv(t), Start: ScreenBrowser}, 80, 24)
	s := &d.m.pc.sess
	journeyActed{journeyAction{ID: "jrn_1", Name: "Migration announcement", Action: "activated", Enrolled: 30}}.apply(s)
	runUndone{"run_1"}.apply(s)
	journeyActed{journeyAction{ID: "jrn_2", Name: "Password reset", Action: "activated", Enrolled: 2}}.apply(s)
	journeyActed{journeyAction{ID: "jrn_2", Name: "Password reset", Action: "paused"}}.apply(s)
	runUndone{"run_2"}.apply(s)
	sum := d.m.Summary()
	var order []string
	for _, l := range strings.Split(sum, "\n") {
		if strings.HasPrefix(l, "Undone") || strings.HasPrefix(l, "Activated") || strings.HasPrefix(l, "Paused") {
			order = append(order, strings.Fields(l)[0]+" "+strings.Fields(l)[1])
		}
	}
	want := `Activated "Migration|Undone: run|Paused "Password|Undone: run`
	if strings.Join(order, "|") != want {
		t.Errorf("order %q, want %q:\n%s", strings.Join(order, "|"), want, sum)
	}
	if !strings.Contains(sum, "Undone: run run_1") || strings.Index(sum, "run_1") > strings.Index(sum, "run_2") {
		t.Errorf("undos out of order:\n%s", sum)
	}
}

// A demo's environment is deleted on exit unless kept: the summary does
// not send the person to its runs then.
func TestDemoSummaryPointsAtNoDeletedRun(t *testing.T) {
	ends := map[string]func(s *session){
		"finished":          func(s *session) { s.result = &importer.Report{RunID: "run_demo"} },
		"unreported":        func(s *session) { s.pending = &pendingImport{} },
		"unreported canary": func(s *session) { s.canariesStarted = 1 },
	}
	for name, end := range ends {
		for _, kept := range []bool{false, true} {
			d := newDriver(t, Config{Env: newTestEnv(t), Demo: true, DemoKept: kept}, 80, 24)
			end(&d.m.pc.sess)
			sum := d.m.Summary()
			if got := strings.Contains(sum, "ascendkit import runs"); got != kept {
				t.Errorf("%s, kept %v: points at the runs %v:\n%s", name, kept, got, sum)
			}
			if got := strings.Contains(sum, "demo environment was deleted"); got == kept {
				t.Errorf("%s, kept %v: says deleted %v:\n%s", name, kept, got, sum)
			}
		}
	}
}
