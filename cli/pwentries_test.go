package cli

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// An entry of the passwords file is printed at its place in that file and
// by what its record has, not as "#N … (no email)", which read as the
// N-th user of the source.
func TestNotablePasswordsFileEntries(t *testing.T) {
	n := &notableEntries{max: 10}
	n.add(importer.Entry{Pos: 3, File: importer.EntryFilePasswords, SourceID: "user_ghost", Email: "ghost@x.io",
		Kind: importer.KindPasswordsUnmatched, Reason: importer.ReasonPasswordUnmatched})
	n.add(importer.Entry{Pos: 5, File: importer.EntryFilePasswords, Kind: importer.KindPasswordsMalformed,
		Reason: importer.ReasonPasswordRecordMalformed, Detail: "record 5 (line 6): empty id"})
	n.add(importer.Entry{Pos: 2, SourceID: "user_b", Kind: "skipped", Reason: importer.ReasonNoEmail})
	// A record that could not be read is not said to have no email.
	n.add(importer.Entry{Pos: 4, SourceID: "user_m", Kind: "skipped", Reason: importer.ReasonMalformed, Detail: `field "public_metadata": got a number, want an object`})
	var b strings.Builder
	n.print(&b, "")
	out := b.String()
	for _, want := range []string{
		"  passwords file record 3 user_ghost ghost@x.io: password_not_in_source\n",
		"  passwords file record 5: password_record_malformed — record 5 (line 6): empty id\n",
		"  #2 user_b (no email): no_email\n",
		"  #4 user_m: malformed — field \"public_metadata\": got a number, want an object\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// The users listed after a summary are the first of the source, in its
// order, whatever order their entries came in: a page reports the users
// it skips unread before those it flags, and held users come at the end.
func TestNotableEntriesInSourceOrder(t *testing.T) {
	n := &notableEntries{max: 3}
	for _, e := range []importer.Entry{
		{Pos: 9, SourceID: "user_9", Kind: "skipped", Reason: importer.ReasonPhoneOnly},
		{Pos: 12, SourceID: "user_12", Kind: "skipped", Reason: importer.ReasonNoEmail},
		{Pos: 1, File: importer.EntryFilePasswords, SourceID: "user_pw", Kind: importer.KindPasswordsUnmatched, Reason: importer.ReasonPasswordUnmatched},
		{Pos: 5, SourceID: "user_5", Email: "a@x.io", Kind: "flagged", Reason: "link_conflict"},
		{Pos: 1, SourceID: "user_1", Email: "b@x.io", Kind: "flagged", Reason: "invalid_phone"},
		{Pos: 7, SourceID: "user_7", Email: "c@x.io", Kind: "flagged", Reason: "invalid_phone"},
	} {
		n.add(e)
	}
	var b strings.Builder
	n.print(&b, "")
	want := "\nSkipped, failed or flagged users:\n" +
		"  #1 user_1 b@x.io: invalid_phone\n" +
		"  #5 user_5 a@x.io: link_conflict\n" +
		"  #7 user_7 c@x.io: invalid_phone\n" +
		"  … and 3 more (--entries FILE lists them all)\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
