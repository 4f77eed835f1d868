package storage

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// deletableDocument stores a document of the test matter with everything
// that can hang off it: two pages, a finished job with a chunk and its result,
// a summary, a detector finding and a label change.
func deletableDocument(t *testing.T, s *Store, name string) *Document {
	t.Helper()
	ctx := context.Background()
	job := testJob(t, s, name)
	if err := s.SaveExtraction(ctx, job.DocumentID, ExtractOK, "", []Page{
		{Number: 1, Text: "first page", Status: PageOK}, {Number: 2, Text: "second page", Status: PageOK},
	}); err != nil {
		t.Fatal(err)
	}
	chunks, err := s.SaveChunks(ctx, job.ID, []Chunk{{Seq: 0, FirstPage: 1, LastPage: 2, Text: "first page second page"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[0].ID, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineExtractive}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFindings(ctx, job.DocumentID, []Finding{{Detector: "iban", Category: "financial", Page: 1,
		Match: "DE** **** 1234", Count: 1}}, &LabelChange{DocumentID: job.DocumentID, Actor: SystemActor, From: 0, To: 2,
		Source: LabelByDetector, Reason: "IBAN found"}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Document(ctx, job.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// documentRows counts the rows of each table that belong to the document.
func documentRows(t *testing.T, s *Store, docID int64) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for table, query := range map[string]string{
		"documents":     `SELECT count(*) FROM documents WHERE id = ?`,
		"pages":         `SELECT count(*) FROM pages WHERE document_id = ?`,
		"jobs":          `SELECT count(*) FROM jobs WHERE document_id = ?`,
		"chunks":        `SELECT count(*) FROM chunks WHERE job_id IN (SELECT id FROM jobs WHERE document_id = ?)`,
		"chunk_results": `SELECT count(*) FROM chunk_results WHERE job_id IN (SELECT id FROM jobs WHERE document_id = ?)`,
		"summaries":     `SELECT count(*) FROM summaries WHERE document_id = ?`,
		"findings":      `SELECT count(*) FROM findings WHERE document_id = ?`,
		"label_changes": `SELECT count(*) FROM label_changes WHERE document_id = ?`,
	} {
		var n int
		if err := s.db.QueryRowContext(context.Background(), query, docID).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// orphanRows counts chunks and chunk results whose job is gone: with foreign
// keys on there are none.
func orphanRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(context.Background(), `
		SELECT (SELECT count(*) FROM chunks WHERE job_id NOT IN (SELECT id FROM jobs))
		     + (SELECT count(*) FROM chunk_results WHERE job_id NOT IN (SELECT id FROM jobs))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeleteDocumentRemovesItsRecords(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	keep := deletableDocument(t, s, "keep")
	gone := deletableDocument(t, s, "gone")
	keepBefore := documentRows(t, s, keep.ID)
	goneBefore := documentRows(t, s, gone.ID)
	for table, n := range goneBefore {
		if n == 0 {
			t.Fatalf("the document has no %s before the deletion; the test would prove nothing", table)
		}
	}

	stored, err := s.DeleteDocument(ctx, gone.ID, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if stored != gone.StoredName {
		t.Errorf("DeleteDocument returned stored name %q, want %q", stored, gone.StoredName)
	}
	_, err = s.Document(ctx, gone.ID)
	wantCode(t, err, ENOTFOUND)
	for table, n := range documentRows(t, s, gone.ID) {
		if n != 0 {
			t.Errorf("%s: %d rows of the deleted document left", table, n)
		}
	}
	if n := orphanRows(t, s); n != 0 {
		t.Errorf("%d chunks or chunk results without a job", n)
	}
	if after := documentRows(t, s, keep.ID); !reflect.DeepEqual(after, keepBefore) {
		t.Errorf("the other document's rows changed: %v, want %v", after, keepBefore)
	}

	deletes := matterEvents(t, s, "document.delete")
	if len(deletes) != 1 {
		t.Fatalf("document.delete events = %d, want 1", len(deletes))
	}
	ev := deletes[0]
	want := map[string]any{"sha256": gone.SHA256, "size": float64(gone.Size), "matter_id": float64(gone.MatterID),
		"pages": float64(2), "summaries": float64(1)}
	if ev.Actor != "alice@example.com" || ev.ObjectType != "document" || ev.ObjectID != gone.ID ||
		ev.MatterID != gone.MatterID || ev.Outcome != OutcomeOK || !reflect.DeepEqual(ev.Details, want) {
		t.Fatalf("document.delete event = %+v, want details %v", ev, want)
	}
	all, err := s.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if last := all[len(all)-1]; last.Seq != ev.Seq {
		t.Errorf("the last audit event is %q, want document.delete", last.Action)
	}
	if bad, err := s.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Errorf("VerifyAuditChain after the deletion = %d, %v", bad, err)
	}

	names, err := s.StoredNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, map[string]bool{keep.StoredName: true}) {
		t.Errorf("StoredNames = %v, want only %s", names, keep.StoredName)
	}

	_, err = s.DeleteDocument(ctx, gone.ID, "alice@example.com")
	wantCode(t, err, ENOTFOUND)
	if n := len(matterEvents(t, s, "document.delete")); n != 1 {
		t.Errorf("document.delete events after deleting twice = %d, want 1", n)
	}
}

// TestDeleteDocumentAtomicWithAudit makes the audit event fail: the deletion
// is rolled back with it.
func TestDeleteDocumentAtomicWithAudit(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := deletableDocument(t, s, "kept")
	before := documentRows(t, s, d.ID)

	_, err := s.DeleteDocument(ctx, d.ID, "alice\nforged")
	if err == nil {
		t.Fatal("DeleteDocument with an actor the audit log refuses succeeded")
	}
	if after := documentRows(t, s, d.ID); !reflect.DeepEqual(after, before) {
		t.Fatalf("rows after a failed deletion = %v, want %v", after, before)
	}
	if n := len(matterEvents(t, s, "document.delete")); n != 0 {
		t.Fatalf("document.delete events = %d, want 0", n)
	}
}

func TestDeleteDocumentRefusedOnLegalHold(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	held := deletableDocument(t, s, "held")
	other := newMatter(t, s, "C-9", "M-9", "Not held")
	free := createInMatter(t, s, other.ID, "free")
	if err := s.SetLegalHold(ctx, held.MatterID, true, "litigation", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	before := documentRows(t, s, held.ID)

	_, err := s.DeleteDocument(ctx, held.ID, "alice@example.com")
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "legal hold") {
		t.Errorf("message = %q, want it to name the legal hold", ErrorMessage(err))
	}
	if after := documentRows(t, s, held.ID); !reflect.DeepEqual(after, before) {
		t.Fatalf("rows after a refused deletion = %v, want %v", after, before)
	}
	if names, err := s.StoredNames(ctx); err != nil || !names[held.StoredName] {
		t.Fatalf("StoredNames after a refused deletion = %v, %v; want %s kept", names, err, held.StoredName)
	}
	if n := len(matterEvents(t, s, "document.delete")); n != 0 {
		t.Fatalf("document.delete events after a refused deletion = %d, want 0", n)
	}

	// The hold is the matter's: a document of another matter can go.
	if _, err := s.DeleteDocument(ctx, free.ID, "alice@example.com"); err != nil {
		t.Fatalf("deleting a document of a matter not on hold: %v", err)
	}

	if err := s.SetLegalHold(ctx, held.MatterID, false, "", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteDocument(ctx, held.ID, "alice@example.com"); err != nil {
		t.Fatalf("DeleteDocument after the hold was released: %v", err)
	}
	if rows := documentRows(t, s, held.ID); rows["documents"] != 0 || rows["pages"] != 0 {
		t.Fatalf("rows after the deletion = %v", rows)
	}
}

func TestDeleteDocumentRefusedWhileJobActive(t *testing.T) {
	for _, tt := range []struct {
		name string
		// start makes the job active; finish ends it.
		start  func(t *testing.T, s *Store, job *Job)
		finish func(t *testing.T, s *Store, job *Job)
	}{
		{"queued",
			func(t *testing.T, s *Store, job *Job) {},
			func(t *testing.T, s *Store, job *Job) {
				if err := s.CancelJob(context.Background(), job.ID, "alice@example.com"); err != nil {
					t.Fatal(err)
				}
			}},
		{"running",
			func(t *testing.T, s *Store, job *Job) {
				if claimed, err := s.ClaimJob(context.Background(), "worker-1", time.Minute); err != nil || claimed == nil ||
					claimed.ID != job.ID {
					t.Fatalf("ClaimJob = %+v, %v", claimed, err)
				}
			},
			func(t *testing.T, s *Store, job *Job) {
				if err := s.CompleteJob(context.Background(), &Summary{JobID: job.ID, Engine: EngineExtractive}); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := newTestStore(t)
			job := testJob(t, s, "busy")
			tt.start(t, s, job)
			if got := mustJob(t, s, job.ID); got.Status != tt.name {
				t.Fatalf("job status = %s, want %s", got.Status, tt.name)
			}

			_, err := s.DeleteDocument(ctx, job.DocumentID, "alice@example.com")
			wantCode(t, err, ECONFLICT)
			if !strings.Contains(ErrorMessage(err), "Cancel the job first") {
				t.Errorf("message = %q", ErrorMessage(err))
			}
			if rows := documentRows(t, s, job.DocumentID); rows["documents"] != 1 || rows["jobs"] != 1 {
				t.Fatalf("rows after a refused deletion = %v", rows)
			}
			if got := mustJob(t, s, job.ID); got.Status != tt.name {
				t.Fatalf("job status after a refused deletion = %s, want %s", got.Status, tt.name)
			}

			tt.finish(t, s, job)
			if _, err := s.DeleteDocument(ctx, job.DocumentID, "alice@example.com"); err != nil {
				t.Fatalf("DeleteDocument once the job ended: %v", err)
			}
			if rows := documentRows(t, s, job.DocumentID); rows["documents"] != 0 || rows["jobs"] != 0 {
				t.Fatalf("rows after the deletion = %v", rows)
			}
		})
	}
}
