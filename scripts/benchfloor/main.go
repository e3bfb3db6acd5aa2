// Command benchfloor measures what scripts/bench.sh compares the importer
// with, in the same run and on the same data:
//
//	benchfloor decode FILE     decode-only pass: encoding/json into a small struct
//	benchfloor insert FILE DB  raw insert of the rows an import writes for FILE
//	                           (prepared statements, 5,000 users per transaction)
//	benchfloor api N FILE      preview of N synthetic users through the Clerk API
//	                           (in-process emulator: sk_live limits, 300 ms per
//	                           page) and, for the ratio, of FILE (the same users);
//	                           also through an emulator without latency, which
//	                           shows what the walk itself costs beside the round
//	                           trip before the first page that no walk avoids
//
// Each prints one line of key=value pairs.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchfloor:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "decode":
		start := time.Now()
		n, err := decodeFile(args[1], func(*smallUser) {})
		if err != nil {
			return err
		}
		fmt.Printf("users=%d seconds=%.3f\n", n, time.Since(start).Seconds())
	case len(args) == 3 && args[0] == "insert":
		return insertFloor(args[1], args[2])
	case len(args) == 3 && args[0] == "api":
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("api: bad user count %q", args[1])
		}
		return apiPreview(n, args[2])
	default:
		return errors.New("usage: benchfloor decode FILE | insert FILE DB | api N FILE")
	}
	return nil
}

// smallUser is what an import keeps of a Clerk user.
type smallUser struct {
	ID                    string  `json:"id"`
	FirstName             *string `json:"first_name"`
	LastName              *string `json:"last_name"`
	ImageURL              string  `json:"image_url"`
	HasImage              bool    `json:"has_image"`
	PrimaryEmailAddressID *string `json:"primary_email_address_id"`
	PasswordEnabled       bool    `json:"password_enabled"`
	// The MFA and SSO facts the importer tags users by.
	TwoFactorEnabled   bool              `json:"two_factor_enabled"`
	TOTPEnabled        bool              `json:"totp_enabled"`
	BackupCodeEnabled  bool              `json:"backup_code_enabled"`
	Passkeys           []json.RawMessage `json:"passkeys"`
	SAMLAccounts       []json.RawMessage `json:"saml_accounts"`
	EnterpriseAccounts []json.RawMessage `json:"enterprise_accounts"`
	EmailAddresses     []struct {
		ID           string `json:"id"`
		EmailAddress string `json:"email_address"`
		Verification *struct {
			Status string `json:"status"`
		} `json:"verification"`
	} `json:"email_addresses"`
	ExternalAccounts []struct {
		Provider       string `json:"provider"`
		ProviderUserID string `json:"provider_user_id"`
		EmailAddress   string `json:"email_address"`
	} `json:"external_accounts"`
	PublicMetadata json.RawMessage `json:"public_metadata"`
	LastSignInAt   *int64          `json:"last_sign_in_at"`
	CreatedAt      int64           `json:"created_at"`
	Banned         bool            `json:"banned"`
}

// decodeFile streams a JSON array of users through fn.
func decodeFile(path string, fn func(*smallUser)) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return 0, fmt.Errorf("%s: not a JSON array", path)
	}
	n := 0
	for dec.More() {
		var u smallUser
		if err := dec.Decode(&u); err != nil {
			return n, fmt.Errorf("%s: user %d: %w", path, n+1, err)
		}
		fn(&u)
		n++
	}
	return n, nil
}

// row is what an import writes for one user.
type row struct {
	id, email, name, image, created, lastLogin, meta, sourceID string
	verified, banned                                           bool
	tags                                                       []string
	links                                                      [][3]string
	events                                                     [][2]string // type, payload
}

// toRow maps a user the way the importer does, minus most of its checks;
// it keeps the same users (the importer's skips are reproduced cheaply:
// no or implausible email, banned, email repeated in the source) so the
// floor writes the same rows. ok=false means the importer skips the user.
func toRow(u *smallUser, i int, seen map[string]bool) (r row, ok bool) {
	if len(u.EmailAddresses) == 0 || u.Banned {
		return r, false
	}
	pe := &u.EmailAddresses[0]
	for k := range u.EmailAddresses {
		if u.PrimaryEmailAddressID != nil && u.EmailAddresses[k].ID == *u.PrimaryEmailAddressID {
			pe = &u.EmailAddresses[k]
		}
	}
	email := strings.ToLower(strings.TrimSpace(pe.EmailAddress))
	if !plausibleEmail(email) || seen[email] {
		return r, false
	}
	seen[email] = true
	name := strings.TrimSpace(strings.TrimSpace(deref(u.FirstName)) + " " + strings.TrimSpace(deref(u.LastName)))
	r = row{
		id: fmt.Sprintf("usr_bench%09d", i), email: email, name: name,
		verified: pe.Verification != nil && pe.Verification.Status == "verified",
		created:  time.UnixMilli(u.CreatedAt).UTC().Format(time.RFC3339Nano), sourceID: u.ID,
		meta: `{"import":{"source":"clerk","sourceId":"` + u.ID + `"}}`,
	}
	if u.HasImage {
		r.image = u.ImageURL
	}
	linked := map[string]bool{}
	for _, ea := range u.ExternalAccounts {
		p := strings.TrimPrefix(strings.ToLower(ea.Provider), "oauth_")
		if p == "" || strings.TrimSpace(ea.ProviderUserID) == "" || linked[p+"\x00"+ea.ProviderUserID] {
			continue
		}
		linked[p+"\x00"+ea.ProviderUserID] = true
		r.links = append(r.links, [3]string{p, ea.ProviderUserID, strings.ToLower(ea.EmailAddress)})
	}
	r.tags = []string{"clerk"}
	if u.PasswordEnabled {
		r.tags = append(r.tags, "needs-password-reset")
	} else if len(r.links) > 0 {
		r.tags = append(r.tags, "social-only")
	}
	if len(u.SAMLAccounts)+len(u.EnterpriseAccounts) > 0 {
		r.tags = append(r.tags, "sso")
	}
	if u.TwoFactorEnabled || u.TOTPEnabled || u.BackupCodeEnabled || len(u.Passkeys) > 0 {
		r.tags = append(r.tags, "mfa-reenroll")
	}
	r.events = [][2]string{{"user.imported", `{"source":"clerk","sourceId":"` + u.ID + `"}`}}
	if u.LastSignInAt != nil && *u.LastSignInAt > 0 {
		r.lastLogin = time.UnixMilli(*u.LastSignInAt).UTC().Format(time.RFC3339Nano)
		r.events = append(r.events, [2]string{"user.login", `{"synthetic":true}`})
	}
	return r, true
}

// plausibleEmail is a cheap stand-in for the importer's address check.
func plausibleEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || strings.ContainsAny(s, " \t<>,;\"") {
		return false
	}
	d := s[at+1:]
	return strings.Contains(d, ".") && !strings.HasPrefix(d, ".") && !strings.HasSuffix(d, ".")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// insertFloor decodes FILE into rows first, then times only their insert
// into a fresh environment at DB.
func insertFloor(path, db string) error {
	var rows []row
	seen := map[string]bool{}
	n, err := decodeFile(path, func(u *smallUser) {
		if r, ok := toRow(u, len(rows), seen); ok {
			rows = append(rows, r)
		}
	})
	if err != nil {
		return err
	}
	env, err := sqlite.OpenLocal(db)
	if err != nil {
		return err
	}
	defer env.Close()
	start := time.Now()
	if err := insertRows(context.Background(), env, rows); err != nil {
		return err
	}
	fmt.Printf("users=%d inserted=%d seconds=%.3f\n", n, len(rows), time.Since(start).Seconds())
	return nil
}

const perTx = 5000

// insertSQL is what the environment's import prepares, statement for
// statement.
var insertSQL = [...]string{
	`INSERT INTO users (id, email, name, image, email_verified, created_at, last_login_at, metadata, banned, import_run, inserted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`INSERT OR IGNORE INTO oauth_links (user_id, provider, provider_user_id, email) VALUES (?, ?, ?, ?)`,
	`INSERT OR IGNORE INTO user_tags (user_id, tag) VALUES (?, ?)`,
	`INSERT OR IGNORE INTO import_sources (source, source_id, user_id, run_id) VALUES (?, ?, ?, ?)`,
	`INSERT INTO events (id, type, user_id, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
}

func insertRows(ctx context.Context, env *sqlite.Local, rows []row) error {
	db := env.WriteDB()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for lo := 0; lo < len(rows); lo += perTx {
		if err := insertTx(ctx, db, rows[lo:min(lo+perTx, len(rows))], lo, now); err != nil {
			return err
		}
	}
	return nil
}

func insertTx(ctx context.Context, db *sql.DB, rows []row, base int, now string) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var st [len(insertSQL)]*sql.Stmt
	for i, q := range insertSQL {
		if st[i], err = tx.PrepareContext(ctx, q); err != nil {
			return err
		}
		defer st[i].Close()
	}
	user, link, tag, source, event := st[0], st[1], st[2], st[3], st[4]
	for i, r := range rows {
		var last any
		if r.lastLogin != "" {
			last = r.lastLogin
		}
		if _, err := user.ExecContext(ctx, r.id, r.email, r.name, r.image, r.verified, r.created, last, r.meta, r.banned, "run_bench", now); err != nil {
			return err
		}
		for _, l := range r.links {
			if _, err := link.ExecContext(ctx, r.id, l[0], l[1], l[2]); err != nil {
				return err
			}
		}
		for _, t := range r.tags {
			if _, err := tag.ExecContext(ctx, r.id, t); err != nil {
				return err
			}
		}
		if _, err := source.ExecContext(ctx, "clerk", r.sourceID, r.id, "run_bench"); err != nil {
			return err
		}
		for k, ev := range r.events {
			if _, err := event.ExecContext(ctx, fmt.Sprintf("evt_bench%09d_%d", base+i, k), ev[0], r.id, ev[1], now); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// apiPreview times an import preview of n users through the API against
// an in-process emulator, and of the same users from file.
func apiPreview(n int, file string) error {
	var requests, throttled int
	dir, err := os.MkdirTemp("", "benchfloor")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// preview returns the wall time, the process CPU time (the in-process
	// emulator's serving included) and the users read.
	preview := func(name string, src clerk.Source) (time.Duration, time.Duration, int, error) {
		defer src.Close()
		env, err := ascendkit.Open("local:" + filepath.Join(dir, name+".db"))
		if err != nil {
			return 0, 0, 0, err
		}
		defer env.Close()
		// What setting up left behind (the emulator's encoding, an
		// earlier preview) is collected before the clock starts, not
		// during the preview.
		runtime.GC()
		start, cpu0 := time.Now(), cpuTime()
		rep, err := importer.Run(context.Background(), src, env, importer.Options{
			Mode: importer.ModePreview, Phases: importer.Phases{Users: true, Settings: true},
		})
		return time.Since(start), cpuTime() - cpu0, rep.Users.Fetched, err
	}
	// In one process the earlier runs are measured slower (warm-up, a
	// machine whose load drifts), so the previews go in the order API,
	// file, API without latency twice, file, API, and each figure is the
	// mean of its two runs.
	// Each API preview talks to an instance of its own: one whose
	// allowance the previous preview, seconds before, has not spent.
	apiRun := func(name string, latency time.Duration) (time.Duration, time.Duration, int, error) {
		// Generated afresh each time, so that no million decoded users
		// stay in this process for its garbage collector to scan.
		srv, err := emulator.Start(emulator.Generate(n, 1), emulator.Options{
			SecretKey: "sk_live_bench", RequestsPer10s: 1000, Latency: latency,
		})
		if err != nil {
			return 0, 0, 0, err
		}
		defer srv.Close()
		src, err := clerk.NewAPISource("sk_live_bench", clerk.APIOptions{BaseURL: srv.BaseURL()})
		if err != nil {
			return 0, 0, 0, err
		}
		wall, cpu, got, err := preview(name, src)
		if latency > 0 {
			requests += srv.RequestsTo("/v1/users")
			throttled += srv.Throttled()
		}
		return wall, cpu, got, err
	}
	var apiTime, apiCPU, fileTime, fileCPU, api0Time time.Duration
	for i, kind := range []string{"api", "file", "api0", "api0", "file", "api"} {
		var wall, cpu time.Duration
		var got int
		var err error
		switch kind {
		case "api":
			wall, cpu, got, err = apiRun(fmt.Sprint(kind, i), 300*time.Millisecond)
		case "api0":
			wall, _, got, err = apiRun(fmt.Sprint(kind, i), 0)
		default:
			var src clerk.Source
			if src, err = clerk.OpenFile(file); err == nil {
				wall, cpu, got, err = preview(fmt.Sprint(kind, i), src)
			}
		}
		if err != nil {
			return fmt.Errorf("%s preview: %w", kind, err)
		}
		if got != n {
			return fmt.Errorf("%s preview read %d users, want %d", kind, got, n)
		}
		switch kind {
		case "api":
			apiTime, apiCPU = apiTime+wall/2, apiCPU+cpu/2
		case "api0":
			api0Time += wall / 2
		default:
			fileTime, fileCPU = fileTime+wall/2, fileCPU+cpu/2
		}
	}
	fmt.Printf("users=%d api_seconds=%.3f api_cpu=%.3f api_requests=%d api_throttled=%d file_seconds=%.3f file_cpu=%.3f api0_seconds=%.3f\n",
		n, apiTime.Seconds(), apiCPU.Seconds(), requests/2, throttled/2, fileTime.Seconds(), fileCPU.Seconds(), api0Time.Seconds())
	return nil
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
