package clerk

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                       10 * time.Second,
		"abc":                    10 * time.Second,
		"-1":                     10 * time.Second,
		"1.5":                    10 * time.Second,
		"0":                      0,
		"3":                      3 * time.Second,
		" 7 ":                    7 * time.Second,
		"99999":                  10 * time.Minute,
		"9999999999999999999999": 10 * time.Second, // overflow: unparseable
		now.Add(5 * time.Second).Format(http.TimeFormat):  5 * time.Second,
		now.Add(-5 * time.Second).Format(http.TimeFormat): 0,
		now.Add(48 * time.Hour).Format(http.TimeFormat):   10 * time.Minute,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestRetryAfterUncapped: what a 503 asked is known beyond the 10-minute
// cap, so the run can say it; nonsense is not a wait.
func TestRetryAfterUncapped(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"150":     150 * time.Second,
		"3600":    time.Hour,
		"9999999": 24 * time.Hour,
		now.Add(time.Hour).Format(http.TimeFormat):      time.Hour,
		now.Add(72 * time.Hour).Format(http.TimeFormat): 24 * time.Hour,
	}
	for in, want := range cases {
		if got, ok := retryAfter(in, now); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-5", "1.5"} {
		if d, ok := retryAfter(in, now); ok {
			t.Errorf("retryAfter(%q) = %v, want not a wait", in, d)
		}
	}
}
