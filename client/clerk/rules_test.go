package clerk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestTimestamps(t *testing.T) {
	cases := []struct {
		raw  string
		want Millis
		set  bool
		err  string
	}{
		{`1714538273939`, 1714538273939, true, ""},
		{`1714538273`, 1714538273000, true, ""}, // below 1e11: seconds
		{`99999999999`, 99999999999000, true, ""},
		{`100000000000`, 100000000000, true, ""},
		{`0`, 0, true, ""},
		{`1.714538273939e12`, 1714538273939, true, ""},
		{`"2024-05-01T04:37:53.939Z"`, 1714538273939, true, ""},
		{`"2024-05-01T06:37:53.939+02:00"`, 1714538273939, true, ""},
		{`"1714538273939"`, 1714538273939, true, ""},
		{`"9999-12-31T23:59:59.999Z"`, maxMillis, true, ""},
		{`null`, 0, false, ""},
		{`-1`, 0, false, "outside the years 1970–9999"},
		{`253402300800000`, 0, false, "outside the years 1970–9999"},
		{`1e300`, 0, false, "not a Unix time"},
		// Seconds with a fraction (Python's time.time()), to the ms.
		{`1714538273.5`, 1714538273500, true, ""},
		{`1714538273.9394`, 1714538273939, true, ""},
		{`"1714538273.939"`, 1714538273939, true, ""},
		{`1714538273939.25`, 1714538273939, true, ""}, // ms with a fraction
		{`-1.5`, 0, false, "not a Unix time"},
		{`1714538273939123.5`, 0, false, "not a Unix time"}, // µs with a fraction: not read
		// A zone named UTC or GMT (SQL dumps), and RFC 1123 (HTTP dates).
		{`"2024-05-01 04:37:53 UTC"`, 1714538273000, true, ""},
		{`"2024-05-01 04:37:53.939 utc"`, 1714538273939, true, ""},
		{`"Wed, 01 May 2024 04:37:53 GMT"`, 1714538273000, true, ""},
		{`"Wed, 01 May 2024 06:37:53 +0200"`, 1714538273000, true, ""},
		{`"2024-05-01 04:37:53 PST"`, 0, false, "neither"}, // other zone names are not guessed
		{`"1969-12-31T23:59:59Z"`, 0, false, "outside the years 1970–9999"},
		{`"yesterday"`, 0, false, "neither a Unix time nor an ISO 8601 date and time"},
		{`"2024-05-01"`, 1714521600000, true, ""},                 // a date alone: midnight UTC
		{`"2024-05-01T04:37:53.939"`, 1714538273939, true, ""},    // no zone: UTC
		{`"2024-05-01 04:37:53.939+00"`, 1714538273939, true, ""}, // SQL dumps
		{`"2024-05-01 06:37:53.939+0200"`, 1714538273939, true, ""},
		{`"2024-05-01 04:37"`, 1714538220000, true, ""},
		{`"2024-05-01T04:37Z"`, 1714538220000, true, ""}, // no seconds, with a zone
		{`"2024-05-01T06:37+02:00"`, 1714538220000, true, ""},
		{`"20240501T043753Z"`, 1714538273000, true, ""}, // ISO 8601 basic format
		{`"20240501T063753.939+0200"`, 1714538273939, true, ""},
		{`"20240501T0437"`, 1714538220000, true, ""},
		{`"20240501T0637+0200"`, 1714538220000, true, ""},
		{`"20240501T063753+02"`, 1714538273000, true, ""},
		{`"2024-05-01T06:37+0200"`, 1714538220000, true, ""},
		{`"null"`, 0, false, ""}, // what JSON-to-CSV converters write
		{`"NULL"`, 0, false, ""},
		{`""`, 0, false, ""},
		{`1714538273939123`, 1714538273939, true, ""},    // µs
		{`1714538273939123456`, 1714538273939, true, ""}, // ns
		{`999999999999999`, 0, false, "outside"},         // past 9999 in ms, before 2001 in µs
		{`253402300800000000`, 0, false, "outside"},      // past 9999 in µs, before 2001 in ns
		{`"05/01/2024"`, 0, false, "neither"},            // day and month order unknown
		{`"20240501"`, 1714521600000, true, ""},          // a compact date, not seconds in 1970
		{`20240501`, 1714521600000, true, ""},
		// RFC 3339 5.6: "t" and "z" may be lower case; ISO 8601 offsets may be hours alone.
		{`"2024-05-01t04:37:53.939z"`, 1714538273939, true, ""},
		{`"2024-05-01T04:37:53.939z"`, 1714538273939, true, ""},
		{`"2024-05-01T06:37:53.939+02"`, 1714538273939, true, ""},
		{`"2024-05-01T06:37+02"`, 1714538220000, true, ""},
		{`"2024-05-01 06:37+02"`, 1714538220000, true, ""},
		{`"20240501t063753+02"`, 1714538273000, true, ""},
		// A comma-decimal spreadsheet's scientific notation.
		{`"1,714538273939E+12"`, 1714538273939, true, ""},
		{`"1,71454E+12"`, 1714540000000, true, ""},
		{`"1,5"`, 0, false, "neither"},
		{`99999999`, 99999999000, true, ""}, // no date: seconds
		{`"2024-13-01"`, 0, false, "neither"},
		{`true`, 0, false, "want a number or an RFC 3339 string"},
		{`{}`, 0, false, "want a number or an RFC 3339 string"},
	}
	for _, c := range cases {
		got, set, err := parseMillis([]byte(c.raw))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || set != c.set {
			t.Errorf("%s = %d, %t, %v; want %d, %t", c.raw, got, set, err, c.want, c.set)
		}
	}
	// The API path decodes through Millis.UnmarshalJSON too.
	var u User
	if err := json.Unmarshal([]byte(`{"created_at":1700000000,"updated_at":"2023-11-14T22:13:20Z","last_sign_in_at":null}`), &u); err != nil {
		t.Fatal(err)
	}
	if u.CreatedAt != 1700000000000 || u.UpdatedAt != 1700000000000 || u.LastSignInAt != nil {
		t.Errorf("user = %+v", u)
	}
	if err := json.Unmarshal([]byte(`{"created_at":-5}`), &u); err == nil {
		t.Error("negative time accepted")
	}
	// A bad stamp in a record names its field.
	// updated_at is not imported: a bad one costs the user nothing.
	recs, err := readAll(t, `[{"id":"user_1","last_sign_in_at":"99999-01-01"},{"id":"user_2","created_at":"soon"},{"id":"user_3","created_at":"2024-01-01T00:00:00Z","last_sign_in_at":1700000000,"updated_at":-3}]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "ERR@1,ERR@2,user_3" {
		t.Fatalf("ids = %s", got)
	}
	for i, field := range []string{"last_sign_in_at", "created_at"} {
		if !strings.Contains(recs[i].Err.Error(), fmt.Sprintf("field %q", field)) {
			t.Errorf("err %q does not name %s", recs[i].Err, field)
		}
	}
	if u := recs[2].User; u.CreatedAt != 1704067200000 || *u.LastSignInAt != 1700000000000 {
		t.Errorf("user_3 = %+v", u)
	}
}

func TestUTF8AndSurrogates(t *testing.T) {
	content := "[" +
		`{"id":"user_1","first_name":"Bad` + "\xff\xfe" + `"},` +
		`{"id":"user_2","first_name":"\ud800"},` +
		`{"id":"user_3","first_name":"x\udc00y"},` +
		`{"id":"user_4","first_name":"\ud83d\ude00 \\ud800 Zoë"},` +
		`{"id":"user_5","first_name":"\ud83dx"}` +
		"]"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "ERR@1,ERR@2,ERR@3,user_4,ERR@5" {
		t.Fatalf("ids = %s", got)
	}
	for pos, want := range map[int]string{1: "not valid UTF-8", 2: `lone UTF-16 surrogate escape (\ud800)`, 3: `(\udc00)`, 5: `(\ud83d)`} {
		if !strings.Contains(recs[pos-1].Err.Error(), want) {
			t.Errorf("record %d err %q lacks %q", pos, recs[pos-1].Err, want)
		}
	}
	if got := *recs[3].User.FirstName; got != "😀 \\ud800 Zoë" {
		t.Errorf("name = %q", got)
	}
	// The CSV reader applies the same rule.
	recs, err = readAll(t, "id,primary_email_address,first_name\nuser_1,a@x.io,Bad\xc3\nuser_2,b@x.io,Zoë\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "ERR@1,user_2" || !strings.Contains(recs[0].Err.Error(), "not valid UTF-8") {
		t.Fatalf("ids = %s, %v", got, recs[0].Err)
	}
}

func TestRecordLimits(t *testing.T) {
	account := `{"id":"eac","provider":"oauth_google","verification":{"status":"verified"}}`
	accounts := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat(account+",", n), ",") + "]" }
	bigMeta := `{"blob":"` + strings.Repeat("m", maxMetadataBytes) + `"}`
	bigRecord := `{"id":"user_huge","first_name":"` + strings.Repeat("h", maxRecordBytes) + `"}`
	content := "[" +
		`{"id":"user_1","external_accounts":` + accounts(maxExternal) + `},` +
		`{"id":"user_2","external_accounts":` + accounts(maxExternal+1) + `},` +
		`{"id":"user_3","private_metadata":` + bigMeta + `},` +
		bigRecord + "," +
		`{"id":"user_5","public_metadata":{"ok":true}}` +
		"]"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "user_1,ERR@2,ERR@3,ERR@4,user_5" {
		t.Fatalf("ids = %s", got)
	}
	for pos, want := range map[int]string{
		2: "has 101 external accounts",
		3: `field "private_metadata" is larger than 256 KiB`,
		4: `record 4 (id "user_huge"): record is larger than 1 MiB`,
	} {
		if err := recs[pos-1].Err.Error(); !strings.Contains(err, want) || len(err) > 2*maxQuote+200 {
			t.Errorf("record %d err %.300q, want %q and short", pos, err, want)
		}
	}
	if recs[3].Raw != nil {
		t.Errorf("oversized record kept %d raw bytes", len(recs[3].Raw))
	}
}

// allocDuring reports the bytes allocated while f runs. TotalAlloc counts
// every allocation, so the figure does not depend on when the GC runs.
func allocDuring(t *testing.T, f func()) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 20 MB record is skipped, not held: reading (and checking) the file
// allocates a small fraction of the record's size.
func TestHugeRecordBoundedAllocation(t *testing.T) {
	const size = 20 << 20
	dir := t.TempDir()
	write := func(name, head, body, tail string) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(head)
		chunk := strings.Repeat(body, 64<<10/len(body))
		for n := 0; n < size; n += len(chunk) {
			f.WriteString(chunk)
		}
		f.WriteString(tail)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := map[string]string{
		// A string, nested arrays with escapes, and a CSV cell.
		"json-string": write("a.json", `[{"id":"user_big","public_metadata":{"b":"`, `ab\"c\\`, `"}},{"id":"user_ok"}]`),
		"json-nested": write("b.json", `[{"id":"user_big","x":[`, `[{"k":"]}\"["}],`, `1]},{"id":"user_ok"}]`),
		"csv-cell":    write("c.csv", "id,primary_email_address,first_name\nuser_big,a@x.io,\"", `x""y,`, "\"\nuser_ok,b@x.io,B\n"),
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			var recs []Record
			var checked int
			alloc := allocDuring(t, func() {
				src, err := OpenFile(path)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				for {
					page, err := src.Next(context.Background())
					if err != nil {
						break
					}
					recs = append(recs, page...)
				}
				if checked, err = src.(Checker).Check(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
			if got := ids(recs); got != "ERR@1,user_ok" || checked != 2 {
				t.Fatalf("ids = %s (check %d); err %v", got, checked, recs[0].Err)
			}
			if !strings.Contains(recs[0].Err.Error(), "larger than 1 MiB") {
				t.Errorf("err = %v", recs[0].Err)
			}
			// One record's 1 MiB copy (grown by doubling) plus buffers;
			// holding the record would be ≥ 20 MiB.
			if alloc > 6<<20 {
				t.Errorf("allocated %d bytes reading a %d-byte record", alloc, size)
			}
		})
	}
}

func TestErrorsQuoteLittle(t *testing.T) {
	long := strings.Repeat("z", 5<<20)
	content := `[{"id":"user_1","created_at":"` + long + `"},{"id":"user_2","created_at":1` + strings.Repeat("0", 4000) + `},` +
		`{"id":"user_3","first_name":` + strings.Repeat("9", 4000) + `}]`
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Err == nil {
			t.Fatalf("record %d decoded", r.Pos)
		}
		if n := len(r.Err.Error()); n > maxQuote+200 {
			t.Errorf("record %d: %d-byte error", r.Pos, n)
		}
	}
	// A structural error after a huge value stays short too.
	_, err = readAll(t, `{"meta":"`+long+`" "users":[]}`)
	if err == nil || len(err.Error()) > 400 {
		t.Errorf("err = %.400v", err)
	}
}

func TestCSVRules(t *testing.T) {
	content := "# Clerk export\n#   generated 2026-01-01\n\n" +
		"verified_phone_numbers,extra,id,primary_email_address,created_at,primary_phone_number,totp_secret,password_digest,password_hasher\n" +
		"\t+15550100|\t+15550101,junk,user_1,,2024-05-01T04:37:53Z,\t+15550100,SECRETTOTP,$2b$10$abc,bcrypt\n" +
		"\"\t+15550102, \t+15550103\",,user_2,b@x.io,1700000000\n" +
		",,user_3,c@x.io,not-a-date\n" +
		",,\"user_4\nwith newline\",d@x.io\n" +
		",,user_5,e@x.io,,,,,,\n" +
		",,user_6\n"
	recs, err := readAll(t, content)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "user_1,user_2,ERR@3,user_4\nwith newline,ERR@5,user_6" {
		t.Fatalf("ids = %q", got)
	}
	u1 := recs[0].User
	if got := summary(u1); got != "email=- emails=[] phone=+15550100 phones=[+15550100:verified,+15550101:verified] username=- ext=- pw=true/bcrypt/true mfa=true/false/true oauth=[] sso=[] web3=0 passkeys=0 created=1714538273000 meta=//" {
		t.Errorf("user_1 = %s", got)
	}
	if got := summary(recs[1].User); !strings.Contains(got, "phone=- phones=[+15550102:verified,+15550103:verified]") || !strings.Contains(got, "created=1700000000000") {
		t.Errorf("user_2 = %s", got)
	}
	if err := recs[2].Err.Error(); !strings.Contains(err, `record 3 (line 7): field "created_at"`) {
		t.Errorf("record 3 err = %s", err)
	}
	// A quoted newline: record 5 starts on line 10.
	if err := recs[4].Err.Error(); !strings.Contains(err, "(line 10)") || !strings.Contains(err, "has 10 fields, the header has 9") {
		t.Errorf("record 5 err = %s", err)
	}
	if untab("\t=SUM(A1)") != "=SUM(A1)" || untab("\t-5") != "-5" || untab("\t@x") != "@x" || untab("\tplain") != "\tplain" || untab("\t") != "\t" {
		t.Error("untab")
	}
	// Comment lines are skipped only before the header; a header of
	// comments alone is no header.
	if _, err := readAll(t, "# only a comment\n"); err == nil || !strings.Contains(err.Error(), "no CSV header") {
		t.Errorf("err = %v", err)
	}
}

func TestCSVHugeRowAndHeader(t *testing.T) {
	big := strings.Repeat("y", maxRecordBytes+10)
	recs, err := readAll(t, "id,primary_email_address\nuser_1,"+big+"\nuser_2,b@x.io\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "ERR@1,user_2" || !strings.Contains(recs[0].Err.Error(), "record 1 (line 2): record is larger than 1 MiB") {
		t.Fatalf("ids = %s, %v", ids(recs), recs[0].Err)
	}
	if _, err := readAll(t, "id,"+big+"\n"); err == nil || !strings.Contains(err.Error(), "not a CSV header") || len(err.Error()) > 400 {
		t.Errorf("err = %.400v", err)
	}
}

func TestJSONFormats(t *testing.T) {
	for content, want := range map[string]string{
		`[{"id":"u","email_addresses":[{"id":"e","email_address":"a@b.co"}]}]`: FormatAPI,
		`{"users":[{"id":"u","email_addresses":[]}]}`:                          FormatAPI,
		`[]`: FormatAPI,
		`[{"id":"u","email_addresses":"a@b.co|c@d.co"}]`:                             FormatSupportJSON,
		`[{"id":"u","email_addresses":["a@b.co"],"primary_email_address":"a@b.co"}]`: FormatSupportJSON,
		`[7,{"id":"u","password_digest":null}]`:                                      FormatSupportJSON,
		`{"clerkMigrate":1,"users":[]}`:                                              FormatMigrate,
		`{"source":"clerk","users":[{"id":"u"}],"clerkMigrate":1,"exportedAt":"x"}`:  FormatMigrate,
		"# c\nid,primary_email_address\n":                                            FormatDashboardCSV,
	} {
		src, err := OpenFile(writeTemp(t, "f", content))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := src.Next(context.Background()); err != nil {
				break
			}
		}
		if got := src.(Formatter).Format(); got != want {
			t.Errorf("%s: format %q, want %q", content, got, want)
		}
		src.Close()
	}
}

func TestLenientFields(t *testing.T) {
	recs, err := readAll(t, `[
		{"id":"user_1","email_addresses":null,"phone_numbers":null,"primary_email_address":["p@x.io"],"verified_email_addresses":"p@x.io|q@x.io"},
		{"id":"user_2","email_addresses":[null,"  ","A@x.io",{"id":"idn_b","email_address":"b@x.io","verification":null}],"primary_email_address_id":"idn_b"},
		{"id":"user_3","email_addresses":7},
		{"id":"user_4","phone_numbers":[true]},
		{"id":"user_5","public_metadata":"not an object"},
		{"id":"user_6","password_digest":42},
		{"id":"user_7","email_addresses":"a@x.io","primary_email_address":"b@x.io","unverified_email_addresses":["a@x.io"]},
		{"id":"user_8","primary_email_address":"p@x.io","unverified_email_addresses":"P@X.io","primary_phone_number":"+1555"}
	]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); got != "user_1,user_2,ERR@3,ERR@4,ERR@5,ERR@6,user_7,user_8" {
		t.Fatalf("ids = %s", got)
	}
	for u, want := range map[*User]string{
		recs[0].User: "email=p@x.io emails=[p@x.io:verified,q@x.io:verified]",
		recs[1].User: "email=b@x.io emails=[A@x.io:?,b@x.io:?]",
		recs[6].User: "email=b@x.io emails=[a@x.io:unverified,b@x.io:verified]",
		// A primary listed as unverified stays unverified.
		recs[7].User: "email=p@x.io emails=[p@x.io:unverified] phone=+1555 phones=[+1555:verified]",
	} {
		if got := summary(u); !strings.HasPrefix(got, want+" ") {
			t.Errorf("%s: %s, want %s", u.ID, got, want)
		}
	}
	for pos, want := range map[int]string{
		3: `field "email_addresses": got a number`,
		4: `field "phone_numbers"[0]: got a boolean`,
		5: `field "public_metadata": got a string that is not a JSON object, want an object`,
		6: `field "password_digest": got a number`,
	} {
		if err := recs[pos-1].Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("record %d err %v, want %q", pos, err, want)
		}
	}
}

// Merging identities is linear: a record near the size limit listing
// 80 000 addresses must decode (and merge duplicates) in one pass; the
// quadratic merge it replaces needed ~10^9 comparisons for it.
func TestManyAddressesDecode(t *testing.T) {
	var b strings.Builder
	for i := range 80000 {
		if i > 0 {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "u%d@x.io", i%40000)
	}
	r := decodeUser([]byte(`{"id":"u","email_addresses":"`+b.String()+`","verified_email_addresses":"U1@X.IO"}`), 1)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if n := len(r.User.EmailAddresses); n != 40000 {
		t.Fatalf("%d addresses, want 40000 (duplicates merged)", n)
	}
	if v := r.User.EmailAddresses[1].Verification; v == nil || v.Status != "verified" {
		t.Errorf("u1 verification = %+v", v)
	}
}

// The CSV's caveats depend on its header, and are asked for before the
// first page. The Dashboard's export has no banned column: its banned
// users are imported like the others, which a note says.
func TestCSVNotes(t *testing.T) {
	const noBans = "does not say which users Clerk has banned"
	for content, want := range map[string][]string{
		"id,primary_email_address\nuser_1,a@x.io\n":                           {"no signup dates", noBans},
		"# c\nid,primary_email_address,created_at\nuser_1,a@x.io,1\n":         {"no metadata or OAuth", noBans},
		"id,primary_email_address,created_at,banned\nuser_1,a@x.io,1,false\n": {"no metadata or OAuth"},
	} {
		src, err := OpenFile(writeTemp(t, "n.csv", content))
		if err != nil {
			t.Fatal(err)
		}
		notes := src.(Noter).Notes()
		ok := len(notes) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = strings.Contains(notes[i], want[i])
		}
		if !ok {
			t.Errorf("%q: notes %q, want %q", content, notes, want)
		}
		recs, err := src.Next(context.Background())
		if err != nil || len(recs) != 1 || recs[0].User == nil {
			t.Errorf("%q: after Notes, Next = %v, %v", content, recs, err)
		}
		src.Close()
	}
}

// An empty array where a metadata object belongs is how PHP's json_encode
// (and tools built on it) writes an empty object: no metadata, not a user
// lost as malformed. An array with anything in it is still refused.
func TestMetadataEmptyArrayIsNone(t *testing.T) {
	for _, v := range []string{`[]`, `[ ]`, `"[]"`, "[\n]"} {
		r := decodeUser([]byte(`{"id":"u","email_addresses":"u@x.io","public_metadata":`+v+`,"unsafe_metadata":`+v+`,"private_metadata":`+v+`}`), 1)
		if r.Err != nil || r.User == nil {
			t.Fatalf("metadata %s: %v", v, r.Err)
		}
		if r.User.PublicMetadata != nil || r.User.UnsafeMetadata != nil || r.User.PrivateMetadata != nil {
			t.Errorf("metadata %s read as %v %v %v, want none", v, r.User.PublicMetadata, r.User.UnsafeMetadata, r.User.PrivateMetadata)
		}
	}
	r := decodeUser([]byte(`{"id":"u","email_addresses":"u@x.io","public_metadata":[1]}`), 1)
	if r.Err == nil || !strings.Contains(r.Err.Error(), `field "public_metadata": got an array, want an object`) {
		t.Errorf("metadata [1]: err %v, want it refused", r.Err)
	}
}
