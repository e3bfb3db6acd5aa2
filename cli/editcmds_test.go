package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/importer"
)

// shownTemplate is what the tests read of `template show --json`.
type shownTemplate struct {
	ID, Slug, Name, Subject, BodyHTML, BodyText, Category string
	Version                                               int
}

func TestTemplateUpdate(t *testing.T) { eachBackend(t, testTemplateUpdate) }

func testTemplateUpdate(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 60)
	h.ok("import", "clerk", "run", "--api-key", testKey)
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hello@acme.dev", "--login-url", "https://acme.dev/login")
	announce := created.Journeys[0]
	const slug = "migration-announcement"
	var v1 shownTemplate
	h.json(&v1, "template", "show", slug)
	if v1.Version != 1 {
		t.Fatalf("fresh template at v%d", v1.Version)
	}
	current := func() shownTemplate {
		t.Helper()
		var s shownTemplate
		h.json(&s, "template", "show", slug)
		return s
	}

	// A new subject: a new version, the journey that sends it named, and
	// a variable nothing sets reported on stderr and in the JSON.
	var up struct {
		shownTemplate
		PreviousVersion int
		Changed         []string
		Warnings        []string
		SentBy          []struct{ JourneyID, Journey, Status, Node string }
	}
	r := h.ok("template", "update", slug, "--subject", "{{appName}} is moving, {{userName}}: code {{promo}}", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &up); err != nil {
		t.Fatalf("update --json: %v\n%s", err, r.stdout)
	}
	if up.Version != 2 || up.PreviousVersion != 1 || up.ID != v1.ID || !reflect.DeepEqual(up.Changed, []string{"subject"}) ||
		up.BodyText != v1.BodyText || up.Category != v1.Category {
		t.Fatalf("update --json: %+v", up)
	}
	if len(up.SentBy) != 1 || up.SentBy[0].JourneyID != announce.ID || up.SentBy[0].Status != "draft" {
		t.Errorf("sentBy %+v, want the announcement journey %s", up.SentBy, announce.ID)
	}
	// appName was never set and promo is new: both render empty; userName
	// is filled from each user and loginUrl is set.
	var promo, appName bool
	for _, w := range up.Warnings {
		promo = promo || strings.HasPrefix(w, "{{promo}} is not set on node")
		appName = appName || strings.HasPrefix(w, "{{appName}} is not set on node")
		if strings.Contains(w, "userName") || strings.Contains(w, "loginUrl") {
			t.Errorf("warning for a variable that has a value: %q", w)
		}
		if !strings.Contains(r.stderr, "warning: "+w) {
			t.Errorf("warning %q is in the JSON only, not on stderr:\n%s", w, r.stderr)
		}
	}
	if !promo || !appName {
		t.Errorf("warnings %q lack promo or appName", up.Warnings)
	}
	if s := current(); s.Version != 2 || s.Subject != up.Subject {
		t.Errorf("template show after the update: %+v", s)
	}
	show := h.ok("template", "show", slug).stdout
	if !strings.Contains(show, "(v2, ") || !strings.Contains(show, "is moving") {
		t.Errorf("template show does not show the latest version:\n%s", show)
	}

	// The journey keeps working: its check now names the new variable,
	// set-vars takes it (the command the warning gives), and it activates.
	if out := h.ok("journey", "show", announce.ID).stdout; !strings.Contains(out, "unset appName, promo") {
		t.Errorf("journey show does not name the template's new variable:\n%s", out)
	}
	h.ok("journey", "set-vars", announce.ID, "--node", "announcement", "--var", "promo=MOVE10")
	h.ok("journey", "set-vars", announce.ID, "--var", "appName=Acme")
	var act struct {
		Status        string
		NewlyEnrolled int
	}
	h.json(&act, "journey", "activate", announce.ID, "--yes")
	if act.Status != "active" || act.NewlyEnrolled == 0 {
		t.Fatalf("activation after the update: %+v", act)
	}
	var rendered struct{ Rendered struct{ Subject string } }
	h.json(&rendered, "template", "show", slug)
	if !strings.HasPrefix(rendered.Rendered.Subject, "Acme is moving, ") || !strings.HasSuffix(rendered.Rendered.Subject, "code MOVE10") {
		t.Errorf("rendered subject %q", rendered.Rendered.Subject)
	}
	// Now nothing is unset: an update warns of nothing, and names the
	// journey as active.
	r = h.ok("template", "update", slug, "--category", "MARKETING")
	if strings.Contains(r.stderr, "warning") || !strings.Contains(r.stdout, "v2 → v3 (category changed)") || !strings.Contains(r.stdout, "(active), node announcement") {
		t.Errorf("category update:\n%s%s", r.stdout, r.stderr)
	}

	// Bodies from files: a byte order mark is dropped, "-" reads stdin, and
	// a placeholder the renderer does not take for a variable is reported.
	html := filepath.Join(h.dir, "body.html")
	os.WriteFile(html, []byte("\ufeff<p>Hello {{userName}}, {{ user-name }}</p>\n"), 0o600)
	r = h.run("Plain {{userName}}\n", "template", "update", slug, "--body-html-file", html, "--body-text-file", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "v3 → v4 (bodyHtml, bodyText changed)") ||
		!strings.Contains(r.stderr, "warning: {{ user-name }} is not a variable") {
		t.Fatalf("update from files: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	v4 := current()
	if v4.Version != 4 || v4.BodyHTML != "<p>Hello {{userName}}, {{ user-name }}</p>\n" || v4.BodyText != "Plain {{userName}}\n" ||
		v4.Subject != up.Subject || v4.Category != "marketing" {
		t.Fatalf("v4 %+v", v4)
	}

	// Refusals: a clear message, the exit code, and no new version.
	big := filepath.Join(h.dir, "big.html")
	os.WriteFile(big, []byte(strings.Repeat("x", maxBodyBytes+1)), 0o600)
	empty := filepath.Join(h.dir, "empty.txt")
	os.WriteFile(empty, []byte("\ufeff \n"), 0o600)
	latin1 := filepath.Join(h.dir, "latin1.txt")
	os.WriteFile(latin1, []byte("Gr\xfc\xdfe {{userName}}\n"), 0o600)
	escapes := filepath.Join(h.dir, "escapes.txt")
	os.WriteFile(escapes, []byte("Hello\n\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\n"), 0o600)
	hidden := "control, invisible or direction-changing characters, which would show in the emails other than they read here"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{slug}, 2, "nothing to update"},
		{[]string{slug, "--subject", v4.Subject}, 1, "already has these values: nothing changed"},
		{[]string{slug, "--subject", v4.Subject, "--category", "marketing", "--body-text", v4.BodyText}, 1, "nothing changed"},
		{[]string{slug, "--subject", "  "}, 2, "--subject is empty"},
		{[]string{slug, "--subject", "Hi\r\nBcc: everyone@example.com"}, 2, "one line"},
		{[]string{slug, "--name", ""}, 2, "--name is empty"},
		{[]string{slug, "--category", "spam"}, 2, `--category "spam": want marketing or transactional`},
		{[]string{slug, "--body-html", "<p>x</p>", "--body-html-file", html}, 2, "give one"},
		{[]string{slug, "--body-html-file", "-", "--body-text-file", "-"}, 2, "only one can read stdin"},
		{[]string{slug, "--body-text-file", filepath.Join(h.dir, "missing.txt")}, 1, "missing.txt"},
		// A file read and found unusable is a broken file (1), as a
		// missing one is; a bad flag value is a usage error (2).
		{[]string{slug, "--body-html-file", big}, 1, "larger than 1024 KiB"},
		{[]string{slug, "--body-text-file", empty}, 1, "is empty"},
		{[]string{slug, "--body-text-file", latin1}, 1, "latin1.txt is not UTF-8 text"},
		{[]string{slug, "--body-text-file", escapes}, 1, "escapes.txt: it contains " + hidden + " (U+001B at line 2, column 1)"},
		{[]string{slug, "--body-text", "a\x00b"}, 2, "not UTF-8 text"},
		// Hidden characters are refused as --app-name and set-vars
		// refuse them; bodies keep line breaks and tabs only.
		{[]string{slug, "--subject", "Your invoice\u202efdp.exe"}, 2, "--subject: it contains " + hidden + ` (U+202E after "Your invoice")`},
		{[]string{slug, "--subject", "Reset your pass\u00adword"}, 2, "--subject: it contains " + hidden + " (U+00AD"},
		{[]string{slug, "--subject", "Hi\u2028there"}, 2, "--subject: it contains " + hidden},
		{[]string{slug, "--name", "Announce\u202egnp.exe"}, 2, "--name: it contains " + hidden},
		{[]string{slug, "--name", "Announce\u200b"}, 2, "--name: it contains " + hidden},
		{[]string{slug, "--subject", strings.Repeat("é", 500)}, 2, "--subject is 1000 bytes long: at most 998"},
		{[]string{slug, "--subject", strings.Repeat("x", 100<<10)}, 2, "--subject is 102400 bytes long"},
		{[]string{slug, "--name", strings.Repeat("n", 201)}, 2, "--name is 201 characters long: at most 200"},
		{[]string{slug, "--body-html", "<p>\x1b]0;pwned\x07</p>"}, 2, "--body-html: it contains " + hidden + ` (U+001B after "<p>")`},
		{[]string{slug, "--body-text", "Ding\a"}, 2, "--body-text: it contains " + hidden},
		{[]string{slug, "--body-text", "Hi\u0085there"}, 2, "--body-text: it contains " + hidden},
		{[]string{slug, "--body-text", "Hi \u202e{{userName}}"}, 2, "--body-text: it contains " + hidden},
		{[]string{"no-such-template", "--subject", "x"}, 1, "not found"},
		{[]string{}, 2, "accepts 1 arg"},
	} {
		r := h.run("", append([]string{"template", "update"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("template update %q: exit %d %q; want exit %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
	if s := current(); s != v4 {
		t.Errorf("the refusals changed the template: %+v, was %+v", s, v4)
	}

	// What real copy holds is kept: a subject at RFC 5322's limit, emoji
	// joined by a ZWJ, right-to-left marks and isolates in a body, tabs
	// and CRLF line breaks. JSON escapes the bidi characters.
	subject := strings.Repeat("s", importer.MaxSubjectBytes-len(" 👩‍💻")) + " 👩‍💻"
	r = h.ok("template", "update", slug, "--subject", subject, "--name", "Announce 👨‍👩‍👧", "--json")
	if !strings.Contains(r.stdout, "Announce 👨‍👩‍👧") {
		t.Errorf("a name with a joined emoji: %q", r.stdout)
	}
	body := "שלום \u200f{{userName}}\u200f,\r\n\tsee \u2067אתר\u2069 👩‍💻"
	r = h.ok("template", "update", slug, "--body-text", body, "--json")
	if strings.Contains(r.stdout, "\u2067") || !strings.Contains(r.stdout, `\u2067`) {
		t.Errorf("JSON of a body with a bidi isolate: %q", r.stdout)
	}
	if s := current(); s.Subject != subject || s.BodyText != body {
		t.Errorf("kept %q %q, want %q %q", s.Subject, s.BodyText, subject, body)
	}
	var list []map[string]any
	h.json(&list, "template", "list", "--query", slug)
	if len(list) != 1 || list[0]["slug"] != slug || list[0]["version"] != float64(6) {
		t.Errorf("template list after six versions: %v", list)
	}
}

func TestAuthUpdate(t *testing.T) { eachBackend(t, testAuthUpdate) }

func testAuthUpdate(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	_, users := clerkServer(t, 120)
	pwFile := filepath.Join(h.dir, "passwords.json")
	passwordsJSON(t, pwFile, users)
	h.ok("import", "clerk", "run", "--api-key", testKey, "--passwords", pwFile)
	var shown struct{ Providers []string }
	h.json(&shown, "auth", "show")
	if !slices.Contains(shown.Providers, "credentials") || len(shown.Providers) < 3 {
		t.Fatalf("the import enabled %v: the test needs credentials and two social providers", shown.Providers)
	}

	// What each provider would take away, counted from the users
	// themselves: non-banned users with a kept password, or a link.
	var all []ascendkit.User
	h.json(&all, "user", "list", "--all")
	wantUsers := map[string]int{}
	for _, u := range all {
		if u.Banned {
			continue
		}
		// A password kept, or one to set through the reset journey.
		if slices.Contains(u.Tags, importer.TagPasswordKept) || slices.Contains(u.Tags, importer.TagNeedsPasswordReset) {
			wantUsers["credentials"]++
		}
		// Nothing but their email: magic-link is their way in.
		if !slices.Contains(u.Tags, importer.TagPasswordKept) && !slices.Contains(u.Tags, importer.TagNeedsPasswordReset) &&
			!slices.Contains(u.Tags, importer.TagSSO) && len(u.OAuthLinks) == 0 {
			wantUsers["magic-link"]++
		}
		seen := map[string]bool{}
		for _, l := range u.OAuthLinks {
			if !seen[l.Provider] {
				seen[l.Provider] = true
				wantUsers[l.Provider]++
			}
		}
	}
	if wantUsers["credentials"] == 0 {
		t.Fatal("no user kept a password: the credentials warning would go untested")
	}
	if wantUsers["magic-link"] == 0 {
		t.Fatal("no passwordless user: the magic-link warning would go untested")
	}

	type updated struct {
		Providers, Before, Enabled, Disabled []string
		Changed                              bool
		Warnings                             []struct {
			Provider string
			Users    int
			Message  string
		}
	}
	// Only magic-link and one social provider stay: the others, with
	// credentials, are turned off, each warned of with its count.
	keep := shown.Providers[len(shown.Providers)-1]
	if keep == "credentials" {
		t.Fatalf("unexpected provider order %v", shown.Providers)
	}
	var res updated
	r := h.ok("auth", "update", "--providers", "magic-link, "+strings.ToUpper(keep), "--json")
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	want := []string{keep, "magic-link"}
	slices.Sort(want)
	if !reflect.DeepEqual(res.Providers, want) || !reflect.DeepEqual(res.Before, shown.Providers) || !res.Changed ||
		!reflect.DeepEqual(res.Enabled, []string{"magic-link"}) {
		t.Fatalf("auth update --json: %+v", res)
	}
	var off []string
	for _, p := range shown.Providers {
		if p != keep {
			off = append(off, p)
		}
	}
	if !reflect.DeepEqual(res.Disabled, off) {
		t.Errorf("disabled %v, want %v", res.Disabled, off)
	}
	warned := map[string]int{}
	for _, w := range res.Warnings {
		warned[w.Provider] = w.Users
		if !strings.Contains(w.Message, fmt.Sprintf("%d user", w.Users)) || !strings.Contains(w.Message, "a magic link still signs them in") {
			t.Errorf("warning message %q", w.Message)
		}
		if !strings.Contains(r.stderr, "warning: "+w.Message+"\n") {
			t.Errorf("warning %q not on stderr:\n%s", w.Message, r.stderr)
		}
	}
	for _, w := range res.Warnings {
		if w.Provider == "credentials" && !strings.Contains(w.Message, "tagged "+importer.TagNeedsPasswordReset+", to set one through the reset journey") {
			t.Errorf("the credentials warning does not count the resets pending: %q", w.Message)
		}
	}
	for _, p := range off {
		if warned[p] != wantUsers[p] {
			t.Errorf("turning off %s warned of %d users, %d sign in with it", p, warned[p], wantUsers[p])
		}
	}
	if len(warned) != len(off) {
		t.Errorf("warnings for %v, turned off %v", warned, off)
	}
	h.json(&shown, "auth", "show")
	if !reflect.DeepEqual(shown.Providers, want) {
		t.Fatalf("auth show after the update: %v, want %v", shown.Providers, want)
	}

	// The same set again changes nothing and warns of nothing.
	r = h.ok("auth", "update", "--providers", strings.Join(want, ","))
	if r.stdout != "Providers: "+strings.Join(want, ", ")+" (unchanged)\n" || r.stderr != "" {
		t.Errorf("no-op update:\n%s%s", r.stdout, r.stderr)
	}
	// Turning credentials back on warns of nothing, but magic-link going
	// warns of the passwordless users; turning off the last social
	// provider with magic-link gone says so without the magic-link hint.
	r = h.ok("auth", "update", "--providers", "credentials,"+keep, "--json")
	res = updated{}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Enabled, []string{"credentials"}) || !reflect.DeepEqual(res.Disabled, []string{"magic-link"}) ||
		len(res.Warnings) != 1 || res.Warnings[0].Provider != "magic-link" || res.Warnings[0].Users != wantUsers["magic-link"] {
		t.Errorf("turning credentials back on and magic-link off: %+v", res)
	}
	if want := fmt.Sprintf("warning: %s with no password, no linked account and no SSO (passwordless in Clerk: email code or link) can no longer sign in at all now that magic-link is off\n",
		countUsers(wantUsers["magic-link"])); r.stderr != want {
		t.Errorf("turning magic-link off: stderr %q, want %q", r.stderr, want)
	}
	r = h.ok("auth", "update", "--providers", "credentials")
	if want := fmt.Sprintf("warning: %s with an account linked at %s can no longer sign in with it now that %s is off\n", countUsers(wantUsers[keep]), keep, keep); r.stderr != want {
		t.Errorf("turning off %s: stderr %q, want %q", keep, r.stderr, want)
	}
	if r.stdout != "Providers: credentials\nTurned off: "+keep+"\n" {
		t.Errorf("human output %q", r.stdout)
	}

	// Refusals change nothing.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"auth", "update"}, "give --providers"},
		{[]string{"auth", "update", "--providers", "credentials,myspace"}, `unknown provider "myspace" (supported: credentials, magic-link, google, github, apple, discord, microsoft, linkedin)`},
		{[]string{"auth", "update", "--providers", "credentials", "extra"}, "unknown command"},
		// Every provider off would let nobody sign in.
		{[]string{"auth", "update", "--providers", ""}, "--providers names no provider"},
		{[]string{"auth", "update", "--providers", ","}, "--providers names no provider"},
		{[]string{"auth", "update", "--providers", " , ", "--json"}, "nobody can sign in with none"},
	} {
		if r := h.run("", c.args...); r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: exit %d %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	h.json(&shown, "auth", "show")
	if !reflect.DeepEqual(shown.Providers, []string{"credentials"}) {
		t.Errorf("providers after the refusals: %v", shown.Providers)
	}
}

func TestJourneyNodeAndTransitionList(t *testing.T) {
	eachBackend(t, testJourneyNodeAndTransitionList)
}

func testJourneyNodeAndTransitionList(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	h.ok("import", "clerk", "run", "--file", writeClerkFile(t, h.dir, twoUsers))
	h.ok("import", "migration-journey", "create", "--from-identity", "hello@acme.dev")
	var js []ascendkit.Journey
	h.json(&js, "journey", "list")
	for _, j := range js {
		var full ascendkit.Journey
		h.json(&full, "journey", "show", j.ID)

		// Nodes: the same as journey show's, and a table naming each.
		var nodes []ascendkit.Node
		h.json(&nodes, "journey", "node", "list", j.ID)
		if len(nodes) == 0 || !reflect.DeepEqual(nodes, full.Nodes) {
			t.Fatalf("%s: node list %+v, journey show %+v", j.Name, nodes, full.Nodes)
		}
		// The JSON marks the entry node, as the table does.
		var marked []struct {
			ID    string
			Entry *bool
		}
		h.json(&marked, "journey", "node", "list", j.ID)
		for i, n := range marked {
			if n.ID != nodes[i].ID || n.Entry == nil || *n.Entry != (n.ID == full.Entry) {
				t.Errorf("%s: node %d of the JSON is %q, entry %v; the journey starts at %q", j.Name, i, n.ID, n.Entry, full.Entry)
			}
		}
		r := h.ok("journey", "node", "list", j.Name) // by name, as journey show takes it
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != len(nodes)+1 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(r.stderr, fmt.Sprintf("%d nodes in %s", len(nodes), j.Name)) {
			t.Fatalf("node list:\n%s%s", r.stdout, r.stderr)
		}
		for i, n := range nodes {
			f := strings.Fields(lines[i+1])
			if f[0] != n.ID || (n.ID == full.Entry) != (f[1] == "(entry)") || !strings.Contains(lines[i+1], n.Action) {
				t.Errorf("node row %q for %+v", lines[i+1], n)
			}
			if n.Action == ascendkit.ActionSendEmail && (!strings.Contains(lines[i+1], n.TemplateSlug) || !strings.Contains(lines[i+1], "hello@acme.dev") ||
				!strings.Contains(lines[i+1], strings.TrimSpace(nodeVars(n)))) {
				t.Errorf("email node row %q for %+v", lines[i+1], n)
			}
		}

		// Transitions: exactly the lines of journey show's Transitions section.
		show := h.ok("journey", "show", j.ID).stdout
		_, section, _ := strings.Cut(show, "\nTransitions:\n")
		var want []string
		for _, l := range strings.Split(section, "\n") {
			if !strings.HasPrefix(l, "  ") {
				break
			}
			want = append(want, strings.TrimSpace(l))
		}
		r = h.ok("journey", "transition", "list", j.ID)
		if got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("transition list\n%q\njourney show\n%q", got, want)
		}
		// Filters select the transitions of the definition that match.
		for _, n := range nodes {
			for _, flags := range [][]string{{"--from", n.ID}, {"--to", n.ID}, {"--from", full.Entry, "--to", n.ID}} {
				var ts []ascendkit.Transition
				h.json(&ts, append([]string{"journey", "transition", "list", j.ID}, flags...)...)
				var exp []ascendkit.Transition
				for _, tr := range full.Transitions {
					from, to := tr.From == n.ID, tr.To == n.ID
					switch flags[0] {
					case "--from":
						if len(flags) == 4 {
							from = tr.From == full.Entry && to
						}
						if !from {
							continue
						}
					case "--to":
						if !to {
							continue
						}
					}
					if tr.ID == "" {
						tr.ID = ascendkit.TransitionID(tr.From, tr.To)
					}
					exp = append(exp, tr)
				}
				if exp == nil {
					exp = []ascendkit.Transition{}
				}
				if !reflect.DeepEqual(ts, exp) {
					t.Errorf("%s %v: %+v, want %+v", j.Name, flags, ts, exp)
				}
				r := h.ok(append([]string{"journey", "transition", "list", j.ID}, flags...)...)
				if r.stdout == "" && len(exp) > 0 || r.stdout != "" && strings.Count(r.stdout, "\n") != len(exp) {
					t.Errorf("%v: %d lines for %d transitions:\n%s", flags, strings.Count(r.stdout, "\n"), len(exp), r.stdout)
				}
			}
		}
	}

	// Unknown journeys and nodes are errors, not empty lists.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"journey", "node", "list", "jrn_missing"}, 1, `journey "jrn_missing": not found`},
		{[]string{"journey", "transition", "list", "jrn_missing"}, 1, `journey "jrn_missing": not found`},
		{[]string{"journey", "transition", "list", js[0].ID, "--from", "nowhere"}, 1, `has no node "nowhere" (its nodes: `},
		{[]string{"journey", "transition", "list", js[0].ID, "--to", "nowhere"}, 1, `has no node "nowhere"`},
		{[]string{"journey", "transition", "list", js[0].ID, "--from", " "}, 2, "take a node id"},
		{[]string{"journey", "node", "list"}, 2, "accepts 1 arg"},
		{[]string{"journey", "transition", "list"}, 2, "accepts 1 arg"},
	} {
		if r := h.run("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%q: exit %d %q %q; want exit %d and %q", c.args, r.code, r.stdout, r.stderr, c.code, c.want)
		}
	}
}

// TestTemplateWarningsWithoutJourney: a template no journey sends has
// only the user fields to fill it, so any other variable renders empty,
// and a placeholder that is no variable is sent as written.
func TestTemplateWarningsWithoutJourney(t *testing.T) {
	env, err := sqlite.OpenLocal(filepath.Join(t.TempDir(), "env.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	ctx := context.Background()
	tpl, _, err := env.CreateTemplate(ctx, ascendkit.Template{Slug: "newsletter", Subject: "Hi {{userName}}",
		BodyText: "{{ promo }} {{userEmail}} {{}} {{promo}} {{}} {{\u200bfoo}}"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := checkTemplate(ctx, env, tpl, tpl)
	if err != nil {
		t.Fatal(err)
	}
	senders, warnings := c.senders, c.warnings
	want := []string{
		"{{}} is not a variable (a name is letters, digits, _ and .): it is sent as written",
		// A zero-width space the terminal would hide is shown quoted.
		`"{{\u200bfoo}}" is not a variable (a name is letters, digits, _ and .): it is sent as written`,
		"{{promo}} is not a user field (userName, userEmail) and no journey sends this template to set it: it renders empty",
	}
	if len(senders) != 0 || !reflect.DeepEqual(warnings, want) {
		t.Errorf("senders %v, warnings %q; want none and %q", senders, warnings, want)
	}
}

func TestTemplateUpdateChecks(t *testing.T) { eachBackend(t, testTemplateUpdateChecks) }

// testTemplateUpdateChecks: what an update would send other than meant is
// reported (braces that make no variable, a body left on the old copy)
// or, on an active journey, refused; template show shows both bodies.
func testTemplateUpdateChecks(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	h.ok("import", "clerk", "run", "--file", writeClerkFile(t, h.dir, twoUsers))
	var created importer.JourneysResult
	h.json(&created, "import", "migration-journey", "create", "--from-identity", "hi@acme.dev", "--app-name", "Acme",
		"--login-url", "https://acme.dev/login", "--reset-url", "https://acme.dev/reset")
	announce := created.Journeys[0]
	const slug = "migration-reminder"
	type updated struct {
		shownTemplate
		Warnings []string
	}
	update := func(stdin string, args ...string) (updated, result) {
		t.Helper()
		r := h.run(stdin, append([]string{"template", "update", slug, "--json"}, args...)...)
		var up updated
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &up) != nil {
			t.Fatalf("template update %q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		for _, w := range up.Warnings {
			if !strings.Contains(r.stderr, "warning: "+w) {
				t.Errorf("warning %q is in the JSON only, not on stderr:\n%s", w, r.stderr)
			}
		}
		return up, r
	}

	// 1. Braces that make no variable are sent as written: each place is
	// named with the text around it, in the part it is in.
	up, _ := update("", "--body-text", "Hi {{userName}}, sign in at {{loginUrl} or {appName}} {{{appName}}}.\n\nThanks, the team",
		"--subject", "{appName}: sign in")
	want := []string{
		`subject: braces that make no {{variable}} in "{appName}: sign in": only {{name}} is filled, the rest is sent as written`,
		`text body: braces that make no {{variable}} in "…rName}}, sign in at {{loginUrl} or {appName}} {{{appName}}}. Thanks…": only {{name}} is filled, the rest is sent as written`,
	}
	for _, w := range want {
		if !slices.Contains(up.Warnings, w) {
			t.Errorf("warnings %q lack %q", up.Warnings, w)
		}
	}
	// A body wrong throughout is quoted five times, then counted.
	up, _ = update("", "--body-text", strings.Repeat("Hi {userName}, welcome to our new home at last.\n", 40))
	if n := len(slices.DeleteFunc(slices.Clone(up.Warnings), func(w string) bool { return !strings.HasPrefix(w, "text body: braces") })); n != 5 ||
		!slices.Contains(up.Warnings, "text body: 35 more places with braces that make no {{variable}}") {
		t.Errorf("%d places quoted; warnings %q", n, up.Warnings)
	}
	update("", "--body-text", "Hi {{userName}}, sign in at {{loginUrl} or {appName}} {{{appName}}}.\n\nThanks, the team")

	// CSS braces and a brace next to a name that is no variable are not
	// taken for one (the text body still is).
	up, _ = update("", "--body-html", "<style>p{color:red} a { color: blue }</style><p>Hi {{ userName }} {x}</p>", "--subject", "Sign in to {{appName}}")
	for _, w := range up.Warnings {
		if strings.HasPrefix(w, "subject:") || strings.HasPrefix(w, "HTML body:") {
			t.Errorf("warning for braces that are fine: %q", w)
		}
	}

	// 3. One body changed without the other: the other is quoted, and
	// template show prints both, labelled.
	if !slices.ContainsFunc(up.Warnings, func(w string) bool {
		return strings.HasPrefix(w, `only the HTML body was given: the text part still says "Hi {{userName}}, sign in at {{loginUrl} or`) &&
			strings.HasSuffix(w, ": update --body-text too, or recipients whose mail client shows text see the old copy")
	}) {
		t.Errorf("no warning that the text body keeps the old copy: %q", up.Warnings)
	}
	up, _ = update("", "--body-text", "Plain {{userName}}")
	if !slices.ContainsFunc(up.Warnings, func(w string) bool {
		return strings.HasPrefix(w, `only the text body was given: the HTML part still says "p{color:red} a { color: blue } Hi {{ userName }} {x}"`)
	}) {
		t.Errorf("no warning that the HTML body keeps the old copy: %q", up.Warnings)
	}
	up, _ = update("", "--body-text", "Plain {{userName}}!", "--body-html", up.BodyHTML)
	if slices.ContainsFunc(up.Warnings, func(w string) bool { return strings.HasPrefix(w, "only the") }) {
		t.Errorf("warning of a body left behind when both were given: %q", up.Warnings)
	}
	// Shown cleaned on the terminal, complete in the JSON.
	update("", "--body-html", "<p>\u2067Hi\u2069 <b>{{userName}}</b></p>")
	show := h.ok("template", "show", slug).stdout
	for _, part := range []string{"--- text body ---\nPlain {{userName}}!\n", "--- HTML body ---\n<p>Hi <b>{{userName}}</b></p>\n", "--- rendered HTML ---\n<p>Hi <b>"} {
		if !strings.Contains(show, part) {
			t.Errorf("template show lacks %q:\n%s", part, show)
		}
	}
	var shown shownTemplate
	h.json(&shown, "template", "show", slug)
	if shown.BodyHTML != "<p>\u2067Hi\u2069 <b>{{userName}}</b></p>" || shown.BodyText != "Plain {{userName}}!" {
		t.Errorf("template show --json: %+v", shown)
	}

	// An active journey refuses an update that would send a variable
	// empty, naming the journey, its users and the fix; nothing changes.
	var act struct{ NewlyEnrolled int }
	h.json(&act, "journey", "activate", announce.ID, "--yes")
	if act.NewlyEnrolled == 0 {
		t.Fatal("activation enrolled nobody")
	}
	r := h.run("", "template", "update", slug, "--subject", "Your code: {{promo}}")
	fix := fmt.Sprintf("`ascendkit journey set-vars %s --node reminder --var promo=<value>`", announce.ID)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, fmt.Sprintf(`ACTIVE journey "Migration announcement" (%s), %s still in it: node reminder would send {{promo}} empty`, announce.ID, counted(act.NewlyEnrolled, "user"))) ||
		!strings.Contains(r.stderr, fix) || !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("update adding an unset variable to an active journey: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var after shownTemplate
	h.json(&after, "template", "show", slug)
	if after != shown {
		t.Errorf("the refused update changed the template: %+v, was %+v", after, shown)
	}
	// --force writes it, with the same words as a warning; the variable
	// set first (the fix given), nothing is refused or warned.
	up, _ = update("", "--subject", "Your code: {{promo}}", "--force")
	if up.Version != shown.Version+1 || !slices.ContainsFunc(up.Warnings, func(w string) bool { return strings.HasPrefix(w, `ACTIVE journey "Migration announcement"`) }) {
		t.Errorf("forced update: v%d, warnings %q", up.Version, up.Warnings)
	}
	// A gap forced earlier does not block unrelated updates.
	update("", "--name", "Reminder")
	h.ok("journey", "set-vars", announce.ID, "--node", "reminder", "--var", "discount=10%")
	up, _ = update("", "--subject", "{{discount}} off, {{promo}}")
	if len(up.Warnings) != 1 || !strings.HasPrefix(up.Warnings[0], "{{promo}} is not set on node reminder") {
		t.Errorf("warnings %q, want only promo's", up.Warnings)
	}
}
