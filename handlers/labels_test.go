package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"precis/storage"
	"precis/summarize"
	"precis/summarize/policy"
)

// testSettings is the default policy over one on-prem Ollama and an admin cloud provider
// allowed, redacted, for Public.
func testSettings() policy.Settings {
	s := policy.Default([]policy.Provider{
		{Name: "ollama", Kind: policy.KindOllama, URLs: []string{"http://127.0.0.1:11434"}, Model: "qwen", Zone: policy.OnPrem, Source: "env"},
		{Name: "cloud", Kind: policy.KindOpenAI, URLs: []string{"https://api.example.com/v1"}, Model: "gpt", Zone: policy.External, Source: "admin"},
	})
	s.Routes["Public"] = []string{"cloud", "ollama", "builtin"}
	s.Redact = map[string][]string{"Public": {"cloud"}}
	return s
}

// savePolicy stores s as the next policy version and returns it.
func (v *env) savePolicy(t *testing.T, s policy.Settings) int64 {
	t.Helper()
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	ver, _, err := v.store.SavePolicy(context.Background(), "test", "default", "", body)
	if err != nil {
		t.Fatalf("save policy: %v", err)
	}
	return ver
}

// policy returns the policy in force.
func (v *env) policy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := summarize.StorePolicies{Store: v.store}.Current(context.Background())
	if err != nil {
		t.Fatalf("current policy: %v", err)
	}
	return p
}

// postForm posts form fields; admin marks the request as an administrator's.
func (v *env) postForm(t *testing.T, path string, form url.Values, admin, htmx bool) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if admin {
		req.Header.Set("X-Test-Admin", "1")
		req.Header.Set("X-Test-User", "root")
	}
	return v.do(t, req, htmx)
}

// labelledUpload builds an upload with the label field first, as the form sends it.
func labelledUpload(t *testing.T, label string, f upload) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("label", label)
	part, _ := w.CreateFormFile("files", f.name)
	part.Write(f.content)
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func TestUploadWithLabel(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	v.savePolicy(t, testSettings())

	sel := testID(parse(t, v.get(t, "/", false)), "upload-label")
	if n := sel.Find("option").Length(); n != 4 {
		t.Fatalf("label options = %d, want 4", n)
	}
	if got := text(sel.Find("option[selected]")); got != "Confidential" {
		t.Errorf("preselected %q, want the default label Confidential", got)
	}

	cases := []struct{ field, file, want string }{
		{"1", "public.pdf", "Public"},
		{"privileged", "by-name.pdf", "Privileged"},
		{"", "default.pdf", "Confidential"},
	}
	for _, c := range cases {
		rec := v.do(t, labelledUpload(t, c.field, upload{c.file, []byte("%PDF-1.4 " + c.file)}), false)
		wantStatus(t, rec, http.StatusSeeOther)
	}
	rows, err := v.store.ListDocuments(context.Background(), storage.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	pol := v.policy(t)
	list := parse(t, v.get(t, "/", false))
	for _, c := range cases {
		for _, r := range rows {
			if r.Filename != c.file {
				continue
			}
			if got := labelName(pol, r.LabelID); got != c.want {
				t.Errorf("%s: label %q, want %q", c.file, got, c.want)
			}
			changes, _ := v.store.LabelChanges(context.Background(), r.ID)
			if len(changes) != 1 || changes[0].Source != storage.LabelByUpload || changes[0].Actor != "alice@example.com" {
				t.Errorf("%s: history %+v, want one upload change by alice", c.file, changes)
			}
			row := list.Find(fmt.Sprintf(`[data-testid="document-row"][data-document-id="%d"]`, r.ID))
			if got := text(row.Find(`[data-testid="document-label"]`)); got != c.want {
				t.Errorf("%s: list shows label %q", c.file, got)
			}
		}
	}
}

func TestUploadUnknownLabelRefused(t *testing.T) {
	v := newEnv(t, Config{})
	v.savePolicy(t, testSettings())
	for _, htmx := range []bool{false, true} {
		rec := v.do(t, labelledUpload(t, "Secret", upload{"a.pdf", []byte("%PDF-1.4 a")}), htmx)
		wantStatus(t, rec, http.StatusBadRequest)
		msg := text(testID(parse(t, rec), "upload-message"))
		if !strings.Contains(msg, `There is no label "Secret"`) || !strings.Contains(msg, "Public, Internal, Confidential, Privileged") {
			t.Errorf("message = %q", msg)
		}
	}
	rec := v.do(t, labelledUpload(t, "99", upload{"b.pdf", []byte("%PDF-1.4 b")}), false)
	wantStatus(t, rec, http.StatusBadRequest)
	if rows, _ := v.store.ListDocuments(context.Background(), storage.DocumentFilter{}); len(rows) != 0 {
		t.Errorf("documents stored: %d", len(rows))
	}
	if files := v.filesIn(t); len(files) != 0 {
		t.Errorf("files kept: %v", files)
	}
}

func TestUploadWithoutPolicyStaysUnlabelled(t *testing.T) {
	v := newEnv(t, Config{})
	if testID(parse(t, v.get(t, "/", false)), "upload-label").Length() != 0 {
		t.Error("a label select without a policy")
	}
	wantStatus(t, v.do(t, uploadRequest(t, upload{"a.pdf", []byte("%PDF-1.4 a")}), false), http.StatusSeeOther)
	rows, _ := v.store.ListDocuments(context.Background(), storage.DocumentFilter{})
	if len(rows) != 1 || rows[0].LabelID != 0 {
		t.Fatalf("rows %+v", rows)
	}
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", rows[0].ID), false))
	if testID(doc, "no-policy").Length() != 1 || testID(doc, "label-form").Length() != 0 {
		t.Error("the document page must say there is no policy and offer no label form")
	}
}

func TestReuploadRaisesTheLabel(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	v.savePolicy(t, testSettings())
	file := upload{"nda.pdf", []byte("%PDF-1.4 the same file")}
	for _, label := range []string{"Public", "Privileged", "Internal"} {
		wantStatus(t, v.do(t, labelledUpload(t, label, file), false), http.StatusSeeOther)
	}
	rows, _ := v.store.ListDocuments(context.Background(), storage.DocumentFilter{})
	if len(rows) != 1 || rows[0].LabelID != 4 {
		t.Fatalf("documents %+v, want one labelled Privileged", rows)
	}
	changes, _ := v.store.LabelChanges(context.Background(), rows[0].ID)
	if len(changes) != 2 || changes[1].Reason != "uploaded again as Privileged" || changes[1].Source != storage.LabelByUpload {
		t.Errorf("history %+v: want the raise, and no lowering by the third upload", changes)
	}
}
