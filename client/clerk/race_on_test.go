//go:build race

package clerk_test

// raceEnabled: the race detector distorts heap measurements and slows the
// generator tenfold, so memory tests skip under -race.
const raceEnabled = true
