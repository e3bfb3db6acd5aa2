package sqlstore

import "time"

// SwapBeatTicks makes run heartbeats tick on ticks until the returned
// func puts the real timer back.
func SwapBeatTicks(ticks <-chan time.Time) (restore func()) {
	old := beatTicks
	beatTicks = func() (<-chan time.Time, func()) { return ticks, func() {} }
	return func() { beatTicks = old }
}
