package importer

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

const csvHeader = "id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\n"

// signInUnknownFiles writes a clerk migrate file of three users and the
// Dashboard CSV that goes with it: grace has a password; gina signed in
// with Google only (her row has no digest, and clerk migrate has no OAuth
// accounts); omar is not in the CSV (taken to have had a password).
func signInUnknownFiles(t *testing.T) (mig, csv string) {
	t.Helper()
	dir := t.TempDir()
	mig, csv = filepath.Join(dir, "migrate.json"), filepath.Join(dir, "users.csv")
	if err := os.WriteFile(mig, []byte(`{"clerkMigrate":1,"source":"clerk","users":[
		{"id":"user_grace","primary_email_address":"grace@example.com","verified_email_addresses":["grace@example.com"],"created_at":"2024-06-01T12:00:00Z"},
		{"id":"user_gina","primary_email_address":"gina@example.com","verified_email_addresses":["gina@example.com"],"created_at":"2024-06-01T12:00:00Z"},
		{"id":"user_omar","primary_email_address":"omar@example.com","verified_email_addresses":["omar@example.com"],"created_at":"2024-06-01T12:00:00Z"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, []byte(csvHeader+
		"user_grace,Grace,,,grace@example.com,,grace@example.com,,,,,"+bcryptOf(t, "pw")+",bcrypt\n"+
		"user_gina,Gina,,,gina@example.com,,gina@example.com,,,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return mig, csv
}

func openFile(t *testing.T, path string) clerk.Source {
	t.Helper()
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// A clerk migrate file has no OAuth accounts, so a user without a
// password in it (Google-only in Clerk) was counted as having signed in
// with neither a password nor OAuth: passwordlessUsers, and a warning
// that said so. Their sign-in methods are not in the file: they count as
// signInUnknownUsers, with a warning that says that, and the same numbers
// in preview, run and the wizard's recount.
func TestSignInMethodsNotInFile(t *testing.T) {
	mig, csv := signInUnknownFiles(t)
	var cls *Classified
	pre := run(t, openFile(t, mig), openEnv(t), Options{Mode: ModePreview, Passwords: openFile(t, csv),
		OnClassified: func(c *Classified) { cls = c }})
	if cls == nil {
		t.Fatal("no classification")
	}
	defer cls.Close()
	s := pre.Settings
	if s.PasswordlessUsers != 0 || s.SignInUnknownUsers != 1 || s.ProviderUsers["credentials"] != 2 {
		t.Fatalf("settings %+v", s)
	}
	w := strings.Join(pre.Warnings, "\n")
	if strings.Contains(w, "neither a password nor OAuth") ||
		!strings.Contains(w, "1 user has no password, and their sign-in methods are not in this file") {
		t.Errorf("warnings %q", w)
	}

	env := openEnv(t)
	var last PageRead
	rep := run(t, openFile(t, mig), env, Options{Mode: ModeRun, Passwords: openFile(t, csv), OnEvent: func(ev Event) {
		if p, ok := ev.(PageRead); ok {
			last = p
		}
	}})
	if !reflect.DeepEqual(rep.Settings, pre.Settings) || !slices.Equal(rep.Warnings, pre.Warnings) {
		t.Errorf("run settings %+v\nwarnings %q\npreview %+v\nwarnings %q", rep.Settings, rep.Warnings, pre.Settings, pre.Warnings)
	}
	if a := last.Analysis; a.Neither != 0 || a.SignInUnknown != 1 || a.Password != 2 {
		t.Errorf("analysis %+v", a)
	}
	// No password tag and no social-only tag: nothing is known.
	g, err := env.GetUser(ctx, "gina@example.com")
	if err != nil || slices.Contains(g.Tags, TagNeedsPasswordReset) || slices.Contains(g.Tags, TagSocialOnly) {
		t.Errorf("gina %v %v", g.Tags, err)
	}

	re, err := cls.Recount(ctx, Options{Mode: ModePreview})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(re.Settings, pre.Settings) || !slices.Equal(re.Warnings, pre.Warnings) {
		t.Errorf("recount settings %+v\nwarnings %q\npreview %+v\nwarnings %q", re.Settings, re.Warnings, pre.Settings, pre.Warnings)
	}
	// With magic-link on they can sign in: the warning says so, and
	// still counts them.
	ml, err := cls.Recount(ctx, Options{Mode: ModePreview, Providers: []string{"magic-link"}})
	if err != nil {
		t.Fatal(err)
	}
	if ml.Settings.SignInUnknownUsers != 1 || !strings.Contains(strings.Join(ml.Warnings, "\n"), "until then they can sign in with magic-link") {
		t.Errorf("with magic-link: %+v %q", ml.Settings, ml.Warnings)
	}
}

// The Dashboard CSV has no OAuth accounts either: its user without a
// digest is not known to be passwordless. A source that carries external
// accounts (the API's shape) still tells one who has neither.
func TestSignInUnknownOnlyWhereTheSourceCannotSay(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csv, []byte(csvHeader+
		"user_a,Ann,,,a@example.com,,a@example.com,,,,,"+bcryptOf(t, "pw")+",bcrypt\n"+
		"user_b,Bo,,,b@example.com,,b@example.com,,,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := run(t, openFile(t, csv), openEnv(t), Options{Mode: ModePreview})
	if rep.Settings.PasswordlessUsers != 0 || rep.Settings.SignInUnknownUsers != 1 {
		t.Errorf("csv settings %+v", rep.Settings)
	}

	api := filepath.Join(dir, "api.json")
	if err := os.WriteFile(api, []byte(`[{"id":"user_c","primary_email_address_id":"idn_c","email_addresses":[{"id":"idn_c","email_address":"c@example.com","verification":{"status":"verified"}}],"password_enabled":false,"external_accounts":[],"created_at":1752102559068}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	rep = run(t, openFile(t, api), openEnv(t), Options{Mode: ModePreview})
	if rep.Settings.PasswordlessUsers != 1 || rep.Settings.SignInUnknownUsers != 0 {
		t.Errorf("api settings %+v", rep.Settings)
	}
	rep = run(t, newSource(10, mkUser("user_d", "d@example.com")), openEnv(t), Options{Mode: ModePreview})
	if rep.Settings.PasswordlessUsers != 1 || rep.Settings.SignInUnknownUsers != 0 {
		t.Errorf("source settings %+v", rep.Settings)
	}
}

// The go-live email goes to every imported user, those whose OAuth
// accounts the source did not hold too: it promised that their account
// was "already linked", which for them it is not.
func TestGoLivePromisesNoLink(t *testing.T) {
	for _, tpl := range migrationTemplates() {
		if tpl.Slug != SlugGoLive {
			continue
		}
		r := Render(tpl, ascendkit.User{Name: "Gina", Email: "gina@example.com"}, map[string]string{"appName": "App", "loginUrl": "https://app.example/login"})
		for _, body := range []string{r.Text, r.HTML} {
			if strings.Contains(body, "already linked") || !strings.Contains(body, "sign in with your email address") {
				t.Errorf("go-live body %q", body)
			}
		}
		return
	}
	t.Fatal("no go-live template")
}

// TestImportedEventSaysOAuthUnknown: the user.imported event of a user
// from a source without OAuth data says hasOAuth null (unknown), not
// false; an API user without accounts says false.
func TestImportedEventSaysOAuthUnknown(t *testing.T) {
	unknown := mkUser("user_u", "u@example.com", func(u *clerk.User) { u.OAuthUnknown = true })
	m, reason, _ := mapUser(unknown, now, false)
	if reason != "" {
		t.Fatal(reason)
	}
	if v, ok := m.user.Events[0].Payload["hasOAuth"]; !ok || v != nil {
		t.Errorf("hasOAuth = %v (present %v), want null", v, ok)
	}
	m, _, _ = mapUser(mkUser("user_k", "k@example.com"), now, false)
	if v := m.user.Events[0].Payload["hasOAuth"]; v != false {
		t.Errorf("hasOAuth = %v, want false", v)
	}
}
