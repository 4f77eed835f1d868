package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"precis/storage"
	"regexp"
	"strings"
	"testing"
)

var storedNameRE = regexp.MustCompile(`^[0-9a-f]{32}\.pdf$`)

func TestUploadSeveralFiles(t *testing.T) {
	v := newEnv(t, Config{})
	mutual := corpusFile(t, "contracts/Example-Mutual-Non-Disclosure-Agreement.pdf")
	oneWay := corpusFile(t, "contracts/Example-One-Way-Non-Disclosure-Agreement.pdf")
	copyOfMutual := upload{name: "copy of mutual.pdf", content: mutual.content}
	notPDF := upload{name: "notes.txt", content: []byte("not a pdf at all\n")}

	rec := v.do(t, uploadRequest(t, mutual, oneWay, copyOfMutual, notPDF), false)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/?uploaded=3&duplicates=1" {
		t.Errorf("Location = %q", loc)
	}
	if got := v.queue.wakes.Load(); got != 1 {
		t.Errorf("Wake called %d times, want 1", got)
	}

	t.Run("files stored once under generated names", func(t *testing.T) {
		names := v.filesIn(t)
		if len(names) != 3 {
			t.Fatalf("files = %v, want 3 (the duplicate not stored)", names)
		}
		for _, n := range names {
			if !storedNameRE.MatchString(n) {
				t.Errorf("stored name %q is not a generated name", n)
			}
		}
		rows, err := v.store.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(mutual.content)
		for _, r := range rows {
			if r.Filename != mutual.name {
				continue
			}
			if r.SHA256 != hex.EncodeToString(sum[:]) || r.Size != int64(len(mutual.content)) {
				t.Errorf("document = %+v, want its SHA-256 and size", r.Document)
			}
			stored, err := os.ReadFile(filepath.Join(v.dataDir, "files", r.StoredName))
			if err != nil || !bytes.Equal(stored, mutual.content) {
				t.Errorf("stored file differs from the upload (err %v)", err)
			}
		}
	})

	t.Run("documents listed with status", func(t *testing.T) {
		doc := parse(t, v.get(t, "/?uploaded=3&duplicates=1", false))
		rows := testID(doc, "document-row")
		if rows.Length() != 3 {
			t.Fatalf("rows = %d, want 3", rows.Length())
		}
		names := text(testID(doc, "document-link"))
		for _, want := range []string{mutual.name, oneWay.name, notPDF.name} {
			if !strings.Contains(names, want) {
				t.Errorf("list %q lacks %q", names, want)
			}
		}
		if got := text(rows.First().Find(`[data-testid="status"]`)); got != "Queued" {
			t.Errorf("status = %q, want Queued", got)
		}
		msg := testID(doc, "upload-message")
		if !strings.Contains(text(msg), "3 files uploaded") || !strings.Contains(text(msg), "1 file was already uploaded") {
			t.Errorf("upload message = %q", text(msg))
		}
		if kind, _ := msg.Attr("data-kind"); kind != "notice" {
			t.Errorf("upload message kind = %q, want notice", kind)
		}
	})

	t.Run("htmx upload of a duplicate returns the list and says so", func(t *testing.T) {
		rec := v.do(t, uploadRequest(t, upload{name: "again.pdf", content: oneWay.content}), true)
		wantStatus(t, rec, http.StatusOK)
		if isFullPage(rec) {
			t.Fatal("htmx upload got a full page, want the list fragment")
		}
		doc := parse(t, rec)
		if n := testID(doc, "document-row").Length(); n != 3 {
			t.Errorf("rows = %d, want 3", n)
		}
		msg := testID(doc, "upload-message")
		if oob, _ := msg.Attr("hx-swap-oob"); oob != "true" {
			t.Errorf("upload message is not an out-of-band swap")
		}
		if !strings.Contains(text(msg), "again.pdf") {
			t.Errorf("upload message %q does not name the duplicate", text(msg))
		}
		if len(v.filesIn(t)) != 3 {
			t.Errorf("duplicate stored: %v", v.filesIn(t))
		}
		if got := v.queue.wakes.Load(); got != 1 {
			t.Errorf("Wake called %d times, want 1: the duplicate's job was already queued", got)
		}
	})
}

func TestUploadTooLarge(t *testing.T) {
	v := newEnv(t, Config{MaxUploadBytes: 4096})
	small := upload{name: "small.pdf", content: []byte("%PDF-1.4 small")}
	big := corpusFile(t, "contracts/Example-Mutual-Non-Disclosure-Agreement.pdf")

	t.Run("htmx", func(t *testing.T) {
		rec := v.do(t, uploadRequest(t, small, big), true)
		wantStatus(t, rec, http.StatusRequestEntityTooLarge)
		if got := rec.Header().Get("HX-Retarget"); got != "#upload-message" {
			t.Errorf("HX-Retarget = %q", got)
		}
		msg := text(testID(parse(t, rec), "upload-message"))
		if !strings.Contains(msg, big.name) || !strings.Contains(msg, "4.0 KB limit") {
			t.Errorf("message = %q, want the file and the limit", msg)
		}
	})
	t.Run("plain form", func(t *testing.T) {
		rec := v.do(t, uploadRequest(t, big), false)
		wantStatus(t, rec, http.StatusRequestEntityTooLarge)
		doc := parse(t, rec)
		if kind, _ := testID(doc, "upload-message").Attr("data-kind"); kind != "error" {
			t.Errorf("upload message kind = %q, want error", kind)
		}
		if testID(doc, "upload-form").Length() != 1 {
			t.Error("the form is not shown again")
		}
	})
	t.Run("nothing kept", func(t *testing.T) {
		if files := v.filesIn(t); len(files) != 0 {
			t.Errorf("files left behind: %v", files)
		}
		if rows, _ := v.store.ListDocuments(context.Background(), storage.DocumentFilter{}); len(rows) != 0 {
			t.Errorf("documents created: %d", len(rows))
		}
		if v.queue.wakes.Load() != 0 {
			t.Error("Wake called for a refused upload")
		}
	})
}

func TestUploadNoFile(t *testing.T) {
	v := newEnv(t, Config{})
	emptyPicker := func() *http.Request {
		// What a browser sends when the file input is left empty.
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.CreateFormFile("files", "")
		w.Close()
		req := httptest.NewRequest(http.MethodPost, "/documents", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return req
	}
	notMultipart := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/documents", strings.NewReader("files=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	for name, req := range map[string]func() *http.Request{"empty file input": emptyPicker, "not multipart": notMultipart} {
		for _, htmx := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				rec := v.do(t, req(), htmx)
				wantStatus(t, rec, http.StatusBadRequest)
				if isFullPage(rec) == htmx {
					t.Errorf("htmx=%v but full page=%v", htmx, isFullPage(rec))
				}
				if msg := text(testID(parse(t, rec), "upload-message")); msg != "Choose one or more PDF files to upload." {
					t.Errorf("message = %q", msg)
				}
			})
		}
	}
}

func TestCleanFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"contract.pdf", "contract.pdf"},
		{`C:\Users\me\contract.pdf`, "contract.pdf"},
		{"../../etc/passwd", "passwd"},
		{"bad\x00name\n.pdf", "badname.pdf"},
		{"  ", "document.pdf"},
		{"Vertrag für Müller.pdf", "Vertrag für Müller.pdf"},
		{strings.Repeat("é", 300), strings.Repeat("é", 255)},
	}
	for _, tt := range tests {
		if got := cleanFilename(tt.in); got != tt.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
