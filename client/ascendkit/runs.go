package ascendkit

import (
	"encoding/json"
	"errors"
	"time"
)

// Run liveness. A running run's process refreshes the run's heartbeat
// every RunHeartbeat; a run whose heartbeat is older than RunStaleAfter
// is taken for dead (recorded interrupted) by whoever reads it, on any
// host. A run of the reader's own host and PID namespace whose process is
// gone is settled at once. The window leaves room for a slow write and
// for clocks that differ by up to a minute between hosts.
const (
	RunHeartbeat  = 20 * time.Second
	RunStaleAfter = 2 * time.Minute
)

// ErrRunEnded is returned (wrapped) when a run writes or finishes after
// it was recorded as no longer running: declared dead (interrupted) by
// another process, or undone.
var ErrRunEnded = errors.New("the run is no longer recorded as running")

// Run statuses.
const (
	RunRunning     = "running"
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
	RunUndone      = "undone"
)

// Run is the record of one import run (canary runs included).
type Run struct {
	ID           string     `json:"id"`
	StartedAt    time.Time  `json:"startedAt"`
	FinishedAt   *time.Time `json:"finishedAt"`
	SourceKind   string     `json:"sourceKind"`
	SourceFormat string     `json:"sourceFormat"`
	Status       string     `json:"status"`
	UndoneAt     *time.Time `json:"undoneAt,omitempty"`
	// Options and Report are the importer's, stored as it wrote them.
	Options json.RawMessage `json:"options"`
	Report  json.RawMessage `json:"report"`
}

// RunFinish is what FinishRun records.
type RunFinish struct {
	Status       string
	SourceFormat string
	Report       json.RawMessage
	At           time.Time
}
