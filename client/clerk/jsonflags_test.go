package clerk

import (
	"strings"
	"testing"
)

// Every flag of a JSON export is read by one rule, as the CSV's
// columns: true/false, "true"/"yes"/"1" and their opposites. A flag
// that decides who may sign in (banned, locked, deprovisioned) and holds
// a word that is no flag makes the record malformed, named; a second
// factor's is taken as on (the user enrols again); has_image's as off.
func TestJSONFlagsReadByOneRule(t *testing.T) {
	rec := func(id, extra string) string {
		return `{"id":"` + id + `","email_addresses":[{"id":"e","email_address":"` + id + `@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e"` + extra + `}`
	}
	body := "[" + strings.Join([]string{
		rec("u_pw", `,"password_enabled":"yes"`),
		rec("u_pwno", `,"password_enabled":"no"`),
		rec("u_lock", `,"locked":"TRUE"`),
		rec("u_unlock", `,"locked":"false"`),
		rec("u_tfa", `,"two_factor_enabled":"false","totp_enabled":"1","backup_code_enabled":"no"`),
		rec("u_deprov", `,"deprovisioned":"false"`),
		rec("u_mfa", `,"two_factor_enabled":"perhaps"`),
		rec("u_bad", `,"locked":"maybe"`),
		rec("u_badpw", `,"password_enabled":"sometimes"`),
	}, ",") + "]"
	recs, err := readAllPath(t, writeTemp(t, "u.json", body))
	if err != nil || len(recs) != 9 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	byID := map[string]Record{}
	for _, r := range recs {
		id := r.ID
		if r.User != nil {
			id = r.User.ID
		}
		byID[id] = r
	}
	user := func(id string) *User {
		t.Helper()
		r := byID[id]
		if r.User == nil {
			t.Fatalf("%s: %v", id, r.Err)
		}
		return r.User
	}
	if !user("u_pw").PasswordEnabled || user("u_pwno").PasswordEnabled {
		t.Error("password_enabled as a word not read")
	}
	if !user("u_lock").Locked || user("u_unlock").Locked {
		t.Error("locked as a word not read")
	}
	if u := user("u_tfa"); u.TwoFactorEnabled || !u.TOTPEnabled || u.BackupCodeEnabled { // each read as it is
		t.Errorf("second factors %+v", u)
	}
	if user("u_deprov").Deprovisioned {
		t.Error("deprovisioned \"false\" read as true")
	}
	if !user("u_mfa").TwoFactorEnabled {
		t.Error("a second factor's unreadable flag read as off")
	}
	for id, want := range map[string]string{"u_bad": `locked is the text "maybe"`, "u_badpw": `password_enabled is the text "sometimes"`} {
		if r := byID[id]; r.Err == nil || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: %+v, want an error saying %s", id, r, want)
		}
	}
}

// A field of the wrong type is named as the export names it, without
// the Go struct's name before it.
func TestJSONTypeErrorNamesTheExportsField(t *testing.T) {
	body := `[{"id":"u_1","email_addresses":[{"id":"e","email_address":"a@example.com"}],"primary_email_address_id":"e","web3_wallets":{"x":1}},
	 {"id":"u_2","email_addresses":[{"id":"e","email_address":"b@example.com"}],"primary_email_address_id":"e","external_accounts":[{"provider":7}]}]`
	recs, err := readAllPath(t, writeTemp(t, "u.json", body))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for i, want := range []string{`field "web3_wallets"`, `field "external_accounts.provider"`} {
		if recs[i].Err == nil || !strings.Contains(recs[i].Err.Error(), want) || strings.Contains(recs[i].Err.Error(), "User.") {
			t.Errorf("record %d: %v; want %s", i+1, recs[i].Err, want)
		}
	}
}
