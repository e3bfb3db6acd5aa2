package conformance

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func diffSnapshots(t *testing.T, before, after map[string][]string) {
	t.Helper()
	for tb := range before {
		if !reflect.DeepEqual(before[tb], after[tb]) {
			t.Errorf("table %s differs after undo:\nbefore %v\nafter  %v", tb, before[tb], after[tb])
		}
	}
}

func startRun(t *testing.T, l ascendkit.Environment, id string) {
	t.Helper()
	if err := l.StartRun(ctx, ascendkit.Run{ID: id, StartedAt: t0, SourceKind: "file", Options: []byte(`{"onDuplicate":"merge"}`)}); err != nil {
		t.Fatal(err)
	}
}

func finishRun(t *testing.T, l ascendkit.Environment, id string) {
	t.Helper()
	if err := l.FinishRun(ctx, id, ascendkit.RunFinish{Status: ascendkit.RunCompleted, SourceFormat: "clerk-dashboard-csv", Report: []byte(`{"mode":"run"}`), At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
}

// baseline is an environment with a user of its own, a merged-into
// candidate, an active journey and auth settings.
func baseline(t *testing.T, l ascendkit.Environment) {
	t.Helper()
	own := imported(1)
	own.Source, own.SourceID = "signup", "s1"
	own.User.Metadata = map[string]any{"plan": "team", "n": 12345678901234567}
	own.User.Tags = []string{"vip"}
	own.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}}
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{own}})
	j, _, err := l.CreateJourney(ctx, testJourney("Reset cadence", "import:needs-password-reset"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.ActivateJourney(ctx, j.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := l.SetAuthProviders(ctx, []string{"credentials"}); err != nil {
		t.Fatal(err)
	}
}

func testUndoCreatedAndMergedRestoresEveryTable(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	before := be.Dump(t, l)

	startRun(t, l, "run_a")
	created := imported(5, "import:needs-password-reset")
	created.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "$2a$10$abcdefghijklmnopqrstuuDigestDigestDigestDigestDigestDig"}
	unsupported := imported(6)
	unsupported.Password = &ascendkit.Password{Hasher: "md5"}
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{created, unsupported}, Merge: []ascendkit.Merge{{
		Email: "user1@example.com", Source: "clerk", SourceID: "user_1", Tags: []string{"vip", "import:clerk", "import:needs-password-reset"},
		OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}, {Provider: "github", ProviderUserID: "gh1"}},
		ImportMeta: map[string]any{"source": "clerk", "sourceId": "user_1"},
		// The existing user has none of these: the merge fills them, and
		// undo must empty them again.
		Fill: ascendkit.User{Username: "ada", ExternalID: "ext_1", Phone: "+15555550100", PhoneVerified: true,
			SecondaryEmails: []ascendkit.SecondaryEmail{{Email: "ada@work.example", Verified: true}},
			PrivateMetadata: map[string]any{"stripe": "cus_1"}}}}})
	if res.Created != 2 || res.Merged != 1 || res.Enrolled != 2 {
		t.Fatalf("apply = %+v", res)
	}
	if err := l.SetAuthProviders(ctx, []string{"credentials", "github", "google"}); err != nil {
		t.Fatal(err)
	}
	finishRun(t, l, "run_a")
	if be.Count(t, l, "user_passwords") != 2 || be.Count(t, l, "import_merge_changes") != 8 { // 1 link, g1 held, 2 tags, vip held, meta, fields, enrollment
		t.Fatalf("passwords %d, merge changes %d", be.Count(t, l, "user_passwords"), be.Count(t, l, "import_merge_changes"))
	}

	p, err := l.PlanUndo(ctx, "run_a")
	if err != nil {
		t.Fatal(err)
	}
	want := ascendkit.UndoPlan{RunID: "run_a", Users: 2, MergedUsers: 1, Links: 1, Tags: 2, Metadata: 1, Fields: 1, Enrollments: 1, EnrolledUsers: 2, Settings: true, Blockers: []ascendkit.UndoBlocker{}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("plan %+v\nwant %+v", p, want)
	}
	if _, err := l.UndoRun(ctx, "run_a", false, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	diffSnapshots(t, before, be.Dump(t, l))
	r, err := l.GetRun(ctx, "run_a")
	if err != nil || r.Status != ascendkit.RunUndone || r.UndoneAt == nil || string(r.Report) != `{"mode":"run"}` {
		t.Fatalf("run after undo %+v, %v", r, err)
	}
	if _, err := l.UndoRun(ctx, "run_a", false, t0); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Errorf("second undo: %v", err)
	}
	// The same users import again after the undo.
	startRun(t, l, "run_b")
	if res := apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Create: []ascendkit.ImportedUser{imported(5)}}); res.Created != 1 {
		t.Errorf("re-import after undo = %+v", res)
	}
}

func testUndoKeepsSettingsChangedSince(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	startRun(t, l, "run_a")
	l.SetAuthProviders(ctx, []string{"credentials", "google"})
	finishRun(t, l, "run_a")
	l.SetAuthProviders(ctx, []string{"apple"}) // someone else's change
	p, err := l.UndoRun(ctx, "run_a", false, t0)
	if err != nil || p.Settings {
		t.Fatalf("undo = %+v, %v", p, err)
	}
	if s, _ := l.AuthSettings(ctx); !reflect.DeepEqual(s.Providers, []string{"apple"}) {
		t.Errorf("providers %v", s.Providers)
	}
}

func testUndoRefusedWhenLaterRunMergedThenForced(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	before := be.Dump(t, l)
	startRun(t, l, "run_a")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{imported(5), imported(6)}})
	finishRun(t, l, "run_a")
	startRun(t, l, "run_b")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Merge: []ascendkit.Merge{{Email: "user5@example.com", Source: "other", SourceID: "o5", Tags: []string{"x"}}}})
	finishRun(t, l, "run_b")

	p, err := l.PlanUndo(ctx, "run_a")
	if err != nil || len(p.Blockers) != 1 || p.Blockers[0].Email != "user5@example.com" || p.Blockers[0].RunID != "run_b" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	_, err = l.UndoRun(ctx, "run_a", false, t0)
	var blocked *ascendkit.UndoBlockedError
	if !errors.As(err, &blocked) || !errors.Is(err, ascendkit.ErrUndoBlocked) || !strings.Contains(err.Error(), "user5@example.com by run_b") {
		t.Fatalf("undo not refused: %v", err)
	}
	if be.Count(t, l, "users") != 3 {
		t.Fatal("a refused undo wrote")
	}
	if _, err := l.UndoRun(ctx, "run_a", true, t0); err != nil {
		t.Fatal(err)
	}
	diffSnapshots(t, before, be.Dump(t, l))
}

func testKilledRunReadsInterruptedAndUndoes(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	before := be.Dump(t, l)
	startRun(t, l, "run_k")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_k", Create: []ascendkit.ImportedUser{imported(5)}})
	// The run belongs to this process: it is running, and undo waits.
	if r, _ := l.GetRun(ctx, "run_k"); r.Status != ascendkit.RunRunning {
		t.Fatalf("status %s", r.Status)
	}
	if _, err := l.UndoRun(ctx, "run_k", false, t0); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("undo of a live run: %v", err)
	}
	// Hand the run to a process that has exited, as if it were killed.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to make a dead pid") // not expected on unix CI
	}
	be.Exec(t, l, `UPDATE import_runs SET pid = $1 WHERE id = 'run_k'`, cmd.Process.Pid)
	runs, err := l.ListRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != ascendkit.RunInterrupted || runs[0].FinishedAt != nil {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	if _, err := l.UndoRun(ctx, "run_k", false, t0); err != nil {
		t.Fatal(err)
	}
	diffSnapshots(t, before, be.Dump(t, l))
}

func testPasswordStateAndRedaction(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	kept := imported(5)
	kept.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "SECRET-DIGEST"}
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{kept, imported(6)}})
	s, err := l.PasswordState(ctx, "USER5@example.com")
	if err != nil || !s.Imported || s.Hasher != "bcrypt" || string(s.Digest) != "SECRET-DIGEST" {
		t.Fatalf("state %+v, %v", s, err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v %s", s, s, s, s.Digest), "SECRET") {
		t.Error("fmt printed the digest")
	}
	if s, _ := l.PasswordState(ctx, "user6@example.com"); !s.Imported || s.ImportRun != "r" || s.Hasher != "" {
		t.Errorf("no password: %+v", s)
	}
	if s, _ := l.PasswordState(ctx, "user1@example.com"); s.ImportRun != "" || s.Hasher != "" {
		t.Errorf("signup user reads imported: %+v", s)
	}
	if _, err := l.PasswordState(ctx, "ghost@example.com"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("ghost: %v", err)
	}
}

// An undo while another run of the environment imports is refused,
// naming that run, from this client or another: that run looked its
// users up before the undo removed them and would count them imported
// already, so they would be lost. Once it ends, the undo goes ahead.
func testUndoRefusedWhileAnotherRunImports(t *testing.T, be Backend) {
	l := be.Open(t)
	startRun(t, l, "run_a")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{imported(1), imported(2)}})
	finishRun(t, l, "run_a")
	startRun(t, l, "run_b")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Create: []ascendkit.ImportedUser{imported(3)}})

	other := be.Reopen(t, l)
	for _, env := range []ascendkit.Environment{l, other} {
		if _, err := env.PlanUndo(ctx, "run_a"); !errors.Is(err, ascendkit.ErrInvalid) ||
			!strings.Contains(err.Error(), "run run_b is importing now; undo run_a after it ends") {
			t.Fatalf("plan undo while run_b runs: %v", err)
		}
		if _, err := env.UndoRun(ctx, "run_a", true, t0); !errors.Is(err, ascendkit.ErrInvalid) ||
			!strings.Contains(err.Error(), "run run_b is importing now") {
			t.Fatalf("undo while run_b runs: %v", err)
		}
	}
	if n, _ := l.CountUsers(ctx); n != 3 {
		t.Fatalf("users after the refused undo = %d, want 3", n)
	}
	if r, err := l.GetRun(ctx, "run_a"); err != nil || r.Status != ascendkit.RunCompleted {
		t.Fatalf("run_a after the refused undo: %+v, %v", r, err)
	}

	finishRun(t, l, "run_b")
	if _, err := other.UndoRun(ctx, "run_a", false, t0); err != nil {
		t.Fatalf("undo after run_b ended: %v", err)
	}
	if n, _ := l.CountUsers(ctx); n != 1 {
		t.Fatalf("users after the undo = %d, want 1", n)
	}
}

// testLeftoverRunWithoutHeartbeatBlocksNoUndo: a run an older version
// left "running" on another host has no heartbeat, so it is never settled
// dead; it must not refuse every undo for good. One started minutes ago
// (an older version's import may run that long) still does.
func testLeftoverRunWithoutHeartbeatBlocksNoUndo(t *testing.T, be Backend) {
	l := be.Open(t)
	clock, _ := clocked(t, l)
	startRun(t, l, "run_a")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{imported(1)}})
	finishRun(t, l, "run_a")
	startRun(t, l, "run_old")
	be.Exec(t, l, `UPDATE import_runs SET host = 'far-away-host', pid_ns = 'theirs', pid = 1, heartbeat_at = NULL WHERE id = 'run_old'`)
	if _, err := l.PlanUndo(ctx, "run_a"); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("undo beside a run started just now: %v, want a refusal", err)
	}
	clock.Add(ascendkit.RunStaleAfter + time.Second)
	if _, err := l.PlanUndo(ctx, "run_a"); !errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("undo beside a heartbeat-less run of minutes: %v, want a refusal (an older version's import may run long)", err)
	}
	clock.Add(12 * time.Hour)
	if _, err := l.UndoRun(ctx, "run_a", false, clock.Now()); err != nil {
		t.Fatalf("undo beside a heartbeat-less leftover: %v", err)
	}
}

// UserStates reads for many users at once what GetUser and PasswordState
// read one by one: a created user with a digest, one whose hasher was not
// supported (no digest) and banned, a user merged into, and ids of no
// user, one JSON could not carry.
func testUserStates(t *testing.T, be Backend) {
	l := be.Open(t)
	baseline(t, l)
	kept := imported(5)
	kept.User.Username = "five"
	kept.User.Metadata = map[string]any{"import": map[string]any{"source": "clerk", "sourceId": "user_5"}}
	kept.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: "SECRET-DIGEST"}
	kept.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g-5", Email: "user5@example.com"}}
	unsupported := imported(6)
	unsupported.User.Banned = true
	unsupported.User.Metadata = map[string]any{"import": map[string]any{"source": 7, "sourceId": []any{"x"}}}
	unsupported.Password = &ascendkit.Password{Hasher: "md5"}
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{kept, unsupported}})
	apply(t, l, ascendkit.ImportBatch{RunID: "r2", Merge: []ascendkit.Merge{{Email: "user1@example.com", Source: "clerk", SourceID: "user_x",
		ImportMeta: map[string]any{"source": "clerk", "sourceId": "user_x"}, Fill: ascendkit.User{Username: "x"}}}})
	// A user with a username of their own: the merge fills none.
	own := imported(7)
	own.Source, own.SourceID, own.User.Username = "signup", "s7", "seven"
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{own}})
	apply(t, l, ascendkit.ImportBatch{RunID: "r3", Merge: []ascendkit.Merge{{Email: "user7@example.com", Source: "clerk", SourceID: "user_y",
		Fill: ascendkit.User{Username: "y", ExternalID: "ext-y"}}}})
	var ids []string
	for _, e := range []string{"user1@example.com", "user5@example.com", "user6@example.com", "user7@example.com"} {
		u, err := l.GetUser(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	got, err := l.UserStates(ctx, append(ids, ids[1], "usr_nobody", "usr_\x01"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ascendkit.UserState{
		{UserID: ids[0], Email: "user1@example.com", Username: "x", ImportSource: "clerk", ImportSourceID: "user_x", MergedUsername: "x",
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}}, SourceUsers: 2},
		{UserID: ids[1], Email: "user5@example.com", Username: "five", ImportRun: "r", ImportSource: "clerk", ImportSourceID: "user_5", HasDigest: true,
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g-5"}}, SourceUsers: 1},
		{UserID: ids[2], Email: "user6@example.com", Banned: true, ImportRun: "r", OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g6"}}, SourceUsers: 1},
		{UserID: ids[3], Email: "user7@example.com", Username: "seven", ImportSourceID: "user_7", OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g7"}},
			SourceUsers: 2}, // its own sign-up and the Clerk user merged into it
	}
	if len(got) != len(want) {
		t.Errorf("states of %d users, want %d: %+v", len(got), len(want), got)
	}
	for _, w := range want {
		// The same as the one-user reads say; the digest by its SHA-256.
		u, _ := l.GetUser(ctx, w.UserID)
		st, _ := l.PasswordState(ctx, w.UserID)
		if w.HasDigest {
			w.DigestSum = sha256.Sum256([]byte(st.Digest))
		}
		if g := got[w.UserID]; !reflect.DeepEqual(g, w) {
			t.Errorf("state\n got %+v\nwant %+v", g, w)
		}
		if u.Username != w.Username || u.Banned != w.Banned || st.ImportRun != w.ImportRun || (st.Digest != "") != w.HasDigest {
			t.Errorf("%s: GetUser %+v, PasswordState run %q, differ from %+v", w.Email, u, st.ImportRun, w)
		}
	}
	if got, err := l.UserStates(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v, %v", got, err)
	}
}
