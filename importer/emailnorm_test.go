package importer

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/emailaddr"
)

// TestAddressValidity: characters that hide or look like others, white
// space inside, and domains that are no host name are invalid_email;
// surrounding white space of any kind is trimmed, and an IDN domain has
// one form however it was spelt.
func TestAddressValidity(t *testing.T) {
	for in, want := range map[string]string{
		"ada@example.com\u00a0":       "ada@example.com",
		"\u3000ada@example.com":       "ada@example.com",
		"ada@example.com\u2000":       "ada@example.com",
		"ada@example.com\u200a":       "ada@example.com",
		"\u202fada@example.com\u205f": "ada@example.com",
		" ada@example.com\r\n":        "ada@example.com",
		"max@bücher.de":               "max@bücher.de",
		"max@xn--bcher-kva.de":        "max@bücher.de",
		"Max@XN--Bcher-KVA.de":        "max@bücher.de",
		"max@bu\u0308cher.de":         "max@bücher.de",
		"x@ab--cd.example.com":        "x@ab--cd.example.com",
		"d-e@a-b.example.co":          "d-e@a-b.example.co",
	} {
		got, ok := normalizeEmail(in)
		if !ok || got != want {
			t.Errorf("normalizeEmail(%+q) = %+q, %v; want %+q, true", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"b@example.com\u00ad", "b\u00ad@example.com", "b@exam\u00adple.com", // soft hyphen
		"c\u00a0d@example.com", "c@exa\u00a0mple.com", "c\u3000d@example.com", "c\u2009d@example.com", "c d@example.com",
		"f@-bad-.com", "f@bad-.com", "f@-bad.com", "f@a.-b.com",
		"g@exa_mple.com", "g@exa!mple.com", "g@[1.2.3.4]", "g@localhost", "g@example.com.",
		"h@ｅｘａｍｐｌｅ.com", "h@xn--a.de", "h@exa\u200bmple.com", "h@exa\ufeffmple.com",
		"i\ue000@example.com", // private use
	} {
		if got, ok := normalizeEmail(in); ok {
			t.Errorf("normalizeEmail(%+q) = %+q, valid; want invalid", in, got)
		}
		if _, reason, _ := mapUser(mkUser("u", in), now, false); reason != ReasonInvalidEmail {
			t.Errorf("mapUser(%+q): reason %q, want invalid_email", in, reason)
		}
	}
	// An address that looks right on screen says what is hidden in it.
	for in, want := range map[string]string{
		"b\u00ad@example.com":              "an invisible character (U+00AD) at character 2",
		"h@exa\u200bmple.com":              "an invisible character (U+200B) at character 6",
		"c\u00a0d@example.com":             "a space (U+00A0) at character 2",
		"i\ue000@example.com":              "a private-use character (U+E000) at character 2",
		"j\x07@example.com":                "a control character (U+0007) at character 2",
		" k\xff@example.com":               "not valid UTF-8",
		"\u00a0f@-bad-.com\u00a0":          "",
		"a\u0085b@ex.com":                  "a control character (U+0085) at character 2", // NEL: white space, but a C1 control
		"trail@example.com.":               "ends with a dot",
		strings.Repeat("l", 250) + "@x.io": "is 255 bytes long, more than the 254",
	} {
		_, _, detail := mapUser(mkUser("u", in), now, false)
		if want == "" && detail != "" || !strings.Contains(detail, want) {
			t.Errorf("mapUser(%+q): detail %q, want it to hold %q", in, detail, want)
		}
	}
}

// TestImporterWritesCanonical: every address the importer accepts is in
// the form the environment stores and looks addresses up in
// (rules.NormEmail is emailaddr.Canonical), so the preview's duplicate
// check and the database's unique email agree.
func TestImporterWritesCanonical(t *testing.T) {
	valid := 0
	for _, s := range append(slices.Clone(emailCorpus), "ada@example.com\u00a0", "max@xn--bcher-kva.de", "Ä@bücher.de\u3000") {
		e, ok := normalizeEmail(s)
		if !ok {
			continue
		}
		valid++
		if c := emailaddr.Canonical(s); c != e {
			t.Errorf("normalizeEmail(%+q) = %+q, environment stores %+q", s, e, c)
		}
		if c := emailaddr.Canonical(e); c != e {
			t.Errorf("normalizeEmail(%+q) = %+q, not its own canonical form %+q", s, e, c)
		}
		if again, ok := normalizeEmail(e); !ok || again != e {
			t.Errorf("normalizeEmail(%+q) = %+q, but that normalises to %+q, %v", s, e, again, ok)
		}
	}
	if valid < 10 {
		t.Fatalf("only %d valid addresses checked", valid)
	}
}

func TestSpellingsOfOneAddress(t *testing.T) { eachBackend(t, testSpellingsOfOneAddress) }

// testSpellingsOfOneAddress runs a preview and a run on users whose
// addresses differ only by surrounding Unicode white space or by how the
// domain is spelt: both count one user per address, the other spellings
// repeated_in_source, and nobody is reported already_imported (which
// would mean the database saw a duplicate the preview did not, and the
// user's data was dropped).
func testSpellingsOfOneAddress(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ctx := context.Background()
	// An existing user, stored under the Unicode spelling of its domain.
	res, err := env.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{
		User: ascendkit.User{Email: "owner@bücher.de", Name: "Owner", CreatedAt: now}, Source: "signup", SourceID: "s1"}}}, now)
	if err != nil || res.Created != 1 {
		t.Fatalf("seed: %+v %v", res, err)
	}
	src := newSource(2,
		mkUser("user_a", "ada@example.com"),
		mkUser("user_b", "ada@example.com\u00a0", withOAuth("oauth_github")),
		mkUser("user_c", "\u3000cy@example.com"),
		mkUser("user_d", "cy@example.com\u2003"),
		mkUser("user_e", "max@bücher.de"),
		mkUser("user_f", "MAX@xn--bcher-kva.de"),
		mkUser("user_g", "owner@xn--bcher-kva.de"),
		mkUser("user_h", "b@example.com\u00ad"),
		mkUser("user_i", "g@exa_mple.com"),
	)
	collect := func(mode Mode) (Report, map[string]string) {
		reasons := map[string]string{}
		r := run(t, src.clone(), env, Options{Mode: mode, OnEvent: func(e Event) {
			if f, ok := e.(EntryFound); ok {
				reasons[f.Entry.SourceID] = f.Entry.Reason
			}
		}})
		return r, reasons
	}
	pre, preReasons := collect(ModePreview)
	got, runReasons := collect(ModeRun)

	want := map[string]string{"user_b": ReasonRepeatedInSource, "user_d": ReasonRepeatedInSource,
		"user_f": ReasonRepeatedInSource, "user_g": ReasonEmailExists,
		"user_h": ReasonInvalidEmail, "user_i": ReasonInvalidEmail}
	for name, reasons := range map[string]map[string]string{"preview": preReasons, "run": runReasons} {
		for id, w := range want {
			if reasons[id] != w {
				t.Errorf("%s: %s reason %q, want %q", name, id, reasons[id], w)
			}
		}
		for id, r := range reasons {
			if r == ReasonAlreadyImported {
				t.Errorf("%s: %s reported already_imported", name, id)
			}
		}
	}
	if pre.Users.ToImport != 3 || got.Users.Imported != 3 || got.Users.Duplicates != pre.Users.Duplicates ||
		got.Users.Skipped != pre.Users.Skipped || got.Users.Failed != 0 {
		t.Errorf("preview %+v, run %+v: want 3 to import and imported, the same duplicates and skips", pre.Users, got.Users)
	}
	for _, lookup := range []string{"ada@example.com", "cy@example.com", "max@bücher.de", "max@xn--bcher-kva.de", "ada@example.com\u00a0"} {
		u, err := env.GetUser(ctx, lookup)
		if err != nil {
			t.Errorf("GetUser(%+q): %v", lookup, err)
			continue
		}
		if e, _ := normalizeEmail(lookup); u.Email != e {
			t.Errorf("GetUser(%+q) stored as %+q, want %+q", lookup, u.Email, e)
		}
	}
	if n, _ := env.CountUsers(ctx); n != 4 {
		t.Errorf("users in the environment = %d, want 4 (the owner and three imported)", n)
	}
}
