package storage

import (
	"context"
	"encoding/json"
	"slices"
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
	dup := &Document{SHA256: d.SHA256, Filename: "copy.pdf", StoredName: "copy.pdf"}
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
	for i, ev := range events {
		got = append(got, ev.Action)
		details, _ := json.Marshal(ev.Details)
		if ev.Seq != int64(i+1) || ev.PrevHash != prev || !ev.At.Equal(clk.Now()) {
			t.Errorf("event %d: seq %d prev %s at %v; want seq %d prev %s", i, ev.Seq, ev.PrevHash, ev.At, i+1, prev)
		}
		if ev.Hash != AuditHash(ev.PrevHash, ev.Seq, formatTime(ev.At), ev.Actor, ev.Action, ev.ObjectType,
			ev.ObjectID, ev.Outcome, string(details)) {
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
		{"upload", func(s *Store, _ *Document, _ *Job) error {
			_, err := s.CreateDocument(ctx, &Document{SHA256: strings.Repeat("c", 64), Filename: "n.pdf", StoredName: "n.pdf"}, "alice")
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
