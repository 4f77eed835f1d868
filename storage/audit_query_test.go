package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// auditQueryStore returns a store with five audit events, an hour apart from
// 09:00 UTC on the test clock's day:
//
//	seq 1 09:00 alice document.upload  document docA
//	seq 2 10:00 bob   job.create       job      jobA  {"document_id": docA}
//	seq 3 11:00 alice document.upload  document docB
//	seq 4 12:00 carol job.cancel       job      jobA  (no document_id in details)
//	seq 5 13:00 carol summary.export   summary  99    {"document_id": docB}
func auditQueryStore(t *testing.T) (s *Store, docA, docB *Document, jobA *Job, t0 time.Time) {
	t.Helper()
	ctx := context.Background()
	s, clk := newTestStore(t)
	t0 = clk.Now()
	docA = testDocument(t, s, "a")
	clk.Advance(time.Hour)
	jobA, err := s.CreateJob(ctx, docA.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	docB = testDocument(t, s, "b")
	for _, ev := range []AuditEvent{
		{Actor: "carol", Action: "job.cancel", ObjectType: "job", ObjectID: jobA.ID},
		{Actor: "carol", Action: "summary.export", ObjectType: "summary", ObjectID: 99,
			Details: map[string]any{"document_id": docB.ID}},
	} {
		clk.Advance(time.Hour)
		ev.At = clk.Now()
		if err := s.inTx(ctx, "test audit", func(tx *sql.Tx) error { return appendAudit(ctx, tx, ev) }); err != nil {
			t.Fatal(err)
		}
	}
	return s, docA, docB, jobA, t0
}

func seqs(events []AuditEvent) []int64 {
	out := []int64{}
	for _, ev := range events {
		out = append(out, ev.Seq)
	}
	return out
}

func TestQueryAuditFilters(t *testing.T) {
	s, docA, docB, jobA, t0 := auditQueryStore(t)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	tests := []struct {
		name string
		f    AuditFilter
		want []int64
	}{
		{"all, newest first", AuditFilter{}, []int64{5, 4, 3, 2, 1}},
		{"actor", AuditFilter{Actor: "alice"}, []int64{3, 1}},
		{"unknown actor", AuditFilter{Actor: "mallory"}, []int64{}},
		{"action", AuditFilter{Action: "job.create"}, []int64{2}},
		{"object type", AuditFilter{ObjectType: "document"}, []int64{3, 1}},
		{"one object", AuditFilter{ObjectType: "document", ObjectID: docA.ID}, []int64{1}},
		{"job object", AuditFilter{ObjectType: "job", ObjectID: jobA.ID}, []int64{4, 2}},
		{"document A: itself, its job's events", AuditFilter{DocumentID: docA.ID}, []int64{4, 2, 1}},
		{"document B: itself, details naming it", AuditFilter{DocumentID: docB.ID}, []int64{5, 3}},
		{"document and actor", AuditFilter{DocumentID: docA.ID, Actor: "carol"}, []int64{4}},
		{"unknown document", AuditFilter{DocumentID: 12345}, []int64{}},
		{"from is inclusive", AuditFilter{From: h(1)}, []int64{5, 4, 3, 2}},
		{"to is exclusive", AuditFilter{To: h(1)}, []int64{1}},
		{"from and to", AuditFilter{From: h(1), To: h(3)}, []int64{3, 2}},
		{"from in another zone", AuditFilter{From: h(4).In(time.FixedZone("X", 5*3600))}, []int64{5}},
		{"before seq", AuditFilter{BeforeSeq: 3}, []int64{2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.QueryAudit(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(got), tt.want) {
				t.Errorf("seqs = %v, want %v", seqs(got), tt.want)
			}
		})
	}
}

func TestQueryAuditRowContents(t *testing.T) {
	s, _, docB, _, t0 := auditQueryStore(t)
	got, err := s.QueryAudit(context.Background(), AuditFilter{Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("QueryAudit = %v, %v", got, err)
	}
	ev := got[0]
	if ev.Seq != 5 || ev.Actor != "carol" || ev.Action != "summary.export" || ev.ObjectType != "summary" ||
		ev.ObjectID != 99 || ev.Outcome != OutcomeOK || !ev.At.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("event = %+v", ev)
	}
	if id, _ := ev.Details["document_id"].(float64); int64(id) != docB.ID {
		t.Errorf("details = %v, want document_id %d", ev.Details, docB.ID)
	}
	if len(ev.Hash) != 64 || len(ev.PrevHash) != 64 {
		t.Errorf("hashes = %q, %q", ev.PrevHash, ev.Hash)
	}
}

func TestQueryAuditRefusesEmptyRange(t *testing.T) {
	s, _, _, _, t0 := auditQueryStore(t)
	for _, to := range []time.Time{t0, t0.Add(-time.Hour)} {
		_, err := s.QueryAudit(context.Background(), AuditFilter{From: t0, To: to})
		if ErrorCode(err) != EINVALID {
			t.Errorf("From %v To %v: err = %v, want EINVALID", t0, to, err)
		}
	}
}

func TestQueryAuditPaging(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	const n = 620
	err := s.inTx(ctx, "test audit", func(tx *sql.Tx) error {
		for i := range n {
			actor := "even"
			if i%2 == 1 {
				actor = "odd"
			}
			if err := appendAudit(ctx, tx, AuditEvent{Actor: actor, Action: fmt.Sprintf("test.a%d", i%3),
				ObjectType: "test", ObjectID: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct{ limit, want int }{{0, DefaultAuditPage}, {7, 7}, {MaxAuditPage + 1, MaxAuditPage}, {1 << 30, MaxAuditPage}} {
		got, err := s.QueryAudit(ctx, AuditFilter{Limit: tt.limit})
		if err != nil || len(got) != tt.want {
			t.Errorf("Limit %d: %d events, %v; want %d", tt.limit, len(got), err, tt.want)
		}
	}

	// Walk every "odd" event in pages of 40: each seq once, descending, all 310.
	var all []int64
	f := AuditFilter{Actor: "odd", Limit: 40}
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("paging does not end")
		}
		page, err := s.QueryAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, seqs(page)...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
	if len(all) != n/2 {
		t.Fatalf("paged %d events, want %d", len(all), n/2)
	}
	for i, seq := range all {
		if want := int64(n - 2*i); seq != want {
			t.Fatalf("event %d has seq %d, want %d", i, seq, want)
		}
	}

	actions, err := s.AuditActions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"test.a0", "test.a1", "test.a2"}; !slices.Equal(actions, want) {
		t.Errorf("AuditActions = %v, want %v", actions, want)
	}
}

func TestQueryAuditByMatter(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	matterA := testMatter(t, s) // inserted without an event
	other := &Matter{ClientNumber: "C-9", MatterNumber: "M-2", Name: "Other"}
	if err := s.CreateMatter(ctx, other, "admin"); err != nil { // seq 1
		t.Fatal(err)
	}
	matterB := other.ID
	docA := testDocument(t, s, "a") // seq 2
	docB := &Document{SHA256: strings.Repeat("b", 64), Filename: "b.pdf", StoredName: "b.pdf", MatterID: matterB}
	if _, err := s.CreateDocument(ctx, docB, "bob"); err != nil { // seq 3
		t.Fatal(err)
	}
	if _, err := s.CreateJob(ctx, docB.ID, "bob"); err != nil { // seq 4
		t.Fatal(err)
	}
	for _, ev := range []AuditEvent{
		{Actor: "carol", Action: "summary.export", ObjectType: "export", Details: map[string]any{"document_id": docA.ID}}, // seq 5
		{Actor: "admin", Action: "policy.change", ObjectType: "policy", ObjectID: 2},                                      // seq 6
	} {
		if err := appendTestEvent(t, ctx, s, ev); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name string
		f    AuditFilter
		want []int64
	}{
		{"matter A", AuditFilter{MatterID: matterA}, []int64{5, 2}},
		{"matter B", AuditFilter{MatterID: matterB}, []int64{4, 3, 1}},
		{"matter B and action", AuditFilter{MatterID: matterB, Action: "job.create"}, []int64{4}},
		{"matter B and actor", AuditFilter{MatterID: matterB, Actor: "admin"}, []int64{1}},
		{"matter A, document B", AuditFilter{MatterID: matterA, DocumentID: docB.ID}, []int64{}},
		{"matter B, page before seq 4", AuditFilter{MatterID: matterB, BeforeSeq: 4, Limit: 1}, []int64{3}},
		{"unknown matter", AuditFilter{MatterID: 12345}, []int64{}},
		{"no matter filter", AuditFilter{}, []int64{6, 5, 4, 3, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.QueryAudit(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(seqs(got), tt.want) {
				t.Errorf("seqs = %v, want %v", seqs(got), tt.want)
			}
		})
	}

	got, err := s.QueryAudit(ctx, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	wantMatter := map[int64]int64{1: matterB, 2: matterA, 3: matterB, 4: matterB, 5: matterA, 6: 0}
	for _, ev := range got {
		if ev.MatterID != wantMatter[ev.Seq] {
			t.Errorf("seq %d reads matter %d, want %d", ev.Seq, ev.MatterID, wantMatter[ev.Seq])
		}
	}
}
