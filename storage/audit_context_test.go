package storage

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestActorFrom(t *testing.T) {
	if a, ok := ActorFrom(context.Background()); ok {
		t.Errorf("ActorFrom(background) = %+v, true; want none", a)
	}
	want := Actor{Name: "alice@example.com", Role: "staff", Addr: "192.0.2.7"}
	ctx := WithActor(context.Background(), want)
	if got, ok := ActorFrom(ctx); !ok || got != want {
		t.Errorf("ActorFrom = %+v, %v; want %+v", got, ok, want)
	}
	// A handler below may replace it, e.g. after signing in.
	next := Actor{Name: "bob@example.com", Role: "admin", Addr: "2001:db8::1"}
	if got, _ := ActorFrom(WithActor(ctx, next)); got != next {
		t.Errorf("ActorFrom after a second WithActor = %+v; want %+v", got, next)
	}
}

// appendTestEvent appends ev in its own transaction under ctx.
func appendTestEvent(t *testing.T, ctx context.Context, s *Store, ev AuditEvent) error {
	t.Helper()
	return s.inTx(ctx, "test audit", func(tx *sql.Tx) error { return appendAudit(ctx, tx, ev) })
}

func TestAppendAuditTakesActorFromContext(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	matter := testMatter(t, s)
	alice := WithActor(ctx, Actor{Name: "alice", Role: "staff", Addr: "192.0.2.7"})

	d := &Document{SHA256: strings.Repeat("a", 64), Filename: "nda.pdf", StoredName: "nda.pdf", MatterID: matter}
	if _, err := s.CreateDocument(alice, d, "alice"); err != nil { // seq 1
		t.Fatal(err)
	}
	job, err := s.CreateJob(alice, d.ID, "alice") // seq 2
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []AuditEvent{
		// seq 3: the server acting inside alice's request is not staff.
		{Actor: SystemActor, Action: "job.route", ObjectType: "job", ObjectID: job.ID},
		// seq 4: no actor given: the context's.
		{Action: "test.note", ObjectType: "note"},
		// seq 5: what the caller sets wins.
		{Actor: "alice", Role: "admin", Addr: "198.51.100.1", Action: "test.note", ObjectType: "note"},
	} {
		if err := appendTestEvent(t, alice, s, ev); err != nil {
			t.Fatal(err)
		}
	}
	testDocument(t, s, "outside a request") // seq 6: no actor in the context

	want := []struct{ actor, role, addr string }{
		{"alice", "staff", "192.0.2.7"},
		{"alice", "staff", "192.0.2.7"},
		{SystemActor, "", "192.0.2.7"},
		{"alice", "staff", "192.0.2.7"},
		{"alice", "admin", "198.51.100.1"},
		{"alice", "", ""},
	}
	events, err := s.AuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, ev := range events {
		if w := want[i]; ev.Actor != w.actor || ev.Role != w.role || ev.Addr != w.addr {
			t.Errorf("seq %d (%s): actor %q role %q addr %q; want %q %q %q",
				ev.Seq, ev.Action, ev.Actor, ev.Role, ev.Addr, w.actor, w.role, w.addr)
		}
	}
	if rep, err := s.VerifyAudit(ctx, nil); err != nil || rep.Problem != nil || rep.Events != 6 {
		t.Fatalf("VerifyAudit = %+v, %v; want 6 intact rows", rep, err)
	}
}

func TestAppendAuditRefusesLineBreaksInRoleAndAddr(t *testing.T) {
	ctx := context.Background()
	for _, a := range []Actor{
		{Name: "alice", Role: "staff\nadmin", Addr: "192.0.2.7"},
		{Name: "alice", Role: "staff", Addr: "192.0.2.7\n0"},
	} {
		s, _ := newTestStore(t)
		d := &Document{SHA256: strings.Repeat("b", 64), Filename: "x.pdf", StoredName: "x.pdf", MatterID: testMatter(t, s)}
		_, err := s.CreateDocument(WithActor(ctx, a), d, "alice")
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "line breaks") {
			t.Errorf("actor %+v: err = %v, want EINVALID about line breaks", a, err)
		}
		var docs, events int
		if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM audit_events)`).
			Scan(&docs, &events); err != nil {
			t.Fatal(err)
		}
		if docs != 0 || events != 0 {
			t.Errorf("actor %+v: %d documents and %d audit rows after a refused upload; want none", a, docs, events)
		}
	}
}

// Editing the role, source address or matter of a row is noticed at that row,
// even when it makes the row look like one from before they were recorded.
func TestVerifyAuditDetectsEditedContext(t *testing.T) {
	tests := []struct {
		name, sql string
	}{
		{"role raised", `UPDATE audit_events SET actor_role = 'admin' WHERE seq = 3`},
		{"role removed", `UPDATE audit_events SET actor_role = '' WHERE seq = 3`},
		{"address changed", `UPDATE audit_events SET source_addr = '203.0.113.9' WHERE seq = 3`},
		{"matter moved", `UPDATE audit_events SET matter_id = matter_id + 1 WHERE seq = 3`},
		{"all three cleared", `UPDATE audit_events SET actor_role = '', source_addr = '', matter_id = 0 WHERE seq = 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := newTestStore(t)
			req := WithActor(ctx, Actor{Name: "alice", Role: "staff", Addr: "192.0.2.7"})
			for i, name := range []string{"a", "b", "c", "d"} {
				d := &Document{SHA256: strings.Repeat(string(rune('a'+i)), 64), Filename: name + ".pdf",
					StoredName: name + ".pdf", MatterID: testMatter(t, s)}
				if _, err := s.CreateDocument(req, d, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			before, err := s.AuditEvents(ctx, 2, 1)
			if err != nil || len(before) != 1 || before[0].Role != "staff" || before[0].Addr != "192.0.2.7" || before[0].MatterID == 0 {
				t.Fatalf("seq 3 before tampering = %+v, %v", before, err)
			}
			if rep, err := s.VerifyAudit(ctx, nil); err != nil || rep.Problem != nil {
				t.Fatalf("VerifyAudit before tampering = %+v, %v", rep, err)
			}
			mustExec(t, attacker(t, s), tt.sql)
			rep, err := s.VerifyAudit(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p := rep.Problem; p == nil || p.Seq != 3 || !strings.Contains(p.Reason, "the row was edited") {
				t.Fatalf("after %s: problem = %v; want seq 3 edited", tt.sql, p)
			}
		})
	}
}
