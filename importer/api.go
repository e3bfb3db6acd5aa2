package importer

// This file is replaced by the real implementation in progress; the
// signatures are the contract the CLI and the wizard build against.

import (
	"context"
	"errors"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

var errTODO = errors.New("importer: not implemented yet")

// Run reads every user from src, classifies and (in ModeRun) writes them to env.
func Run(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts Options) (Report, error) {
	return Report{}, errTODO
}

// JourneySetup is what the migration journeys are created with.
type JourneySetup struct {
	FromIdentity string // sender email on every email node ("" keeps the saved one)
	AppName      string
	LoginURL     string
	ResetURL     string
}

// Created names one template or journey and whether this call created it.
type Created struct {
	ID      string `json:"id"`
	Slug    string `json:"slug,omitempty"`
	Name    string `json:"name"`
	Created bool   `json:"created"`
}

// JourneysResult is what CreateMigrationJourneys made or found.
type JourneysResult struct {
	Templates []Created `json:"templates"`
	Journeys  []Created `json:"journeys"`
}

// CreateMigrationJourneys creates the 5 migration templates and 2 draft journeys; existing ones are kept.
func CreateMigrationJourneys(ctx context.Context, env ascendkit.Environment, setup JourneySetup) (JourneysResult, error) {
	return JourneysResult{}, errTODO
}

// ValidateIdentity checks a sender email address.
func ValidateIdentity(s string) error { return errTODO }

// Step is one node of a journey's timeline, at its day offset from enrollment.
type Step struct {
	Day  int
	Node ascendkit.Node
}

// Timeline orders a journey's nodes by their timer offsets (Day 0 → Day 3 → Day 7).
func Timeline(j ascendkit.Journey) []Step { return nil }

// Rendered is a template rendered for one user.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	// Missing lists variables that had no value (rendered empty).
	Missing []string
}

// Render fills a template's {{variables}} for a user with the node variables vars.
func Render(t ascendkit.Template, u ascendkit.User, vars map[string]string) Rendered {
	return Rendered{}
}
