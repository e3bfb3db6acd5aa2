package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
)

func start(t *testing.T, users []clerk.User, opts Options) *Server {
	t.Helper()
	s, err := Start(users, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url, key string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func listIDs(t *testing.T, r response) []string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var users []clerk.User
	if err := json.Unmarshal(r.body, &users); err != nil {
		t.Fatalf("not a bare array: %v", err)
	}
	var out []string
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

type clerkErr struct {
	Errors []struct {
		Message     string         `json:"message"`
		LongMessage string         `json:"long_message"`
		Code        string         `json:"code"`
		Meta        map[string]any `json:"meta"`
	}
	TraceID string `json:"clerk_trace_id"`
}

func decodeErr(t *testing.T, r response) clerkErr {
	t.Helper()
	var e clerkErr
	if err := json.Unmarshal(r.body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not a Clerk error body (%v): %s", err, r.body)
	}
	if e.TraceID == "" || r.header.Get("Clerk-Trace-Id") != e.TraceID {
		t.Errorf("trace id body %q header %q", e.TraceID, r.header.Get("Clerk-Trace-Id"))
	}
	return e
}

func TestServerListing(t *testing.T) {
	users := Generate(25, 3)
	// Shuffled input: the server orders by created_at itself.
	shuffled := append([]clerk.User{}, users[10:]...)
	shuffled = append(shuffled, users[:10]...)
	s := start(t, shuffled, Options{})
	id := func(i int) string { return users[i].ID }

	got := listIDs(t, get(t, s.BaseURL()+"/users?limit=3&offset=2&order_by=%2Bcreated_at", ""))
	if strings.Join(got, ",") != strings.Join([]string{id(2), id(3), id(4)}, ",") {
		t.Errorf("ascending page = %v", got)
	}
	got = listIDs(t, get(t, s.BaseURL()+"/users?order_by=created_at&offset=20&limit=500", ""))
	if len(got) != 5 || got[4] != id(24) {
		t.Errorf("last page = %v", got)
	}
	// Clerk's defaults: limit 10, newest first.
	got = listIDs(t, get(t, s.BaseURL()+"/users", ""))
	if len(got) != 10 || got[0] != id(24) || got[9] != id(15) {
		t.Errorf("default page = %v", got)
	}
	got = listIDs(t, get(t, s.BaseURL()+"/users?offset=100", ""))
	if len(got) != 0 {
		t.Errorf("past the end = %v", got)
	}
	// Cursor paging.
	got = listIDs(t, get(t, s.BaseURL()+"/users?order_by=%2Bcreated_at&limit=2&starting_after="+id(5), ""))
	if strings.Join(got, ",") != id(6)+","+id(7) {
		t.Errorf("starting_after page = %v", got)
	}
	got = listIDs(t, get(t, s.BaseURL()+"/users?order_by=-created_at&limit=2&starting_after="+id(5), ""))
	if strings.Join(got, ",") != id(4)+","+id(3) {
		t.Errorf("starting_after descending = %v", got)
	}

	r := get(t, s.BaseURL()+"/users/count", "")
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"object":"total_count","total_count":25}` {
		t.Errorf("count = %d %s", r.status, r.body)
	}
	if s.Requests() != 7 || s.RequestsTo("/v1/users") != 6 || s.RequestsTo("/v1/users/count") != 1 {
		t.Errorf("requests %d, list %d, count %d", s.Requests(), s.RequestsTo("/v1/users"), s.RequestsTo("/v1/users/count"))
	}
}

func TestServerParamErrors(t *testing.T) {
	s := start(t, Generate(5, 1), Options{})
	for query, param := range map[string]string{
		"limit=0":                         "limit",
		"limit=501":                       "limit",
		"limit=ten":                       "limit",
		"offset=-1":                       "offset",
		"order_by=email_address":          "order_by",
		"starting_after=user_nope":        "starting_after",
		"offset=1&starting_after=user_xx": "offset",
	} {
		r := get(t, s.BaseURL()+"/users?"+query, "")
		if r.status != 422 {
			t.Errorf("%s: status %d", query, r.status)
			continue
		}
		e := decodeErr(t, r)
		if e.Errors[0].Code != "form_param_value_invalid" || e.Errors[0].Meta["param_name"] != param {
			t.Errorf("%s: %+v", query, e)
		}
	}
	if r := get(t, s.URL+"/v1/organizations", ""); r.status != 404 || decodeErr(t, r).Errors[0].Code != "resource_not_found" {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
	resp, err := http.Post(s.BaseURL()+"/users", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestServerAuth(t *testing.T) {
	s := start(t, Generate(2, 1), Options{SecretKey: DemoSecretKey})
	for _, key := range []string{"", "sk_test_wrong"} {
		r := get(t, s.BaseURL()+"/users/count", key)
		if r.status != 401 {
			t.Fatalf("key %q: status %d", key, r.status)
		}
		e := decodeErr(t, r)
		if e.Errors[0].Code != "clerk_key_invalid" || !strings.HasPrefix(e.Errors[0].LongMessage, "The provided Clerk Secret Key is invalid") {
			t.Errorf("401 body %s", r.body)
		}
	}
	if r := get(t, s.BaseURL()+"/users/count", DemoSecretKey); r.status != 200 {
		t.Errorf("right key: %d", r.status)
	}
}

func TestServerFailNext(t *testing.T) {
	s := start(t, Generate(2, 1), Options{})
	s.FailNext(1, 429)
	r := get(t, s.BaseURL()+"/users", "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" || decodeErr(t, r).Errors[0].Code != "too_many_requests" {
		t.Errorf("429: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	s.FailNext(2, 500)
	for range 2 {
		r = get(t, s.BaseURL()+"/users", "")
		if r.status != 500 || decodeErr(t, r).Errors[0].Code != "internal_clerk_error" {
			t.Errorf("500: %d %s", r.status, r.body)
		}
	}
	s.FailNext(1, 502)
	r = get(t, s.BaseURL()+"/users", "")
	if r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("502: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := get(t, s.BaseURL()+"/users", ""); r.status != 200 {
		t.Errorf("after failures: %d", r.status)
	}
	if s.Requests() != 5 {
		t.Errorf("requests %d", s.Requests())
	}
	s = start(t, Generate(2, 1), Options{FailRetryAfter: 4})
	s.FailNext(1, 429)
	if r := get(t, s.BaseURL()+"/users", ""); r.status != 429 || r.header.Get("Retry-After") != "4" {
		t.Errorf("429 with FailRetryAfter 4: %d %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestServerRateLimit(t *testing.T) {
	s := start(t, Generate(2, 1), Options{RequestsPer10s: 3})
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	for i := range 3 {
		if r := get(t, s.BaseURL()+"/users/count", ""); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
		advance(time.Second)
	}
	// Oldest request was 3 s ago: a slot frees in 7 s.
	r := get(t, s.BaseURL()+"/users/count", "")
	if r.status != 429 || r.header.Get("Retry-After") != "7" {
		t.Fatalf("over limit: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	advance(7 * time.Second)
	if r := get(t, s.BaseURL()+"/users/count", ""); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
	r = get(t, s.BaseURL()+"/users/count", "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("sliding window: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestServerLatencyAndClose(t *testing.T) {
	s := start(t, Generate(1, 1), Options{Latency: 5 * time.Millisecond})
	if r := get(t, s.BaseURL()+"/users/count", ""); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
	s.Close()
	s.Close() // idempotent
	if _, err := http.Get(s.BaseURL() + "/users/count"); err == nil {
		t.Error("server still answering after Close")
	}
	if _, err := Start(nil, Options{RequestsPer10s: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestServerChangesMidWalk(t *testing.T) {
	users := Generate(10, 3)
	s := start(t, users, Options{})
	var seen []int
	var paths []string
	// A sign-up after everyone, and a backdated import tied with user 4:
	// it goes after the users created at that time.
	late, tied := Generate(12, 4)[11], Generate(13, 5)[12]
	late.CreatedAt = users[9].CreatedAt + 1
	tied.CreatedAt = users[4].CreatedAt
	s.OnRequest(func(n int, path string) {
		seen = append(seen, n)
		paths = append(paths, path)
		if n == 2 {
			if err := s.AddUsers(late, tied); err != nil {
				t.Error(err)
			}
			if got := s.DeleteUsers(users[0].ID, users[7].ID, "user_unknown"); got != 2 {
				t.Errorf("DeleteUsers = %d", got)
			}
		}
	})
	before := listIDs(t, get(t, s.BaseURL()+"/users?order_by=%2Bcreated_at&limit=100", ""))
	after := listIDs(t, get(t, s.BaseURL()+"/users?order_by=%2Bcreated_at&limit=100", ""))
	if len(before) != 10 || before[0] != users[0].ID {
		t.Errorf("before = %v", before)
	}
	// The change lands before request 2 is served.
	want := []string{users[1].ID, users[2].ID, users[3].ID, users[4].ID, tied.ID, users[5].ID, users[6].ID, users[8].ID, users[9].ID, late.ID}
	if !slices.Equal(after, want) {
		t.Errorf("after = %v", after)
	}
	r := get(t, s.BaseURL()+"/users/count", "")
	if !strings.Contains(string(r.body), `"total_count":10`) {
		t.Errorf("count = %s", r.body)
	}
	if !slices.Equal(seen, []int{1, 2, 3}) || paths[2] != "/v1/users/count" {
		t.Errorf("hook saw %v %v", seen, paths)
	}
	s.OnRequest(nil)
	get(t, s.BaseURL()+"/users/count", "")
	if len(seen) != 3 {
		t.Error("hook still called after removal")
	}
}

// Ascending pages go out from the slab's file (on Linux a memfd, sent
// with sendfile), byte for byte what the slab holds, and from the new
// list's file once the list changes; a file a request opened before the
// change still reads the list it was opened for.
func TestServerSendsPagesFromItsFile(t *testing.T) {
	users := Generate(50, 3)
	s := start(t, users, Options{})
	if runtime.GOOS == "linux" && s.pageFile == nil {
		t.Fatal("no page file on Linux: pages are copied into the socket")
	}
	page := get(t, s.BaseURL()+"/users?order_by=%2Bcreated_at&limit=20&offset=5", "")
	list, slab, held := s.snapshot(true)
	if want := "[" + string(slab[list[5].off:last(list[24])]) + "]"; string(page.body) != want {
		t.Fatalf("page = %.80s…, want %.80s…", page.body, want)
	}
	if s.DeleteUsers(users[0].ID) != 1 {
		t.Fatal("user not deleted")
	}
	got := listIDs(t, get(t, s.BaseURL()+"/users?order_by=%2Bcreated_at&limit=100", ""))
	if len(got) != 49 || got[0] != users[1].ID || got[48] != users[49].ID {
		t.Fatalf("after the deletion: %d users from %v", len(got), got[:min(2, len(got))])
	}
	if held != nil {
		defer held.Close()
		b, err := io.ReadAll(held)
		if err != nil || string(b) != string(slab) {
			t.Fatalf("the file opened before the change read %d bytes (%v), want the old list's %d", len(b), err, len(slab))
		}
	}
}
