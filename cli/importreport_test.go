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

// A preview's enrollments count the users it creates only: with users
// to merge it says so, and that those are enrolled too; a stopped
// preview's users read and not counted are "not counted", not "not
// written" by a run.
func TestPrintReportPreviewCounts(t *testing.T) {
	r := importer.Report{Mode: importer.ModePreview, Phases: importer.Phases{Users: true}, Enrollments: 4}
	r.Users.ToMerge, r.Users.NotWritten = 2, 3
	var b strings.Builder
	printReport(&b, r, "local:x.db")
	out := b.String()
	for _, want := range []string{"To enroll into active journeys: 4 of the users it creates", "the 2 users it merges into are enrolled too", "not counted        3  (read, but the preview stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not written") {
		t.Errorf("a preview's report says not written:\n%s", out)
	}
}

// A run again of a source whose users are all imported says nothing new
// was written; a run that imported someone does not.
func TestPrintReportNothingNew(t *testing.T) {
	r := importer.Report{Mode: importer.ModeRun, Phases: importer.Phases{Users: true}}
	r.Users.Fetched, r.Users.Skipped, r.Users.Duplicates = 5, 1, 4
	r.Users.DuplicateReasons = map[string]int{importer.ReasonAlreadyImported: 4}
	var b strings.Builder
	printReport(&b, r, "local:x.db")
	if !strings.Contains(b.String(), "nothing new") {
		t.Errorf("no \"nothing new\":\n%s", b.String())
	}
	// Users repeated in the source were not written the first time either.
	r.Users.Fetched, r.Users.Duplicates = 7, 6
	r.Users.DuplicateReasons[importer.ReasonRepeatedInSource] = 2
	b.Reset()
	printReport(&b, r, "local:x.db")
	if !strings.Contains(b.String(), "nothing new") {
		t.Errorf("no \"nothing new\" with users repeated in the source:\n%s", b.String())
	}
	r.Users.Imported, r.Users.ToImport, r.Users.Fetched = 1, 1, 8
	b.Reset()
	printReport(&b, r, "local:x.db")
	if strings.Contains(b.String(), "nothing new") {
		t.Errorf("\"nothing new\" after a user was imported:\n%s", b.String())
	}
}
