package importer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
)

// BenchmarkImport streams N synthetic Clerk users from an export file
// through preview and run, and reports users/s and the peak live heap.
// Run it with scripts/bench.sh (figures go in the closing notes; no test
// asserts on time).
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		path := filepath.Join(b.TempDir(), "clerk.json")
		writeExport(b, path, n)
		for _, mode := range []Mode{ModePreview, ModeRun} {
			b.Run(fmt.Sprintf("%s/%d", mode, n), func(b *testing.B) {
				var peak uint64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					env, err := ascendkit.Open("local:" + filepath.Join(b.TempDir(), fmt.Sprintf("env%d.db", i)))
					if err != nil {
						b.Fatal(err)
					}
					src, err := clerk.OpenFile(path)
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					stop := sampleHeap(&peak)
					b.StartTimer()
					rep, err := Run(context.Background(), src, env, Options{Mode: mode})
					b.StopTimer()
					stop()
					if err != nil {
						b.Fatal(err)
					}
					if rep.Users.Fetched != n {
						b.Fatalf("fetched %d of %d", rep.Users.Fetched, n)
					}
					src.Close()
					env.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			})
		}
	}
}

func writeExport(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := emulator.WriteJSON(w, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// sampleHeap records the largest live heap seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
