package clerk

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTemp writes content to a file in a test directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens content as a file and drains it, returning the records and
// the first non-EOF error (records before a structural error still count).
func readAll(t *testing.T, content string) ([]Record, error) {
	t.Helper()
	src, err := OpenFile(writeTemp(t, "export", content))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.Kind() != "file" {
		t.Errorf("Kind = %q", src.Kind())
	}
	if n, err := src.Total(context.Background()); n != -1 || err != nil {
		t.Errorf("Total = %d, %v", n, err)
	}
	var all []Record
	for range 100000 {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			if len(recs) != 0 {
				t.Fatal("records with io.EOF")
			}
			// EOF is sticky.
			if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Errorf("Next after EOF = %v", err)
			}
			return all, nil
		}
		if err != nil {
			// Structural errors are sticky too.
			if _, err2 := src.Next(context.Background()); err2 == nil || errors.Is(err2, io.EOF) {
				t.Errorf("Next after error = %v", err2)
			}
			return all, err
		}
		if len(recs) == 0 {
			t.Fatal("no records and no error")
		}
		all = append(all, recs...)
	}
	t.Fatal("source does not end")
	return nil, nil
}

func ids(recs []Record) string {
	var out []string
	for _, r := range recs {
		if r.Err != nil {
			out = append(out, fmt.Sprintf("ERR@%d", r.Pos))
		} else {
			out = append(out, r.User.ID)
		}
	}
	return strings.Join(out, ",")
}

func TestJSONFileShapes(t *testing.T) {
	const u1 = `{"id":"user_1","object":"user","first_name":"Ada","email_addresses":[{"id":"idn_1","email_address":"a@x.io","verification":{"status":"verified","strategy":"email_code"},"linked_to":[]}],"primary_email_address_id":"idn_1","created_at":1700000000000,"future_field":{"nested":[1,2,3]}}`
	const u2 = `{"id":"user_2","created_at":1700000000001}`
	cases := map[string]string{
		"array":             "[" + u1 + "," + u2 + "]",
		"array-whitespace":  "\n\t  [ " + u1 + " ,\n " + u2 + " ]\n\n",
		"bom":               "\uFEFF[" + u1 + "," + u2 + "]",
		"users-only":        `{"users":[` + u1 + "," + u2 + `]}`,
		"users-after-keys":  `{"version":2,"instance":{"id":"ins_1","tags":["a",{"b":[[]]}]},"note":"x","users":[` + u1 + "," + u2 + `]}`,
		"users-before-keys": `{"users":[` + u1 + "," + u2 + `],"exported_at":"2026-01-01","meta":{"users":"not this one"},"n":null}`,
		"users-middle":      `{"a":[1,2,{"users":[]}],"users":[` + u1 + "," + u2 + `],"b":true}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			recs, err := readAll(t, content)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(recs); got != "user_1,user_2" {
				t.Fatalf("ids = %s", got)
			}
			u := recs[0].User
			if *u.FirstName != "Ada" || u.EmailAddresses[0].Verification.Status != "verified" || u.CreatedAt != 1700000000000 {
				t.Errorf("user 1 = %+v", u)
			}
			if recs[0].Pos != 1 || recs[1].Pos != 2 || recs[0].Raw != nil {
				t.Errorf("positions/raw wrong: %+v", recs)
			}
		})
	}
}

func TestJSONFileEmpty(t *testing.T) {
	for _, content := range []string{"[]", " [ ] \n", `{"users":[]}`, `{"x":1,"users":[]}`} {
		recs, err := readAll(t, content)
		if err != nil || len(recs) != 0 {
			t.Errorf("%q: %d records, %v", content, len(recs), err)
		}
	}
}

func TestJSONFileMalformedRecords(t *testing.T) {
	content := `[
		{"id":"user_1","created_at":1},
		{"id":"user_2","created_at":"yesterday"},
		"just a string",
		null,
		[1,2],
		{"first_name":"No Id"},
		{"id":"user_7","email_addresses":{"not":"an array"}},
		{"id":"user_8","created_at":8}
	]`
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "user_1,ERR@2,ERR@3,ERR@4,ERR@5,ERR@6,ERR@7,user_8" {
		t.Fatalf("ids = %s", got)
	}
	for i, r := range recs {
		if r.Pos != i+1 {
			t.Errorf("record %d Pos %d", i, r.Pos)
		}
		if r.Err != nil {
			if r.User != nil || len(r.Raw) == 0 || !json.Valid(r.Raw) {
				t.Errorf("bad record %d: %+v", r.Pos, r)
			}
			if !strings.Contains(r.Err.Error(), fmt.Sprintf("record %d", r.Pos)) {
				t.Errorf("err %q lacks its position", r.Err)
			}
		}
	}
	for pos, want := range map[int]string{
		2: `(id "user_2"): field "created_at": "yesterday" is neither a Unix time nor an ISO 8601 date and time`,
		3: "expected a user object, got a string",
		4: "got null",
		6: `no "id"`,
		7: `field "email_addresses"`,
	} {
		if !strings.Contains(recs[pos-1].Err.Error(), want) {
			t.Errorf("record %d err %q lacks %q", pos, recs[pos-1].Err, want)
		}
	}
}

func TestJSONFileStructuralErrors(t *testing.T) {
	cases := []struct {
		name, content string
		before        string // ids yielded before the error
		want          []string
	}{
		{"truncated-mid-element", `[{"id":"user_1"},{"id":"us`, "user_1", []string{"truncated", "byte", "after record 1"}},
		{"truncated-after-comma", `[{"id":"user_1"},`, "user_1", []string{"truncated"}},
		{"truncated-before-close", `[{"id":"user_1"}`, "user_1", []string{"truncated"}},
		{"truncated-object", `{"users":[{"id":"user_1"}]`, "user_1", []string{"truncated"}},
		{"truncated-in-prefix", `{"meta":{"a":[1,2`, "", []string{"truncated", "before the first record"}},
		{"missing-comma", `[{"id":"user_1"} {"id":"user_2"}]`, "user_1", []string{"invalid JSON", "byte 17"}},
		{"garbage", `[{"id":"user_1"},]`, "user_1", []string{"invalid JSON"}},
		{"trailing-data", `[{"id":"user_1"}] [{"id":"user_2"}]`, "user_1", []string{"after the end of the JSON"}},
		{"no-users-key", `{"data":{"a":1},"total_count":1}`, "", []string{`no "users" key`, `"data"`, `"total_count"`}},
		{"api-page", `{"data":[{"id":"user_1"},{"id":"user_2"}],"total_count":1200}`, "user_1,user_2", []string{"holds 2 of the instance's 1200 users", "--api-key"}},
		{"api-page-bad-count", `{"data":[{"id":"user_1"}],"total_count":"x"}`, "user_1", []string{`"total_count" is not a count`}},
		{"sdk-page", `{"data":[{"id":"user_1"}],"totalCount":500}`, "user_1", []string{"holds 1 of the instance's 500 users"}},
		// clerk/cli's `users list --json`: {"data": […], "hasMore": bool}.
		{"cli-page", `{"data":[{"id":"user_1"},{"id":"user_2"}],"hasMore":true}`, "user_1,user_2", []string{"holds 2 users and says more follow (hasMore)", "--api-key"}},
		{"cli-page-first", `{"hasMore":true,"data":[{"id":"user_1"}]}`, "user_1", []string{"says more follow"}},
		{"has-more", `{"data":[{"id":"user_1"}],"has_more":true,"total_count":2}`, "user_1", []string{"one page of the list"}},
		{"cli-later-page", `{"data":[{"id":"user_101"}],"hasMore":false,"nextCursor":null,"pagination":{"offset":100,"limit":100}}`, "user_101", []string{"starts after the list's first 100 users (pagination.offset)"}},
		// The same count kept beside "users" (a saved answer re-wrapped).
		{"users-page", `{"users":[{"id":"user_1"},{"id":"user_2"}],"total_count":1200}`, "user_1,user_2", []string{"this file holds 2 of the instance's 1200 users", "--api-key"}},
		{"users-more", `{"users":[{"id":"user_1"}],"hasMore":true}`, "user_1", []string{"says more follow"}},
		{"users-bad-count", `{"total_count":null,"users":[{"id":"user_1"}]}`, "user_1", []string{`"total_count" is not a count, so whether this file holds`}},
		{"data-and-users", `{"data":[{"id":"user_1"}],"users":[]}`, "user_1", []string{`both "data" and "users"`}},
		{"empty-object", `{}`, "", []string{`no "users" key`, "empty"}},
		{"single-user", "{\"id\":\"user_1\",\"email_addresses\":[]}\n", "", []string{`no "users" key`, "JSON Lines", "jq -s"}},
		// Exports joined with cat are no JSON Lines: refused, as before.
		{"envelope-then-user", "{\"users\":[{\"id\":\"user_a\"}]}\n{\"id\":\"user_c\"}\n", "user_a", []string{"after the end of the JSON document"}},
		{"json-lines-then-envelope", "{\"id\":\"user_1\"}\n\n{\"users\":[{\"id\":\"user_2\"}]}\n", "user_1", []string{"record 2 (line 3) is an export of its own"}},
		{"json-lines-then-array", "{\"id\":\"user_1\"}\n{\"id\":\"user_2\"}\n\n[1]\n", "user_1,user_2", []string{"expected a user object on each line (JSON Lines)", "(line 4, after record 2)"}},
		{"json-lines-cut", "{\"id\":\"user_1\"}\n\n{\"id\":\"user_2\"}\n{\"id\":\n\"us", "user_1,user_2", []string{"the last complete value ends at byte 32 (line 3, after record 2)"}},
		{"users-number", `{"users":42}`, "", []string{`"users" must be an array`, "a number"}},
		{"users-object", `{"users":{"user_1":{}}}`, "", []string{`"users" must be an array`, "an object"}},
		{"users-null", `{"users":null}`, "", []string{`"users" must be an array`, "null"}},
		{"users-twice", `{"users":[{"id":"user_1"}],"users":[]}`, "user_1", []string{"appears twice"}},
		{"bad-key", `{"users" 1}`, "", []string{"invalid JSON"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := readAll(t, c.content)
			if err == nil || errors.Is(err, io.EOF) {
				t.Fatalf("err = %v, want a structural error", err)
			}
			if got := ids(recs); got != c.before {
				t.Errorf("records before the error = %q, want %q", got, c.before)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestOpenFileErrors(t *testing.T) {
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file opened")
	}
	for _, content := range []string{"", "  \n\t ", "\uFEFF"} {
		if _, err := OpenFile(writeTemp(t, "e.json", content)); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%q: err = %v", content, err)
		}
	}
	if _, err := OpenFile(writeTemp(t, "e.zip", "PK\x03\x04rest")); err == nil || !strings.Contains(err.Error(), "zip") {
		t.Errorf("zip: err = %v", err)
	}
	// A JSON scalar at the top is not JSON-sniffed; it fails as a CSV
	// without the required columns, still with a clear error.
	_, err := readAll(t, `"just a string"`)
	if err == nil || !strings.Contains(err.Error(), "not a Clerk user export") {
		t.Errorf("scalar: err = %v", err)
	}
}

func TestJSONFileCancelled(t *testing.T) {
	src, err := OpenFile(writeTemp(t, "u.json", `[{"id":"user_1"}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// Not sticky: a live context continues.
	recs, err := src.Next(context.Background())
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
}

func TestFileClosed(t *testing.T) {
	for _, content := range []string{`[{"id":"user_1"}]`, "id,primary_email_address\nuser_1,a@x.io\n"} {
		src, err := OpenFile(writeTemp(t, "u", content))
		if err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := src.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := src.Next(context.Background()); err == nil || errors.Is(err, io.EOF) {
			t.Errorf("Next after Close = %v", err)
		}
	}
}

const csvHeader = "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"

const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
const totp = "JBSWY3DPEHPK3PXP"

func TestCSVFile(t *testing.T) {
	content := csvHeader +
		"user_1,Ada,Lovelace,ada,Ada@Example.com,+15550100,\"ada@example.com, ada@work.io\",old@example.com,+15550100,,," + digest + ",bcrypt\n" +
		"user_2,,,,grace@example.com,,work@example.com|grace@example.com | other@example.com,pending@x.io|also@x.io,,," + totp + ",,\n" +
		"user_3,Zoë,,,,,,,,,,,\n"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "user_1,user_2,user_3" {
		t.Fatalf("ids = %s", got)
	}
	u1 := recs[0].User
	if *u1.FirstName != "Ada" || *u1.LastName != "Lovelace" || *u1.Username != "ada" || !u1.PasswordEnabled || u1.TwoFactorEnabled {
		t.Errorf("user_1 = %+v", u1)
	}
	if u1.PrimaryEmailAddressID == nil || *u1.PrimaryEmailAddressID != "email_0" {
		t.Errorf("primary id = %v", u1.PrimaryEmailAddressID)
	}
	emails := func(u *User) string {
		var out []string
		for _, e := range u.EmailAddresses {
			out = append(out, e.ID+"="+e.EmailAddress+":"+e.Verification.Status)
		}
		return strings.Join(out, " ")
	}
	// The primary is matched case-insensitively among the verified ones
	// and not repeated.
	if got, want := emails(u1), "email_0=Ada@Example.com:verified email_1=ada@work.io:verified email_2=old@example.com:unverified"; got != want {
		t.Errorf("user_1 emails\n got %s\nwant %s", got, want)
	}
	u2 := recs[1].User
	if u2.FirstName != nil || u2.LastName != nil || u2.Username != nil || u2.PasswordEnabled || !u2.TwoFactorEnabled {
		t.Errorf("user_2 = %+v", u2)
	}
	if got, want := emails(u2), "email_0=grace@example.com:verified email_1=work@example.com:verified email_2=other@example.com:verified email_3=pending@x.io:unverified email_4=also@x.io:unverified"; got != want {
		t.Errorf("user_2 emails\n got %s\nwant %s", got, want)
	}
	u3 := recs[2].User
	if len(u3.EmailAddresses) != 0 || u3.PrimaryEmailAddressID != nil || *u3.FirstName != "Zoë" {
		t.Errorf("user_3 = %+v", u3)
	}
	// Secrets never leave the reader.
	dump, _ := json.Marshal(recs)
	for _, secret := range []string{digest, totp} {
		if strings.Contains(fmt.Sprintf("%+v %s", recs, dump), secret) {
			t.Errorf("secret %q exposed", secret)
		}
	}
}

func TestCSVHeaderMapping(t *testing.T) {
	// Reordered, partial, with unknown columns, odd case and spaces.
	content := " Primary_Email_Address ,future_column,ID,last_name\n" +
		"b@x.io,whatever,user_b,Hopper\n"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].User.ID != "user_b" || *recs[0].User.LastName != "Hopper" ||
		recs[0].User.EmailAddresses[0].EmailAddress != "b@x.io" || recs[0].User.EmailAddresses[0].Verification.Status != "verified" {
		t.Fatalf("recs = %+v", recs)
	}
	for content, want := range map[string]string{
		"first_name,primary_email_address\nA,a@x.io\n": `no "id" column`,
		"id,first_name\nuser_1,A\n":                    `no "primary_email_address" column`,
		"id,id,primary_email_address\n":                `"id" appears twice`,
	} {
		_, err := readAll(t, content)
		if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", content, err, want)
		}
	}
	// Header only: no users, no error.
	if recs, err := readAll(t, csvHeader); err != nil || len(recs) != 0 {
		t.Errorf("header only: %d, %v", len(recs), err)
	}
}

func TestCSVBadRows(t *testing.T) {
	content := "\n\n" + csvHeader +
		"user_1,Ada,,,a@x.io,,,,,,,,\n" +
		// Short rows are padded: exports drop trailing empty fields.
		"user_2,Too,Few,fields\n" +
		// Shifted row with a digest in it: the error must not echo it.
		"user_3,A,B,C,c@x.io,,,,,,,," + digest + ",bcrypt,extra\n" +
		"user_4,Bare\"Quote,,,d@x.io,,,,,,,,\n" +
		",Empty,Id,,e@x.io,,,,,,,,\n" +
		"user_6,Last,,,f@x.io,,,,,,,,\n"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	// A quote inside a field that does not begin with one is text.
	if got := ids(recs); got != "user_1,user_2,ERR@3,user_4,ERR@5,user_6" {
		t.Fatalf("ids = %s", got)
	}
	if u := recs[3].User; u.FirstName == nil || *u.FirstName != `Bare"Quote` {
		t.Errorf("user_4 first name %v", u.FirstName)
	}
	if u := recs[1].User; *u.LastName != "Few" || *u.Username != "fields" || u.EmailAddresses != nil {
		t.Errorf("padded row = %+v", u)
	}
	for pos, want := range map[int]string{
		3: `record 3 (line 6) (id "user_3"): has 15 fields, the header has 13`,
		5: "empty id",
	} {
		if err := recs[pos-1].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %d err %v, want %q", pos, err, want)
		}
	}
	for _, r := range recs {
		if r.Err != nil && (strings.Contains(r.Err.Error(), digest) || strings.Contains(string(r.Raw), digest)) {
			t.Errorf("digest exposed in %v", r.Err)
		}
	}
}

func TestCSVUnterminatedQuote(t *testing.T) {
	content := "id,primary_email_address\nuser_1,a@x.io\nuser_2,\"b@x.io\nuser_3,c@x.io\n"
	// A quote never closed would make the rest of the file one value: the
	// file is refused, naming the line the quote opened on.
	recs, err := readAll(t, content)
	if err == nil || !strings.Contains(err.Error(), "line 3 is never closed") {
		t.Fatalf("err = %v", err)
	}
	if got := ids(recs); got != "user_1" {
		t.Fatalf("ids = %s", got)
	}
}

func TestFilePaging(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	var c strings.Builder
	c.WriteString("id,primary_email_address\n")
	for i := range 1201 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"user_%d"}`, i)
		fmt.Fprintf(&c, "user_%d,u%d@x.io\n", i, i)
	}
	b.WriteString("]")
	for name, content := range map[string]string{"json": b.String(), "csv": c.String()} {
		t.Run(name, func(t *testing.T) {
			if sizes := pageSizes(t, writeTemp(t, "u", content)); fmt.Sprint(sizes) != "[500 500 201]" {
				t.Errorf("pages %v", sizes)
			}
		})
	}
}

// TestSavedAPIAnswer: the API's paginated answer saved to a file is read
// when it holds every user its total_count counts (or has no count).
func TestSavedAPIAnswer(t *testing.T) {
	for _, content := range []string{
		`{"data":[{"id":"user_1"},{"id":"user_2"}],"total_count":2}`,
		`{"total_count":2,"data":[{"id":"user_1"},{"id":"user_2"}]}`,
		`{"data":[{"id":"user_1"},{"id":"user_2"}]}`,
		`{"data":[{"id":"user_1"},{"id":"user_2"}],"hasMore":false,"nextCursor":null,"pagination":{"offset":0,"limit":100}}`,
		`{"data":[{"id":"user_1"},{"id":"user_2"}],"hasMore":true,"total_count":2}`,
		`{"data":{"note":"not the users"},"users":[{"id":"user_1"},{"id":"user_2"}]}`,
		`{"users":[{"id":"user_1"},{"id":"user_2"}],"total_count":2}`,
		// JSON Lines (jq -c '.[]'; clerk/cli's import reads them too).
		"{\"id\":\"user_1\"}\n{\"id\":\"user_2\"}\n",
		"\n {\"id\": \"user_1\"} \r\n\n{\"id\":\"user_2\"}",
	} {
		recs, err := readAll(t, content)
		if err != nil {
			t.Errorf("%s: %v", content, err)
			continue
		}
		if got := ids(recs); got != "user_1,user_2" {
			t.Errorf("%s: ids = %s", content, got)
		}
	}
}

// A one-user JSON Lines file (a canary's `jq -c '.[0]'`) was refused as
// an object without "users": named .jsonl or .ndjson, it is one user; an
// export in such a file is still read as the export.
func TestOneLineJSONLinesFile(t *testing.T) {
	user := "{\"id\":\"user_1\",\"email_addresses\":[]}\n"
	for name, want := range map[string]string{"one.jsonl": "user_1", "one.NDJSON": "user_1", "env.jsonl": "user_2"} {
		content := user
		if name == "env.jsonl" {
			content = `{"users":[{"id":"user_2"}]}`
		}
		src, err := OpenFile(writeTemp(t, name, content))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		recs, err := src.Next(context.Background())
		src.Close()
		if err != nil && !errors.Is(err, io.EOF) || ids(recs) != want {
			t.Errorf("%s: records %q, %v", name, ids(recs), err)
		}
	}
	if _, err := readAll(t, user); err == nil || !strings.Contains(err.Error(), "JSON Lines") {
		t.Errorf("an unnamed one-object file: %v", err)
	}
}

// A JSON Lines record's error names its line, as a CSV row's does: blank
// lines and an object written over several lines put the record's number
// off the line an editor goes to.
func TestJSONLinesErrorsNameTheLine(t *testing.T) {
	content := "{\"id\":\"user_1\"}\n\n\n{\"id\":\"user_2\",\"banned\":\"maybe\"}\n{\"id\":\"user_3\",\n \"first_name\":\"Ada\"}\n" +
		"{\"id\":\"user_4\",\"created_at\":\"x\"}\n"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user_2": "record 2 (line 4) (id \"user_2\"): banned", "user_4": "record 4 (line 7) (id \"user_4\"): field \"created_at\""}
	for _, r := range recs {
		w, bad := want[r.ID]
		switch {
		case bad && (r.Err == nil || !strings.HasPrefix(r.Err.Error(), w)):
			t.Errorf("%s: err %v, want it to start %q", r.ID, r.Err, w)
		case !bad && r.Err != nil:
			t.Errorf("%s: %v", r.ID, r.Err)
		}
	}
}

// A spreadsheet saved from the Dashboard's CSV is told to be saved as CSV:
// "extract the zip" (what any zip was told) gives its XML.
func TestSpreadsheetFilesNamed(t *testing.T) {
	zipOf := func(names ...string) string {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for _, n := range names {
			w, err := z.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store}) // as ODS stores its mimetype
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet") //nolint:errcheck // in memory
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for name, c := range map[string]struct{ content, want string }{
		"users.xlsx": {zipOf("[Content_Types].xml", "xl/workbook.xml"), "is an Excel workbook (.xlsx), not a CSV: save it as CSV UTF-8"},
		"other.xlsx": {zipOf("docProps/app.xml"), "Excel workbook"},
		"users.ods":  {zipOf("mimetype", "content.xml"), "OpenDocument spreadsheet (.ods), not a CSV"},
		"users.xls":  {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 100), "Excel 97-2003 workbook (.xls)"},
		"users.zip":  {zipOf("users.json"), "is a zip archive; extract the export first"},
		"users.gz":   {"\x1f\x8b\x08\x00rest", "gzip-compressed; extract the export first"},
	} {
		_, err := OpenFile(writeTemp(t, name, c.content))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

// A spreadsheet's scientific notation in a JSON file's timestamps (a
// number 1.71454E+12 or the text "1.71454E+12") was read silently, where
// the CSV reader notes it: the note names the records (lines, in JSON
// Lines) and how far off their dates may be.
func TestJSONSpreadsheetTimestampsNoted(t *testing.T) {
	users := []string{`{"id":"user_1","created_at":1.71454E+12}`, `{"id":"user_2","created_at":1714538273939}`,
		`{"id":"user_3","last_sign_in_at":"1.71454e+12","created_at":1714538273939}`}
	for name, c := range map[string]struct{ content, want string }{
		"array.json":  {"[" + strings.Join(users, ",") + "]", "The timestamps of records 1 and 3 are in scientific notation"},
		"lines.jsonl": {strings.Join(users, "\n\n") + "\n", "The timestamps of lines 1 and 5 are in scientific notation"},
	} {
		src, err := OpenFile(writeTemp(t, name, c.content))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := src.Next(context.Background()); err != nil {
				break
			}
		}
		notes := strings.Join(src.(Noter).Notes(), "\n")
		src.Close()
		if !strings.Contains(notes, c.want) || !strings.Contains(notes, "off by up to 1h23m20s") {
			t.Errorf("%s: notes %q", name, notes)
		}
	}
}

// TestJSONScalarFileNamed: a file holding a lone JSON value is named as
// such, not read as a CSV whose header lacks columns.
func TestJSONScalarFileNamed(t *testing.T) {
	for content, kind := range map[string]string{"null\n": "null", " 42 ": "a number", `"users"`: "a string", "true": "a boolean"} {
		_, err := OpenFile(writeTemp(t, "export", content))
		if err == nil || !strings.Contains(err.Error(), "the file is JSON "+kind) {
			t.Errorf("%q: err = %v", content, err)
		}
	}
	// A one-column CSV whose header happens to be a JSON literal stays a CSV.
	if _, err := OpenFile(writeTemp(t, "export", "id\nuser_1\n")); err != nil {
		t.Errorf("CSV refused: %v", err)
	}
}

// TestEndlessFileStops: a device that never ends is refused once its
// first line is longer than any header, and a read honours the context
// of the call, so a cancelled import stops reading a huge file.
func TestEndlessFileStops(t *testing.T) {
	src, err := OpenFile("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(context.Background())
	src.Close()
	if err == nil || !strings.Contains(err.Error(), "over 1 MiB long") {
		t.Fatalf("/dev/zero: %v", err)
	}

	// One record whose value runs for 8 MB: a cancelled call stops
	// within a buffer or two instead of reading to its end.
	big := `[{"id":"user_1","x":"` + strings.Repeat("a", 8<<20) + `"}]`
	for _, content := range []string{big, "id,primary_email_address\nuser_1,\"" + strings.Repeat("a", 8<<20) + "\"\n"} {
		src, err := OpenFile(writeTemp(t, "export", content))
		if err != nil {
			t.Fatal(err)
		}
		ctx := &cancelAfter{Context: context.Background(), n: 3}
		_, err = src.Next(ctx)
		src.Close()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%.20s…: Next cancelled mid-record = %v", content, err)
		}
	}
}

// cancelAfter is a context that reports itself cancelled from its n-th
// Err call on: cancelled in the middle of a read, without timing.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// A file page ends at pageBytes of records as well as at pageSize
// records: 500 users with much metadata made pages of hundreds of
// megabytes, and a run held gigabytes (the scale hunt: 2.08 GB for 1,000
// users of 750 KB each, 231 MB since).
func TestFilePagesBoundedInBytes(t *testing.T) {
	meta := strings.Repeat("x", 200<<10)
	var b strings.Builder
	b.WriteString("[")
	for i := range 200 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"user_%d","email_addresses":"u%d@x.io","public_metadata":{"blob":%q}}`, i, i, meta)
	}
	b.WriteString("]")
	csvHead := "id,email_addresses,public_metadata\n"
	var c strings.Builder
	c.WriteString(csvHead)
	for i := range 200 {
		fmt.Fprintf(&c, "user_%d,u%d@x.io,\"{\"\"blob\"\":\"\"%s\"\"}\"\n", i, i, meta)
	}
	for name, content := range map[string]string{"big.json": b.String(), "big.csv": c.String()} {
		sizes, total := pageSizes(t, writeTemp(t, name, content)), 0
		for _, n := range sizes {
			if n > pageBytes/(200<<10)+1 {
				t.Errorf("%s: a page of %d records of 200 KB", name, n)
			}
			total += n
		}
		if total != 200 || len(sizes) < 3 {
			t.Errorf("%s: %d records in pages %v", name, total, sizes)
		}
	}
}

// pageSizes reads the file at path to its end and returns how many
// records each page had.
func pageSizes(t *testing.T, path string) []int {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var sizes []int
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return sizes
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(recs))
	}
}
