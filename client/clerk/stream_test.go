package clerk_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// writeExport writes WriteJSON(n, seed) to a temporary file.
func writeExport(tb testing.TB, n int, seed int64) (string, int64) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "users.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := emulator.WriteJSON(f, n, seed); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return path, st.Size()
}

// streamStats drains a file source, returning the user count and the
// peak live heap above the starting point, sampled after every page.
func streamStats(tb testing.TB, path string) (users int, peak uint64) {
	tb.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	src, err := clerk.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return users, peak
		}
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range recs {
			if r.Err != nil {
				tb.Fatal(r.Err)
			}
		}
		users += len(recs)
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
			peak = ms.HeapAlloc - base
		}
	}
}

func TestJSONFileFromGeneratorRoundTrip(t *testing.T) {
	const n = 1201
	path, _ := writeExport(t, n, 11)
	src, err := clerk.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := emulator.Generate(n, 11)
	i := 0
	for {
		recs, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Err != nil || r.Pos != i+1 || !reflect.DeepEqual(*r.User, want[i]) {
				t.Fatalf("record %d: %+v", i, r)
			}
			i++
		}
	}
	if i != n {
		t.Fatalf("%d users, want %d", i, n)
	}
}

// The file reader must not grow with the file: live heap stays around one
// page, far below the file size (a whole-file decode would need several
// times the file size, ~29 MB here). The 32 MiB bound is loose on purpose;
// it only has to tell streaming from loading.
func TestJSONFileStreamsInBoundedMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes a ~30 MB file; heap figures are meaningless under -race")
	}
	const n = 20000
	path, size := writeExport(t, n, 1)
	users, peak := streamStats(t, path)
	if users != n {
		t.Fatalf("%d users", users)
	}
	t.Logf("file %.1f MB, peak heap growth %.1f MB", float64(size)/1e6, float64(peak)/1e6)
	if peak > 32<<20 {
		t.Errorf("peak heap growth %d B for a %d B file: is the file loaded whole?", peak, size)
	}
}

// BenchmarkStreamJSONFile streams 200k generated users from disk through
// OpenFile and reports allocation per user and the peak live heap.
//
//	go test ./client/clerk -run '^$' -bench StreamJSONFile -benchtime 1x
func BenchmarkStreamJSONFile(b *testing.B) {
	const n = 200_000
	path, size := writeExport(b, n, 1)
	var ms runtime.MemStats
	var peak uint64
	runtime.ReadMemStats(&ms)
	alloc0 := ms.TotalAlloc
	runs := 0
	for b.Loop() {
		users, p := streamStats(b, path)
		if users != n {
			b.Fatalf("%d users", users)
		}
		peak = max(peak, p)
		runs++
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.TotalAlloc-alloc0)/float64(n*runs), "alloc-B/user")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
}

// BenchmarkGenerateWriteJSON measures the generator alone.
func BenchmarkGenerateWriteJSON(b *testing.B) {
	for b.Loop() {
		if err := emulator.WriteJSON(io.Discard, 10000, 1); err != nil {
			b.Fatal(err)
		}
	}
}
