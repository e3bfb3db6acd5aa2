package ui

import (
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/importer"
)

func TestWarningsView(t *testing.T) {
	st := newStyles(true)
	ws := []string{
		"first warning that is long enough to wrap onto a second line at forty cells",
		"second \x1b[31mred\x1b[0m",
		"third",
	}
	lines := func(s string) []string { return strings.Split(ansi.Strip(s), "\n") }
	all := lines(warningsView(st, ws, 40, 10, "see more"))
	if len(all) != 4 || all[0] != "⚠ first warning that is long enough to" || !strings.HasPrefix(all[1], "  ") || all[2] != "⚠ second red" || all[3] != "⚠ third" {
		t.Fatalf("all fit: %q", all)
	}
	if strings.Contains(warningsView(st, ws, 40, 10, ""), "\x1b[31m") {
		t.Fatal("not sanitized")
	}
	// Two lines: the first cut, then the count of the others.
	two := lines(warningsView(st, ws, 40, 2, "see more"))
	if len(two) != 2 || !strings.HasSuffix(two[0], "…") || two[1] != "+ 2 more (see more)" {
		t.Fatalf("two lines: %q", two)
	}
	// One line: only the count.
	one := lines(warningsView(st, ws, 40, 1, ""))
	if len(one) != 1 || one[0] != "⚠ 3 warnings" {
		t.Fatalf("one line: %q", one)
	}
	// Three lines: the first whole, then the count.
	three := lines(warningsView(st, ws, 40, 3, ""))
	if len(three) != 3 || three[2] != "+ 2 more" {
		t.Fatalf("three lines: %q", three)
	}
	if warningsView(st, nil, 40, 3, "") != "" {
		t.Fatal("no warnings, some view")
	}
	for _, w := range []int{40, 80} {
		for _, l := range lines(warningsView(st, ws, w, 10, "")) {
			if ansi.StringWidth(l) > w {
				t.Fatalf("line wider than %d: %q", w, l)
			}
		}
	}
}

// The core's warnings point at --entries, which the wizard has not; it
// points at its Review step, which lists the same rows.
func TestWizardWarningWording(t *testing.T) {
	for in, want := range map[string]string{
		"2 users have a primary_email_address_id that names none (listed in --entries as primary_email_not_found).": "2 users have a primary_email_address_id that names none (listed on the Review step).",
		"1 record of the passwords file matches no user of the source (listed with --entries).":                     "1 record of the passwords file matches no user of the source (listed on the Review step).",
		"the runs that created them (named in --entries)":                                                           "the runs that created them (named on the Review step)",
		"(listed in --entries as changed_in_source, with what differs)":                                             "(listed on the Review step, with what differs)",
		"Mend the records that could not be read (named above and in --entries), or pass":                           "Mend the records that could not be read (named above and on the Review step), or pass",
		"no entries here": "no entries here",
		"2 records could not be read (malformed) and are left out of the providers counted; a preview with the users phase lists them (--entries).": "2 records could not be read (malformed) and are left out of the providers counted; a preview with the users phase lists them on the Review step.",
		"Pass the Dashboard CSV or Clerk support's export as --passwords.":                                                                          "Pass the Dashboard CSV or Clerk support's export as the passwords file (Source step).",
		"undo that run (ascendkit import undo run_1) and import again with --passwords":                                                             "undo that run (ascendkit import undo run_1) and import again with a passwords file (Source step)",
		// The core's own sentences, so that a change of their words
		// shows here.
		importer.SignInUnknownWarning(importer.SettingsReport{SignInUnknownUsers: 2}): "2 users have no password, and their sign-in methods are not in this file (it has no OAuth accounts for them): " +
			"they may have signed in with Google, GitHub or another provider, or an email code. This file links none of their OAuth accounts: " +
			"import from the API instead to link them; enable magic-link (tick it under Providers to enable on the Settings step, with Phases users + settings on the Confirm step) so that they can sign in with their email.",
	} {
		if got := wizardWarning(in); got != want {
			t.Errorf("wizardWarning(%q) = %q, want %q", in, got, want)
		}
	}
}

// The core's warnings about providers and phases, as the wizard shows
// them, name its Settings step and its phase choice, never a CLI flag.
func TestWizardWarningWordingProviders(t *testing.T) {
	rep := importer.SettingsReport{TurnedBackOn: []string{"github"}, StrandedUsers: 5, NoUsableOAuthUsers: 2,
		PasswordlessUsers: 3, SignInUnknownUsers: 4, After: []string{"credentials", "github"}}
	ws := append(importer.SettingsWarnings(rep), importer.SignInUnknownWarning(rep))
	flag := regexp.MustCompile(`--[a-z]`)
	for _, w := range ws {
		got := wizardWarning(w)
		if flag.MatchString(got) {
			t.Errorf("a CLI flag in %q\n(from %q)", got, w)
		}
	}
	joined := strings.Join(wizardWarnings(ws), "\n")
	for _, want := range []string{
		"untick them under Providers to enable on the Settings step",
		"or choose Phases users only on the Confirm step to leave the providers as they are",
		"enable theirs or magic-link (Providers to enable, Settings step)",
		"add magic-link (tick it under Providers to enable on the Settings step) so they can sign in",
		"magic-link would let them in before that (tick it under Providers to enable on the Settings step, with Phases users + settings on the Confirm step)",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q in:\n%s", want, joined)
		}
	}
}

// A word longer than a line (a path in an error) is broken across lines,
// never split by a space: copied back together it is the path.
func TestWrapHangKeepsLongWordsWhole(t *testing.T) {
	path := "/tmp/" + strings.Repeat("a", 70) + "/export.json"
	for _, w := range []int{20, 40, 60, 80} {
		out := wrapHang("✗ cannot read "+path+": no such file or directory", w, 2)
		for _, l := range strings.Split(out, "\n") {
			if lipgloss.Width(l) > w {
				t.Errorf("width %d: line %q is wider", w, l)
			}
		}
		if joined := strings.ReplaceAll(out, "\n  ", ""); !strings.Contains(joined, path) {
			t.Errorf("width %d: the path is split:\n%s", w, out)
		}
		if !strings.HasSuffix(out, "no such file or directory") && !strings.Contains(strings.Join(strings.Fields(out), " "), "no such file or directory") {
			t.Errorf("width %d: the end is lost:\n%s", w, out)
		}
	}
}

// --include-banned and --only are the Review step's b and the canary in
// the wizard, before and after the import.
func TestWizardWarningWordingFlagsOfTheCanaryAndBans(t *testing.T) {
	for _, w := range []string{
		wizardWarning("--only: not in the source: bob@x.io"),
		importedWarnings([]string{"--only: not in the source: bob@x.io"})[0],
	} {
		if w != "Canary: not in the source: bob@x.io" {
			t.Errorf("got %q", w)
		}
	}
	ban := "undo the run that imported them and import again (banned users are then skipped, or imported banned with --include-banned)."
	for _, w := range []string{wizardWarning(ban), importedWarnings([]string{ban})[0]} {
		if strings.Contains(w, "--include-banned") || !strings.Contains(w, "b on the Review step") {
			t.Errorf("got %q", w)
		}
	}
}
