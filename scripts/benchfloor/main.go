// Command benchfloor measures what scripts/bench.sh compares the importer
// with, in the same run and on the same data:
//
//	benchfloor decode FILE     decode-only pass: encoding/json into a small struct
//	benchfloor insert RUN DB   raw insert into DB of the rows an import wrote
//	                           into RUN (prepared statements, 5,000 users per
//	                           transaction)
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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
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
		n, err := decodeFile(args[1])
		if err != nil {
			return err
		}
		fmt.Printf("users=%d seconds=%.3f\n", n, time.Since(start).Seconds())
	case len(args) == 3 && args[0] == "insert":
		r, err := insertFloor(args[1], args[2])
		if err != nil {
			return err
		}
		fmt.Printf("users=%d rows=%d transactions=%d seconds=%.3f\n", r.users, r.rows, r.transactions, r.seconds)
	case len(args) == 3 && args[0] == "api":
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("api: bad user count %q", args[1])
		}
		return apiPreview(n, args[2])
	default:
		return errors.New("usage: benchfloor decode FILE | insert RUN DB | api N FILE")
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

// decodeFile decodes every user of a JSON array into a smallUser and
// returns how many there were.
func decodeFile(path string) (int, error) {
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
		n++
	}
	return n, nil
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
