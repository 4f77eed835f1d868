package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to read every column of the audit table as an auditor would

	"precis/summarize/extract/pdftest"
)

// canaries are strings that exist only in the text of the test document.
var canaries = []string{"QUOKKAVELLUM7731", "Zebrafinch Obsidian Holdings", "marigold.canary@quokka-vellum.example.org"}

// TestNoDocumentTextInLogsOrAudit plants canary strings in a PDF, runs it through the whole
// server (upload, extraction, detectors, summary) with debug-level JSON logs, and searches
// every log line and every column of every audit row for them.
func TestNoDocumentTextInLogsOrAudit(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(t.TempDir(), "contract.pdf")
	pages := [][]string{
		{"MASTER SERVICES AGREEMENT", "This Agreement is made between " + canaries[1] + " and the Client.", "Reference " + canaries[0] + " applies to every invoice."},
		{"Notices shall be sent to " + canaries[2] + ".", "The term is three years and renews for one year unless terminated.", "Governing law: the laws of England. Code " + canaries[0] + "."},
	}
	if err := os.WriteFile(pdf, pdftest.Text(pages...), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startPrecis(t, dir, "PRECIS_OLLAMA_URL=off", "PRECIS_LOG_FORMAT=json", "PRECIS_LOG_LEVEL=debug")
	srv.upload(t, pdf)
	st := openStore(t, dir)
	rows := waitJobs(t, st, 1, time.Minute, nil)
	if rows[0].Job.Status != "done" {
		t.Fatalf("job %s: %s", rows[0].Job.Status, rows[0].Job.Error)
	}
	text, err := st.Pages(context.Background(), rows[0].ID)
	if err != nil || len(text) != 2 || !strings.Contains(text[0].Text, canaries[0]) {
		t.Fatalf("the canaries did not reach the extracted text, so this test would prove nothing: %v %+v", err, text)
	}
	srv.stop()

	for _, c := range canaries {
		for _, line := range strings.Split(srv.out.String(), "\n") {
			if strings.Contains(strings.ToLower(line), strings.ToLower(c)) {
				t.Errorf("a log line holds document text %q: %s", c, line)
			}
		}
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "precis.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	auditRows, err := db.Query(`SELECT seq, at || actor || action || object_type || object_id || outcome || details FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer auditRows.Close()
	n := 0
	for auditRows.Next() {
		var seq int64
		var row string
		if err := auditRows.Scan(&seq, &row); err != nil {
			t.Fatal(err)
		}
		n++
		for _, c := range canaries {
			if strings.Contains(strings.ToLower(row), strings.ToLower(c)) {
				t.Errorf("audit row %d holds document text %q: %s", seq, c, row)
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d audit rows: the search covered too little", n)
	}
}
