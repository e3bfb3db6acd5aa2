package conformance

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Two runs looked up the same signed-up user for two different Clerk
// users and both queued a merge into it (each lookup saw no Clerk id
// recorded for it). Whichever batch is written second must not merge:
// two ids of one source are two accounts. The interleaving is the one
// concurrent runs produce: both lookups, then both batches.
func testMergeRefusedWhenAnotherIDMergedMeanwhile(t *testing.T, be Backend) {
	l := be.Open(t)
	startRun(t, l, "run_0")
	native := imported(1)
	native.Source, native.SourceID, native.User.OAuthLinks = "signup", "s1", nil
	created := imported(2) // created by an import of another Clerk user
	created.User.OAuthLinks = nil
	apply(t, l, ascendkit.ImportBatch{RunID: "run_0", Create: []ascendkit.ImportedUser{native, created}})
	finishRun(t, l, "run_0")
	ids := map[string]string{}
	for _, em := range []string{"user1@example.com", "user2@example.com"} {
		u, err := l.GetUser(ctx, em)
		if err != nil {
			t.Fatal(err)
		}
		ids[em] = u.ID
	}
	merge := func(email, id, google string) ascendkit.Merge {
		return ascendkit.Merge{Email: email, Source: "clerk", SourceID: id, Tags: []string{"from:" + id},
			OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: google, Email: email}},
			ImportMeta: map[string]any{"source": "clerk", "sourceId": id}, SoleID: true}
	}
	startRun(t, l, "run_p")
	startRun(t, l, "run_q")
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run_p", Merge: []ascendkit.Merge{merge("user1@example.com", "user_p1", "gp1")}})
	if res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Fatalf("first merge %+v", res)
	}
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run_q", Merge: []ascendkit.Merge{
		merge("User1@example.com", "user_q1", "gq1"),
		merge("user2@example.com", "user_q2", "gq2"),
	}})
	want := []ascendkit.OtherSourceMerge{
		{SourceID: "user_q1", UserID: ids["user1@example.com"], OtherID: "user_p1"},
		{SourceID: "user_q2", UserID: ids["user2@example.com"], OtherID: "user_2"},
	}
	if res.Merged != 0 || res.Links != 0 || len(res.Existing) != 0 || len(res.MergeTargetGone) != 0 || !reflect.DeepEqual(res.MergedWithOther, want) {
		t.Fatalf("second run's merges %+v, want refused %+v", res, want)
	}
	// Nothing of run_q was written.
	if m, err := l.LookupSourceIDs(ctx, "clerk", []string{"user_q1", "user_q2"}); err != nil || len(m) != 0 {
		t.Errorf("run_q's ids recorded: %v, %v", m, err)
	}
	if n := be.Query(t, l, `SELECT COUNT(*) FROM oauth_links WHERE provider_user_id IN ('gq1', 'gq2')`)[0][0]; n != "0" {
		t.Errorf("%s of run_q's links attached", n)
	}
	if n := be.Query(t, l, `SELECT COUNT(*) FROM import_merge_changes WHERE run_id = 'run_q'`)[0][0]; n != "0" {
		t.Errorf("%s merge changes recorded for run_q", n)
	}
	if n := be.Query(t, l, `SELECT COUNT(*) FROM user_tags WHERE tag LIKE 'from:user_q%'`)[0][0]; n != "0" {
		t.Errorf("%s of run_q's tags added", n)
	}
	// The batch's own run's records do not count: a later listing of its
	// source merges into an earlier one's user by the caller's rules.
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_p", Merge: []ascendkit.Merge{merge("user1@example.com", "user_p3", "gp3")}}); res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("merge beside the run's own id %+v", res)
	}
	// A run that takes up an unfinished one (Resumes) counts that run's
	// records as its own, and only those: user2's id is run_0's.
	startRun(t, l, "run_r")
	other := merge("user1@example.com", "user_r1", "gr1")
	other.Resumes = []string{"run_0"} // user1's other id is run_p's
	resumed := merge("user2@example.com", "user_r2", "gr2")
	resumed.Resumes = []string{"run_0"}
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run_r", Merge: []ascendkit.Merge{other, resumed}})
	if want := []ascendkit.OtherSourceMerge{{SourceID: "user_r1", UserID: ids["user1@example.com"], OtherID: "user_p1"}}; res.Merged != 1 || !reflect.DeepEqual(res.MergedWithOther, want) {
		t.Errorf("resuming run_0: %+v, want user_r2 merged and user_r1 refused", res)
	}
	// Without SoleID the environment merges as asked (the caller's rule).
	free := merge("user2@example.com", "user_q2", "gq2")
	free.SoleID = false
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_q", Merge: []ascendkit.Merge{free}}); res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("merge without SoleID %+v", res)
	}
	// Taking up two unfinished runs (one interrupted, then the run that
	// took it up interrupted too) counts the records of both as its own:
	// user2 now has user_2 (run_0's), user_r2 (run_r's) and user_q2
	// (run_q's).
	startRun(t, l, "run_s")
	one := merge("user2@example.com", "user_s2", "gs2")
	one.Resumes = []string{"run_0", "run_r"}
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_s", Merge: []ascendkit.Merge{one}}); res.Merged != 0 || len(res.MergedWithOther) != 1 || res.MergedWithOther[0].OtherID != "user_q2" {
		t.Errorf("resuming run_0 and run_r beside run_q's record: %+v, want refused for user_q2", res)
	}
	both := one
	both.Resumes = []string{"run_0", "run_q", "run_r"}
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_s", Merge: []ascendkit.Merge{both}}); res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("resuming run_0, run_q and run_r: %+v, want merged", res)
	}
	// Own names the ids that are not another account's one by one,
	// whichever run recorded them; user2 has user_s2 (run_s's) now too.
	listed, err := l.ListSourceUsers(ctx, ascendkit.SourceUserFilter{Source: "clerk", UserIDs: []string{ids["user2@example.com"]}})
	var got []string
	for _, su := range listed {
		got = append(got, su.SourceID)
	}
	if want := []string{"user_2", "user_q2", "user_r2", "user_s2"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("user2's Clerk ids %v (%v), want %v", got, err, want)
	}
	startRun(t, l, "run_t")
	own := merge("user2@example.com", "user_t2", "gt2")
	own.Own = []string{"user_2", "user_q2", "user_r2"}
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_t", Merge: []ascendkit.Merge{own}}); res.Merged != 0 || len(res.MergedWithOther) != 1 || res.MergedWithOther[0].OtherID != "user_s2" {
		t.Errorf("own ids without user_s2: %+v, want refused for user_s2", res)
	}
	own.Own = append(own.Own, "user_s2")
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_t", Merge: []ascendkit.Merge{own}}); res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("all ids own: %+v, want merged", res)
	}
	// An id with a control character is matched as it is, too.
	odd := merge("user2@example.com", "user_\x01odd", "godd")
	odd.SoleID = false
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_t", Merge: []ascendkit.Merge{odd}}); res.Merged != 1 {
		t.Fatalf("merge of the odd id %+v", res)
	}
	startRun(t, l, "run_u")
	third := merge("user2@example.com", "user_u2", "gu2")
	third.Own = slices.Clone(own.Own)
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_u", Merge: []ascendkit.Merge{third}}); res.Merged != 0 || len(res.MergedWithOther) != 1 {
		t.Errorf("without the odd id and user_t2 own: %+v, want refused", res)
	}
	third.Own = append(third.Own, "user_t2", "user_\x01odd")
	if res = apply(t, l, ascendkit.ImportBatch{RunID: "run_u", Merge: []ascendkit.Merge{third}}); res.Merged != 1 || len(res.MergedWithOther) != 0 {
		t.Errorf("with the odd id own: %+v, want merged", res)
	}
	// Another source's id of the user does not count: the signup record
	// stood beside user_p1, and a merge of the same id again is Existing.
	res = apply(t, l, ascendkit.ImportBatch{RunID: "run_p", Merge: []ascendkit.Merge{merge("user1@example.com", "user_p1", "gp1")}})
	if res.Merged != 0 || !reflect.DeepEqual(res.Existing, []string{"user_p1"}) || len(res.MergedWithOther) != 0 {
		t.Errorf("repeated merge %+v", res)
	}
}
