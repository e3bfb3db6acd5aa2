package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// A failed run's summary keeps why it stopped and what to do
// next at odd sizes, with a long error, many warnings and many reasons.
func TestFailedSummaryFitsOddSizes(t *testing.T) {
	longErr := "writing batch 2: OAuth accounts linked to other users meanwhile: 1 OAuth account(s) planned for users this batch creates were linked to other users after this run looked them up (another import at the same time?), so nothing of the batch was written; run the import again: it looks them up afresh"
	cases := []struct {
		name     string
		w, h     int
		err      string
		warnings int
	}{
		{"short-err-60x15", 60, 15, "writing batch 2: environment busy (locked)", 3},
		{"short-err-80x24-many-warnings", 80, 24, "writing batch 2: environment busy (locked)", 40},
		{"long-err-80x24", 80, 24, longErr, 3},
		{"long-err-60x15", 60, 15, longErr, 3},
		{"short-err-120x12", 120, 12, "writing batch 2: environment busy (locked)", 3},
		{"short-err-200x14", 200, 14, "writing batch 2: environment busy (locked)", 30},
		{"short-err-45x20", 45, 20, "writing batch 2: environment busy (locked)", 3},
		{"short-err-60x13", 60, 13, "writing batch 2: environment busy (locked)", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := toProgress(t, c.w, c.h, nil, func(pc *programContext) {
				pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
					if opts.Mode == importer.ModePreview {
						evs, rep := previewEvents()
						return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
					}
					_, rep := runScript()
					rep.Users.Imported, rep.Users.NotWritten = 4, 3
					rep.Error = c.err
					rep.Warnings = nil
					for i := 0; i < c.warnings; i++ {
						rep.Warnings = append(rep.Warnings, fmt.Sprintf("warning number %d about something", i+1))
					}
					opts.OnEvent(importer.Finished{Report: rep})
					return rep, errors.New(rep.Error)
				}
			})
			p := progressOf(d)
			d.waitFor("the end", func(m Model) bool { return p.report != nil })
			v := d.view()
			assertFits(t, v, c.w, c.h)
			flat := strings.Join(strings.Fields(v), " ")
			for _, want := range []string{"The import stopped early: writing batch 2:", "Next: press r to run the import again", "Or enter to set up the journeys"} {
				if !strings.Contains(flat, want) {
					t.Errorf("%dx%d: lacks %q:\n%s", c.w, c.h, want, v)
				}
			}
			if c.warnings > 0 && !strings.Contains(flat, "warnings") && !strings.Contains(flat, "warning ") {
				t.Errorf("%dx%d: no warning line:\n%s", c.w, c.h, v)
			}
			body := p.summaryView()
			if n := strings.Count(body, "\n"); n > p.height {
				t.Errorf("%dx%d: summaryView has %d lines for a body of %d", c.w, c.h, n, p.height)
			}
		})
	}
}
