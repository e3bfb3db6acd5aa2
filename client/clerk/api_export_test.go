package clerk

import "time"

// SetLatency sets the smoothed request latency that sizes the walk.
func SetLatency(a *APISource, d time.Duration) {
	a.latency.mu.Lock()
	defer a.latency.mu.Unlock()
	a.latency.d = d
}

// InFlight is how many list requests the walk would keep going now.
func InFlight(a *APISource) int { return a.inFlight() }
