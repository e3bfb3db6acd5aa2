package conformance

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func testApplyImportCreatesAndIsIdempotent(t *testing.T, be Backend) {
	l := be.Open(t)
	b := ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1, "import:needs-password-reset"), imported(2), imported(3)}}
	b.Create[2].User.OAuthLinks = append(b.Create[2].User.OAuthLinks, ascendkit.OAuthLink{Provider: "github", ProviderUserID: "gh3"})
	res := apply(t, l, b)
	want := ascendkit.BatchResult{Created: 3, Links: 4, Events: 6}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("first apply = %+v, want %+v", res, want)
	}
	for table, n := range map[string]int{"users": 3, "oauth_links": 4, "user_tags": 4, "import_sources": 3, "events": 6} {
		if got := be.Count(t, l, table); got != n {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}

	res = apply(t, l, b)
	want = ascendkit.BatchResult{Existing: []string{"user_1", "user_2", "user_3"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("second apply = %+v, want %+v", res, want)
	}
	if got := be.Count(t, l, "events"); got != 6 {
		t.Errorf("events after re-apply: %d", got)
	}

	u, err := l.GetUser(ctx, "USER1@example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.ID, "usr_") || len(u.ID) != 28 {
		t.Errorf("id %q", u.ID)
	}
	if u.Email != "user1@example.com" || u.Name != "User 1" || !u.EmailVerified || u.Banned {
		t.Errorf("user %+v", u)
	}
	if !u.CreatedAt.Equal(t0.Add(time.Minute)) || u.CreatedAt.Location() != time.UTC {
		t.Errorf("createdAt %v", u.CreatedAt)
	}
	if u.LastLoginAt == nil || !u.LastLoginAt.Equal(t0.Add(-time.Hour)) {
		t.Errorf("lastLoginAt %v", u.LastLoginAt)
	}
	if !reflect.DeepEqual(u.Tags, []string{"import:clerk", "import:needs-password-reset"}) {
		t.Errorf("tags %v", u.Tags)
	}
	if !reflect.DeepEqual(u.OAuthLinks, []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1", Email: "user1@example.com"}}) {
		t.Errorf("links %v", u.OAuthLinks)
	}
	if u.Metadata["plan"] != "pro" {
		t.Errorf("metadata %v", u.Metadata)
	}
	if byID, err := l.GetUser(ctx, u.ID); err != nil || byID.Email != u.Email {
		t.Errorf("GetUser(id) = %+v, %v", byID, err)
	}
	u3, _ := l.GetUser(ctx, "user3@example.com")
	if len(u3.OAuthLinks) != 2 || u3.OAuthLinks[0].Provider != "github" {
		t.Errorf("user3 links %v", u3.OAuthLinks)
	}

	evs, err := l.ListEvents(ctx, ascendkit.EventFilter{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != "user.imported" || evs[1].Type != "user.login" ||
		!evs[0].CreatedAt.Equal(t0) || !strings.HasPrefix(evs[0].ID, "evt_") || evs[0].Payload["sourceId"] != "user_1" {
		t.Errorf("events %+v", evs)
	}
	if evs, _ := l.ListEvents(ctx, ascendkit.EventFilter{Type: "user.login", Limit: 2}); len(evs) != 2 || evs[0].Type != "user.login" {
		t.Errorf("login events %+v", evs)
	}

	users, err := l.ListUsers(ctx, ascendkit.UserFilter{})
	if err != nil || len(users) != 3 || users[0].Email != "user1@example.com" || users[2].Email != "user3@example.com" {
		t.Fatalf("ListUsers = %v, %v", users, err)
	}
	if users, _ := l.ListUsers(ctx, ascendkit.UserFilter{Tag: "import:needs-password-reset"}); len(users) != 1 || users[0].ID != u.ID {
		t.Errorf("ListUsers(tag) = %v", users)
	}
	if users, _ := l.ListUsers(ctx, ascendkit.UserFilter{Limit: 2}); len(users) != 2 {
		t.Errorf("ListUsers(limit 2) = %d", len(users))
	}
	if users, _ := l.ListUsers(ctx, ascendkit.UserFilter{Tag: "nope"}); users == nil || len(users) != 0 {
		t.Errorf("ListUsers(nope) = %#v", users)
	}
}

func testApplyImportCollisions(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})

	dupEmail := imported(2)
	dupEmail.User.Email = "USER1@example.com" // exists already
	dupEmail.User.OAuthLinks = nil
	inBatch := imported(4)
	inBatch.SourceID = "user_3" // repeated source id within the batch
	sameEmail := imported(5)
	sameEmail.User.Email = "user3@example.com" // repeated email within the batch
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run2", Create: []ascendkit.ImportedUser{dupEmail, imported(3), inBatch, sameEmail}})
	want := ascendkit.BatchResult{Created: 1, Links: 1, Events: 2, Existing: []string{"user_2", "user_3", "user_5"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("apply = %+v, want %+v", res, want)
	}
	if n, _ := l.CountUsers(ctx); n != 2 {
		t.Errorf("%d users", n)
	}

	// A link planned for a new user but owned by another user at write
	// time (another import linked it after the lookup) fails the batch,
	// nothing of it written: created without it, the user would keep
	// tags decided on it (social-only) and no way to sign in.
	steal := imported(6)
	steal.User.OAuthLinks[0].ProviderUserID = "g1"
	if res, err := l.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run3", Create: []ascendkit.ImportedUser{imported(7), steal}}, t0); !errors.Is(err, ascendkit.ErrLinksTaken) {
		t.Errorf("steal = %+v, %v; want ErrLinksTaken", res, err)
	}
	if n, _ := l.CountUsers(ctx); n != 2 {
		t.Errorf("%d users after the refused batch, want 2", n)
	}
	// Merges add what links they can: the user merged into has their own
	// way in.
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run3", Merge: []ascendkit.Merge{{Email: "user3@example.com", Source: "clerk", SourceID: "user_8",
		OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}}}}})
	if res.Merged != 1 || res.Links != 0 {
		t.Errorf("merge with a taken link = %+v", res)
	}

	// Invalid input fails before writing.
	if _, err := l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{{Source: "clerk", SourceID: "x"}}}, t0); err == nil {
		t.Error("empty email accepted")
	}
}

func testMerge(t *testing.T, be Backend) {
	l := be.Open(t)
	// A user that predates the import, with its own name and metadata.
	own := imported(1)
	own.Source, own.SourceID = "signup", "s1"
	own.User.Metadata = map[string]any{"plan": "team"}
	own.User.Tags = []string{"vip"}
	own.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}}
	apply(t, l, ascendkit.ImportBatch{RunID: "", Create: []ascendkit.ImportedUser{own}})
	// One that already has metadata.import.
	had := imported(2)
	had.Source, had.SourceID = "signup", "s2"
	had.User.Metadata = map[string]any{"import": "mine"}
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{had}})

	meta := map[string]any{"source": "clerk", "sourceId": "user_1"}
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run1", Merge: []ascendkit.Merge{
		{Email: "USER1@example.com", Source: "clerk", SourceID: "user_1", Tags: []string{"import:clerk", "vip"},
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}, {Provider: "github", ProviderUserID: "gh1"}}, ImportMeta: meta},
		{Email: "user2@example.com", Source: "clerk", SourceID: "user_2", ImportMeta: map[string]any{"sourceId": "user_2"}},
		{Email: "nobody@example.com", Source: "clerk", SourceID: "user_9", Tags: []string{"x"}},
	}})
	// nobody@ matches no user: reported, not passed over as merged.
	want := ascendkit.BatchResult{Merged: 2, Links: 1, MergeTargetGone: []string{"user_9"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("merge = %+v, want %+v", res, want)
	}
	u, _ := l.GetUser(ctx, "user1@example.com")
	if u.Name != "User 1" || u.Metadata["plan"] != "team" || !reflect.DeepEqual(u.Metadata["import"], meta) {
		t.Errorf("merged user %+v", u)
	}
	if !reflect.DeepEqual(u.Tags, []string{"import:clerk", "vip"}) || len(u.OAuthLinks) != 2 {
		t.Errorf("merged tags %v links %v", u.Tags, u.OAuthLinks)
	}
	u2, _ := l.GetUser(ctx, "user2@example.com")
	if u2.Metadata["import"] != "mine" {
		t.Errorf("metadata.import overwritten: %v", u2.Metadata)
	}
	m, err := l.LookupSourceIDs(ctx, "clerk", []string{"user_1", "user_2", "user_9"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, map[string]ascendkit.Match{"user_1": {UserID: u.ID, RunID: "run1"}, "user_2": {UserID: u2.ID, RunID: "run1"}}) {
		t.Errorf("lookup = %v", m)
	}
	// Merging the same source id again is reported as existing.
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run2", Merge: []ascendkit.Merge{{Email: "user1@example.com", Source: "clerk", SourceID: "user_1"}}})
	if !reflect.DeepEqual(res, ascendkit.BatchResult{Existing: []string{"user_1"}}) {
		t.Errorf("re-merge = %+v", res)
	}
	// A merge finds a user created earlier in the same batch.
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run3", Create: []ascendkit.ImportedUser{imported(7)},
		Merge: []ascendkit.Merge{{Email: "user7@example.com", Source: "other", SourceID: "o7", Tags: []string{"other"}}}})
	if res.Created != 1 || res.Merged != 1 {
		t.Errorf("same-batch merge = %+v", res)
	}
}

func testLookups(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})
	pre := imported(2)
	pre.Source, pre.SourceID = "signup", "s2"
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{pre}})
	// An address nobody proved: an importer must not merge into it.
	unverified := imported(3)
	unverified.User.EmailVerified = false
	unverified.Source, unverified.SourceID = "signup", "s3"
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{unverified}})
	u1, _ := l.GetUser(ctx, "user1@example.com")
	u2, _ := l.GetUser(ctx, "user2@example.com")
	u3, _ := l.GetUser(ctx, "user3@example.com")

	m, err := l.LookupEmails(ctx, []string{"user1@example.com", "User2@Example.com", "none@example.com", "USER3@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ascendkit.Match{"user1@example.com": {UserID: u1.ID, RunID: "run1", EmailVerified: true},
		"User2@Example.com": {UserID: u2.ID, EmailVerified: true}, "USER3@example.com": {UserID: u3.ID, RunID: "run1"}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("LookupEmails = %v, want %v", m, want)
	}
	// The importer's own (normalised) keys take the backends' fast path.
	m, err = l.LookupEmails(ctx, []string{"user1@example.com", "user3@example.com"})
	want = map[string]ascendkit.Match{"user1@example.com": {UserID: u1.ID, RunID: "run1", EmailVerified: true},
		"user3@example.com": {UserID: u3.ID, RunID: "run1"}}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("LookupEmails (normalised) = %v, %v, want %v", m, err, want)
	}
	if m, err := l.LookupEmails(ctx, nil); err != nil || m == nil || len(m) != 0 {
		t.Errorf("LookupEmails(nil) = %v, %v", m, err)
	}
	if m, err := l.LookupSourceIDs(ctx, "clerk", nil); err != nil || m == nil || len(m) != 0 {
		t.Errorf("LookupSourceIDs(nil) = %v, %v", m, err)
	}
	// More ids than one IN (…) chunk.
	ids := make([]string, 1200)
	for i := range ids {
		ids[i] = fmt.Sprintf("user_%d", i)
	}
	m, err = l.LookupSourceIDs(ctx, "clerk", ids)
	if err != nil || len(m) != 1 || m["user_1"] != (ascendkit.Match{UserID: u1.ID, RunID: "run1"}) {
		t.Errorf("LookupSourceIDs = %v, %v", m, err)
	}
}

func testNotFound(t *testing.T, be Backend) {
	l := be.Open(t)
	_, err := l.GetUser(ctx, "nobody@example.com")
	if !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("GetUser: %v", err)
	}
	if _, err := l.GetTemplate(ctx, "nope"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("GetTemplate: %v", err)
	}
	if _, err := l.GetJourney(ctx, "jrn_nope"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("GetJourney: %v", err)
	}
	if _, err := l.ActivateJourney(ctx, "jrn_nope", t0); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("ActivateJourney: %v", err)
	}
	if err := l.PauseJourney(ctx, "jrn_nope"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("PauseJourney: %v", err)
	}
	if _, err := l.UpdateTemplate(ctx, ascendkit.Template{ID: "tpl_nope", Subject: "x"}); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("UpdateTemplate: %v", err)
	}
	if _, err := l.ListEnrollments(ctx, "jrn_nope"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("ListEnrollments: %v", err)
	}
}

func testSettings(t *testing.T, be Backend) {
	l := be.Open(t)
	s, err := l.AuthSettings(ctx)
	if err != nil || s.Providers == nil || len(s.Providers) != 0 {
		t.Fatalf("AuthSettings = %#v, %v", s, err)
	}
	if err := l.SetAuthProviders(ctx, []string{"google", "credentials", "Google", " ", "linkedin"}); err != nil {
		t.Fatal(err)
	}
	s, _ = l.AuthSettings(ctx)
	if !reflect.DeepEqual(s.Providers, []string{"credentials", "google", "linkedin"}) {
		t.Errorf("providers %v", s.Providers)
	}
	if _, ok, err := l.Setting(ctx, "migration.from"); ok || err != nil {
		t.Errorf("unset setting: %v %v", ok, err)
	}
	for _, v := range []string{"a@example.com", "b@example.com"} {
		if err := l.SetSetting(ctx, "migration.from", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := l.Setting(ctx, "migration.from"); got != v || !ok || err != nil {
			t.Errorf("Setting = %q %v %v", got, ok, err)
		}
	}
}

func testTemplates(t *testing.T, be Backend) {
	l := be.Open(t)
	a, created, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "migration-announcement", Name: "Migration announcement",
		Subject: "We're moving", BodyHTML: "<p>Hi {{userName}}</p>", BodyText: "Hi {{userName}}"})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if !strings.HasPrefix(a.ID, "tpl_") || a.Version != 1 || a.Category != ascendkit.CategoryMarketing || a.CreatedAt.IsZero() {
		t.Errorf("created %+v", a)
	}
	again, created, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "migration-announcement", Subject: "other"})
	if err != nil || created || again != a {
		t.Errorf("create again = %+v, %v, %v", again, created, err)
	}
	b, _, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "password-reset", Name: "Reset", Subject: "Set your PASSWORD", Category: ascendkit.CategoryTransactional})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.CreateTemplate(ctx, ascendkit.Template{Slug: "bad", Category: "spam"}); err == nil {
		t.Error("bad category accepted")
	}

	time.Sleep(time.Millisecond)
	up, err := l.UpdateTemplate(ctx, ascendkit.Template{ID: a.ID, Subject: "We're moving soon"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Subject != "We're moving soon" || up.BodyText != a.BodyText || up.Name != a.Name ||
		!up.UpdatedAt.After(a.UpdatedAt) || !up.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("updated %+v", up)
	}
	up, _ = l.UpdateTemplate(ctx, ascendkit.Template{ID: a.ID, BodyText: "v3"})
	if up.Version != 3 || up.Subject != "We're moving soon" {
		t.Errorf("v3 %+v", up)
	}
	if got := be.Count(t, l, "template_versions"); got != 4 {
		t.Errorf("%d versions", got)
	}
	if rows := be.Query(t, l, `SELECT subject FROM template_versions WHERE template_id = $1 AND version = 1`, a.ID); len(rows) != 1 || rows[0][0] != "We're moving" {
		oldSubject := rows
		t.Errorf("version 1 changed: %q", oldSubject)
	}
	if got, err := l.GetTemplate(ctx, "migration-announcement"); err != nil || got != up {
		t.Errorf("GetTemplate(slug) = %+v, %v", got, err)
	}
	if got, err := l.GetTemplate(ctx, b.ID); err != nil || got != b {
		t.Errorf("GetTemplate(id) = %+v, %v", got, err)
	}

	names := func(ts []ascendkit.Template) (out []string) {
		for _, t := range ts {
			out = append(out, t.Slug)
		}
		return out
	}
	for q, want := range map[string][]string{
		"":         {"migration-announcement", "password-reset"},
		"password": {"password-reset"}, // subject and slug
		"MOVING":   {"migration-announcement"},
		"reset":    {"password-reset"},
		"zzz":      nil,
	} {
		ts, err := l.ListTemplates(ctx, q)
		if err != nil || !reflect.DeepEqual(names(ts), want) {
			t.Errorf("ListTemplates(%q) = %v, %v", q, names(ts), err)
		}
	}
}

func testJourneys(t *testing.T, be Backend) {
	l := be.Open(t)
	j, created, err := l.CreateJourney(ctx, testJourney("Announcement cadence", "import:clerk"))
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if !strings.HasPrefix(j.ID, "jrn_") || j.Status != ascendkit.StatusDraft || j.Entry != "announce" || j.ActivatedAt != nil ||
		j.Transitions[0].ID != "announce-to-go_live" || j.Transitions[1].Trigger != ascendkit.TriggerEvent || j.Nodes[2].Action != ascendkit.ActionNone {
		t.Errorf("created %+v", j)
	}
	again, created, err := l.CreateJourney(ctx, testJourney("Announcement cadence", "other"))
	if err != nil || created || again.ID != j.ID || again.Audience.Tag != "import:clerk" {
		t.Errorf("create again = %+v, %v, %v", again, created, err)
	}
	bad := testJourney("Bad", "x")
	bad.Transitions[0].To = "nowhere"
	if _, _, err := l.CreateJourney(ctx, bad); err == nil {
		t.Error("transition to unknown node accepted")
	}

	up, err := l.UpdateJourneyNodes(ctx, j.ID, []ascendkit.Node{{ID: "announce", From: "team@example.com", Variables: map[string]string{"loginUrl": "https://x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := up.Nodes[0]; n.From != "team@example.com" || n.Variables["loginUrl"] != "https://x" ||
		n.TemplateSlug != "migration-announcement" || n.Action != ascendkit.ActionSendEmail || len(up.Transitions) != 2 {
		t.Errorf("updated node %+v", n)
	}
	if _, err := l.UpdateJourneyNodes(ctx, j.ID, []ascendkit.Node{{ID: "ghost"}}); err == nil {
		t.Error("unknown node accepted")
	}
	if got, err := l.GetJourney(ctx, "Announcement cadence"); err != nil || got.ID != j.ID || got.Nodes[0].From != "team@example.com" {
		t.Errorf("GetJourney(name) = %+v, %v", got, err)
	}
	if err := l.PauseJourney(ctx, j.ID); err == nil {
		t.Error("paused a draft")
	}

	// Three audience users, one banned, one outside the audience.
	banned := imported(3)
	banned.User.Banned = true
	outside := imported(4)
	outside.User.Tags = []string{"other"}
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1), imported(2), banned, outside}})

	total, notEnrolled, err := l.AudienceSize(ctx, j.ID)
	if err != nil || total != 2 || notEnrolled != 2 {
		t.Errorf("AudienceSize = %d, %d, %v", total, notEnrolled, err)
	}
	if n, err := l.UnnamedInAudience(ctx, j.ID); err != nil || n != 0 {
		t.Errorf("UnnamedInAudience = %d, %v; every user has a name", n, err)
	}
	at := t0.Add(24 * time.Hour)
	n, err := l.ActivateJourney(ctx, j.ID, at)
	if err != nil || n != 2 {
		t.Fatalf("ActivateJourney = %d, %v", n, err)
	}
	j, _ = l.GetJourney(ctx, j.ID)
	if j.Status != ascendkit.StatusActive || j.ActivatedAt == nil || !j.ActivatedAt.Equal(at) || j.Stats != (ascendkit.JourneyStats{Enrolled: 2, Active: 2}) {
		t.Errorf("activated %+v", j)
	}
	if n, err := l.ActivateJourney(ctx, j.ID, at.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("activate again = %d, %v", n, err)
	}
	if total, notEnrolled, _ := l.AudienceSize(ctx, j.ID); total != 2 || notEnrolled != 0 {
		t.Errorf("AudienceSize after = %d, %d", total, notEnrolled)
	}
	es, err := l.ListEnrollments(ctx, j.ID)
	if err != nil || len(es) != 2 || es[0].CurrentNode != "announce" || es[0].Status != ascendkit.StatusActive ||
		!es[0].EnrolledAt.Equal(at) || !es[0].NextStepAt.Equal(at) {
		t.Errorf("enrollments %+v, %v", es, err)
	}

	// Import into an active journey: enrolled now, banned users not.
	banned5 := imported(5)
	banned5.User.Banned = true
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run2", Create: []ascendkit.ImportedUser{imported(6), banned5}})
	if res.Enrolled != 1 {
		t.Errorf("import enrolled %d", res.Enrolled)
	}
	u6, _ := l.GetUser(ctx, "user6@example.com")
	es, _ = l.ListEnrollments(ctx, j.ID)
	if len(es) != 3 || es[0].UserID != u6.ID || !es[0].EnrolledAt.Equal(t0) {
		t.Errorf("enrollments after import %+v", es)
	}
	// A merge gaining the audience tag enrolls; one already tagged does not re-enroll.
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run3", Merge: []ascendkit.Merge{
		{Email: "user4@example.com", Source: "clerk", SourceID: "m4", Tags: []string{"import:clerk"}},
		{Email: "user6@example.com", Source: "clerk", SourceID: "m6", Tags: []string{"import:clerk"}},
		{Email: "user5@example.com", Source: "clerk", SourceID: "m5", Tags: []string{"import:clerk", "new"}},
	}})
	if res.Merged != 3 || res.Enrolled != 1 {
		t.Errorf("merge into journey = %+v", res)
	}

	if err := l.PauseJourney(ctx, "Announcement cadence"); err != nil {
		t.Fatal(err)
	}
	if err := l.PauseJourney(ctx, j.ID); err == nil {
		t.Error("paused twice")
	}
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run4", Create: []ascendkit.ImportedUser{imported(7)}})
	if res.Enrolled != 0 {
		t.Errorf("enrolled into a paused journey: %+v", res)
	}
	if n, err := l.ActivateJourney(ctx, j.ID, at.Add(48*time.Hour)); err != nil || n != 1 {
		t.Errorf("re-activate = %d, %v", n, err)
	}
	j, _ = l.GetJourney(ctx, j.ID)
	if !j.ActivatedAt.Equal(at) || j.Stats.Enrolled != 5 {
		t.Errorf("re-activated %+v", j)
	}

	// A journey for every user; created active, it backfills.
	all := testJourney("Everyone", "")
	all.Status = ascendkit.StatusActive
	ja, _, err := l.CreateJourney(ctx, all)
	if err != nil || ja.Status != ascendkit.StatusActive || ja.Stats.Enrolled != 5 { // 7 users, 2 banned
		t.Errorf("all-users journey %+v, %v", ja, err)
	}
	js, err := l.ListJourneys(ctx)
	if err != nil || len(js) != 2 || js[0].ID != j.ID || js[1].Stats.Enrolled != 5 {
		t.Errorf("ListJourneys = %+v, %v", js, err)
	}
}

func testLookupLinks(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run_1", Create: []ascendkit.ImportedUser{imported(1), imported(2)}})
	u1, _ := l.GetUser(ctx, "user1@example.com")
	var many []ascendkit.OAuthLink
	for i := range 700 { // more than one chunk of variables
		many = append(many, ascendkit.OAuthLink{Provider: "google", ProviderUserID: fmt.Sprintf("none%d", i)})
	}
	many = append(many, ascendkit.OAuthLink{Provider: "google", ProviderUserID: "g1"}, ascendkit.OAuthLink{Provider: "github", ProviderUserID: "g2"})
	got, err := l.LookupLinks(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[ascendkit.LinkKey("google", "g1")] != (ascendkit.Match{UserID: u1.ID, RunID: "run_1"}) {
		t.Fatalf("LookupLinks = %v", got)
	}
	if got, err := l.LookupLinks(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty lookup = %v %v", got, err)
	}
}

func testInvalidDataIsErrInvalid(t *testing.T, be Backend) {
	l := be.Open(t)
	bad := imported(1)
	bad.User.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	noLink := imported(2)
	noLink.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "google"}}
	for _, b := range []ascendkit.ImportedUser{bad, noLink} {
		_, err := l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{b}}, t0)
		if !errors.Is(err, ascendkit.ErrInvalid) || errors.Is(err, ascendkit.ErrBusy) {
			t.Errorf("%s: err = %v, want ErrInvalid", b.SourceID, err)
		}
	}
	if n := be.Count(t, l, "users"); n != 0 {
		t.Fatalf("%d users written", n)
	}
}

func withIdentity(u ascendkit.ImportedUser) ascendkit.ImportedUser {
	u.User.Username = "ada_l"
	u.User.Phone = "+14155552671"
	u.User.PhoneVerified = true
	u.User.ExternalID = "crm-42"
	u.User.SecondaryEmails = []ascendkit.SecondaryEmail{{Email: "ada@work.example", Verified: false}, {Email: "ada@home.example", Verified: true}}
	u.User.PrivateMetadata = map[string]any{"stripe": "cus_1"}
	u.User.UnsafeMetadata = map[string]any{"theme": "dark"}
	u.User.Locked = true
	return u
}

func testIdentityFieldsRoundTrip(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{withIdentity(imported(1)), imported(2)}})
	apply(t, l, ascendkit.ImportBatch{RunID: "r", Create: []ascendkit.ImportedUser{{User: ascendkit.User{Email: "ren\u00e9@example.com", CreatedAt: t0}, Source: "clerk", SourceID: "rene"}}})
	if r, err := l.GetUser(ctx, "RENE\u0301@Example.com"); err != nil || r.Email != "ren\u00e9@example.com" {
		t.Errorf("lookup by the decomposed spelling: %+v, %v", r, err)
	}
	u, err := l.GetUser(ctx, "user1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := withIdentity(imported(1)).User
	if u.Username != want.Username || u.Phone != want.Phone || !u.PhoneVerified || u.ExternalID != want.ExternalID || !u.Locked ||
		!reflect.DeepEqual(u.SecondaryEmails, want.SecondaryEmails) ||
		!reflect.DeepEqual(u.PrivateMetadata, want.PrivateMetadata) || !reflect.DeepEqual(u.UnsafeMetadata, want.UnsafeMetadata) {
		t.Fatalf("read back %+v", u)
	}
	if _, leaked := u.Metadata["stripe"]; leaked {
		t.Error("private metadata leaked into metadata")
	}
	// A user without them reads back empty values, never nil collections.
	plain, err := l.GetUser(ctx, "user2@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Username != "" || plain.Phone != "" || plain.PhoneVerified || plain.Locked || plain.SecondaryEmails == nil ||
		len(plain.SecondaryEmails) != 0 || plain.PrivateMetadata == nil || plain.UnsafeMetadata == nil {
		t.Fatalf("plain user %+v", plain)
	}
}

func testMergeFillsOnlyMissingIdentity(t *testing.T, be Backend) {
	l := be.Open(t)
	own := imported(1)
	own.User.Username = "own_name"
	own.User.Phone = "+33612345678"
	own.User.PrivateMetadata = map[string]any{"mine": true}
	bare := imported(2)
	apply(t, l, ascendkit.ImportBatch{RunID: "r1", Create: []ascendkit.ImportedUser{own, bare}})

	fill := withIdentity(imported(9)).User
	fill.PhoneVerified = true
	res := apply(t, l, ascendkit.ImportBatch{RunID: "r2", Merge: []ascendkit.Merge{
		{Email: own.User.Email, Source: "clerk", SourceID: "c1", Fill: fill},
		{Email: bare.User.Email, Source: "clerk", SourceID: "c2", Fill: fill},
	}})
	if res.Merged != 2 {
		t.Fatalf("merged %d", res.Merged)
	}
	a, _ := l.GetUser(ctx, own.User.Email)
	if a.Username != "own_name" || a.Phone != "+33612345678" || a.PhoneVerified || !reflect.DeepEqual(a.PrivateMetadata, map[string]any{"mine": true}) {
		t.Errorf("merge overwrote the user's own fields: %+v", a)
	}
	if a.ExternalID != "crm-42" || len(a.SecondaryEmails) != 2 || a.UnsafeMetadata["theme"] != "dark" {
		t.Errorf("merge did not fill the fields the user lacked: %+v", a)
	}
	if a.Locked {
		t.Error("a merge must not lock an existing user")
	}
	b, _ := l.GetUser(ctx, bare.User.Email)
	if b.Username != "ada_l" || b.Phone != "+14155552671" || !b.PhoneVerified || b.PrivateMetadata["stripe"] != "cus_1" {
		t.Errorf("empty fields not filled: %+v", b)
	}
}

// testSourceIDTakenWithNewEmail: a create whose source id is recorded
// already, under another email, is existing and leaves no user behind.
func testSourceIDTakenWithNewEmail(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})
	moved := imported(1)
	moved.User.Email = "moved@example.com"
	moved.User.OAuthLinks = nil
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run2", Create: []ascendkit.ImportedUser{moved, imported(2)}})
	want := ascendkit.BatchResult{Created: 1, Links: 1, Events: 2, Existing: []string{"user_1"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("apply = %+v, want %+v", res, want)
	}
	if _, err := l.GetUser(ctx, "moved@example.com"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Errorf("user for a taken source id: %v", err)
	}
	for table, n := range map[string]int{"users": 2, "import_sources": 2, "events": 4, "user_tags": 2} {
		if got := be.Count(t, l, table); got != n {
			t.Errorf("%s: %d rows, want %d", table, got, n)
		}
	}
}

// testMergeOfADroppedCreate: a create dropped because its email is taken
// does not mark its source id seen, so a merge of that id in the same
// batch still finds the email's owner (both backends).
func testMergeOfADroppedCreate(t *testing.T, be Backend) {
	l := be.Open(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})
	taken := imported(8)
	taken.User.Email = "USER1@example.com"
	taken.User.OAuthLinks = nil
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run2", Create: []ascendkit.ImportedUser{taken},
		Merge: []ascendkit.Merge{{Email: "user1@example.com", Source: "clerk", SourceID: "user_8"}}})
	want := ascendkit.BatchResult{Merged: 1, Existing: []string{"user_8"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("apply = %+v, want %+v", res, want)
	}
	u, err := l.GetUser(ctx, "user1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.LookupSourceIDs(ctx, "clerk", []string{"user_8"})
	if err != nil {
		t.Fatal(err)
	}
	if m["user_8"].UserID != u.ID {
		t.Errorf("user_8 recorded for %q, want the email's owner %q", m["user_8"].UserID, u.ID)
	}
}
