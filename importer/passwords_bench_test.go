package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// BenchmarkStagePasswords stages a support-JSON passwords export of N
// digests with random Clerk-shaped ids (the worst order for a B-tree),
// joins 100k of them in pages of 500 as an import does, and lists the
// rest as unmatched. It reports each step's seconds, the peak live heap
// and the process's peak RSS over the three steps (Linux). Run it with
// -benchtime=1x; scripts/bench.sh style figures, no assertions on time.
func BenchmarkStagePasswords(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		path := filepath.Join(b.TempDir(), "passwords.json")
		join := writePasswordsExport(b, path, n, 100_000)
		rand.New(rand.NewPCG(2, 2)).Shuffle(len(join), func(i, j int) { join[i], join[j] = join[j], join[i] })
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var peak uint64
			var stageT, joinT, listT time.Duration
			rss := 0.0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				src, err := clerk.OpenFile(path)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap(&peak)
				b.StartTimer()
				t0 := time.Now()
				s, err := stagePasswords(context.Background(), src, nil)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				found := 0
				for p := join; len(p) > 0; p = p[min(len(p), 500):] {
					m, err := s.lookup(context.Background(), p[:min(len(p), 500)])
					if err != nil {
						b.Fatal(err)
					}
					found += len(m)
				}
				t2 := time.Now()
				unmatched := 0
				if err := s.unmatched(context.Background(), func(string, string, int) { unmatched++ }); err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				s.close()
				b.StopTimer()
				stop()
				rss = max(rss, peakRSSMB())
				src.Close()
				if found != len(join) || unmatched != n-len(join) {
					b.Fatalf("found %d of %d, %d unmatched", found, len(join), unmatched)
				}
				stageT += t1.Sub(t0)
				joinT += t2.Sub(t1)
				listT += t3.Sub(t2)
				b.StartTimer()
			}
			b.ReportMetric(stageT.Seconds()/float64(b.N), "stage-s")
			b.ReportMetric(joinT.Seconds()/float64(b.N), "join-s")
			b.ReportMetric(listT.Seconds()/float64(b.N), "unmatched-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			if rss > 0 {
				b.ReportMetric(rss, "peak-rss-MB")
			}
		})
	}
}

// writePasswordsExport writes n support-JSON records with random
// "user_" ids and bcrypt-shaped digests, and returns the first keep ids
// (only those, so that the harness's own heap stays small).
func writePasswordsExport(b *testing.B, path string, n, keep int) []string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(1, 1))
	const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	rnd := func(k int) string {
		s := make([]byte, k)
		for i := range s {
			s[i] = b62[r.IntN(len(b62))]
		}
		return string(s)
	}
	var ids []string
	w.WriteString("[\n")
	for i := range n {
		id := "user_" + rnd(27)
		if i < keep {
			ids = append(ids, id)
		}
		if i > 0 {
			w.WriteString(",\n")
		}
		fmt.Fprintf(w, `{"id":%q,"password_digest":"$2a$10$%s","password_hasher":"bcrypt"}`, id, rnd(53))
	}
	w.WriteString("\n]\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// resetPeakRSS restarts the kernel's VmHWM count (Linux; a no-op elsewhere).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB is VmHWM in MiB, 0 where /proc is not there.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))))
			return float64(kb) / 1024
		}
	}
	return 0
}
