package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// secret marks document text; it must never reach the audit log.
const secret = "SECRET-CLAUSE-7"

// runEveryAction performs each audited action once (some twice) and returns
// the actions expected in the log, in order.
func runEveryAction(t *testing.T, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d := testDocument(t, s, "contract")
	dup := &Document{SHA256: d.SHA256, Filename: "copy.pdf", StoredName: "copy.pdf", MatterID: d.MatterID}
	_, err := s.CreateDocument(ctx, dup, "bob")
	must(err)
	must(s.SaveExtraction(ctx, d.ID, ExtractOK, "", []Page{{Number: 1, Text: secret, Status: PageOK}}))
	job, err := s.CreateJob(ctx, d.ID, "alice")
	must(err)
	claim(t, s, "w1")
	chunks, err := s.SaveChunks(ctx, job.ID, []Chunk{{Seq: 0, FirstPage: 1, LastPage: 1, Text: secret}})
	must(err)
	must(s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[0].ID, Output: `{"text":"` + secret + `"}`,
		Call: ModelCall{Provider: "ollama", Model: "m", PromptTokens: 10}}))
	must(s.RecordModelCall(ctx, ModelCall{JobID: job.ID, Phase: PhaseReduce, Level: 1, Outcome: OutcomeError, Error: secret}))
	must(s.FailJob(ctx, job.ID, "The model did not answer.", true))
	claim(t, s, "w1")
	must(s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineAbstractive,
		Sections: []Section{{Title: "T", Points: []Point{{Text: secret, Pages: []int{1}}}}}}))

	second := testJob(t, s, "second")
	must(s.CancelJob(ctx, second.ID, "alice"))
	must(s.RetryJob(ctx, second.ID, "alice"))
	claim(t, s, "w2")
	must(s.CancelJob(ctx, second.ID, "alice"))
	must(s.MarkJobCancelled(ctx, second.ID))

	third := testJob(t, s, "third")
	claim(t, s, "w3")
	must(s.ReleaseLeases(ctx, "w3"))
	must(s.FailJob(ctx, third.ID, "Unreadable.", false))

	return []string{
		"document.upload", "document.upload_duplicate", "document.extract", "job.create", "job.claim",
		"job.chunked", "model.call", "model.call", "job.retry_scheduled", "job.claim", "summary.store",
		"document.upload", "job.create", "job.cancel", "job.retry", "job.claim", "job.cancel", "job.cancelled",
		"document.upload", "job.create", "job.claim", "job.release", "job.fail",
	}
}

func TestAuditChainCoversEveryAction(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	want := runEveryAction(t, s)

	// Page through the log to exercise afterSeq and limit.
	var events []AuditEvent
	for after := int64(0); ; {
		page, err := s.AuditEvents(ctx, after, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		after = page[len(page)-1].Seq
	}
	var got []string
	prev := ZeroHash
	matter := testMatter(t, s)
	for i, ev := range events {
		got = append(got, ev.Action)
		// Every action is on a document, a job or a summary of matter T/1.
		if ev.MatterID != matter {
			t.Errorf("event %d (%s %s %d): matter %d, want %d", ev.Seq, ev.Action, ev.ObjectType, ev.ObjectID, ev.MatterID, matter)
		}
		details, _ := json.Marshal(ev.Details)
		if ev.Seq != int64(i+1) || ev.PrevHash != prev || !ev.At.Equal(clk.Now()) {
			t.Errorf("event %d: seq %d prev %s at %v; want seq %d prev %s", i, ev.Seq, ev.PrevHash, ev.At, i+1, prev)
		}
		if ev.Hash != AuditHash(ev.PrevHash, ev.Seq, formatTime(ev.At), ev.Actor, ev.Action, ev.ObjectType,
			ev.ObjectID, ev.Outcome, string(details), ev.Role, ev.Addr, ev.MatterID) {
			t.Errorf("event %d (%s): hash does not match its fields", ev.Seq, ev.Action)
		}
		if strings.Contains(string(details), secret) {
			t.Errorf("event %d (%s) details contain document text: %s", ev.Seq, ev.Action, details)
		}
		prev = ev.Hash
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit actions =\n%v\nwant\n%v", got, want)
	}
	if bad, err := s.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("VerifyAuditChain = %d, %v; want intact", bad, err)
	}
}

func TestAuditEventsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	testDocument(t, s, "doc")
	for _, stmt := range []string{
		`UPDATE audit_events SET actor = 'mallory' WHERE seq = 1`,
		`DELETE FROM audit_events WHERE seq = 1`,
		`DELETE FROM audit_events`,
	} {
		if _, err := s.db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only error", stmt, err)
		}
	}
	if events, _ := s.AuditEvents(ctx, 0, 0); len(events) != 1 || events[0].Actor != "alice" {
		t.Fatalf("events = %+v, want the original row", events)
	}
}

func TestVerifyAuditChainDetectsTampering(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		sql  string
		want int64
	}{
		{"untouched", ``, 0},
		{"details edited", `UPDATE audit_events SET details = '{"sha256":"x"}' WHERE seq = 2`, 2},
		{"actor edited", `UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`, 3},
		{"time edited", `UPDATE audit_events SET at = '2020-01-01T00:00:00.000000000Z' WHERE seq = 4`, 4},
		{"row deleted", `DELETE FROM audit_events WHERE seq = 2`, 2}, // the missing row is named
		{"rows swapped", `UPDATE audit_events SET seq = CASE seq WHEN 2 THEN -3 WHEN 3 THEN -2 END WHERE seq IN (2, 3);
			UPDATE audit_events SET seq = -seq WHERE seq < 0`, 2},
		{"hash rewritten", `UPDATE audit_events SET hash = '` + strings.Repeat("f", 64) + `' WHERE seq = 2`, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			runEveryAction(t, s)
			if tt.sql != "" {
				// Tampering needs the append-only triggers out of the way.
				if _, err := s.db.ExecContext(ctx, `DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;`); err != nil {
					t.Fatal(err)
				}
				if _, err := s.db.ExecContext(ctx, tt.sql); err != nil {
					t.Fatal(err)
				}
			}
			if bad, err := s.VerifyAuditChain(ctx); err != nil || bad != tt.want {
				t.Fatalf("VerifyAuditChain = %d, %v; want %d", bad, err, tt.want)
			}
		})
	}
}

func TestActionRolledBackWhenAuditFails(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		action func(s *Store, doc *Document, job *Job) error
		count  string // counts the action's rows; must not change
	}{
		{"upload", func(s *Store, doc *Document, _ *Job) error {
			_, err := s.CreateDocument(ctx, &Document{SHA256: strings.Repeat("c", 64), Filename: "n.pdf", StoredName: "n.pdf", MatterID: doc.MatterID}, "alice")
			return err
		}, `SELECT COUNT(*) FROM documents`},
		{"extraction", func(s *Store, doc *Document, _ *Job) error {
			return s.SaveExtraction(ctx, doc.ID, ExtractOK, "", []Page{{Number: 1, Text: "x", Status: PageOK}})
		}, `SELECT COUNT(*) FROM pages`},
		{"create job", func(s *Store, doc *Document, _ *Job) error {
			_, err := s.CreateJob(ctx, doc.ID, "alice")
			return err
		}, `SELECT COUNT(*) FROM jobs`},
		{"claim", func(s *Store, _ *Document, _ *Job) error {
			_, err := s.ClaimJob(ctx, "w1", lease)
			return err
		}, `SELECT COUNT(*) FROM jobs WHERE status = 'running'`},
		{"cancel", func(s *Store, _ *Document, job *Job) error {
			return s.CancelJob(ctx, job.ID, "alice")
		}, `SELECT COUNT(*) FROM jobs WHERE status = 'cancelled'`},
		{"chunks", func(s *Store, _ *Document, job *Job) error {
			_, err := s.SaveChunks(ctx, job.ID, threeChunks())
			return err
		}, `SELECT COUNT(*) FROM chunks`},
		{"summary", func(s *Store, _ *Document, job *Job) error {
			return s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineExtractive})
		}, `SELECT COUNT(*) FROM summaries`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			job := testJob(t, s, "doc")
			doc := testDocument(t, s, "spare") // has no job yet
			if _, err := s.db.ExecContext(ctx, `
				CREATE TRIGGER audit_events_broken BEFORE INSERT ON audit_events
				BEGIN SELECT RAISE(ABORT, 'audit disk full'); END`); err != nil {
				t.Fatal(err)
			}
			var before, after int
			if err := s.db.QueryRowContext(ctx, tt.count).Scan(&before); err != nil {
				t.Fatal(err)
			}
			if err := tt.action(s, doc, job); err == nil || !strings.Contains(err.Error(), "audit disk full") {
				t.Fatalf("action with a failing audit insert: err = %v, want the audit error", err)
			}
			if err := s.db.QueryRowContext(ctx, tt.count).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("%s: %d rows before, %d after a failed action", tt.count, before, after)
			}
		})
	}
}

// hashFields is the documented encoding of AuditHash, written out
// independently of it: SHA-256 of the fields joined by "\n".
func hashFields(fields ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(fields, "\n")))
	return hex.EncodeToString(sum[:])
}

func TestAuditHashEncoding(t *testing.T) {
	const at = "2025-03-01T09:00:00.000000000Z"
	nine := []string{ZeroHash, "7", at, "alice", "document.upload", "document", "12", "ok", `{"size":3}`}
	if got, want := AuditHash(ZeroHash, 7, at, "alice", "document.upload", "document", 12, "ok", `{"size":3}`, "", "", 0),
		hashFields(nine...); got != want {
		t.Errorf("row without role, address and matter = %s, want the nine-field hash %s", got, want)
	}
	for _, tt := range []struct {
		role, addr string
		matter     int64
	}{
		{"staff", "", 0},
		{"", "192.0.2.7", 0},
		{"", "", 4},
		{"admin", "2001:db8::1", 40},
	} {
		got := AuditHash(ZeroHash, 7, at, "alice", "document.upload", "document", 12, "ok", `{"size":3}`, tt.role, tt.addr, tt.matter)
		want := hashFields(append(nine[:9:9], tt.role, tt.addr, strconv.FormatInt(tt.matter, 10))...)
		if got != want {
			t.Errorf("role %q addr %q matter %d: hash %s, want the twelve-field hash %s", tt.role, tt.addr, tt.matter, got, want)
		}
		if got == hashFields(nine...) {
			t.Errorf("role %q addr %q matter %d: hash is the nine-field one", tt.role, tt.addr, tt.matter)
		}
	}
}

// TestMigrateAuditContextKeepsOldChain applies 0006 to a database whose log was
// written before it: the old rows and their anchor still verify, and new rows
// chain on with the twelve-field hash.
func TestMigrateAuditContextKeepsOldChain(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	matter := testMatter(t, s)
	// Put the database back to 0005: drop the new columns, forget the migration.
	for _, q := range []string{
		`DROP INDEX audit_events_matter`, `ALTER TABLE audit_events DROP COLUMN actor_role`,
		`ALTER TABLE audit_events DROP COLUMN source_addr`, `ALTER TABLE audit_events DROP COLUMN matter_id`,
		`DELETE FROM schema_migrations WHERE version = '0006_audit_context'`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Rows as the code before 0006 wrote them, hashed over nine fields.
	prev := ZeroHash
	for seq := int64(1); seq <= 3; seq++ {
		at := formatTime(clk.Now())
		details := fmt.Sprintf(`{"matter_id":%d,"size":%d}`, matter, seq)
		hash := hashFields(prev, strconv.FormatInt(seq, 10), at, "alice", "document.upload", "document",
			strconv.FormatInt(seq, 10), "ok", details)
		if _, err := s.db.ExecContext(ctx, `
			INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, outcome, details, prev_hash, hash)
			VALUES (?, ?, 'alice', 'document.upload', 'document', ?, 'ok', ?, ?, ?)`, seq, at, seq, details, prev, hash); err != nil {
			t.Fatal(err)
		}
		prev = hash
	}
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	if a, _, err := s.AnchorAudit(ctx, anchors); err != nil || a.Seq != 3 || a.Hash != prev {
		t.Fatalf("AnchorAudit before 0006 = %+v, %v", a, err)
	}

	applied, err := s.Migrate(ctx)
	if err != nil || !reflect.DeepEqual(applied, []string{"0006_audit_context"}) {
		t.Fatalf("Migrate = %v, %v; want [0006_audit_context]", applied, err)
	}
	old, err := s.AuditEvents(ctx, 0, 0)
	if err != nil || len(old) != 3 {
		t.Fatalf("AuditEvents = %v, %v", old, err)
	}
	for _, ev := range old {
		if ev.Role != "" || ev.Addr != "" || ev.MatterID != 0 {
			t.Errorf("old seq %d reads role %q addr %q matter %d; want none (not backfilled)", ev.Seq, ev.Role, ev.Addr, ev.MatterID)
		}
	}
	d := &Document{SHA256: strings.Repeat("d", 64), Filename: "new.pdf", StoredName: "new.pdf", MatterID: matter}
	if _, err := s.CreateDocument(WithActor(ctx, Actor{Name: "bob", Role: "staff", Addr: "192.0.2.8"}), d, "bob"); err != nil {
		t.Fatal(err)
	}
	list, err := ReadAnchors(anchors)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.VerifyAudit(ctx, list)
	if err != nil || rep.Problem != nil || rep.Events != 4 || rep.Anchors != 1 {
		t.Fatalf("VerifyAudit after 0006 = %+v, %v; want 4 rows and the old anchor intact", rep, err)
	}
	ev, err := s.AuditEvents(ctx, 3, 1)
	if err != nil || len(ev) != 1 {
		t.Fatalf("new row = %v, %v", ev, err)
	}
	n := ev[0]
	want := hashFields(prev, "4", formatTime(n.At), "bob", "document.upload", "document", strconv.FormatInt(d.ID, 10), "ok",
		`{"filename":"new.pdf","sha256":"`+d.SHA256+`","size":0}`, "staff", "192.0.2.8", strconv.FormatInt(matter, 10))
	if n.PrevHash != prev || n.Hash != want || n.MatterID != matter {
		t.Errorf("new row = %+v; want prev %s, twelve-field hash %s, matter %d", n, prev, want, matter)
	}
}

func TestAuditMatterFilledIn(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	matterA := testMatter(t, s)
	other := &Matter{ClientNumber: "C-9", MatterNumber: "M-2", Name: "Other"}
	if err := s.CreateMatter(ctx, other, "admin"); err != nil {
		t.Fatal(err)
	}
	matterB := other.ID

	job := testJob(t, s, "a")
	doc, err := s.Document(ctx, job.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimJob(ctx, "w1", lease); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineExtractive}); err != nil {
		t.Fatal(err)
	}
	sum, err := s.LatestSummary(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	gone := testDocument(t, s, "gone")
	if _, err := s.DeleteDocument(ctx, gone.ID, "alice"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ev   AuditEvent
		want int64
	}{
		{"matter", AuditEvent{ObjectType: "matter", ObjectID: matterB}, matterB},
		{"document", AuditEvent{ObjectType: "document", ObjectID: doc.ID}, matterA},
		{"job", AuditEvent{ObjectType: "job", ObjectID: job.ID}, matterA},
		{"summary", AuditEvent{ObjectType: "summary", ObjectID: sum.ID}, matterA},
		{"details document_id", AuditEvent{ObjectType: "export", Details: map[string]any{"document_id": doc.ID}}, matterA},
		{"details document_id as int", AuditEvent{ObjectType: "export", Details: map[string]any{"document_id": int(doc.ID)}}, matterA},
		{"details matter_id", AuditEvent{ObjectType: "export", Details: map[string]any{"matter_id": matterB}}, matterB},
		{"caller's matter wins", AuditEvent{ObjectType: "document", ObjectID: doc.ID, MatterID: matterB}, matterB},
		{"unknown job", AuditEvent{ObjectType: "job", ObjectID: 9999}, 0},
		{"summary gone, details name the document", AuditEvent{ObjectType: "summary", ObjectID: 9999,
			Details: map[string]any{"document_id": doc.ID}}, matterA},
		{"deleted document", AuditEvent{ObjectType: "document", ObjectID: gone.ID}, 0},
		{"deleted document in details", AuditEvent{ObjectType: "export", Details: map[string]any{"document_id": gone.ID}}, 0},
		{"deleted document, details keep its matter", AuditEvent{ObjectType: "document", ObjectID: gone.ID,
			Details: map[string]any{"matter_id": matterA}}, matterA},
		{"document_id not a number", AuditEvent{ObjectType: "export", Details: map[string]any{"document_id": "7"}}, 0},
		{"document_id not whole", AuditEvent{ObjectType: "export", Details: map[string]any{"document_id": 1.5}}, 0},
		{"nothing to tell", AuditEvent{ObjectType: "policy", ObjectID: 3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev
			ev.Actor, ev.Action = "alice", "test."+ev.ObjectType
			if err := appendTestEvent(t, ctx, s, ev); err != nil {
				t.Fatal(err)
			}
			got, err := s.QueryAudit(ctx, AuditFilter{Limit: 1})
			if err != nil || len(got) != 1 {
				t.Fatalf("QueryAudit = %v, %v", got, err)
			}
			if got[0].MatterID != tt.want {
				t.Errorf("matter = %d, want %d", got[0].MatterID, tt.want)
			}
		})
	}

	// The actions themselves: upload, job and summary rows name the matter; the
	// deletion, written before the row goes, names it too.
	for _, action := range []string{"matter.create", "document.upload", "job.create", "job.claim", "summary.store", "document.delete"} {
		evs, err := s.QueryAudit(ctx, AuditFilter{Action: action})
		if err != nil || len(evs) == 0 {
			t.Fatalf("%s: %v, %v", action, evs, err)
		}
		want := matterA
		if action == "matter.create" {
			want = matterB
		}
		for _, ev := range evs {
			if ev.MatterID != want {
				t.Errorf("%s seq %d: matter %d, want %d", action, ev.Seq, ev.MatterID, want)
			}
		}
	}
	if rep, err := s.VerifyAudit(ctx, nil); err != nil || rep.Problem != nil {
		t.Fatalf("VerifyAudit = %+v, %v", rep, err)
	}
}
