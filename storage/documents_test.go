package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestCreateDocumentDuplicate(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	first := testDocument(t, s, "lease-agreement")
	if first.ID == 0 || first.ExtractStatus != ExtractPending || !first.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("created document = %+v", first)
	}

	clk.Advance(time.Hour)
	again := &Document{SHA256: first.SHA256, Filename: "renamed copy.pdf", StoredName: "other.pdf", Size: first.Size, MatterID: first.MatterID}
	existing, err := s.CreateDocument(ctx, again, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !existing || again.ID != first.ID || again.StoredName != first.StoredName || again.Filename != first.Filename {
		t.Fatalf("duplicate upload = %v, %+v; want the existing row %+v", existing, again, first)
	}
	list, err := s.ListDocuments(ctx, DocumentFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListDocuments = %d rows, %v; want 1", len(list), err)
	}

	events, err := s.AuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Action != "document.upload_duplicate" || last.Actor != "bob" || last.ObjectID != first.ID ||
		last.Details["filename"] != "renamed copy.pdf" {
		t.Fatalf("last audit event = %+v", last)
	}
}

func TestCreateDocumentInvalid(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		name  string
		doc   Document
		actor string
		code  string
	}{
		{"ok", Document{SHA256: good, Filename: "a.pdf", StoredName: "x.pdf", Size: 1}, "alice", ""},
		{"no actor", Document{SHA256: good, Filename: "a.pdf", StoredName: "x.pdf"}, "", EINVALID},
		{"short hash", Document{SHA256: "abc", Filename: "a.pdf", StoredName: "x.pdf"}, "alice", EINVALID},
		{"upper-case hash", Document{SHA256: strings.ToUpper(good), Filename: "a.pdf", StoredName: "x.pdf"}, "alice", EINVALID},
		{"no file name", Document{SHA256: good, StoredName: "x.pdf"}, "alice", EINVALID},
		{"no stored name", Document{SHA256: good, Filename: "a.pdf"}, "alice", EINVALID},
		{"negative size", Document{SHA256: good, Filename: "a.pdf", StoredName: "x.pdf", Size: -1}, "alice", EINVALID},
		{"no matter", Document{SHA256: good, Filename: "a.pdf", StoredName: "x.pdf"}, "alice", EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			if tt.name != "no matter" {
				tt.doc.MatterID = testMatter(t, s)
			}
			_, err := s.CreateDocument(context.Background(), &tt.doc, tt.actor)
			wantCode(t, err, tt.code)
		})
	}
}

func TestListDocuments(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	a := testDocument(t, s, "a")
	clk.Advance(time.Second)
	b := testDocument(t, s, "b")
	job1, err := s.CreateJob(ctx, a.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CancelJob(ctx, job1.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	job2, err := s.CreateJob(ctx, a.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}

	list, err := s.ListDocuments(ctx, DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Fatalf("ListDocuments order = %+v, want b then a", list)
	}
	if list[0].Job != nil {
		t.Errorf("document b job = %+v, want nil", list[0].Job)
	}
	if list[1].Job == nil || list[1].Job.ID != job2.ID {
		t.Errorf("document a job = %+v, want latest job %d", list[1].Job, job2.ID)
	}
}

func TestDocumentNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	_, err := s.Document(ctx, 42)
	wantCode(t, err, ENOTFOUND)
	_, err = s.Pages(ctx, 42)
	wantCode(t, err, ENOTFOUND)
	wantCode(t, s.SaveExtraction(ctx, 42, ExtractOK, "", nil), ENOTFOUND)
	_, err = s.CreateJob(ctx, 42, "alice")
	wantCode(t, err, ENOTFOUND)
}

func TestSaveExtractionReplaces(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := testDocument(t, s, "contract")

	first := []Page{{Number: 1, Text: "one", Status: PageOK}, {Number: 2, Text: "two", Status: PageOK},
		{Number: 3, Text: "", Status: PageEmpty}}
	if err := s.SaveExtraction(ctx, d.ID, ExtractOK, "", first); err != nil {
		t.Fatal(err)
	}
	second := []Page{{Number: 1, Text: "uno", Status: PageOK}, {Number: 2, Text: "dos", Status: PageOK}}
	if err := s.SaveExtraction(ctx, d.ID, ExtractOK, "re-extracted", second); err != nil {
		t.Fatal(err)
	}

	pages, err := s.Pages(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].Text != "uno" || pages[1].Text != "dos" || pages[1].DocumentID != d.ID {
		t.Fatalf("pages = %+v, want the second extraction only", pages)
	}
	if _, err := s.Page(ctx, d.ID, 3); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("Page 3 after replace: %v, want ENOTFOUND", err)
	}
	if p, err := s.Page(ctx, d.ID, 2); err != nil || p.Text != "dos" {
		t.Fatalf("Page 2 = %+v, %v", p, err)
	}
	got, err := s.Document(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PageCount != 2 || got.ExtractStatus != ExtractOK || got.ExtractMessage != "re-extracted" {
		t.Fatalf("document after extraction = %+v", got)
	}

	// A refusal clears the pages.
	if err := s.SaveExtraction(ctx, d.ID, ExtractEncrypted, "The PDF is password-protected.", nil); err != nil {
		t.Fatal(err)
	}
	if pages, err := s.Pages(ctx, d.ID); err != nil || len(pages) != 0 {
		t.Fatalf("pages after refusal = %v, %v", pages, err)
	}
	if got, _ := s.Document(ctx, d.ID); got.ExtractStatus != ExtractEncrypted || got.PageCount != 0 {
		t.Fatalf("document after refusal = %+v", got)
	}
}

func TestSaveExtractionInvalid(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status string
		pages  []Page
	}{
		{"pending status", ExtractPending, nil},
		{"unknown status", "weird", nil},
		{"page zero", ExtractOK, []Page{{Number: 0, Status: PageOK}}},
		{"duplicate page", ExtractOK, []Page{{Number: 1, Status: PageOK}, {Number: 1, Status: PageOK}}},
		{"page status", ExtractOK, []Page{{Number: 1, Status: "blank"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			d := testDocument(t, s, "x")
			wantCode(t, s.SaveExtraction(context.Background(), d.ID, tt.status, "", tt.pages), EINVALID)
		})
	}
}

func TestDeleteDocumentCascades(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	job := testJob(t, s, "doomed")
	if err := s.SaveExtraction(ctx, job.DocumentID, ExtractOK, "", []Page{{Number: 1, Text: "t", Status: PageOK}}); err != nil {
		t.Fatal(err)
	}
	chunks, err := s.SaveChunks(ctx, job.ID, []Chunk{{Seq: 0, FirstPage: 1, LastPage: 1, Text: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChunkResult(ctx, ChunkResult{JobID: job.ID, ChunkID: chunks[0].ID, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteJob(ctx, &Summary{JobID: job.ID, Engine: EngineExtractive}); err != nil {
		t.Fatal(err)
	}

	if _, err := s.db.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, job.DocumentID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"pages", "jobs", "chunks", "chunk_results", "summaries"} {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows after the document was deleted", table, n)
		}
	}
}
