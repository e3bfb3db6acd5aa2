package postgres

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestAppendCopyText(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"plain é 日本":        "plain é 日本",
		"a\tb\nc\rd\\e":     `a\tb\nc\rd\\e`,
		`\N`:                `\\N`,
		"\\.\n":             `\\.\n`,
		"\x01\x7f\u2028end": "\x01\x7f\u2028end",
	} {
		if got := string(appendCopyText([]byte("x"), in)); got != "x"+want {
			t.Errorf("appendCopyText(%q) = %q, want %q", in, got, "x"+want)
		}
	}
}

func TestEncodeCopyCountsColumns(t *testing.T) {
	r := &copyReader{c: copySpec{"t", []string{"a", "b"}, 1, func(i int, w *copyRow) { w.text("only one") }}}
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("a row with too few values was encoded")
	}
}

// TestCopyKeepsEveryByte imports a user whose every COPYed value holds
// the characters COPY's text format escapes (and ones it must not touch),
// and reads them back unchanged.
func TestCopyKeepsEveryByte(t *testing.T) {
	env := OpenTest(t)
	odd := "tab\there nl\nthere cr\rthere back\\slash \\N \\. é \u2028 \x01"
	last := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	u := ascendkit.ImportedUser{
		User: ascendkit.User{
			Email: "odd@example.com", Name: odd, Image: odd, CreatedAt: last, LastLoginAt: &last,
			Metadata: map[string]any{"k": odd}, Username: odd, ExternalID: odd,
			Tags:       []string{"t\\1", "t\t2"},
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: odd, Email: "x@example.com"}},
			Banned:     false, EmailVerified: true,
		},
		Source: "clerk", SourceID: odd,
		Events:   []ascendkit.NewEvent{{Type: "user.imported", Payload: map[string]any{"v": odd}}},
		Password: &ascendkit.Password{Hasher: "bcrypt", Digest: ascendkit.Digest("$2a$10$back\\slash\ttab")},
	}
	res, err := env.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_odd", Create: []ascendkit.ImportedUser{u}}, last)
	if err != nil || res.Created != 1 || res.Links != 1 || res.Events != 1 {
		t.Fatalf("ApplyImport = %+v, %v", res, err)
	}
	row := query(t, env, `SELECT u.name, u.image, u.username, u.external_id, u.metadata, u.email_verified::text, u.last_login_at,
		s.source_id, o.provider_user_id, e.payload, p.digest
		FROM users u JOIN import_sources s ON s.user_id = u.id JOIN oauth_links o ON o.user_id = u.id
		JOIN events e ON e.user_id = u.id JOIN user_passwords p ON p.user_id = u.id`)
	if len(row) != 1 {
		t.Fatalf("rows = %q", row)
	}
	got := row[0]
	for i, want := range []string{odd, odd, odd, odd, `{"k":"tab\there nl\nthere cr\rthere back\\slash \\N \\. é \u2028 \u0001"}`, "true",
		"2024-05-06T07:08:09.123456789Z", odd, odd, `{"v":"tab\there nl\nthere cr\rthere back\\slash \\N \\. é \u2028 \u0001"}`, "$2a$10$back\\slash\ttab"} {
		if got[i] != want {
			t.Errorf("column %d = %q, want %q", i, got[i], want)
		}
	}
	tags := query(t, env, `SELECT tag FROM user_tags ORDER BY tag`)
	if len(tags) != 2 || tags[0][0] != "t\t2" || tags[1][0] != "t\\1" {
		t.Errorf("tags = %q", tags)
	}
}

// TestCopyReaderChunks reads a COPY of more rows than one chunk holds
// through reads of awkward sizes and checks that every row arrives once,
// in order, whole.
func TestCopyReaderChunks(t *testing.T) {
	const n = 5000
	c := copySpec{"t", []string{"a", "b"}, n, func(i int, w *copyRow) { w.text(fmt.Sprintf("row\t%d", i)); w.boolean(i%2 == 0) }}
	var want bytes.Buffer
	for i := range n {
		fmt.Fprintf(&want, "row\\t%d\t%s\n", i, map[bool]string{true: "t", false: "f"}[i%2 == 0])
	}
	for _, size := range []int{1, 7, 4096, 65531, 1 << 20} {
		r := &copyReader{c: c}
		var got bytes.Buffer
		buf := make([]byte, size)
		for {
			k, err := r.Read(buf)
			got.Write(buf[:k])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Fatalf("reads of %d bytes: %d bytes differ from the %d expected", size, got.Len(), want.Len())
		}
	}
}
