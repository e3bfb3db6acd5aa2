package clerk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// readBody reads a page into one buffer of the announced length (or of
// the hint, when none is announced) instead of reallocating it for its
// last bytes, and still reads a body longer than expected, whole.
func TestReadBody(t *testing.T) {
	page := strings.Repeat("u", 740_000)
	resp := func(body string, length int64) *http.Response {
		return &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
	}
	for _, c := range []struct {
		name       string
		length     int64 // announced; -1 for none
		hint       int
		wantCap    int // 0: any
		body, want string
	}{
		{"announced", int64(len(page)), 0, len(page) + 1, page, page},
		{"announced, hint ignored", int64(len(page)), 10, len(page) + 1, page, page},
		{"not announced, hint fits", -1, len(page) + 1000, len(page) + 1000, page, page},
		{"not announced, past the hint", -1, 1000, 0, page, page},
		{"not announced, no hint", -1, 0, 0, page, page},
		{"empty", 0, 0, 0, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readBody(context.Background(), resp(c.body, c.length), c.hint, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("read %d bytes, want %d", len(got), len(c.want))
			}
			if c.wantCap > 0 && cap(got) != c.wantCap {
				t.Errorf("buffer of %d bytes for %d, want %d: it was reallocated", cap(got), len(got), c.wantCap)
			}
		})
	}
	// Bytes past the cap are still counted, so the caller can refuse the
	// body; an error mid-body is the caller's to retry.
	big, err := readBody(context.Background(), &http.Response{Body: io.NopCloser(io.LimitReader(zeros{}, maxBodyBytes+10)), ContentLength: -1}, 0, nil)
	if err != nil || len(big) != maxBodyBytes+1 {
		t.Fatalf("oversized body: %d bytes, %v; want %d", len(big), err, maxBodyBytes+1)
	}
	cut := io.MultiReader(strings.NewReader(page[:1000]), errReader{io.ErrUnexpectedEOF})
	if got, err := readBody(context.Background(), &http.Response{Body: io.NopCloser(cut), ContentLength: int64(len(page))}, 0, nil); !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got, []byte(page[:1000])) {
		t.Fatalf("cut body: %d bytes, %v", len(got), err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { return len(p), nil } // the buffer is zeroed already

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A list page whose length is not announced (chunked, as a compressed
// answer is) is read into a buffer the size of the last full page and an
// eighth; a short page, the list's last, does not shrink that guess.
func TestUnannouncedPageReadAtTheLastFullPagesSize(t *testing.T) {
	const users = 25 // pages of 10: two full, then 5
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		io.WriteString(w, "[")
		w.(http.Flusher).Flush() // no Content-Length: the answer is chunked
		for k := off; k < min(users, off+limit); k++ {
			if k > off {
				io.WriteString(w, ",")
			}
			fmt.Fprintf(w, `{"id":"user_%d","created_at":%d,"first_name":%q}`, k+1, k+1, strings.Repeat("n", 300))
		}
		io.WriteString(w, "]")
	}))
	t.Cleanup(srv.Close)
	a, err := NewAPISource("sk_live_0123456789abcdefSECRET", APIOptions{BaseURL: srv.URL + "/v1", PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	// page reads the page at offset and returns its length in bytes.
	page := func(offset int) int {
		raws, _, err := a.fetchRaw(ctx, url.Values{"offset": {strconv.Itoa(offset)}})
		if err != nil {
			t.Fatal(err)
		}
		n := len("[]") + len(raws) - 1 // brackets and commas
		for _, raw := range raws {
			n += len(raw)
		}
		return n
	}
	full := page(0)
	if want := full + full/8; a.pageHint.Load() != int64(want) {
		t.Fatalf("hint %d after a full page of %d bytes, want %d", a.pageHint.Load(), full, want)
	}
	if short := page(20); short >= full || a.pageHint.Load() != int64(full+full/8) {
		t.Fatalf("hint %d after a short page of %d bytes, want it left at %d", a.pageHint.Load(), short, full+full/8)
	}
	var got int
	err = a.get(ctx, "/users", url.Values{"offset": {"9"}, "limit": {"10"}}, func(body []byte) error {
		got = cap(body)
		return nil
	})
	if err != nil || got != full+full/8 {
		t.Fatalf("a page read into a buffer of %d bytes (%v), want %d", got, err, full+full/8)
	}
}
