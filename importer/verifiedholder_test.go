package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// The hunt's file: a squatter who signed up with the CEO's address and
// never verified it, and the CEO, who has it verified (through Google).
const (
	squatterJSON = `{"id":"user_squatter","primary_email_address_id":"e1","password_enabled":true,"first_name":"Mallory","email_addresses":[{"id":"e1","email_address":"ceo@bigcorp.example","verification":{"status":"unverified","strategy":"email_code"}}],"created_at":1600000000000}`
	ownerJSON    = `{"id":"user_owner","primary_email_address_id":"e2","first_name":"Real","last_name":"Ceo","public_metadata":{"role":"admin"},"email_addresses":[{"id":"e2","email_address":"CEO@bigcorp.example","verification":{"status":"verified","strategy":"from_oauth_google"}}],"external_accounts":[{"id":"eac","provider":"oauth_google","provider_user_id":"1049","email_address":"ceo@bigcorp.example","verification":{"status":"verified","strategy":"oauth_google"}}],"created_at":1700000000000}`
)

// TestVerifiedHolderTakesTheAddress: the first user of an address in the
// source took it even when unverified and a later user had it verified:
// the squatter was imported (tagged for a reset mailed to the CEO) and
// the CEO dropped as repeated_in_source, losing their Google link and
// metadata. The verified one now takes it in either order; the squatter
// is the duplicate, never merged, and a second run imports nothing.
func TestVerifiedHolderTakesTheAddress(t *testing.T) {
	eachBackend(t, testVerifiedHolderTakesTheAddress)
}

func testVerifiedHolderTakesTheAddress(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	for _, c := range []struct {
		name        string
		users       []string
		squatterPos int
	}{
		{"squatter first", []string{squatterJSON, ownerJSON}, 1},
		{"owner first", []string{ownerJSON, squatterJSON}, 2},
	} {
		for _, policy := range []Policy{PolicySkip, PolicyMerge} {
			t.Run(c.name+"/"+string(policy), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "uv.json")
				if err := os.WriteFile(path, []byte("["+strings.Join(c.users, ",\n")+"]"), 0o600); err != nil {
					t.Fatal(err)
				}
				env := openEnv(t)
				mk := func() clerk.Source { return openFile(t, path) }
				// Decisions cannot merge the squatter either.
				opts := Options{OnDuplicate: policy, Decisions: map[string]Policy{"user_squatter": policy}}
				rep, entries := previewAndRun(t, mk, env, opts)
				u := rep.Users
				if u.Imported != 1 || u.Duplicates != 1 || u.DuplicateReasons[ReasonRepeatedInSource] != 1 || u.Merged != 0 {
					t.Fatalf("users %+v", u)
				}
				e := duplicateOf(t, entries, "user_squatter")
				if e.Pos != c.squatterPos || e.Reason != ReasonRepeatedInSource || e.Policy != PolicySkip ||
					!strings.Contains(e.Detail, "not merged: ceo@bigcorp.example is not verified in Clerk") {
					t.Errorf("squatter's entry %+v", e)
				}
				if c.squatterPos == 1 && !strings.Contains(e.Detail, "the later user of this source who has it verified") {
					t.Errorf("the entry does not say a later user holds the address: %q", e.Detail)
				}
				got, err := env.GetUser(ctx, "ceo@bigcorp.example")
				if err != nil {
					t.Fatal(err)
				}
				imp, _ := got.Metadata["import"].(map[string]any)
				if imp["sourceId"] != "user_owner" || !got.EmailVerified || got.Name != "Real Ceo" ||
					len(got.OAuthLinks) != 1 || got.OAuthLinks[0].ProviderUserID != "1049" ||
					slices.Contains(got.Tags, TagNeedsPasswordReset) || got.Metadata["role"] != "admin" {
					t.Errorf("ceo@bigcorp.example is %+v, want the verified owner with their Google link and metadata", got)
				}
				// A second run imports nothing.
				again := run(t, mk(), env, Options{Mode: ModeRun, OnDuplicate: policy})
				if again.Users.Imported != 0 || again.Users.Merged != 0 || again.Users.Duplicates != 2 {
					t.Errorf("second run %+v", again.Users)
				}
				if n, _ := env.CountUsers(ctx); n != 1 {
					t.Errorf("%d users after a second run, want 1", n)
				}
			})
		}
	}
}

// heldSource has, n times over, every case of an address held by users
// whose verification differs, the first users of each address in the
// first half of the source and the others in the second, on pages of 3:
//
//	a: unverified (with a password) then verified: the verified one
//	b: verified then unverified: the verified one
//	c: two unverified: the first
//	d: unverified alone: imported at the end
//	e: unverified, verified, verified: the first verified (the other
//	   merges into it)
//	f: unverified, unverified, verified: the verified one
//	g: unverified, its Clerk id listed again later with another address
//	h: unverified, its address in the environment (seeded)
//	l: unverified alone with a GitHub account a later verified user of
//	   another address also has: that user gets it, the end is too late
func heldSource(t testing.TB, n int) func() *sliceSource {
	digest := bcryptOf(t, "hunter2")
	pw := func(u *clerk.User) {
		u.PasswordEnabled, u.PasswordHasher, u.PasswordDigest = true, "bcrypt", clerk.Secret(digest)
	}
	meta := func(u *clerk.User) {
		u.PublicMetadata = map[string]any{"plan": "pro", "seats": 12, "tags": []any{"x", nil}}
	}
	gh := func(id string) userOpt {
		return func(u *clerk.User) {
			u.ExternalAccounts = append(u.ExternalAccounts, clerk.ExternalAccount{ID: "eac_" + u.ID, Provider: "oauth_github",
				ProviderUserID: id, Verification: &clerk.Verification{Status: "verified", Strategy: "oauth_github"}})
		}
	}
	var first, second []*clerk.User
	for i := range n {
		a := func(s string) string { return fmt.Sprintf("%s%d@example.com", s, i) }
		id := func(s string) string { return fmt.Sprintf("user_%s%d", s, i) }
		first = append(first,
			mkUser(id("a_sq"), a("a"), unverifiedEmail, pw, meta),
			mkUser(id("b_own"), a("b"), withOAuth("oauth_google")),
			mkUser(id("c1"), a("c"), unverifiedEmail, meta),
			mkUser(id("d"), a("d"), unverifiedEmail, pw, meta, withLogin),
			mkUser(id("e_sq"), a("e"), unverifiedEmail),
			mkUser(id("f_u1"), a("f"), unverifiedEmail),
			mkUser(id("g"), a("g"), unverifiedEmail),
			mkUser(id("h"), "held@example.com", unverifiedEmail),
			mkUser(id("l_u"), a("l"), unverifiedEmail, gh(fmt.Sprint(700+i))),
		)
		second = append(second,
			mkUser(id("a_own"), strings.ToUpper(a("a")), withOAuth("oauth_google"), meta),
			mkUser(id("b_sq"), a("b"), unverifiedEmail, pw),
			mkUser(id("c2"), a("c"), unverifiedEmail),
			mkUser(id("e_v1"), a("e")),
			mkUser(id("e_v2"), a("e"), withOAuth("oauth_gitlab")),
			mkUser(id("f_u2"), a("f"), unverifiedEmail),
			mkUser(id("f_v"), a("f"), withOAuth("oauth_google")),
			mkUser(id("g"), a("g2")),
			mkUser(id("l_w"), a("lw"), gh(fmt.Sprint(700+i))),
		)
	}
	src := newSource(3, append(first, second...)...)
	return src.clone
}

// heldHolders are who heldSource's run makes each address's user from.
func heldHolders(n int) map[string]string {
	want := map[string]string{"held@example.com": "signup"}
	for i := range n {
		for addr, id := range map[string]string{"a": "a_own", "b": "b_own", "c": "c1", "d": "d", "e": "e_v1", "f": "f_v",
			"g": "g", "l": "l_u", "lw": "l_w"} {
			want[fmt.Sprintf("%s%d@example.com", addr, i)] = fmt.Sprintf("user_%s%d", id, i)
		}
	}
	return want
}

// holders maps every user of env to the Clerk user it was made from.
func holders(t *testing.T, env ascendkit.Environment) map[string]string {
	t.Helper()
	users, err := env.ListUsers(ctx, ascendkit.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range users {
		imp, _ := u.Metadata["import"].(map[string]any)
		id, _ := imp["sourceId"].(string)
		if id == "" {
			id = "signup"
		}
		out[u.Email] = id
	}
	return out
}

func seedHeld(t *testing.T, env ascendkit.Environment) { seedUser(t, env, "held@example.com", true) }

// setHeldInMemory lowers how many held users stay in memory and counts
// the temporary files made, keeping a second name for each so the test
// can read what was written.
func setHeldInMemory(t *testing.T, n int) *[]string {
	oldN, oldCreate := heldInMemory, heldCreate
	heldInMemory = n
	dir := t.TempDir()
	var kept []string
	heldCreate = func() (*os.File, error) {
		f, err := os.CreateTemp(dir, "held-*")
		if err == nil {
			keep := f.Name() + ".kept"
			if err := os.Link(f.Name(), keep); err != nil {
				t.Error(err)
			}
			kept = append(kept, keep)
		}
		return f, err
	}
	t.Cleanup(func() { heldInMemory, heldCreate = oldN, oldCreate })
	return &kept
}

func TestVerifiedHolderWinsWhateverTheOrder(t *testing.T) {
	eachBackend(t, testVerifiedHolderWinsWhateverTheOrder)
}

func testVerifiedHolderWinsWhateverTheOrder(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	const n = 3
	mk := heldSource(t, n)
	for _, policy := range []Policy{PolicySkip, PolicyMerge} {
		t.Run(string(policy), func(t *testing.T) {
			env := openEnv(t)
			seedHeld(t, env)
			rep, entries := previewAndRun(t, func() clerk.Source { return mk() }, env, Options{OnDuplicate: policy})
			if got, want := holders(t, env), heldHolders(n); !mapsEqual(got, want) {
				t.Errorf("holders\n%v\nwant\n%v", got, want)
			}
			u := rep.Users
			// Per group: a_sq, b_sq, c2, e_sq, e_v2, f_u1, f_u2 repeat an
			// address, the second g its id; h's address exists.
			if u.Imported != 9*n || u.DuplicateReasons[ReasonRepeatedInSource] != 8*n || u.DuplicateReasons[ReasonEmailExists] != n {
				t.Errorf("users %+v", u)
			}
			if policy == PolicyMerge && u.Merged != n { // e_v2 into e_v1 only
				t.Errorf("merged %d, want %d", u.Merged, n)
			}
			for i := range n {
				for _, id := range []string{"a_sq", "e_sq", "f_u1", "f_u2"} {
					e := duplicateOf(t, entries, fmt.Sprintf("user_%s%d", id, i))
					if e.Policy != PolicySkip || !strings.Contains(e.Detail, "the later user of this source who has it verified is imported with it") {
						t.Errorf("entry %+v", e)
					}
				}
				e := duplicateOf(t, entries, fmt.Sprintf("user_c2%d", i))
				if !strings.Contains(e.Detail, "verified neither in Clerk nor for the earlier user") {
					t.Errorf("entry %+v", e)
				}
			}
			// l_u came first but is placed at the end: l_w has the account.
			if rep.OAuthLinkConflicts != n {
				t.Errorf("%d link conflicts, want %d", rep.OAuthLinkConflicts, n)
			}
			if st, err := env.PasswordState(ctx, "a0@example.com"); err != nil || st.Hasher != "" {
				t.Errorf("the owner of a0 has the squatter's password: %+v %v", st, err)
			}
			if st, err := env.PasswordState(ctx, "d0@example.com"); err != nil || st.Hasher != "bcrypt" || st.Digest == "" {
				t.Errorf("d0, held to the end, lost its password: %+v %v", st, err)
			}
			// A second run imports nothing.
			again := run(t, mk(), env, Options{Mode: ModeRun, OnDuplicate: policy})
			if again.Users.Imported != 0 || again.Users.Merged != 0 {
				t.Errorf("second run %+v", again.Users)
			}
			if got, want := holders(t, env), heldHolders(n); !mapsEqual(got, want) {
				t.Errorf("after a second run: holders\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A run stopped part-way has written none of the users it held (they
// come at the end), so the run that continues it gives every address to
// the same user as a run that was never stopped, and nobody twice.
func TestVerifiedHolderRunStoppedPartWay(t *testing.T) {
	const n = 4 // 72 users, 36 of them held
	mk := heldSource(t, n)
	// How many batches a whole run writes: the held users are in the last.
	count := &failAfter{Environment: openEnv(t), batches: 1 << 30}
	seedHeld(t, count.Environment)
	run(t, mk(), count, Options{Mode: ModeRun, BatchSize: 2})
	total := 1<<30 - count.batches
	if total < 8 {
		t.Fatalf("%d batches", total)
	}
	for _, batches := range []int{1, total / 2, total - 2, total - 1} {
		t.Run(fmt.Sprint("stopped after batch ", batches), func(t *testing.T) {
			env := openEnv(t)
			seedHeld(t, env)
			_, err := Run(ctx, mk(), &failAfter{Environment: env, batches: batches},
				Options{Mode: ModeRun, BatchSize: 2, Now: func() time.Time { return now }})
			if !errors.Is(err, errStopped) {
				t.Fatalf("err %v: want the run stopped", err)
			}
			rep := run(t, mk(), env, Options{Mode: ModeRun, BatchSize: 2})
			if got, want := holders(t, env), heldHolders(n); !mapsEqual(got, want) {
				t.Errorf("holders\n%v\nwant\n%v", got, want)
			}
			if rep.Users.Imported == 0 || rep.Users.DuplicateReasons[ReasonAlreadyImported] == 0 {
				t.Errorf("the second run did not continue the first: %+v", rep.Users)
			}
		})
	}
}

var errStopped = errors.New("stopped by the test")

// failAfter writes its first batches, then fails every write, as a
// server that goes away does.
type failAfter struct {
	ascendkit.Environment
	batches int
}

func (f *failAfter) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if f.batches == 0 {
		return ascendkit.BatchResult{}, errStopped
	}
	f.batches--
	return f.Environment.ApplyImport(ctx, b, now)
}

// The wizard's recount and review replay the classification in the
// order a preview places the users: the squatters are the duplicates
// there too, and every count and row is a fresh preview's, the
// classification and the held users in memory or on disk.
func TestVerifiedHolderRecountAndReview(t *testing.T) {
	env := openEnv(t)
	seedHeld(t, env)
	mk := heldSource(t, 2)
	sets := []Options{{}, {OnDuplicate: PolicyMerge}, {OnDuplicate: PolicyMerge, Phases: Phases{Users: true}},
		{Decisions: map[string]Policy{"user_a_sq0": PolicyMerge, "user_e_v21": PolicyMerge, "user_f_u10": PolicyMerge}},
		{OnDuplicate: PolicyMerge, Decisions: map[string]Policy{"user_e_v20": PolicySkip}, Providers: []string{"github"}}}
	for _, mem := range []struct{ classified, held int }{{DefaultClassifiedInMemory, 4096}, {3, 2}} {
		t.Run(fmt.Sprintf("in memory %d/%d", mem.classified, mem.held), func(t *testing.T) {
			setInMemory(t, mem.classified)
			files := setHeldInMemory(t, mem.held)
			checkRecounts(t, func() clerk.Source { return mk() }, env, sets)
			c, _ := classify(t, mk(), env, Options{})
			for i, o := range sets {
				got, err := c.ReviewEntries(ctx, env, o)
				if err != nil {
					t.Fatalf("set %d: %v", i, err)
				}
				if !slices.IsSortedFunc(got, func(a, b Entry) int { return a.Pos - b.Pos }) {
					t.Errorf("set %d: rows not in source order", i)
				}
				o.Mode = ModePreview
				want := collect(&o)
				run(t, mk(), env, o)
				if g, w := reviewRows(got), reviewRows(*want); strings.Join(g, "\n") != strings.Join(w, "\n") {
					t.Errorf("set %d: rows\n%s\nwant (fresh preview)\n%s", i, strings.Join(g, "\n"), strings.Join(w, "\n"))
				}
				sq := duplicateOf(t, got, "user_a_sq0")
				if sq.Reason != ReasonRepeatedInSource || sq.Policy != PolicySkip || !strings.Contains(sq.Detail, "later user of this source") {
					t.Errorf("set %d: squatter's row %+v", i, sq)
				}
				for _, e := range got {
					if e.SourceID == "user_a_own0" || e.SourceID == "user_f_v1" {
						t.Errorf("set %d: the verified holder is a row: %+v", i, e)
					}
				}
			}
			merged, err := c.Recount(ctx, Options{OnDuplicate: PolicyMerge})
			if err != nil || merged.Users.ToMerge != 2 || merged.Users.ToImport != 18 {
				t.Errorf("recount with merge: %+v, %v", merged.Users, err)
			}
			if spilled := len(*files) > 0; spilled != (mem.held < 4096) {
				t.Errorf("%d temporary files for the held users", len(*files))
			}
		})
	}
}

// Past heldInMemory the held users go to a temporary file; the run
// writes from it exactly what it writes from memory, and the file holds
// neither the digests nor the addresses in clear.
func TestVerifiedHolderManyHeld(t *testing.T) {
	const n = 20 // 180 users held
	mk := heldSource(t, n)
	type state struct {
		users  []ascendkit.User
		pw     []ascendkit.PasswordState
		events []string
	}
	read := func(env ascendkit.Environment) state {
		var s state
		users, err := env.ListUsers(ctx, ascendkit.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(users, func(a, b ascendkit.User) int { return strings.Compare(a.Email, b.Email) })
		for _, u := range users {
			p, err := env.PasswordState(ctx, u.Email)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := env.ListEvents(ctx, ascendkit.EventFilter{UserID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				s.events = append(s.events, fmt.Sprintf("%s %s %v", u.Email, e.Type, e.Payload))
			}
			p.UserID, p.ImportRun, u.ID = "", "", ""
			if imp, ok := u.Metadata["import"].(map[string]any); ok {
				delete(imp, "runId")
			}
			s.users, s.pw = append(s.users, u), append(s.pw, p)
		}
		return s
	}
	var entries [2][]Entry
	var states [2]state
	for i, mem := range []int{4096, 5} {
		t.Run(fmt.Sprint("in memory ", mem), func(t *testing.T) {
			files := setHeldInMemory(t, mem)
			env := openEnv(t)
			seedHeld(t, env)
			_, entries[i] = previewAndRun(t, func() clerk.Source { return mk() }, env, Options{OnDuplicate: PolicyMerge})
			for k := range entries[i] {
				entries[i][k].ExistingUserID = "" // the seeded user's, new in each environment
			}
			states[i] = read(env)
			if got, want := holders(t, env), heldHolders(n); !mapsEqual(got, want) {
				t.Errorf("holders\n%v\nwant\n%v", got, want)
			}
			if mem == 4096 {
				return
			}
			if len(*files) != 2 { // the preview's and the run's
				t.Fatalf("%d temporary files, want 2", len(*files))
			}
			for _, f := range *files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) == 0 || bytes.Contains(b, []byte("$2a$")) || bytes.Contains(b, []byte("example.com")) {
					t.Errorf("%s holds %d bytes, some in clear", f, len(b))
				}
			}
		})
	}
	if i := firstDiff(entries[0], entries[1]); i >= 0 {
		t.Errorf("entries differ with the held users on disk, from %d: %+v", i, pairAt(entries, i))
	}
	if i := firstDiff(states[0].users, states[1].users); i >= 0 {
		t.Errorf("users written differ with the held users on disk, from %d: %+v", i, pairAt([2][]ascendkit.User{states[0].users, states[1].users}, i))
	}
	if i := firstDiff(states[0].pw, states[1].pw); i >= 0 {
		t.Errorf("passwords written differ with the held users on disk, from %d", i)
	}
	if i := firstDiff(states[0].events, states[1].events); i >= 0 {
		t.Errorf("events written differ with the held users on disk, from %d: %v", i, pairAt([2][]string{states[0].events, states[1].events}, i))
	}
}

// firstDiff is the first index where a and b differ (as printed), -1
// when they do not.
func firstDiff[T any](a, b []T) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || fmt.Sprintf("%+v", a[i]) != fmt.Sprintf("%+v", b[i]) {
			return i
		}
	}
	return -1
}

// pairAt is what two lists hold at i, for a message.
func pairAt[T any](l [2][]T, i int) [2]any {
	var out [2]any
	for k := range l {
		if i < len(l[k]) {
			out[k] = l[k][i]
		}
	}
	return out
}

// TestUnmarkedAddressesAreNotHeld: a source that gives addresses no
// status (Clerk support's flat JSON) has no verified holder to wait for,
// so its users keep their place: the first keeps a shared address, and
// entries come in source order, as a run writes them.
func TestUnmarkedAddressesAreNotHeld(t *testing.T) {
	unmarked := func(u *clerk.User) { u.EmailAddresses[0].Verification, u.EmailStatusUnknown = nil, true }
	src := newSource(2, // user_u3 on the next page
		mkUser("user_u1", "x@example.com", unmarked),
		mkUser("user_u2", "X@example.com", unmarked),
		mkUser("user_u3", "not an address", unmarked),
	)
	for _, mode := range []Mode{ModePreview, ModeRun} {
		var order []string
		run(t, src.clone(), openEnv(t), Options{Mode: mode, OnEvent: func(ev Event) {
			if e, ok := ev.(EntryFound); ok {
				order = append(order, e.Entry.SourceID)
			}
		}})
		if !slices.Equal(order, []string{"user_u2", "user_u3"}) {
			t.Errorf("%s: entries in the order %v, want user_u2 (a duplicate at its place) then user_u3", mode, order)
		}
	}
}

// An API address object whose verification is null was never verified:
// its holder gives the address up to a later user who verified it, as to
// one marked unverified. It was taken as a flat export's unmarked
// address: the first user kept it and the second, verified and linked to
// Google, was dropped as a duplicate.
func TestNullVerificationIsNotProof(t *testing.T) {
	p := usersFile(t,
		`{"id":"user_01","primary_email_address_id":"e1","password_enabled":true,"created_at":1700000000000,"external_accounts":[],`+
			`"email_addresses":[{"id":"e1","email_address":"same@example.com","verification":null}]}`,
		`{"id":"user_02","primary_email_address_id":"e2","password_enabled":false,"created_at":1700000000001,`+
			`"email_addresses":[{"id":"e2","email_address":"same@example.com","verification":{"status":"verified"}}],`+
			`"external_accounts":[{"id":"g","provider":"oauth_google","provider_user_id":"gZ","email_address":"same@example.com","verification":{"status":"verified"}}]}`)
	env := openEnv(t)
	eachMode(t, p, env, func(mode Mode, rep Report, entries []Entry) {
		for _, e := range entries {
			if e.SourceID == "user_02" {
				t.Errorf("%s: the verified holder has an entry: %+v", mode, e)
			}
		}
	})
	u, err := env.GetUser(ctx, "same@example.com")
	if err != nil || !u.EmailVerified || len(u.OAuthLinks) != 1 || u.Metadata["import"].(map[string]any)["sourceId"] != "user_02" {
		t.Errorf("same@example.com: %+v (%v), want user_02's, verified, with its Google link", u, err)
	}
}
