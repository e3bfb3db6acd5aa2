package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Imported is the suite's fixture user i (User<i>@Example.com, one Google
// link, two events, created i minutes after the suite's clock), so a
// backend's own tests build the same users as the suite.
func Imported(i int, tags ...string) ascendkit.ImportedUser { return imported(i, tags...) }

// Journey is the suite's fixture journey: two emails three days apart,
// then done on login, for the audience tag.
func Journey(name, tag string) ascendkit.Journey { return testJourney(name, tag) }

func imported(i int, tags ...string) ascendkit.ImportedUser {
	last := t0.Add(-time.Duration(i) * time.Hour)
	return ascendkit.ImportedUser{
		User: ascendkit.User{
			Email:         fmt.Sprintf("User%d@Example.com", i),
			Name:          fmt.Sprintf("User %d", i),
			EmailVerified: true,
			CreatedAt:     t0.Add(time.Duration(i) * time.Minute),
			LastLoginAt:   &last,
			Metadata:      map[string]any{"plan": "pro", "import": map[string]any{"sourceId": fmt.Sprintf("user_%d", i)}},
			Tags:          append([]string{"import:clerk"}, tags...),
			OAuthLinks:    []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: fmt.Sprintf("g%d", i), Email: fmt.Sprintf("user%d@example.com", i)}},
		},
		Source:   "clerk",
		SourceID: fmt.Sprintf("user_%d", i),
		Events: []ascendkit.NewEvent{
			{Type: "user.imported", Payload: map[string]any{"source": "clerk", "sourceId": fmt.Sprintf("user_%d", i)}},
			{Type: "user.login", Payload: map[string]any{"synthetic": true}},
		},
	}
}

func apply(t *testing.T, l ascendkit.Environment, b ascendkit.ImportBatch) ascendkit.BatchResult {
	t.Helper()
	res, err := l.ApplyImport(ctx, b, t0)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func testJourney(name, tag string) ascendkit.Journey {
	return ascendkit.Journey{
		Name:     name,
		Audience: ascendkit.Audience{Tag: tag},
		Nodes: []ascendkit.Node{
			{ID: "announce", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-announcement"},
			{ID: "go_live", Action: ascendkit.ActionSendEmail, TemplateSlug: "migration-go-live"},
			{ID: "done"},
		},
		Transitions: []ascendkit.Transition{
			{From: "announce", To: "go_live", Trigger: ascendkit.TriggerTimer, After: "3d"},
			{From: "go_live", To: "done", On: "user.login"},
		},
	}
}
