package clerk

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

// Hooks for the external tests (package clerk_test), which cannot reach
// unexported fields but must run against the emulator, which imports clerk.

// SetSleep replaces the source's wait function.
func SetSleep(a *APISource, f func(context.Context, time.Duration) error) { a.sleep = f }

// LimiterOf returns the token bucket the source paces with, if any.
func LimiterOf(a *APISource) *rate.Limiter { return a.limiter }

// SetPace sets the smoothed time the caller takes over a page.
func SetPace(a *APISource, d time.Duration) {
	a.walk.pace.mu.Lock()
	defer a.walk.pace.mu.Unlock()
	a.walk.pace.d = d
}

// AllowanceOf returns the allowance the source paces with, if any.
func AllowanceOf(a *APISource) *Allowance { return a.allowance }
