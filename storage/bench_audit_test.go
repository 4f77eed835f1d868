package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// benchEvent is an audit event the size of a real "document.extract" event.
var benchEvent = AuditEvent{Actor: "alice@example.com", Role: RoleStaff, Addr: "10.0.0.7", Action: "document.extract",
	ObjectType: "document", ObjectID: 42,
	Details: map[string]any{"status": ExtractOK, "page_count": 12, "empty_pages": 1,
		"text_pages_by_extractor": map[string]int{ExtractorNative: 10, ExtractorOCR: 1}}}

// openBenchStore opens a fresh store for a benchmark.
func openBenchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "precis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAuditAppend measures the audit append rate through the real store:
// each event in its own write transaction (BEGIN IMMEDIATE, read the last
// hash, insert, commit with synchronous=FULL), the way every action appends
// its event. Run: go test ./storage -run '^$' -bench AuditAppend -benchtime 3s
func BenchmarkAuditAppend(b *testing.B) {
	ctx := context.Background()
	s := openBenchStore(b)
	start := time.Now()
	n := 0
	for b.Loop() {
		if err := s.inTx(ctx, "bench", func(tx *sql.Tx) error { return appendAudit(ctx, tx, benchEvent) }); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkAuditVerify100k measures VerifyAudit over 100,000 events with an
// anchor every 1,000 events, as `precis audit verify` runs it.
// Run: go test ./storage -run '^$' -bench AuditVerify100k -benchtime 3x
func BenchmarkAuditVerify100k(b *testing.B) {
	const events, perTx = 100_000, 1_000
	ctx := context.Background()
	s := openBenchStore(b)
	path := filepath.Join(b.TempDir(), "anchors.log")
	for range events / perTx {
		// Many events per transaction, only to set up quickly.
		if err := s.inTx(ctx, "bench setup", func(tx *sql.Tx) error {
			for range perTx {
				if err := appendAudit(ctx, tx, benchEvent); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.AnchorAudit(ctx, path); err != nil {
			b.Fatal(err)
		}
	}
	anchors, err := ReadAnchors(path)
	if err != nil || len(anchors) != events/perTx {
		b.Fatalf("ReadAnchors = %d anchors, %v", len(anchors), err)
	}

	start := time.Now()
	n := 0
	for b.Loop() {
		rep, err := s.VerifyAudit(ctx, anchors)
		if err != nil {
			b.Fatal(err)
		} else if rep.Problem != nil || rep.Events != events || rep.Anchors != len(anchors) {
			b.Fatalf("VerifyAudit = %+v, problem %v", rep, rep.Problem)
		}
		n++
	}
	perRun := time.Since(start) / time.Duration(n)
	b.ReportMetric(perRun.Seconds(), "s/verify")
	b.ReportMetric(float64(events)/perRun.Seconds(), "events/s")
	b.Logf("%d events, %d anchors: %s per verification", events, len(anchors), perRun)
}
