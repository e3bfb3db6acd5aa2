package importer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	bolt "go.etcd.io/bbolt"
)

// Issue 10: the importer is the core and links no database driver; the
// backends are chosen at run time by the commands that import them.
func TestImporterLinksNoDatabaseDriver(t *testing.T) {
	// go test puts its own go first on PATH.
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	// The listing is the real one: it has what the importer does link.
	for _, want := range []string{"github.com/ascendkit/ascendkit/client/ascendkit", "go.etcd.io/bbolt"} {
		if !slices.Contains(deps, want) {
			t.Fatalf("go list -deps has no %s: %v", want, deps)
		}
	}
	for _, d := range deps {
		for _, banned := range []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/ascendkit/ascendkit/client/ascendkit/sqlite", "github.com/ascendkit/ascendkit/client/ascendkit/postgres"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("the importer links %s", d)
			}
		}
	}
}

// stageCase is a passwords file with what a correct staging must make of
// it, worked out the simple way (a map, first record of an id with a
// digest wins, else the first).
type stageCase struct {
	src     *sliceSource
	first   map[string]stagedDigest // the winning record of each id
	pos     map[string]int
	order   []string // winning ids in file order
	broken  int
	digests []string // every digest in the file
	// repeated counts later records of an id with another digest than
	// the winning one.
	repeated int
}

func newStageCase(n int, seed uint64) *stageCase {
	r := rand.New(rand.NewPCG(seed, seed))
	c := &stageCase{src: &sliceSource{pageSize: 37}, first: map[string]stagedDigest{}, pos: map[string]int{}}
	const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	rnd := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = b62[r.IntN(len(b62))]
		}
		return string(b)
	}
	var ids []string
	for range n {
		var rec clerk.Record
		switch k := r.IntN(20); {
		case k == 0:
			rec.Err = errors.New("malformed")
		case k == 1 && len(ids) > 0: // a later record of an id: it loses, unless the first has no digest
			id := ids[r.IntN(len(ids))]
			d := "$2a$10$" + rnd(53)
			c.digests = append(c.digests, d)
			rec.User = digestOnly(id, "bcrypt", d)
		case k == 2:
			rec.User = digestOnly("user_"+rnd(27), "", "") // no digest
		case k == 3:
			rec.User = digestOnly(strings.Repeat("x", maxStagedID+1), "bcrypt", "$2a$10$"+rnd(53))
		default:
			d := "$2a$10$" + rnd(53)
			c.digests = append(c.digests, d)
			rec.User = digestOnly("user_"+rnd(27), []string{"bcrypt", "argon2id", "md5"}[r.IntN(3)], d)
		}
		c.src.add(rec)
		rec = c.src.recs[len(c.src.recs)-1]
		u := rec.User
		if u == nil || len(u.ID) > maxStagedID {
			c.broken++
			continue
		}
		if d, dup := c.first[u.ID]; dup {
			switch {
			case d.digest == "" && u.PasswordDigest != "":
				c.first[u.ID] = stagedDigest{hasher: u.PasswordHasher, digest: u.PasswordDigest, said: passwordSaid(u)}
				c.pos[u.ID] = rec.Pos
			case d.digest != "" && u.PasswordDigest != "" && (d.digest != u.PasswordDigest || d.hasher != u.PasswordHasher):
				c.repeated++
			}
			continue
		}
		ids = append(ids, u.ID)
		c.first[u.ID] = stagedDigest{hasher: u.PasswordHasher, digest: u.PasswordDigest, said: passwordSaid(u)}
		c.pos[u.ID] = rec.Pos
		c.order = append(c.order, u.ID)
	}
	// A record kept instead of an earlier one is listed at its own place.
	slices.SortStableFunc(c.order, func(a, b string) int { return c.pos[a] - c.pos[b] })
	return c
}

// check looks up half the ids (and some the file lacks) page by page and
// compares every answer and the unmatched listing with the case.
func (c *stageCase) check(t *testing.T, s *staged) {
	t.Helper()
	if s.ids != len(c.first) || s.broken != c.broken || s.repeated != c.repeated {
		t.Fatalf("staged %d ids, %d broken, %d repeated; want %d, %d, %d", s.ids, s.broken, s.repeated, len(c.first), c.broken, c.repeated)
	}
	r := rand.New(rand.NewPCG(9, 9))
	var ask []string
	asked := map[string]bool{}
	for _, id := range c.order {
		if r.IntN(2) == 0 {
			ask = append(ask, id)
			asked[id] = true
		}
	}
	ask = append(ask, "user_absent", "", strings.Repeat("x", maxStagedID+1))
	r.Shuffle(len(ask), func(i, j int) { ask[i], ask[j] = ask[j], ask[i] })
	for p := ask; len(p) > 0; p = p[min(len(p), 50):] {
		page := p[:min(len(p), 50)]
		got, err := s.lookup(ctx, page)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]stagedDigest{}
		for _, id := range page {
			if d, ok := c.first[id]; ok {
				want[id] = d
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("lookup of %d ids: got %d digests, want %d (or different ones)", len(page), len(got), len(want))
		}
	}
	var gotIDs, wantIDs []string
	var gotPos, wantPos []int
	if err := s.unmatched(ctx, func(id, _ string, pos int) { gotIDs, gotPos = append(gotIDs, id), append(gotPos, pos) }); err != nil {
		t.Fatal(err)
	}
	for _, id := range c.order {
		if !asked[id] {
			wantIDs, wantPos = append(wantIDs, id), append(wantPos, c.pos[id])
		}
	}
	if !slices.Equal(gotIDs, wantIDs) || !slices.Equal(gotPos, wantPos) {
		t.Fatalf("unmatched: got %d ids, want %d in file order", len(gotIDs), len(wantIDs))
	}
}

// Small limits force every path: many sorted runs on disk, merge passes,
// ids repeated across runs, and many write transactions; the default
// limits keep the same file in one run in memory.
func TestStagingSortsMergesAndJoins(t *testing.T) {
	for _, lim := range []stageLimits{
		defaultStageLimits,
		{runBytes: 3000, txBytes: 700, fanIn: 3},
		{runBytes: 1, txBytes: 1, fanIn: 2},
	} {
		t.Run(fmt.Sprintf("%d-%d-%d", lim.runBytes, lim.txBytes, lim.fanIn), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			c := newStageCase(700, 1)
			s, err := stagePasswordsWith(ctx, c.src, lim, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			checkStagingFiles(t, s.dir, c.digests)
			c.check(t, s)
			s.close()
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("staging left %v behind", left)
			}
		})
	}
}

// checkStagingFiles: only the order file and the tree (and TempDir's
// lock) are left once the runs are merged, all private, and none holds a
// digest in the clear.
func checkStagingFiles(t *testing.T, dir string, digests []string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("staging dir mode %v", fi.Mode().Perm())
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), info.Mode().Perm())
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range digests {
			// The hash part alone too: the "$2a$10$" prefix is everywhere.
			if strings.Contains(string(b), d[7:]) {
				t.Fatalf("%s holds a digest in the clear", e.Name())
			}
		}
	}
	// .lock: TempDir's, held while the stage is in use.
	if !slices.Equal(names, []string{lockName, "order", "stage.db"}) {
		t.Errorf("staging files %v, want the lock, the order file and the tree", names)
	}
}

// failingSource fails (or is cancelled) on a given page, mid-file.
type failingSource struct {
	*sliceSource
	failAt int
	err    error
}

func (f *failingSource) Next(ctx context.Context) ([]clerk.Record, error) {
	if f.page == f.failAt {
		return nil, f.err
	}
	return f.sliceSource.Next(ctx)
}

// A passwords file that breaks off mid-way, or a cancelled import, leaves
// no staging file behind, whatever step it stopped in.
func TestStagingRemovedOnError(t *testing.T) {
	broken := errors.New("unexpected end of JSON")
	for _, failAt := range []int{0, 5, 18} {
		t.Run(fmt.Sprint(failAt), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			c := newStageCase(700, 2)
			src := &failingSource{sliceSource: c.src, failAt: failAt, err: broken}
			s, err := stagePasswordsWith(ctx, src, stageLimits{runBytes: 3000, txBytes: 700, fanIn: 3}, nil)
			if !errors.Is(err, broken) || s != nil {
				t.Fatalf("staging %v, %v", s, err)
			}
			for _, d := range c.digests {
				if strings.Contains(err.Error(), d[7:]) {
					t.Fatal("a digest is in the error")
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("staging left %v behind", left)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		cctx, cancel := context.WithCancel(ctx)
		c := newStageCase(700, 3)
		c.src.onPage = func(page int) {
			if page == 15 {
				cancel()
			}
		}
		// sliceSource ignores ctx: staging notices it by itself.
		_, err := stagePasswordsWith(cctx, c.src, stageLimits{runBytes: 3000, txBytes: 700, fanIn: 3}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("staging after cancel: %v", err)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("staging left %v behind", left)
		}
	})
}

// A sealed digest opens only under its own id and hasher: one moved to
// another id in the file (or the file otherwise altered) is an error,
// never another user's password.
func TestStagedDigestBoundToItsID(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a, b := bcryptOf(t, "a"), bcryptOf(t, "b")
	s, err := stagePasswords(ctx, newSource(10, digestOnly("user_a", "bcrypt", a), digestOnly("user_b", "bcrypt", b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	got, err := s.lookup(ctx, []string{"user_a", "user_b"})
	if err != nil || string(got["user_a"].digest) != a || string(got["user_b"].digest) != b {
		t.Fatalf("lookup before: %v", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(digestsBucket)
		va, vb := slices.Clone(bk.Get([]byte("user_a"))), slices.Clone(bk.Get([]byte("user_b")))
		return errors.Join(bk.Put([]byte("user_a"), vb), bk.Put([]byte("user_b"), va))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.lookup(ctx, []string{"user_a"}); !errors.Is(err, errStageAltered) {
		t.Fatalf("lookup of a swapped digest: %v", err)
	}
}
