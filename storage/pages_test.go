package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPageQualityRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := testDocument(t, s, "scanned contract")
	pages := []Page{
		{Number: 1, Text: "Lease agreement", Status: PageOK, Extractor: ExtractorNative, Quality: 0.97,
			Warnings: []string{"hidden text found"}},
		{Number: 2, Text: "Rent is due monthly", Status: PageOK, Extractor: ExtractorPoppler, Quality: 0.91},
		{Number: 3, Text: "Signed by both parties", Status: PageOK, Extractor: ExtractorOCR, Quality: 0.8},
		{Number: 4, Text: "", Status: PageEmpty, Warnings: []string{"OCR found no text"}},
		{Number: 5, Text: "hX`qM~q", Status: PageOK, Extractor: ExtractorNative, Quality: 0.17, Warnings: []string{"garbled"}},
	}
	if err := s.SaveExtraction(ctx, d.ID, ExtractOK, "", pages); err != nil {
		t.Fatal(err)
	}
	got, err := s.Pages(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]Page, len(pages))
	for i, p := range pages {
		p.DocumentID = d.ID
		if p.Extractor == "" {
			p.Extractor = ExtractorNative
		}
		if p.Warnings == nil {
			p.Warnings = []string{}
		}
		want[i] = p
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Pages =\n%+v\nwant\n%+v", got, want)
	}
	if p, err := s.Page(ctx, d.ID, 3); err != nil || !reflect.DeepEqual(*p, want[2]) {
		t.Errorf("Page 3 = %+v, %v; want %+v", p, err, want[2])
	}
	info, err := s.PageInfo(ctx, d.ID)
	if err != nil || len(info) != 5 || info[0].Text != "" || info[0].Quality != 0.97 ||
		!reflect.DeepEqual(info[0].Warnings, []string{"hidden text found"}) || info[2].Extractor != ExtractorOCR {
		t.Errorf("PageInfo = %+v, %v; want the pages without text", info, err)
	}

	// The audit event counts the pages with text by extractor.
	events, err := s.AuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	byExtractor, _ := last.Details["text_pages_by_extractor"].(map[string]any)
	if last.Action != "document.extract" || byExtractor["native"] != float64(2) || byExtractor["ocr"] != float64(1) {
		t.Errorf("audit event %+v", last)
	}
}

func TestSaveExtractionInvalidPageFields(t *testing.T) {
	for _, tt := range []struct {
		name string
		page Page
	}{
		{"unknown extractor", Page{Number: 1, Status: PageOK, Extractor: "acrobat"}},
		{"quality above 1", Page{Number: 1, Status: PageOK, Quality: 1.5}},
		{"negative quality", Page{Number: 1, Status: PageOK, Quality: -0.1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			d := testDocument(t, s, "x")
			wantCode(t, s.SaveExtraction(context.Background(), d.ID, ExtractOK, "", []Page{tt.page}), EINVALID)
		})
	}
}

func TestSaveExtractionGarbled(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := testDocument(t, s, "mojibake")
	if err := s.SaveExtraction(ctx, d.ID, ExtractGarbled, "The text of this PDF could not be read reliably.", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Document(ctx, d.ID); got.ExtractStatus != ExtractGarbled {
		t.Errorf("status %q, want garbled", got.ExtractStatus)
	}
}

// TestMigratePageQuality applies 0002 to a database holding pages saved under 0001 only:
// they read as native, quality 0, no warnings.
func TestMigratePageQuality(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	s := openTestStore(t, path)
	d := testDocument(t, s, "old")
	// Put the database back to 0001: drop the new columns, forget the migration.
	for _, q := range []string{
		`ALTER TABLE pages DROP COLUMN extractor`, `ALTER TABLE pages DROP COLUMN quality`,
		`ALTER TABLE pages DROP COLUMN warnings`, `DELETE FROM schema_migrations WHERE version = '0002_page_quality'`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO pages (document_id, number, text, status) VALUES (?, 1, 'old text', 'ok')`, d.ID); err != nil {
		t.Fatal(err)
	}
	applied, err := s.Migrate(ctx)
	if err != nil || !reflect.DeepEqual(applied, []string{"0002_page_quality"}) {
		t.Fatalf("Migrate = %v, %v; want [0002_page_quality]", applied, err)
	}
	p, err := s.Page(ctx, d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "old text" || p.Extractor != ExtractorNative || p.Quality != 0 || len(p.Warnings) != 0 || p.Warnings == nil {
		t.Errorf("old page after migration = %+v", p)
	}
	// The columns check what goes in.
	for _, q := range []string{
		`UPDATE pages SET extractor = 'acrobat'`, `UPDATE pages SET quality = 2`, `UPDATE pages SET warnings = 'not json'`,
		`UPDATE pages SET warnings = '{"a": 1}'`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "CHECK") {
			t.Errorf("%s: err %v, want a CHECK failure", q, err)
		}
	}
}

func TestResetExtraction(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	d := testDocument(t, s, "locked")
	wantCode(t, s.ResetExtraction(ctx, d.ID, "web"), ECONFLICT) // pending, not encrypted
	if err := s.SaveExtraction(ctx, d.ID, ExtractEncrypted, "This PDF is password-protected.", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.ResetExtraction(ctx, d.ID, ""), EINVALID)
	wantCode(t, s.ResetExtraction(ctx, 999, "web"), ENOTFOUND)
	if err := s.ResetExtraction(ctx, d.ID, "web"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Document(ctx, d.ID)
	if err != nil || got.ExtractStatus != ExtractPending || got.ExtractMessage != "" || got.PageCount != 0 {
		t.Fatalf("document after reset = %+v, %v", got, err)
	}
	events, err := s.AuditEvents(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Action != "document.password_supplied" || last.Actor != "web" || last.ObjectID != d.ID ||
		!reflect.DeepEqual(last.Details, map[string]any{"previous_status": ExtractEncrypted}) {
		t.Errorf("audit event = %+v", last)
	}
	wantCode(t, s.ResetExtraction(ctx, d.ID, "web"), ECONFLICT) // already pending
}
