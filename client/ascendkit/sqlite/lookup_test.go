package sqlite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// BenchmarkLookupPage looks up one importer page (500 ids, emails and
// links) in an environment holding 5,000 users, a tenth of them found.
func BenchmarkLookupPage(b *testing.B) {
	l := openTest(b)
	var cs []ascendkit.ImportedUser
	for i := range 5000 {
		cs = append(cs, imported(i))
	}
	if _, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_b", Create: cs}, t0); err != nil {
		b.Fatal(err)
	}
	var ids, emails []string
	var links []ascendkit.OAuthLink
	for i := range 500 {
		j := 4950 + i // the first 50 exist
		ids = append(ids, fmt.Sprintf("user_%d", j))
		emails = append(emails, fmt.Sprintf("user%d@example.com", j))
		links = append(links, ascendkit.OAuthLink{Provider: "google", ProviderUserID: fmt.Sprintf("g%d", j)})
	}
	b.ResetTimer()
	for range b.N {
		a, err1 := l.LookupSourceIDs(ctx, "clerk", ids)
		e, err2 := l.LookupEmails(ctx, emails)
		k, err3 := l.LookupLinks(ctx, links)
		if err1 != nil || err2 != nil || err3 != nil || len(a) != 50 || len(e) != 50 || len(k) != 50 {
			b.Fatal(len(a), len(e), len(k), err1, err2, err3)
		}
	}
}

// TestLookupPlans checks that each lookup walks its keys and probes the
// table's index once per key rather than scanning the table or building
// a temporary index.
func TestLookupPlans(t *testing.T) {
	l := openTest(t)
	for _, c := range []struct {
		q    string
		args []any
	}{{sourceIDsSQL, []any{"clerk", `["a"]`}}, {emailsSQL, []any{`["a"]`}}, {linksSQL, []any{"google", `["a"]`}}} {
		rows, err := l.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := closeRows(rows); err != nil {
			t.Fatal(err)
		}
		if len(plan) < 2 || !strings.HasPrefix(plan[0], "SCAN k VIRTUAL TABLE") {
			t.Errorf("plan %q does not walk the keys first", plan)
		}
		for _, step := range plan[1:] {
			if !strings.HasPrefix(step, "SEARCH ") || !strings.Contains(step, "=?)") {
				t.Errorf("plan %q: step %q is not a key probe", plan, step)
			}
		}
	}
}

// TestLookupsOddKeys looks up keys that JSON escapes or cannot carry byte
// for byte (quotes, backslashes, non-ASCII, control characters, invalid
// UTF-8), alone and mixed with plain ones: each is found exactly.
func TestLookupsOddKeys(t *testing.T) {
	l := openTest(t)
	odd := []string{`q"uote`, `back\slash`, `\"`, "ünï", "nul\x00byte", "tab\tkey", "bad\xffutf8", "[\"x\"]"}
	var cs []ascendkit.ImportedUser
	for i, k := range odd {
		u := imported(i)
		u.SourceID = k
		u.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "p" + k, ProviderUserID: k}}
		cs = append(cs, u)
	}
	res, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_o", Create: cs}, t0)
	if err != nil || res.Created != len(odd) {
		t.Fatal(res, err)
	}
	for i, k := range odd {
		for _, keys := range [][]string{{k}, {"plain", k, "missing"}, odd} {
			m, err := l.LookupSourceIDs(ctx, "clerk", keys)
			if err != nil || m[k].UserID == "" || m[k].RunID != "run_o" {
				t.Errorf("LookupSourceIDs(%q) = %v, %v", keys, m, err)
			}
			if _, ok := m["missing"]; ok {
				t.Errorf("LookupSourceIDs(%q) found a missing id", keys)
			}
			var links []ascendkit.OAuthLink
			for _, k := range keys {
				links = append(links, ascendkit.OAuthLink{Provider: "p" + k, ProviderUserID: k})
			}
			got, err := l.LookupLinks(ctx, links)
			if err != nil || got[ascendkit.LinkKey("p"+k, k)] != m[k] {
				t.Errorf("LookupLinks(%q) = %v, %v; want %v", keys, got, err, m[k])
			}
		}
		// The same id under another provider is another account.
		got, err := l.LookupLinks(ctx, []ascendkit.OAuthLink{{Provider: "p" + odd[(i+1)%len(odd)], ProviderUserID: k}})
		if err != nil || len(got) != 0 {
			t.Errorf("LookupLinks across providers = %v, %v", got, err)
		}
	}
	// Emails are compared after normalisation; a quote is a valid local part.
	u := imported(100)
	u.User.Email = `"a\"b"@Example.com`
	u.User.OAuthLinks = nil
	if _, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_o", Create: []ascendkit.ImportedUser{u}}, t0); err != nil {
		t.Fatal(err)
	}
	for _, keys := range [][]string{{`"A\"B"@example.com`}, {"user0@example.com", `"A\"B"@example.com`, "bad\xff@example.com", "x\x00@example.com"}} {
		m, err := l.LookupEmails(ctx, keys)
		if err != nil || m[`"A\"B"@example.com`].UserID == "" || len(m) != min(len(keys), 2) {
			t.Errorf("LookupEmails(%q) = %v, %v", keys, m, err)
		}
	}
}

// TestNormalEmails checks the shortcut that skips grouping emails against
// rules.NormEmail itself: it is taken for an ASCII email exactly when the
// email is its own normal form (and never for others, which it leaves to
// the grouping).
func TestNormalEmails(t *testing.T) {
	for _, e := range []string{"", "a@b.co", "A@b.co", " a@b.co", "a@b.co\t", "a@b.co\n", "a b@c.co",
		"é@b.co", "e\u0301@b.co", "a@b.co\u00a0", "\x00a@b.co", "a@b.co\x0b", "\u212a@b.co", "x\"y@b.co"} {
		if got, want := normalEmails([]string{"plain@b.co", e}), isASCII(e) && rules.NormEmail(e) == e; got != want {
			t.Errorf("normalEmails(%q) = %v, want %v", e, got, want)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// A merge's own ids are matched byte for byte, an id with invalid UTF-8
// too (an encoder would have replaced it, and the write-time check would
// then take the user's own id for another account's).
func TestOtherSourceOwnIDWithInvalidUTF8(t *testing.T) {
	l := openTest(t)
	signup := imported(1)
	signup.Source, signup.SourceID, signup.User.OAuthLinks = "signup", "s1", nil
	if _, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_0", Create: []ascendkit.ImportedUser{signup}}, t0); err != nil {
		t.Fatal(err)
	}
	merge := func(id string, own ...string) ascendkit.Merge {
		return ascendkit.Merge{Email: signup.User.Email, Source: "clerk", SourceID: id, SoleID: len(own) > 0, Own: own,
			ImportMeta: map[string]any{"source": "clerk", "sourceId": id}}
	}
	odd := "user_\xffodd"
	if res, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_1", Merge: []ascendkit.Merge{merge(odd)}}, t0); err != nil || res.Merged != 1 {
		t.Fatalf("merge of %q: %+v %v", odd, res, err)
	}
	res, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_2", Merge: []ascendkit.Merge{merge("user_2", odd)}}, t0)
	if err != nil || res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("merge with %q own: %+v %v, want merged", odd, res, err)
	}
}
