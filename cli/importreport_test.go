package cli

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// TestPrintReportTitleSaysStopped: a run or preview that stopped on an
// error says so in its first line, not "Import finished" with the reason
// at the bottom only.
func TestPrintReportTitleSaysStopped(t *testing.T) {
	for _, c := range []struct {
		r    importer.Report
		want string
	}{
		{importer.Report{Mode: importer.ModeRun}, "Import finished"},
		{importer.Report{Mode: importer.ModeRun, Interrupted: true}, "Import interrupted"},
		{importer.Report{Mode: importer.ModeRun, Error: "clerk: boom"}, "Import stopped early on an error"},
		{importer.Report{Mode: importer.ModeRun, Error: "clerk: boom", Interrupted: true}, "Import stopped early on an error"},
		{importer.Report{Mode: importer.ModePreview}, "Preview (dry run): nothing was written"},
		{importer.Report{Mode: importer.ModePreview, Error: "clerk: boom"}, "Preview (dry run) stopped early on an error"},
	} {
		var b strings.Builder
		printReport(&b, c.r, "local:x.db")
		first, _, _ := strings.Cut(b.String(), "\n")
		if !strings.HasPrefix(first, c.want) {
			t.Errorf("%+v: title %q, want %q", c.r, first, c.want)
		}
		if c.r.Error != "" && !strings.Contains(b.String(), "Stopped early: clerk: boom") {
			t.Errorf("%+v: the error is not printed:\n%s", c.r, b.String())
		}
	}
}
