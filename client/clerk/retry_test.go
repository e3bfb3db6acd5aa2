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
