package importer

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// recountingSource is an API source whose users grew during the walk:
// its count before the walk is short by the sign-ups, its final count
// (asked once the walk ended) is not.
type recountingSource struct {
	*sliceSource
	signUps int
	ended   bool
}

func (s *recountingSource) Kind() string { return "api" }

func (s *recountingSource) Total(context.Context) (int, error) {
	if s.ended {
		return len(s.recs), nil
	}
	return len(s.recs) - s.signUps, nil
}

func (s *recountingSource) Next(ctx context.Context) ([]clerk.Record, error) {
	recs, err := s.sliceSource.Next(ctx)
	if errors.Is(err, io.EOF) {
		s.ended = true
	}
	return recs, err
}

// Users who signed up during the walk were read, and the final count
// says so: no warning that fewer were announced than read.
func TestFinalCountAfterSignUps(t *testing.T) {
	src := &recountingSource{sliceSource: mixedSource(), signUps: 2}
	rep := run(t, src, openEnv(t), Options{Mode: ModePreview})
	for _, w := range rep.Warnings {
		if strings.Contains(w, "announced") {
			t.Errorf("warning %q", w)
		}
	}
}
