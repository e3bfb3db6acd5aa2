package clerk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// The Dashboard CSV's columns (clerk.md §Exports 2).
const dashboardHeader = "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"

// csvWrite writes content to a file in a test directory.
func csvWrite(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// csvDrain opens path through the public API and reads it to the end,
// returning the records and the first structural error.
func csvDrain(t *testing.T, path string) ([]clerk.Record, error) {
	t.Helper()
	_, all, err := csvDrained(t, path)
	return all, err
}

// csvDrained is csvDrain that also returns the source, open until the
// test ends, for what it says after the last page (its notes).
func csvDrained(t *testing.T, path string) (clerk.Source, []clerk.Record, error) {
	t.Helper()
	src, err := clerk.OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { src.Close() })
	var all []clerk.Record
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return src, all, nil
		}
		if err != nil {
			return src, all, err
		}
		all = append(all, recs...)
	}
}

// csvUsers drains content and fails on a structural error.
func csvUsers(t *testing.T, name, content string) []clerk.Record {
	t.Helper()
	recs, err := csvDrain(t, csvWrite(t, name, content))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func csvEnv(t *testing.T) ascendkit.Environment {
	t.Helper()
	env, err := ascendkit.Open("local:" + filepath.Join(t.TempDir(), "env.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// csvImport runs the importer over the file at path in mode, collecting
// the report's entries.
func csvImport(t *testing.T, path string, env ascendkit.Environment, mode importer.Mode) (importer.Report, []importer.Entry, error) {
	t.Helper()
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var entries []importer.Entry
	rep, err := importer.Run(context.Background(), src, env, importer.Options{Mode: mode, Phases: importer.Phases{Users: true},
		OnEvent: func(e importer.Event) {
			if f, ok := e.(importer.EntryFound); ok {
				entries = append(entries, f.Entry)
			}
		}})
	return rep, entries, err
}

// dashboardRows is a Dashboard CSV of n users, row i's first name given
// by name(i).
func dashboardRows(n int, name func(i int) string) string {
	var b strings.Builder
	b.WriteString(dashboardHeader)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "user_%d,%s,Smith,,u%d@example.com,,u%d@example.com,,,,,,\n", i, name(i), i, i)
	}
	return b.String()
}

// A quote that opens a field and is never closed would make every row
// after it one value: before, the reader returned that tail as one
// malformed record and the run imported the rows above it, exit 0, with
// 996 of 1,000 users silently gone. The file is now refused like a
// truncated JSON export: by the reader, its check pass, a preview and a
// run, which writes nothing.
func TestCSVUnclosedQuoteRefusesFile(t *testing.T) {
	path := csvWrite(t, "users.csv", dashboardRows(1000, func(i int) string {
		if i == 4 {
			return `"Bob`
		}
		return "Bob"
	}))
	// Row 4 is on line 5, after the header; the file has 1,001 lines.
	const want = "line 5 is never closed, so lines 5–1001"
	recs, err := csvDrain(t, path)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Next: err = %v, want %q", err, want)
	}
	if len(recs) != 3 {
		t.Errorf("%d records before the error, want the 3 rows above the quote", len(recs))
	}
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if n, err := src.(clerk.Checker).Check(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check = %d, %v, want %q", n, err, want)
	}

	env := csvEnv(t)
	for _, mode := range []importer.Mode{importer.ModePreview, importer.ModeRun} {
		rep, _, err := csvImport(t, path, env, mode)
		if err == nil || !strings.Contains(err.Error(), want) || rep.Error == "" {
			t.Errorf("%s: err = %v, report error %q, want %q", mode, err, rep.Error, want)
		}
	}
	if n, err := env.CountUsers(context.Background()); n != 0 || err != nil {
		t.Errorf("%d users written from a file with an unclosed quote (%v)", n, err)
	}

	// The same at the very end of a file without a final newline, and in
	// the header.
	for content, want := range map[string]string{
		dashboardHeader + "user_1,\"Ann":              "line 2 is never closed, so lines 2–2",
		"id,\"primary_email_address\nuser_1,a@x.io\n": "line 1 is never closed",
	} {
		if _, err := csvDrain(t, csvWrite(t, "e.csv", content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", content, err, want)
		}
	}
	// A closed quoted field at the end is fine, with or without a newline.
	for _, content := range []string{dashboardHeader + "user_1,\"Ann\"", dashboardHeader + "user_1,\"A\"\"nn\"\n"} {
		if recs, err := csvDrain(t, csvWrite(t, "ok.csv", content)); err != nil || len(recs) != 1 || recs[0].User == nil {
			t.Errorf("%q: %v, %v", content, recs, err)
		}
	}
}

// A stray quote closed by another stray quote hundreds of rows later makes
// the rows between one malformed record. Before, its error named only the
// line it starts on, so the report showed one bad row where 497 users were
// lost; it now names the lines it spans, in the reader and in the
// importer's entries.
func TestCSVStrayQuoteSpanIsReported(t *testing.T) {
	content := dashboardRows(600, func(i int) string {
		switch i {
		case 4:
			return `"Bob`
		case 500:
			return `O"Brien`
		}
		return "Bob"
	})
	path := csvWrite(t, "users.csv", content)
	recs, err := csvDrain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	// Rows 1–3, then rows 4–500 as one record, then rows 501–600.
	if len(recs) != 3+1+100 {
		t.Fatalf("%d records", len(recs))
	}
	const want = "spans lines 5–501"
	bad := recs[3]
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), want) || !strings.Contains(bad.Err.Error(), "record 4 (line 5)") {
		t.Fatalf("record 4 err = %v, want %q", bad.Err, want)
	}
	if recs[4].User == nil || recs[4].User.ID != "user_501" {
		t.Errorf("record 5 = %+v, want user_501", recs[4])
	}

	rep, entries, err := csvImport(t, path, csvEnv(t), importer.ModePreview)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users.SkippedReasons[importer.ReasonMalformed] != 1 || rep.Users.ToImport != 103 {
		t.Errorf("users = %+v", rep.Users)
	}
	found := false
	for _, e := range entries {
		if e.Reason == importer.ReasonMalformed && strings.Contains(e.Detail, want) {
			found = true
		}
	}
	if !found {
		t.Errorf("no malformed entry says %q: %+v", want, entries)
	}

	// A quoted field that legitimately holds a line break is one row.
	recs = csvUsers(t, "nl.csv", "id,primary_email_address,first_name\nuser_1,a@x.io,\"Ann\nMarie\"\nuser_2,b@x.io,B\n")
	if len(recs) != 2 || recs[0].User == nil || *recs[0].User.FirstName != "Ann\nMarie" || recs[1].User == nil {
		t.Errorf("quoted line break: %+v", recs)
	}
}

// clerkSampleCSV is clerk/migration-script's samples/clerk.csv, verbatim:
// the support export's columns as CSV, with unquoted JSON metadata.
const clerkSampleCSV = `id,first_name,last_name,username,email_addresses,phone_numbers,totp_secret,password_digest,password_hasher,unsafe_metadata,public_metadata,private_metadata
user_2YDryYFVMM1W1plDDKz7Gzf4we6,Jane,Doe,,janedoe@clerk.dev,,,,bcrypt,{},,{}
user_2ZZCgLE7kJG2CRBxTZ6YUIvzS10,John,Doe,,johndoe@gmail.com,,,,,{},{"discord": {"step": "final"}},{}
user_2cWszPHuo6P2lCdnhhZbVMfbAIC,John,Hancock,,johnhncock@clerk.dev,,,,,{},{"discord": {"step": "discord"}},{}
user_2cukOsyNsh0J3MCEvrgM6PkoB0I,Jane,Hancock,,janehancock@clerk.dev,,,,,{},{},{}
`

// The same four users as support JSON (clerk.md §Exports 3), which the
// JSON reader already reads: the CSV must give the same users.
const clerkSampleJSON = `[
{"id":"user_2YDryYFVMM1W1plDDKz7Gzf4we6","first_name":"Jane","last_name":"Doe","username":null,"email_addresses":"janedoe@clerk.dev","phone_numbers":null,"totp_secret":null,"password_digest":null,"password_hasher":"bcrypt","unsafe_metadata":{},"public_metadata":null,"private_metadata":{}},
{"id":"user_2ZZCgLE7kJG2CRBxTZ6YUIvzS10","first_name":"John","last_name":"Doe","username":null,"email_addresses":"johndoe@gmail.com","phone_numbers":null,"totp_secret":null,"password_digest":null,"password_hasher":null,"unsafe_metadata":{},"public_metadata":{"discord": {"step": "final"}},"private_metadata":{}},
{"id":"user_2cWszPHuo6P2lCdnhhZbVMfbAIC","first_name":"John","last_name":"Hancock","username":null,"email_addresses":"johnhncock@clerk.dev","phone_numbers":null,"totp_secret":null,"password_digest":null,"password_hasher":null,"unsafe_metadata":{},"public_metadata":{"discord": {"step": "discord"}},"private_metadata":{}},
{"id":"user_2cukOsyNsh0J3MCEvrgM6PkoB0I","first_name":"Jane","last_name":"Hancock","username":null,"email_addresses":"janehancock@clerk.dev","phone_numbers":null,"totp_secret":null,"password_digest":null,"password_hasher":null,"unsafe_metadata":{},"public_metadata":{},"private_metadata":{}}
]`

// The public Clerk CSV sample has email_addresses, not
// primary_email_address, and metadata columns: it was refused for its
// header. It now reads as the same users its support-JSON form gives.
func TestCSVClerkSample(t *testing.T) {
	recs := csvUsers(t, "clerk.csv", clerkSampleCSV)
	want := csvUsers(t, "clerk.json", clerkSampleJSON)
	if len(recs) != 4 || len(want) != 4 {
		t.Fatalf("%d CSV records, %d JSON records, want 4", len(recs), len(want))
	}
	for i, r := range recs {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i+1, r.Err)
		}
		// Hasher names differ (the JSON's null is ""); the rest is equal.
		got, exp := *r.User, *want[i].User
		got.PasswordHasher, exp.PasswordHasher = "", ""
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("record %d\n csv  %+v\n json %+v", i+1, got, exp)
		}
	}
	jane, john := recs[0].User, recs[1].User
	// Clerk names a hasher only beside a digest (the migration tool's
	// 69-row sample has none without one): Jane's digest was taken out,
	// and she has a password to reset, not none.
	if !jane.PasswordEnabled || jane.PasswordHasher != "bcrypt" || jane.PasswordDigest != "" || john.PasswordEnabled {
		t.Errorf("Jane: a hasher without a digest is a password erased: %+v; John %+v", jane, john)
	}
	if len(jane.EmailAddresses) != 1 || jane.EmailAddresses[0].EmailAddress != "janedoe@clerk.dev" ||
		jane.PrimaryEmailAddressID == nil || *jane.PrimaryEmailAddressID != jane.EmailAddresses[0].ID {
		t.Errorf("Jane's addresses: %+v, primary %v", jane.EmailAddresses, jane.PrimaryEmailAddressID)
	}
	if jane.PublicMetadata != nil || jane.PrivateMetadata == nil || len(jane.PrivateMetadata) != 0 {
		t.Errorf("Jane's metadata: public %v (empty cell: none), private %v ({}: empty)", jane.PublicMetadata, jane.PrivateMetadata)
	}
	if step := fmt.Sprint(john.PublicMetadata["discord"]); step != "map[step:final]" {
		t.Errorf("John's public metadata = %v", john.PublicMetadata)
	}

	src, err := clerk.OpenFile(csvWrite(t, "clerk.csv", clerkSampleCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	notes := src.(clerk.Noter).Notes()
	if len(notes) != 2 || strings.Contains(notes[0], "metadata") || !strings.Contains(notes[0], "no signup dates or OAuth accounts") ||
		!strings.Contains(notes[1], "does not say which users Clerk has banned") {
		t.Errorf("notes = %q: the file has metadata, not dates, OAuth or bans", notes)
	}

	// The whole sample previews: four users to import, none malformed.
	rep, _, err := csvImport(t, csvWrite(t, "clerk.csv", clerkSampleCSV), csvEnv(t), importer.ModePreview)
	if err != nil || rep.Users.ToImport != 4 || rep.Users.Skipped != 0 {
		t.Errorf("preview: %+v, %v", rep.Users, err)
	}
}

// Other rows of that shape: quoted JSON with commas, several addresses in
// one cell (`,` or `|`, the first the primary), and metadata that is not
// an object, which makes only that record malformed.
func TestCSVSupportShapeCells(t *testing.T) {
	content := "id,email_addresses,phone_numbers,public_metadata,private_metadata,unsafe_metadata,first_name\n" +
		`user_1,"a@x.io, b@x.io",+15550100|+15550101,"{""a"":1,""b"":2}","{""n"":12345678901234567890}",null,Ann` + "\n" +
		"user_2,c@x.io|d@x.io,,,,,\n" +
		"user_3,e@x.io,,[1],,,\n" +
		"user_4,f@x.io,,hello,,,\n" +
		`user_5,g@x.io,,"{""a"":",,,` + "\n" +
		`user_6,h@x.io,,{"a": 1},,,Bo"b` + "\n" +
		"user_7,i@x.io,,,,\"" + `{""big"":""` + strings.Repeat("m", 300<<10) + `""}"` + ",\n" +
		"user_8,j@x.io,,{},,,\n"
	recs := csvUsers(t, "shape.csv", content)
	var got []string
	for _, r := range recs {
		if r.Err != nil {
			got = append(got, fmt.Sprintf("ERR@%d", r.Pos))
		} else {
			got = append(got, r.User.ID)
		}
	}
	// user_6's bare quote is in a field that does not begin with one:
	// text, beside its unquoted JSON.
	if strings.Join(got, ",") != "user_1,user_2,ERR@3,ERR@4,ERR@5,user_6,ERR@7,user_8" {
		t.Fatalf("records = %v", got)
	}
	if u := recs[5].User; u.FirstName == nil || *u.FirstName != `Bo"b` || fmt.Sprint(u.PublicMetadata) != "map[a:1]" {
		t.Errorf("user_6 = %v %v", u.FirstName, u.PublicMetadata)
	}
	u1 := recs[0].User
	meta, _ := json.Marshal([]any{u1.PublicMetadata, u1.PrivateMetadata, u1.UnsafeMetadata})
	if string(meta) != `[{"a":1,"b":2},{"n":12345678901234567890},null]` {
		t.Errorf("user_1 metadata = %s", meta)
	}
	addresses := func(u *clerk.User) string {
		var out []string
		for _, e := range u.EmailAddresses {
			mark := ""
			if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID {
				mark = "*"
			}
			out = append(out, mark+e.EmailAddress)
		}
		for _, p := range u.PhoneNumbers {
			mark := ""
			if u.PrimaryPhoneNumberID != nil && *u.PrimaryPhoneNumberID == p.ID {
				mark = "*"
			}
			out = append(out, mark+p.PhoneNumber)
		}
		return strings.Join(out, " ")
	}
	if got := addresses(u1); got != "*a@x.io b@x.io *+15550100 +15550101" {
		t.Errorf("user_1 addresses = %s", got)
	}
	if got := addresses(recs[1].User); got != "*c@x.io d@x.io" {
		t.Errorf("user_2 addresses = %s", got)
	}
	for pos, want := range map[int]string{
		3: `field "public_metadata": got an array, want a JSON object`,
		4: `field "public_metadata": got text that is not JSON, want a JSON object`,
		5: `field "public_metadata"`,
		7: `field "unsafe_metadata" is larger than 256 KiB`,
	} {
		if err := recs[pos-1].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %d err = %v, want %q", pos, err, want)
		}
	}

	// The header needs an id and one of the two email columns.
	if _, err := csvDrain(t, csvWrite(t, "h.csv", "id,phone_numbers\nuser_1,+15550100\n")); err == nil ||
		!strings.Contains(err.Error(), `no "primary_email_address" column (nor an "email_addresses" column)`) {
		t.Errorf("header without email columns: err = %v", err)
	}
	if recs := csvUsers(t, "h.csv", "email_addresses,id\na@x.io,user_1\n"); len(recs) != 1 || recs[0].User == nil {
		t.Errorf("id + email_addresses: %+v", recs)
	}
}

// A has_image cell with no value (empty, null) dropped the image, where a
// JSON record with "has_image": null (or none) keeps it: no value says
// nothing against the image. "false" still drops it.
func TestCSVHasImageWithoutValue(t *testing.T) {
	recs := csvUsers(t, "img.csv", "id,primary_email_address,image_url,has_image\n"+
		"user_1,a@x.io,https://img.example/a.png,\n"+
		"user_2,b@x.io,https://img.example/b.png,null\n"+
		"user_3,c@x.io,https://img.example/c.png,false\n"+
		"user_4,d@x.io,https://img.example/d.png,true\n")
	for i, want := range []bool{true, true, false, true} {
		if u := recs[i].User; u == nil || u.HasImage != want {
			t.Errorf("user_%d: %+v (%v), want has_image %v", i+1, u, recs[i].Err, want)
		}
	}
}

// A banned (or locked) column was ignored, so banned users were imported
// from a CSV while the JSON reader's banned users are skipped. Both now
// give the same users and the same preview.
func TestCSVBannedAndOptionalColumns(t *testing.T) {
	content := "id,primary_email_address,banned,locked,external_id,last_sign_in_at,image_url,has_image\n" +
		"user_1,a@x.io,TRUE,,ext-1,2024-05-01T04:37:53Z,https://img.example/a.png,true\n" +
		"user_2,b@x.io,1,1,,1700000000,,\n" +
		"user_3,c@x.io,false,False,,,,\n" +
		"user_4,d@x.io,0,0,,,,0\n" +
		"user_5,e@x.io,,,,,,\n" +
		"user_6,f@x.io,sí,,,,,\n" +
		"user_7,g@x.io,,maybe,,,,\n" +
		"user_8,h@x.io,,,,yesterday,,\n"
	recs := csvUsers(t, "b.csv", content)
	if len(recs) != 8 {
		t.Fatalf("%d records", len(recs))
	}
	u1, u2 := recs[0].User, recs[1].User
	if u1 == nil || !u1.Banned || u1.Locked || u1.ExternalID == nil || *u1.ExternalID != "ext-1" || u1.LastSignInAt == nil ||
		*u1.LastSignInAt != 1714538273000 || u1.ImageURL != "https://img.example/a.png" || !u1.HasImage {
		t.Errorf("user_1 = %+v", u1)
	}
	if u2 == nil || !u2.Banned || !u2.Locked || u2.ExternalID != nil || u2.LastSignInAt == nil || *u2.LastSignInAt != 1700000000000 || u2.HasImage {
		t.Errorf("user_2 = %+v", u2)
	}
	for _, r := range recs[2:5] {
		if r.User == nil || r.User.Banned || r.User.Locked || r.User.LastSignInAt != nil {
			t.Errorf("%d: %+v %v", r.Pos, r.User, r.Err)
		}
	}
	for pos, want := range map[int]string{
		6: `field "banned": got "sí", want true or false (or 1 and 0, yes and no)`,
		7: `field "locked": got "maybe"`,
		8: `field "last_sign_in_at"`,
	} {
		if err := recs[pos-1].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %d err = %v, want %q", pos, err, want)
		}
	}

	// The same five good users as API JSON preview the same.
	asJSON := `[
		{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@x.io"}],"banned":true},
		{"id":"user_2","email_addresses":[{"id":"e","email_address":"b@x.io"}],"banned":true,"locked":true},
		{"id":"user_3","email_addresses":[{"id":"e","email_address":"c@x.io"}]},
		{"id":"user_4","email_addresses":[{"id":"e","email_address":"d@x.io"}]},
		{"id":"user_5","email_addresses":[{"id":"e","email_address":"e@x.io"}]}
	]`
	good := strings.Join(strings.SplitAfter(content, "\n")[:6], "")
	csvRep, _, err := csvImport(t, csvWrite(t, "b.csv", good), csvEnv(t), importer.ModePreview)
	if err != nil {
		t.Fatal(err)
	}
	jsonRep, _, err := csvImport(t, csvWrite(t, "b.json", asJSON), csvEnv(t), importer.ModePreview)
	if err != nil {
		t.Fatal(err)
	}
	if csvRep.Users.SkippedReasons[importer.ReasonBanned] != 2 || csvRep.Users.ToImport != 3 ||
		!reflect.DeepEqual(csvRep.Users.SkippedReasons, jsonRep.Users.SkippedReasons) || csvRep.Users.ToImport != jsonRep.Users.ToImport {
		t.Errorf("csv preview %+v, json preview %+v", csvRep.Users, jsonRep.Users)
	}
}

// contactStatus is a record's addresses then phones, each with its
// verification status ("a@x.io:verified"); a failed record ends the test.
func contactStatus(t *testing.T, r clerk.Record) []string {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("record %d: %v", r.Pos, r.Err)
	}
	var out []string
	for _, e := range r.User.EmailAddresses {
		out = append(out, e.EmailAddress+":"+e.Verification.Status)
	}
	for _, p := range r.User.PhoneNumbers {
		out = append(out, p.PhoneNumber+":"+p.Verification.Status)
	}
	return out
}

// An address named by primary_email_address was unverified in a Dashboard
// CSV row with empty verified lists, and verified in a `clerk migrate`
// file. Both now follow decode.go's rule: the named primary is verified
// unless listed as unverified; the same for phones.
func TestCSVPrimaryVerifiedAsInMigrate(t *testing.T) {
	csvContent := dashboardHeader +
		"user_1,,,,a@x.io,+15550100,,,,,,,\n" +
		"user_2,,,,b@x.io,+15550101,,b@x.io,,+15550101,,,\n" +
		"user_3,,,,c@x.io,,,other@x.io,,,,,\n"
	migrate := `{"clerkMigrate":1,"users":[
		{"id":"user_1","primary_email_address":"a@x.io","verified_email_addresses":[],"unverified_email_addresses":[],"primary_phone_number":"+15550100","verified_phone_numbers":[],"unverified_phone_numbers":[]},
		{"id":"user_2","primary_email_address":"b@x.io","verified_email_addresses":[],"unverified_email_addresses":["b@x.io"],"primary_phone_number":"+15550101","verified_phone_numbers":[],"unverified_phone_numbers":["+15550101"]},
		{"id":"user_3","primary_email_address":"c@x.io","verified_email_addresses":[],"unverified_email_addresses":["other@x.io"],"primary_phone_number":null,"verified_phone_numbers":[],"unverified_phone_numbers":[]}
	]}`
	status := func(recs []clerk.Record) string {
		var out []string
		for _, r := range recs {
			out = append(out, contactStatus(t, r)...)
		}
		return strings.Join(out, " ")
	}
	got := status(csvUsers(t, "d.csv", csvContent))
	want := status(csvUsers(t, "m.json", migrate))
	const expect = "a@x.io:verified +15550100:verified b@x.io:unverified +15550101:unverified c@x.io:verified other@x.io:unverified"
	if got != expect || want != expect {
		t.Errorf("csv     %s\nmigrate %s\nwant    %s", got, want, expect)
	}

	// And so the imported user's email is verified.
	env := csvEnv(t)
	if _, _, err := csvImport(t, csvWrite(t, "d.csv", csvContent), env, importer.ModeRun); err != nil {
		t.Fatal(err)
	}
	for email, verified := range map[string]bool{"a@x.io": true, "b@x.io": false, "c@x.io": true} {
		u, err := env.GetUser(context.Background(), email)
		if err != nil || u.EmailVerified != verified {
			t.Errorf("%s: emailVerified %v (%v), want %v", email, u.EmailVerified, err, verified)
		}
	}
}

// TestCSVHeaderlessFileEchoesNoSecret: a Dashboard CSV without its header
// row puts a user's cells where column names go; the error must not echo
// the password digest or the TOTP secret (nor the email or id).
func TestCSVHeaderlessFileEchoesNoSecret(t *testing.T) {
	const digest = "$2a$04$PucUgVDY44vsUYhwHAHr/uqmLFgLxUgUKdmKaRMHuY9aX.C5DyYAa"
	for _, row := range []string{
		"user_2YDry,,,,jane@x.dev,,,,,,," + digest + ",bcrypt\n",
		"user_2YDry,Jane,Doe,,jane@x.dev,,JBSWY3DPEHPK3PXP," + digest + ",bcrypt,{},{},{}\n",
		"user_2YDry,JBSWYDPEHPKPXPQRSTUV,jane@x.dev,jane@x.dev\n",
	} {
		path := filepath.Join(t.TempDir(), "users.csv")
		if err := os.WriteFile(path, []byte(row), 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := clerk.OpenFile(path)
		if err == nil {
			_, err = src.Next(context.Background())
			src.Close()
		}
		if err == nil {
			t.Fatalf("%q: accepted", row)
		}
		msg := strings.ToLower(err.Error())
		for _, secret := range []string{digest, "jbswy3dpehpk3pxp", "jbswydpehpkpxpqrstuv", "jane@x.dev", "user_2ydry"} {
			if strings.Contains(msg, strings.ToLower(secret)) || strings.Contains(msg, strings.ToLower(secret[:10])) {
				t.Errorf("%q: error echoes %q: %s", row, secret, err)
			}
		}
		if !strings.Contains(msg, "not a clerk user export") {
			t.Errorf("%q: error %q", row, err)
		}
	}
}

// TestCSVUnquotedMetadataWithCommas: the support-shaped CSV writes JSON
// cells unquoted (clerk/migration-script's sample); an object of several
// members is cut at its commas by any CSV reader and is put back together.
func TestCSVUnquotedMetadataWithCommas(t *testing.T) {
	content := "id,first_name,last_name,username,email_addresses,phone_numbers,totp_secret,password_digest,password_hasher,unsafe_metadata,public_metadata,private_metadata\n" +
		`user_1,Jane,Doe,,jane@x.io,,,,,{},{"discord": {"step": "final", "n": 2}, "plan": "pro"},{"a": 1, "b": [1, 2]}` + "\n" +
		`user_2,Ann,Lee,,ann@x.io,,,,,{"x": 1, "y": 2},,{}` + "\n" +
		`user_3,Bo,"Ray,,bo@x.io,,,,,{},{"a": 1, "b": 2},{}` + "\n"
	recs := csvUsers(t, "commas.csv", content)
	if len(recs) != 3 || recs[0].Err != nil || recs[1].Err != nil {
		t.Fatalf("records: %+v", recs)
	}
	meta := func(u *clerk.User) string {
		b, _ := json.Marshal([]any{u.UnsafeMetadata, u.PublicMetadata, u.PrivateMetadata})
		return string(b)
	}
	if got := meta(recs[0].User); got != `[{},{"discord":{"n":2,"step":"final"},"plan":"pro"},{"a":1,"b":[1,2]}]` {
		t.Errorf("user_1 metadata = %s", got)
	}
	if got := meta(recs[1].User); got != `[{"x":1,"y":2},null,{}]` {
		t.Errorf("user_2 metadata = %s", got)
	}
	// A bare quote outside the metadata columns still spoils the row.
	if recs[2].Err == nil {
		t.Errorf("user_3 with a stray quote in last_name read as %+v", recs[2].User)
	}
}

// TestCSVMalformedRecordsNameTheirUser: a malformed row carries its id
// when the row can be read, so the report names the user to fix.
func TestCSVMalformedRecordsNameTheirUser(t *testing.T) {
	recs := csvUsers(t, "bad.csv", "id,primary_email_address,created_at\n"+
		"user_1,a@x.io,soon\n"+
		"user_2,b@x.io,2024-01-01,extra\n"+
		",c@x.io,\n")
	var got []string
	for _, r := range recs {
		if r.Err == nil {
			t.Fatalf("record %d read: %+v", r.Pos, r.User)
		}
		got = append(got, r.ID)
	}
	if strings.Join(got, ",") != "user_1,user_2," {
		t.Errorf("ids = %q", got)
	}
}

// csvCheck runs the reader's check pass over path.
func csvCheck(t *testing.T, path string) (int, error) {
	t.Helper()
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	return src.(clerk.Checker).Check(context.Background())
}

// csvIDs lists the records' ids, "ERR@pos" for a malformed one.
func csvIDs(recs []clerk.Record) string {
	var out []string
	for _, r := range recs {
		if r.Err != nil {
			out = append(out, fmt.Sprintf("ERR@%d", r.Pos))
			continue
		}
		out = append(out, r.User.ID)
	}
	return strings.Join(out, ",")
}

// A file saved by Excel for Mac ("CSV (Macintosh)") ends lines with a lone
// CR. Records ended only at LF, so the whole file was one header line and
// the import read 0 users with exit 0; a stray CR in a CRLF file glued
// the next user to the row before it. A lone CR is now a line end.
func TestCSVLoneCRLineEnds(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	mac := strings.ReplaceAll(dashboardHeader, "\n", "\r") +
		"user_1,Ada,Lovelace,,ada@example.com,,,,,,," + digest + ",bcrypt\r" +
		"user_2,Grace,Hopper,,grace@example.com,,,,,,,,\r"
	path := csvWrite(t, "mac.csv", mac)
	recs, err := csvDrain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := csvIDs(recs); got != "user_1,user_2" {
		t.Fatalf("ids = %s", got)
	}
	if u := recs[0].User; !u.PasswordEnabled || u.PasswordHasher != "bcrypt" || *u.LastName != "Lovelace" {
		t.Errorf("user_1 = %+v", u)
	}
	if n, err := csvCheck(t, path); n != 2 || err != nil {
		t.Errorf("Check = %d, %v", n, err)
	}
	rep, _, err := csvImport(t, path, csvEnv(t), importer.ModePreview)
	if err != nil || rep.Users.Fetched != 2 || rep.Users.ToImport != 2 {
		t.Errorf("preview: %+v, %v", rep.Users, err)
	}

	// One stray CR in a CRLF file: both users, the next one not lost.
	recs = csvUsers(t, "stray.csv", "id,first_name,primary_email_address\r\nuser_1,Ada,ada@example.com\ruser_2,Bob,bob@example.com\r\n")
	if got := csvIDs(recs); got != "user_1,user_2" {
		t.Errorf("stray CR: ids = %s", got)
	}

	// Lines are counted as an editor counts them: a CR, a LF and a CRLF
	// are one line end each, inside quotes too; a quoted CR is a value's.
	recs = csvUsers(t, "mixed.csv", "id,primary_email_address,created_at,first_name\r"+
		"user_1,a@x.io,,\"Ann\r\nMarie\"\r\n"+
		"user_2,b@x.io,,\"Bo\rB\"\n"+
		"user_3,c@x.io,soon,\r\n"+
		"user_4,d@x.io,later,\r")
	if got := csvIDs(recs); got != "user_1,user_2,ERR@3,ERR@4" {
		t.Fatalf("mixed: ids = %s", got)
	}
	if *recs[0].User.FirstName != "Ann\nMarie" || *recs[1].User.FirstName != "Bo\rB" {
		t.Errorf("quoted line breaks: %q, %q", *recs[0].User.FirstName, *recs[1].User.FirstName)
	}
	for i, want := range []string{"record 3 (line 6)", "record 4 (line 7)"} {
		if err := recs[2+i].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

// A row shorter than the header may have lost a middle field, so every
// later cell sits in the wrong column: the password digest landed in
// created_at and its error quoted it into the preview, --entries and the
// run history. Such a row's cells are never quoted; a cell that looks like
// a secret is never quoted; a digest outside its column refuses the row
// (it would otherwise be filed as an email or a name, which reports show).
func TestCSVShortRowEchoesNoSecret(t *testing.T) {
	const (
		digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
		totp   = "JBSWY3DPEHPK3PXPJBSW"
	)
	content := "id,primary_email_address,created_at,password_digest,password_hasher\n" +
		"user_1,2024-01-01T00:00:00Z," + digest + ",bcrypt\n" + // digest in created_at
		"user_2," + digest + ",bcrypt\n" + // digest in the email column
		"user_3,c@x.io," + totp + "\n" + // short: a secret-like cell
		"user_4,d@x.io,tomorrow\n" + // short: any cell could be another's
		"user_5,e@x.io," + totp + ",,\n" + // full length, secret-like
		"user_6,f@x.io,tomorrow,,\n" // full length, plain: quoted as before
	path := csvWrite(t, "short.csv", content)
	recs, err := csvDrain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := csvIDs(recs); got != "ERR@1,ERR@2,ERR@3,ERR@4,ERR@5,ERR@6" {
		t.Fatalf("ids = %s", got)
	}
	for pos, want := range map[int]string{
		1: `column "created_at" holds what looks like a password digest (not shown)`,
		2: `column "primary_email_address" holds what looks like a password digest (not shown)`,
		3: `field "created_at": the value (not shown: the row has 3 fields, the header 5`,
		4: `field "created_at": the value (not shown: the row has 3 fields, the header 5`,
		5: `field "created_at": the value (not shown: it may be a secret)`,
		6: `field "created_at": "tomorrow" is neither`,
	} {
		if err := recs[pos-1].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %d err = %v, want %q", pos, err, want)
		}
		if recs[pos-1].ID != fmt.Sprintf("user_%d", pos) {
			t.Errorf("record %d id = %q", pos, recs[pos-1].ID)
		}
	}
	if strings.Contains(recs[3].Err.Error(), "tomorrow") {
		t.Errorf("a short row's cell is quoted: %v", recs[3].Err)
	}
	// last_sign_in_at is read the same way.
	last := csvUsers(t, "last.csv", "id,primary_email_address,last_sign_in_at,totp_secret\nuser_1,a@x.io,"+totp+"\nuser_2,b@x.io,"+totp+",\n")
	if len(last) != 2 {
		t.Fatalf("last_sign_in_at: %d records", len(last))
	}
	for _, r := range last {
		if r.Err == nil || !strings.Contains(r.Err.Error(), `field "last_sign_in_at": the value (not shown`) || strings.Contains(r.Err.Error(), totp) {
			t.Errorf("last_sign_in_at record %d: %v", r.Pos, r.Err)
		}
	}

	// Flags likewise; and nothing of the secrets reaches the entries.
	flags := "id,primary_email_address,totp_secret,banned,locked,has_image\n" +
		"user_7,g@x.io," + totp + "\n" + // short: fine, flags empty
		"user_8,h@x.io,," + totp + ",,\n" + // full, secret-like flag
		"user_9,i@x.io,,perhaps\n" + // short: not quoted
		"user_10,j@x.io,,,maybe,\n" // full, plain: quoted
	frecs := csvUsers(t, "flags.csv", flags)
	if got := csvIDs(frecs); got != "user_7,ERR@2,ERR@3,ERR@4" {
		t.Fatalf("flags: ids = %s", got)
	}
	for i, want := range []string{`field "banned": got a value (not shown)`, `field "banned": got a value (not shown)`, `field "locked": got "maybe"`} {
		if err := frecs[1+i].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("flags record %d err = %v, want %q", 2+i, err, want)
		}
	}
	for _, p := range []string{path, csvWrite(t, "flags.csv", flags)} {
		_, entries, err := csvImport(t, p, csvEnv(t), importer.ModePreview)
		if err != nil && !strings.Contains(err.Error(), "all malformed") {
			t.Fatal(err)
		}
		dump, _ := json.Marshal(entries)
		for _, secret := range []string{digest, digest[:12], totp} {
			if strings.Contains(string(dump), secret) {
				t.Errorf("entries echo %q: %s", secret, dump)
			}
		}
	}
}

// Excel leaves rows of only commas (or spaces, or a TAB) below the data;
// each was a malformed user ("empty id"): 1 user fetched as 5, 4 skipped.
// They are blank rows now, like empty lines.
func TestCSVBlankRowsAreNotUsers(t *testing.T) {
	path := csvWrite(t, "blank.csv", "id,first_name,primary_email_address\r\nuser_1,Ada,ada@example.com\r\n,,\r\n,,\r\n   \r\n\t\r\n , ,\r\nuser_2,Bo,bo@example.com\r\n,,,,,\r\n")
	recs, err := csvDrain(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := csvIDs(recs); got != "user_1,user_2" {
		t.Fatalf("ids = %s", got)
	}
	if recs[1].Pos != 2 {
		t.Errorf("user_2 is record %d", recs[1].Pos)
	}
	if n, err := csvCheck(t, path); n != 2 || err != nil {
		t.Errorf("Check = %d, %v", n, err)
	}
	rep, _, err := csvImport(t, path, csvEnv(t), importer.ModePreview)
	if err != nil || rep.Users.Fetched != 2 || rep.Users.Skipped != 0 {
		t.Errorf("preview: %+v, %v", rep.Users, err)
	}
	// A row with an empty id but other cells is still a malformed user.
	if recs := csvUsers(t, "e.csv", "id,first_name,primary_email_address\n,Ann,a@x.io\n"); len(recs) != 1 || recs[0].Err == nil {
		t.Errorf("empty id row: %+v", recs)
	}
}

// A row that cannot be read (bytes that are not UTF-8, a bare quote, over
// 1 MiB) gave no id although its id cell was readable, while the JSON
// reader names the user for the same fault. Its id is given when the cell
// is itself a valid Clerk id.
func TestCSVUnreadableRowsKeepTheirID(t *testing.T) {
	const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	big := strings.Repeat("y", 1<<20+10)
	content := "id,first_name,primary_email_address\n" +
		"user_1,Jos\xe9,a@x.io\n" + // Windows-1252
		"user_2,Bo\"b,b@x.io,more\n" + // bare quote, and a field more than the header
		"user_3,\"x\"y,c@x.io\n" + // quote inside a quoted field
		"user_4," + big + ",d@x.io\n" + // over 1 MiB
		"us\xe9r_5,Ann,e@x.io\n" + // the id itself is not UTF-8
		digest + ",Bo\"b,f@x.io,more\n" + // not an id: never given
		"\"user_7\",\"Ann\"x,g@x.io\n" // a quoted id
	recs := csvUsers(t, "bad.csv", content)
	if len(recs) != 7 {
		t.Fatalf("%d records", len(recs))
	}
	var got []string
	for _, r := range recs {
		if r.Err == nil {
			t.Fatalf("record %d read: %+v", r.Pos, r.User)
		}
		if strings.Contains(r.Err.Error(), digest[:12]) {
			t.Errorf("record %d echoes the digest: %v", r.Pos, r.Err)
		}
		got = append(got, r.ID)
	}
	if strings.Join(got, ",") != "user_1,user_2,user_3,user_4,,,user_7" {
		t.Errorf("ids = %q", got)
	}
	// The id column need not be first; a cut huge row's last cell is not
	// trusted (it may be cut too).
	recs = csvUsers(t, "late.csv", "first_name,id,primary_email_address\nJos\xe9,user_8,a@x.io\n"+big+",user_9\n")
	if len(recs) != 2 || recs[0].ID != "user_8" || recs[1].ID != "" {
		t.Errorf("late id: %+v", recs)
	}
}

// `#` lines after the header were imported as users ("#user_4") or as a
// skipped user without email ("# a comment"). A Clerk id never starts
// with `#`: such a line is a commented-out row, skipped, and counted in a
// note naming its line so that nothing is lost unseen.
func TestCSVCommentedOutRows(t *testing.T) {
	content := "# exported 2026-01-01\n" +
		"id,first_name,primary_email_address\n" +
		"user_1,Ada,a@x.io\n" +
		"#user_4,Bob,b@x.io\n" +
		"# a comment with a \"quote\n" +
		"  # indented,\"x\n" +
		"user_2,Cy,c@x.io\n"
	path := csvWrite(t, "c.csv", content)
	src, recs, err := csvDrained(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := csvIDs(recs); got != "user_1,user_2" {
		t.Fatalf("ids = %s", got)
	}
	notes := src.(clerk.Noter).Notes()
	if len(notes) != 3 || !strings.Contains(notes[2], "Skipped 3 lines after the header as commented out (starting with #: lines 4, 5 and 6)") {
		t.Errorf("notes = %q", notes)
	}
	if n, err := csvCheck(t, path); n != 2 || err != nil {
		t.Errorf("Check = %d, %v", n, err)
	}
	rep, _, err := csvImport(t, path, csvEnv(t), importer.ModePreview)
	if err != nil || rep.Users.Fetched != 2 || rep.Users.Skipped != 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "Skipped 3 lines") {
		t.Errorf("preview: %+v, warnings %q, %v", rep.Users, rep.Warnings, err)
	}
	// Many: the first five are named. A file without any: no note.
	var b strings.Builder
	b.WriteString("id,primary_email_address\n")
	for i := range 7 {
		fmt.Fprintf(&b, "#user_%d,u%d@x.io\n", i, i)
	}
	src2, err := clerk.OpenFile(csvWrite(t, "many.csv", b.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	if _, err := src2.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("Next: %v", err)
	}
	if notes := src2.(clerk.Noter).Notes(); len(notes) != 3 || !strings.Contains(notes[2], "Skipped 7 lines after the header as commented out (starting with #: lines 2, 3, 4, 5 and 6, …)") {
		t.Errorf("notes = %q", notes)
	}
}

// European Excel saves with ';', its "Unicode text" as UTF-16 with TABs,
// and it may start a file with a "sep=" line: all were refused with "the
// CSV header has no id column (found 1 value(s) … not shown)" or "not
// UTF-8". They are read now, as is a header written "Primary Email
// Address"; a separator the reader does not take is named.
func TestCSVSeparatorsAndEncodings(t *testing.T) {
	utf16 := func(s string, big bool) string {
		var b strings.Builder
		if big {
			b.WriteString("\xfe\xff")
		} else {
			b.WriteString("\xff\xfe")
		}
		for _, r := range s { // ASCII and BMP letters only here
			if big {
				b.WriteByte(byte(r >> 8))
				b.WriteByte(byte(r))
			} else {
				b.WriteByte(byte(r))
				b.WriteByte(byte(r >> 8))
			}
		}
		return b.String()
	}
	tsv := "id\tfirst_name\tprimary_email_address\r\nuser_1\tZoë\ta@x.io\r\nuser_2\t\"Bo; \tB\"\tb@x.io\r\n"
	for name, content := range map[string]string{
		"semicolon":     "id;first_name;primary_email_address\nuser_1;Zoë;a@x.io\nuser_2;\"Bo; \tB\";b@x.io\n",
		"tab":           tsv,
		"sep-comma":     "sep=,\nid,first_name,primary_email_address\nuser_1,Zoë,a@x.io\nuser_2,\"Bo; \tB\",b@x.io\n",
		"sep-semicolon": "\"sep=;\"\r\nid;first_name;primary_email_address\r\nuser_1;Zoë;a@x.io\r\nuser_2;\"Bo; \tB\";b@x.io\r\n",
		"utf16le":       utf16(tsv, false),
		"utf16be":       utf16(tsv, true),
		"spaced-header": "ID, First Name ,Primary Email Address\nuser_1,Zoë,a@x.io\nuser_2,\"Bo; \tB\",b@x.io\n",
		"comma-with-;":  "id,first_name,primary_email_address\nuser_1,Zoë,a@x.io\nuser_2,Bo; \tB,b@x.io\n",
		"semicolon-bom": "\uFEFFid;First Name;Primary Email Address\nuser_1;Zoë;a@x.io\nuser_2;\"Bo; \tB\";b@x.io\n",
	} {
		recs, err := csvDrain(t, csvWrite(t, name+".csv", content))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := csvIDs(recs); got != "user_1,user_2" {
			t.Errorf("%s: ids = %s", name, got)
			continue
		}
		u1, u2 := recs[0].User, recs[1].User
		if *u1.FirstName != "Zoë" || u1.EmailAddresses[0].EmailAddress != "a@x.io" || *u2.FirstName != "Bo; \tB" || u2.EmailAddresses[0].EmailAddress != "b@x.io" {
			t.Errorf("%s: %q %+v / %q %+v", name, *u1.FirstName, u1.EmailAddresses, *u2.FirstName, u2.EmailAddresses)
		}
	}
	for content, want := range map[string]string{
		"sep=|\nid|primary_email_address\nuser_1|a@x.io\n": `the first line asks for "|" as the separator; save the file as comma-separated CSV UTF-8`,
		"sep=\nid,primary_email_address\n":                 `"sep=" line without one separator`,
		"id;first_name\nuser_1;Ann\n":                      `no "primary_email_address" column (nor an "email_addresses" column) (found "id", "first_name", read as ";"-separated)`,
		// Only a known name is rebuilt from words: a user's name where
		// the header should be is still not echoed.
		"Jane Doe,jane@x.io\n": "2 value(s) that are not column names, not shown",
		// Both spellings of one column are ambiguous.
		"id,primary_email_address,Primary Email Address\n": `column "primary_email_address" appears twice`,
	} {
		_, err := csvDrain(t, csvWrite(t, "bad.csv", content))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", content, err, want)
		}
	}
}

// List cells written as JSON arrays (as Clerk's own importer reads them)
// give each address, not one invalid address with brackets and quotes.
func TestCSVListCellsAsJSONArrays(t *testing.T) {
	const content = "id,primary_email_address,verified_email_addresses,unverified_email_addresses,primary_phone_number,verified_phone_numbers\n" +
		`user_1,jay@x.io,"[""jay@x.io"", ""jay.work@x.io""]","[""jay.old@x.io""]",+15550100,"[""+15550100"",""+15550111""]"` + "\n" +
		`user_2,,"[""kay@x.io""]",,,` + "\n" +
		`user_3,lee@x.io,"[lee@x.io]",,,` + "\n" +
		`user_4,,"['mo@x.io', 'mo2@x.io']",,,` + "\n"
	var got []string
	for _, r := range csvUsers(t, "j.csv", content) {
		got = append(got, strings.Join(contactStatus(t, r), " "))
	}
	want := []string{
		"jay@x.io:verified jay.work@x.io:verified jay.old@x.io:unverified +15550100:verified +15550111:verified",
		"kay@x.io:verified",
		// Not JSON: the brackets and quotes around the list go.
		"lee@x.io:verified",
		"mo@x.io:verified mo2@x.io:verified",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Exports joined with cat: the second header (after its byte-order mark,
// quoted, with other line ends) is skipped and named, not read as a user
// "id"; a header with other columns stops the read, in the Check pass too,
// since every row after it would land in the wrong columns.
func TestCSVHeaderWrittenAgain(t *testing.T) {
	const header = "id,first_name,primary_email_address"
	joined := header + "\r\nuser_1,A,a@x.io\r\n" +
		"\uFEFF" + header + "\nuser_2,B,b@x.io\n" +
		`"id","first_name","primary_email_address"` + "\nuser_3,C,c@x.io\n"
	path := csvWrite(t, "joined.csv", joined)
	src, recs, err := csvDrained(t, path)
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for i, r := range recs {
		if r.Err != nil || r.User.ID != fmt.Sprintf("user_%d", i+1) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	note := src.(clerk.Commenter).CommentedOut()
	if !strings.Contains(note, "Skipped 2 lines repeating the header (lines 3 and 5)") {
		t.Errorf("note %q", note)
	}
	if n, err := src.(clerk.Checker).Check(context.Background()); n != 3 || err != nil {
		t.Errorf("Check = %d, %v", n, err)
	}

	other := csvWrite(t, "other.csv", joined+"id,primary_email_address\nuser_4,d@x.io\n")
	const want = "line 7 is another CSV header, with other columns than the first"
	if _, err := csvDrain(t, other); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("read: %v", err)
	}
	src2, err := clerk.OpenFile(other)
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	if _, err := src2.(clerk.Checker).Check(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check: %v", err)
	}
}

// A file quoted throughout (R's write.csv, a "quote all" save) is joined
// and edited as the unquoted one is: its header written again is skipped,
// or refused with other columns (it was a user "id", or columns mixed
// up); its quoted blank rows and rows commented out are no users.
// Another first column than id is checked as well, while a user whose
// first cell reads like that column's name stays a user. A column the
// reader does not read may be named twice.
func TestCSVQuotedHeaderAgain(t *testing.T) {
	const qh = `"id","first_name","last_name","primary_email_address"`
	same := qh + "\n" + `"user_1","Ann","Lee","ann@x.io"` + "\n" +
		`"","","",""` + "\n" + ` "#user_9","X","Y","x@x.io"` + "\n" +
		qh + "\r\n" + `"user_2","Zed","Zimmer","zed@x.io"` + "\n"
	src, recs, err := csvDrained(t, csvWrite(t, "same.csv", same))
	if err != nil || len(recs) != 2 || recs[0].User.ID != "user_1" || recs[1].User.ID != "user_2" || recs[1].User.FirstName == nil || *recs[1].User.FirstName != "Zed" {
		t.Fatalf("%+v, %v", recs, err)
	}
	note := src.(clerk.Commenter).CommentedOut()
	for _, want := range []string{"repeating the header (line 5)", "commented out (starting with #: line 4)"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}

	swapped := qh + "\n" + `"user_1","Ann","Lee","ann@x.io"` + "\n" +
		`"id","last_name","first_name","primary_email_address"` + "\n" + `"user_2","Zimmer","Zed","zed@x.io"` + "\n"
	sortedFirst := "primary_email_address,id,first_name\nann@x.io,user_1,Ann\n" +
		"first_name,id,primary_email_address\nZed,user_2,zed@x.io\n" +
		"primary_email_address,first_name,id\nzoe@x.io,Zoe,user_3\n"
	for name, content := range map[string]string{"swapped.csv": swapped, "sorted.csv": sortedFirst} {
		path := csvWrite(t, name, content)
		if _, err := csvDrain(t, path); err == nil || !strings.Contains(err.Error(), "another CSV header, with other columns") {
			t.Errorf("%s: read: %v", name, err)
		}
		src, err := clerk.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.(clerk.Checker).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "another CSV header") {
			t.Errorf("%s: Check: %v", name, err)
		}
		src.Close()
	}

	named := "first_name,id,primary_email_address,notes,Notes\n" +
		"first_name,user_1,fn@x.io,a,b\n" +
		"first_name,id,primary_email_address,notes,Notes\n" +
		"Bo,user_2,bo@x.io,,\n"
	recs = csvUsers(t, "named.csv", named)
	if len(recs) != 2 || recs[0].Err != nil || recs[0].User.ID != "user_1" || recs[1].User.ID != "user_2" {
		t.Errorf("named: %+v", recs)
	}
}

// TestCSVListSeparators: a list cell separated by `;` keeps every value
// (it kept the first alone, silently), and a primary cell holding a list
// keeps the rest as verified addresses, as migration-script's "primary
// verified email address(es)" means.
func TestCSVListSeparators(t *testing.T) {
	content := "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n" +
		`user_1,Semi,,,semi@x.io,,"semi@x.io; other@x.io",third@x.io;fourth@x.io,,,,,` + "\n" +
		`user_2,Two,,,"p1@x.io|p2@x.io",+15550100|+15550101,,,,,,,` + "\n" +
		// An address the source lists as unverified stays unverified.
		`user_3,Three,,,"q1@x.io;q2@x.io",,,Q2@x.io,,,,,` + "\n" +
		// A one-value list, as JSON or in brackets, is that value.
		`user_4,Four,,,"[""r1@x.io""]",[+15550102],,,,,,,` + "\n"
	recs := csvUsers(t, "lists.csv", content)
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	status := func(u *clerk.User) string {
		var out []string
		for _, e := range u.EmailAddresses {
			mark := ""
			if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID {
				mark = "*"
			}
			out = append(out, mark+e.EmailAddress+":"+e.Verification.Status)
		}
		for _, p := range u.PhoneNumbers {
			mark := ""
			if u.PrimaryPhoneNumberID != nil && *u.PrimaryPhoneNumberID == p.ID {
				mark = "*"
			}
			out = append(out, mark+p.PhoneNumber+":"+p.Verification.Status)
		}
		return strings.Join(out, " ")
	}
	for i, want := range []string{
		"*semi@x.io:verified other@x.io:verified third@x.io:unverified fourth@x.io:unverified",
		"*p1@x.io:verified p2@x.io:verified *+15550100:verified +15550101:verified",
		"*q1@x.io:verified Q2@x.io:unverified",
		"*r1@x.io:verified *+15550102:verified",
	} {
		if recs[i].Err != nil {
			t.Fatalf("record %d: %v", i+1, recs[i].Err)
		}
		if got := status(recs[i].User); got != want {
			t.Errorf("record %d:\n got %s\nwant %s", i+1, got, want)
		}
	}
}

// TestCSVNullCells: "null" (or "NULL") in a cell, as JSON-to-CSV
// converters and SQL dumps write it, is no value in every column: no
// date (as null is in JSON, not a malformed row), no name, no TOTP
// secret, no digest; "Null" is a surname.
func TestCSVNullCells(t *testing.T) {
	recs := csvUsers(t, "dates.csv", "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher,created_at,last_sign_in_at,public_metadata\n"+
		"user_1,Ada,null,NULL,a@x.io,null,a@x.io,null,null,null,null,null,null,null,NULL,null\n"+
		"user_2,Jennifer,Null,,b@x.io,,,,,,,,,2024-05-01T04:37Z,,\n")
	if len(recs) != 2 || recs[0].Err != nil || recs[1].Err != nil {
		t.Fatalf("records = %+v", recs)
	}
	u := recs[0].User
	if u.CreatedAt != 0 || u.LastSignInAt != nil {
		t.Errorf("user_1 created %d, last sign-in %v; want neither", u.CreatedAt, u.LastSignInAt)
	}
	if u.LastName != nil || u.Username != nil || len(u.PhoneNumbers) != 0 || len(u.EmailAddresses) != 1 || u.TOTPEnabled ||
		u.PasswordDigest != "" || u.PasswordHasher != "" || len(u.PublicMetadata) != 0 {
		t.Errorf("user_1 read values from null cells: %+v", u)
	}
	if ln := recs[1].User.LastName; ln == nil || *ln != "Null" {
		t.Errorf("user_2's surname %v, want Null", ln)
	}
	if u := recs[1].User; u.CreatedAt != 1714538220000 {
		t.Errorf("user_2 created %d", u.CreatedAt)
	}
}

// Excel in a locale whose list separator is ';' reads a comma-separated
// export one line to a cell, and saving quotes the lines that hold a
// quote: the row is then one cell, digest and all. It was read as a user
// whose id was the whole line, printed and written to --entries. Such a
// row, and a digest inside a cell holding several values, refuse the row
// without showing the digest; the id is kept when it is one.
func TestCSVRowInOneCell(t *testing.T) {
	const digest = "$2a$10$QXwQGAWNqe/y55UrFHnwseH4.oTZEVEgEfH/Mbw0kHDcEehbXQzeu"
	content := "id,first_name,primary_email_address,verified_email_addresses,password_digest,password_hasher\n" +
		`"user_2aaaa1,Ann,ann@example.com,""ann@example.com,ann2@example.com"",` + digest + `,bcrypt"` + "\n" +
		`"<b>,Eve,eve@example.com,,` + digest + `,bcrypt"` + "\n" +
		`user_3,"Bo, ` + digest + `",bo@example.com,,,` + "\n" +
		"user_4,Cy,cy@example.com,cy@example.com,,\n"
	recs := csvUsers(t, "onecell.csv", content)
	if got := csvIDs(recs); got != "ERR@1,ERR@2,ERR@3,user_4" {
		t.Fatalf("ids = %s", got)
	}
	for i, want := range []string{"the whole row is one quoted cell (not shown)", "the whole row is one quoted cell (not shown)", `column "first_name" holds what looks like a password digest (not shown)`} {
		if err := recs[i].Err; err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "QXwQ") {
			t.Errorf("record %d err = %v, want %q and no digest", i+1, err, want)
		}
	}
	for i, want := range []string{"user_2aaaa1", "", "user_3"} {
		if recs[i].ID != want {
			t.Errorf("record %d id = %q, want %q", i+1, recs[i].ID, want)
		}
	}
}

// Second-factor columns (clerk/cli and the migration tools carry
// backup_codes_enabled, backup_codes and mfa_enabled; a dump of API users
// the API's flags) were ignored in a CSV and read in JSON: the CSV's users
// lost their import:mfa-reenroll tag. Each row now reads as its JSON twin.
func TestCSVSecondFactorColumns(t *testing.T) {
	rows := []struct{ cols, cells, json string }{
		{"backup_codes_enabled", "true", `"backup_codes_enabled":true`},
		{"backup_codes", "c0de1|c0de2", `"backup_codes":["c0de1","c0de2"]`},
		{"mfa_enabled", "1", `"mfa_enabled":true`},
		{"two_factor_enabled", "TRUE", `"two_factor_enabled":true`},
		{"totp_enabled", "true", `"totp_enabled":true`},
		{"backup_code_enabled", "true", `"backup_code_enabled":true`},
		{"mfa_enabled", "false", `"mfa_enabled":false`},
	}
	for _, r := range rows {
		got := csvUsers(t, "mfa.csv", "id,email_addresses,"+r.cols+"\nuser_1,a@x.io,"+r.cells+"\n")
		want := csvUsers(t, "mfa.json", `[{"id":"user_1","email_addresses":"a@x.io",`+r.json+`}]`)
		if len(got) != 1 || len(want) != 1 || got[0].User == nil || want[0].User == nil {
			t.Fatalf("%s: %+v / %+v", r.cols, got, want)
		}
		g, w := got[0].User, want[0].User
		if g.TwoFactorEnabled != w.TwoFactorEnabled || g.TOTPEnabled != w.TOTPEnabled || g.BackupCodeEnabled != w.BackupCodeEnabled {
			t.Errorf("%s=%s: csv 2fa %v totp %v backup %v; json %v %v %v", r.cols, r.cells,
				g.TwoFactorEnabled, g.TOTPEnabled, g.BackupCodeEnabled, w.TwoFactorEnabled, w.TOTPEnabled, w.BackupCodeEnabled)
		}
		if r.cells != "false" && !(g.TwoFactorEnabled || g.TOTPEnabled || g.BackupCodeEnabled) {
			t.Errorf("%s=%s: no second factor read", r.cols, r.cells)
		}
	}
}

// A sort that took the header row along (Google Sheets sorts row 1
// unless it is frozen) or a title line above it (Numbers' "Include table
// names") left the header below the first line: the error quoted a
// user's first name as a column, or asked whether the header was
// missing. It now says which line holds it, and quotes no cell.
func TestCSVHeaderBelowFirstLine(t *testing.T) {
	const header = "id,first_name,primary_email_address,password_digest,password_hasher\n"
	for name, c := range map[string]struct {
		content string
		line    string
	}{
		"sorted":   {"user_1,Ann,ann@example.com,$2a$10$QXwQGAWNqe/y55UrFHnwseH4.oTZEVEgEfH/Mbw0kHDcEehbXQzeu,bcrypt\n" + header + "user_2,Bob,bob@example.com,,\n", "line 2"},
		"repeated": {"user_1,ann,ann,,\nuser_2,Bob,bob@example.com,,\n\n" + header, "line 4"},
		"title":    {"Table 1\n" + header + "user_2,Bob,bob@example.com,,\n", "line 2"},
	} {
		_, err := csvDrain(t, csvWrite(t, name+".csv", c.content))
		if err == nil || !strings.Contains(err.Error(), "the CSV header row is "+c.line+", not the first: move it back to the top") ||
			strings.Contains(err.Error(), "ann") || strings.Contains(err.Error(), "$2a$") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A file with no header anywhere is told as before.
	_, err := csvDrain(t, csvWrite(t, "none.csv", "user_1,Ann,ann@example.com\n"))
	if err == nil || strings.Contains(err.Error(), "move it back") {
		t.Errorf("no header: err = %v", err)
	}
}

// A spreadsheet saves a 13-digit timestamp it shows as 1.71454E+12, which
// kept only six digits: the date was taken as exact, 29 minutes off, and
// nothing said so. It is read, and a note names the rows and how far off
// they may be. A date a spreadsheet displays its own way (5/1/2024 4:37)
// stays malformed, with the cause and the fix named.
func TestCSVSpreadsheetTimestamps(t *testing.T) {
	path := csvWrite(t, "sheet.csv", "id,primary_email_address,created_at,last_sign_in_at\n"+
		"user_1,a@x.io,1.71454E+12,\nuser_2,b@x.io,1714538273939,1714538273939\nuser_3,c@x.io,,1.714538E+09\nuser_4,d@x.io,5/1/2024 4:37,\n")
	src, recs, err := csvDrained(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0].User == nil || recs[0].User.CreatedAt != 1714540000000 || recs[2].User == nil {
		t.Fatalf("records %+v", recs)
	}
	note := src.(clerk.Commenter).CommentedOut()
	if !strings.Contains(note, "The timestamps on 2 lines (lines 2 and 4) are in scientific notation") || !strings.Contains(note, "off by up to 1h23m20s") {
		t.Errorf("note %q", note)
	}
	if err := recs[3].Err; err == nil || !strings.Contains(err.Error(), "it looks like a spreadsheet's display of a date") {
		t.Errorf("record 4: %v", err)
	}
}

// A spreadsheet in a comma-decimal locale (one that saves with ';')
// writes 1,71454E+12: read as 1.71454E+12, with its note, not a
// malformed user; a phone it wrote so is one damaged number, not two.
func TestCSVDecimalCommaScientific(t *testing.T) {
	path := csvWrite(t, "eu.csv", "id;primary_email_address;created_at;primary_phone_number;verified_phone_numbers\r\n"+
		"user_1;a@x.io;1,71454E+12;4,41555E+10;4,41555E+10\r\nuser_2;b@x.io;1714538273939;;\r\n")
	src, recs, err := csvDrained(t, path)
	if err != nil || len(recs) != 2 || recs[0].User == nil {
		t.Fatalf("%+v, %v", recs, err)
	}
	u := recs[0].User
	if u.CreatedAt != 1714540000000 {
		t.Errorf("created_at %d", u.CreatedAt)
	}
	var phones []string
	for _, p := range u.PhoneNumbers {
		phones = append(phones, p.PhoneNumber)
	}
	if len(phones) != 1 || phones[0] != "4,41555E+10" {
		t.Errorf("phones %q", phones)
	}
	note := src.(clerk.Commenter).CommentedOut()
	if !strings.Contains(note, "The timestamps on 1 line (line 2) are in scientific notation") {
		t.Errorf("note %q", note)
	}
}

// A flat export's statuses are matched to the primary in the form the
// environment compares addresses in: a primary spelt with its IDN domain
// in ASCII, or in NFD, is the unverified entry spelt in Unicode (it was
// taken as verified, and took the address from its verified owner); a
// verified entry in capitals and punycode is the primary of a support
// export's list; a phone is matched by its digits.
func TestFlatStatusesCanonical(t *testing.T) {
	status := func(u *clerk.User) map[string]string {
		out := map[string]string{}
		for _, e := range u.EmailAddresses {
			if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID {
				out["primary"] = e.Verification.Status
			}
			out[e.EmailAddress] = e.Verification.Status
		}
		for _, p := range u.PhoneNumbers {
			if u.PrimaryPhoneNumberID != nil && *u.PrimaryPhoneNumberID == p.ID {
				out["phone"] = p.Verification.Status
			}
		}
		return out
	}
	const nfd = "jose\u0301@x.io"
	recs := csvUsers(t, "takeover.csv", "id,primary_email_address,verified_email_addresses,unverified_email_addresses,primary_phone_number,unverified_phone_numbers\n"+
		"user_A,max@xn--bcher-kva.de,,max@bücher.de,+1 415-555-0100,+14155550100\n"+
		"user_B,"+nfd+",,josé@x.io,,\n")
	if len(recs) != 2 || recs[0].User == nil || recs[1].User == nil {
		t.Fatalf("%+v", recs)
	}
	if st := status(recs[0].User); st["primary"] != "unverified" || st["phone"] != "unverified" || len(recs[0].User.EmailAddresses) != 1 {
		t.Errorf("IDN primary: %v (%d addresses)", st, len(recs[0].User.EmailAddresses))
	}
	if st := status(recs[1].User); st["primary"] != "unverified" || len(recs[1].User.EmailAddresses) != 1 {
		t.Errorf("NFD primary: %v", st)
	}

	recs = csvUsers(t, "support.json", `[{"id":"user_1","email_addresses":"s2@bücher.de|other@x.io","verified_email_addresses":["S2@XN--BCHER-KVA.DE"]}]`)
	if len(recs) != 1 || recs[0].User == nil {
		t.Fatalf("%+v", recs)
	}
	if st := status(recs[0].User); st["primary"] != "verified" || st["other@x.io"] != "unverified" {
		t.Errorf("support list: %v", st)
	}
}

// A flat record that names a hasher says the user has a password (the
// digest taken out), so it is not one that does not say.
func TestFlatHasherSaysPassword(t *testing.T) {
	recs := csvUsers(t, "flat.json", `[{"id":"user_1","email_addresses":"a@x.io","password_hasher":"bcrypt"},{"id":"user_2","email_addresses":"b@x.io"}]`)
	if len(recs) != 2 || recs[0].User == nil || recs[1].User == nil {
		t.Fatalf("%+v", recs)
	}
	if u := recs[0].User; !u.PasswordEnabled || u.PasswordUnknown {
		t.Errorf("hasher only: enabled %v unknown %v", u.PasswordEnabled, u.PasswordUnknown)
	}
	if u := recs[1].User; u.PasswordEnabled || !u.PasswordUnknown {
		t.Errorf("neither: enabled %v unknown %v", u.PasswordEnabled, u.PasswordUnknown)
	}
}

// A CSV's flag columns read the words the JSON readers read (clerk/cli's
// import reads them too): banned=yes was refused.
func TestCSVFlagWords(t *testing.T) {
	recs := csvUsers(t, "words.csv", "id,primary_email_address,banned,locked\nuser_1,a@x.io,yes,no\nuser_2,b@x.io,N,Y\n")
	if len(recs) != 2 || recs[0].User == nil || recs[1].User == nil {
		t.Fatalf("%+v", recs)
	}
	if u := recs[0].User; !u.Banned || u.Locked {
		t.Errorf("yes/no: banned %v locked %v", u.Banned, u.Locked)
	}
	if u := recs[1].User; u.Banned || !u.Locked {
		t.Errorf("N/Y: banned %v locked %v", u.Banned, u.Locked)
	}
}

// A quote inside a field that does not begin with one is text, as Excel
// and Python's csv module read it, when the row then has the header's
// fields; one that opens a field after a space, splitting it at its
// comma, or a quoted field not closed where it should be, still makes
// the row unreadable rather than shift its columns.
func TestCSVQuoteInsideUnquotedField(t *testing.T) {
	content := "id,first_name,primary_email_address\n" +
		`user_1,Jo "JJ",a@x.io` + "\n" +
		`user_2, "Smith, Jr",b@x.io` + "\n" +
		`user_3,"Ann" x,c@x.io` + "\n" +
		`user_4,5'11" tall,"d@x.io"` + "\r\n" +
		`user_5,O"Neil,"e@x.io"` + "\n" +
		`user_6,Jo "JJ"` + "\n" // short: padded, as a strict row is
	recs := csvUsers(t, "quotes.csv", content)
	var got []string
	for _, r := range recs {
		if r.Err != nil {
			got = append(got, fmt.Sprintf("ERR@%d", r.Pos))
			if !strings.Contains(r.Err.Error(), `bare "`) && !strings.Contains(r.Err.Error(), `extraneous`) {
				t.Errorf("record %d: %v", r.Pos, r.Err)
			}
			continue
		}
		email := ""
		if len(r.User.EmailAddresses) > 0 {
			email = r.User.EmailAddresses[0].EmailAddress
		}
		got = append(got, r.User.ID+"="+*r.User.FirstName+"/"+email)
	}
	want := `user_1=Jo "JJ"/a@x.io,ERR@2,ERR@3,user_4=5'11" tall/d@x.io,user_5=O"Neil/e@x.io,user_6=Jo "JJ"/`
	if strings.Join(got, ",") != want {
		t.Errorf("records = %s\nwant      %s", strings.Join(got, ","), want)
	}
}

// A row short by a cell whose quote after a space was meant to open a
// field is not read with it as text: split at its comma, it would fill
// the header's cells, shifted.
func TestCSVQuoteAfterSpaceShiftsNothing(t *testing.T) {
	content := "id,first_name,primary_email_address,last_name\n" + `user_1, "Smith, Jr",b@x.io` + "\n"
	recs := csvUsers(t, "shift.csv", content)
	if len(recs) != 1 || recs[0].Err == nil {
		t.Fatalf("records %+v, want the row unread", recs)
	}
}

// A CSV refused as not a Clerk export carries no notes on what a Clerk
// export lacks: the error says what is wrong with it.
func TestCSVRefusedHasNoNotes(t *testing.T) {
	src, err := clerk.OpenFile(csvWrite(t, "firebase.csv", "uid,email,display_name\nabc,a@x.io,Ann\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if notes := src.(clerk.Noter).Notes(); len(notes) != 0 {
		t.Errorf("notes of a refused CSV: %q", notes)
	}
	if _, err := src.Next(context.Background()); err == nil || !strings.Contains(err.Error(), `no "id" column`) {
		t.Errorf("Next: %v, want the header refused", err)
	}
}

// MaskDigests hides what looks like a digest inside a message, whatever
// quotes it, and leaves the rest.
func TestMaskDigests(t *testing.T) {
	const d = "$2a$10$QXwQGAWNqe/y55UrFHnwseH4.oTZEVEgEfH/Mbw0kHDcEehbXQzeu"
	for in, want := range map[string]string{
		`field "created_at": "` + d + `" is neither a Unix time`:                               `field "created_at": "(a password digest, not shown)" is neither a Unix time`,
		"--only: none of " + d + " is in the source":                                           "--only: none of (a password digest, not shown) is in the source",
		"argon $argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo here":               "argon (a password digest, not shown) here",
		"costs $5 and $CLERK_SECRET_KEY":                                                       "costs $5 and $CLERK_SECRET_KEY",
		"x pbkdf2_sha256$260000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA= y":                         "x (a password digest, not shown) y",
		"phpass $P$BZC3ufzhVnh8rfNVt5Cxg3zTmFPgQM/ and sha512 $6$rounds=5000$abcdefghijk$lmno": "phpass (a password digest, not shown) and sha512 (a password digest, not shown)",
		// The user's own text with $ runs is left alone.
		`invalid URL "https://app.example.com/login?next=$return&ref=$campaign_id x"`:          `invalid URL "https://app.example.com/login?next=$return&ref=$campaign_id x"`,
		"open /tmp/$HOME_DIR/exports/$PROFILE/users.json: no such file":                        "open /tmp/$HOME_DIR/exports/$PROFILE/users.json: no such file",
		"?$select=id,mail&$top=999 token=$token&user=$user_id PATH=$HOME/bin:$PATH":            "?$select=id,mail&$top=999 token=$token&user=$user_id PATH=$HOME/bin:$PATH",
		"$1,000,000-$2,000,000 ($1,$2,$3,$4,$5,$6,$7,$8,$9)":                                   "$1,000,000-$2,000,000 ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
		`"limits":"$10/mo;$100/yr;extra" https://img.example/img$v2$abcdefghijklmnopqrstu.png`: `"limits":"$10/mo;$100/yr;extra" https://img.example/img$v2$abcdefghijklmnopqrstu.png`,
	} {
		if got := clerk.MaskDigests(in); got != want {
			t.Errorf("MaskDigests(%q) = %q, want %q", in, got, want)
		}
	}
}
