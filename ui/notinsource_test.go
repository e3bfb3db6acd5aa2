package ui

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// The users an earlier import created that the source no longer has are
// counted where the import's other counts are: the confirmation, the
// summary screen and the plain summary printed at the end.
func TestNotInSourceCounted(t *testing.T) {
	const warning = "2 users an earlier import created from Clerk are not in this source"
	script := func(pc *programContext) {
		pc.runImporter = func(ctx ctxT, src srcT, env envT, opts importer.Options) (importer.Report, error) {
			evs, rep := previewEvents()
			if opts.Mode == importer.ModeRun {
				_, rep = runScript()
			}
			rep.ImportedNotInSource = 2
			rep.Warnings = append(rep.Warnings, warning+" (deleted in Clerk since?)")
			return scriptedRun(evs, rep, nil)(ctx, src, env, opts)
		}
	}
	c, _ := toConfirm(t, 120, 40, script)
	c.mustSee("not in source         2")
	d, _ := toProgress(t, 120, 40, nil, script)
	p := progressOf(d)
	d.waitFor("the end", func(m Model) bool { return p.report != nil })
	if v := d.view(); !strings.Contains(v, "not in source         2") || !strings.Contains(v, warning) {
		t.Errorf("summary screen lacks the count or the warning:\n%s", v)
	}
	if sum := d.m.Summary(); !strings.Contains(sum, "Not in this source: 2 created by an earlier import") {
		t.Errorf("plain summary:\n%s", sum)
	}
}
