package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"precis/summarize/classify"
)

// adminForms are a valid POST of every administration action against testSettings.
var adminForms = []struct {
	path string
	form url.Values
}{
	{"/admin/labels/rename", url.Values{"id": {"3"}, "name": {"Client confidential"}}},
	{"/admin/labels", url.Values{"name": {"Restricted"}, "at": {"3"}}},
	{"/admin/labels/default", url.Values{"label": {"Internal"}}},
	{"/admin/detectors", url.Values{"map.email": {"Privileged"}}},
	{"/admin/watchlist", url.Values{"names": {"Acme Corp\n\nGlobex"}}},
	{"/admin/policy", url.Values{"allow.1.ollama": {"1"}, "order.1.ollama": {"1"}, "note": {"only local for Public"}}},
	{"/admin/providers", url.Values{"name": {"gpu"}, "kind": {"ollama"}, "urls": {"http://gpu:11434"}, "model": {"qwen"}, "zone": {"on-prem"}, "slots": {"2"}}},
	{"/admin/providers/update", url.Values{"name": {"cloud"}, "kind": {"openai"}, "urls": {"https://other.example.com/v1"}, "model": {"gpt-4o"}, "zone": {"external"}}},
}

var adminPages = []string{"/admin", "/admin/labels", "/admin/detectors", "/admin/watchlist", "/admin/providers", "/admin/policy", "/admin/history"}

func TestAdminRefusesStaff(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ver := v.savePolicy(t, testSettings())
	for _, p := range adminPages {
		rec := v.get(t, p, false)
		wantStatus(t, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "Only administrators can open the administration pages") {
			t.Errorf("%s: the refusal does not say why:\n%s", p, rec.Body.String())
		}
	}
	for _, f := range adminForms {
		wantStatus(t, v.postForm(t, f.path, f.form, false, false), http.StatusForbidden)
	}
	if got := v.policy(t).Version; got != ver {
		t.Errorf("staff changed the policy: v%d", got)
	}
	t.Run("admins get in", func(t *testing.T) {
		for _, p := range adminPages[1:] {
			req := httpGet(p)
			req.Header.Set("X-Test-Admin", "1")
			wantStatus(t, v.do(t, req, false), http.StatusOK)
		}
	})
}

func TestAdminSavesNewVersions(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ver := v.savePolicy(t, testSettings())
	for _, f := range adminForms {
		t.Run(f.path, func(t *testing.T) {
			f.form.Set("version", strconv.FormatInt(ver, 10))
			rec := v.postForm(t, f.path, f.form, true, false)
			wantStatus(t, rec, http.StatusSeeOther)
			ver++
			if want := "saved=" + strconv.FormatInt(ver, 10); !strings.Contains(rec.Header().Get("Location"), want) {
				t.Errorf("Location %q, want %s", rec.Header().Get("Location"), want)
			}
			if got := v.policy(t).Version; got != ver {
				t.Fatalf("policy v%d, want v%d", got, ver)
			}
			req := httpGet(rec.Header().Get("Location"))
			req.Header.Set("X-Test-Admin", "1")
			notice := text(testID(parse(t, v.do(t, req, false)), "admin-notice"))
			if !strings.Contains(notice, "Saved as policy v"+strconv.FormatInt(ver, 10)) {
				t.Errorf("notice %q", notice)
			}
		})
	}
	p := v.policy(t)
	if l, _ := p.LabelByID(3); l.Name != "Client confidential" || p.DefaultLabel != "Internal" {
		t.Errorf("label 2 %q, default %q", l.Name, p.DefaultLabel)
	}
	if p.Labels[3].Name != "Restricted" || p.Detectors["email"] != "Privileged" || len(p.Watchlist) != 2 {
		t.Errorf("labels %v detectors %v watchlist %v", p.Labels, p.Detectors, p.Watchlist)
	}
	if r := p.Routes["Public"]; len(r) != 1 || r[0] != "ollama" || len(p.Redact["Public"]) != 0 {
		t.Errorf("Public route %v redact %v", r, p.Redact)
	}
	if gpu, ok := p.Provider("gpu"); !ok || gpu.Source != "admin" || gpu.Slots != 2 {
		t.Errorf("gpu %+v", gpu)
	}
	if cloud, _ := p.Provider("cloud"); cloud.Model != "gpt-4o" {
		t.Errorf("cloud %+v", cloud)
	}

	t.Run("remove a provider no route uses", func(t *testing.T) {
		rec := v.postForm(t, "/admin/providers/delete", url.Values{"name": {"cloud"}}, true, false)
		wantStatus(t, rec, http.StatusSeeOther)
		if _, ok := v.policy(t).Provider("cloud"); ok {
			t.Error("cloud still configured")
		}
	})
	t.Run("history lists every version with who and why", func(t *testing.T) {
		req := httpGet("/admin/history")
		req.Header.Set("X-Test-Admin", "1")
		doc := parse(t, v.do(t, req, false))
		rows := testID(doc, "history-row")
		if rows.Length() != len(adminForms)+2 {
			t.Fatalf("history rows = %d, want %d", rows.Length(), len(adminForms)+2)
		}
		if text(rows.First().Find(`[data-testid="history-actor"]`)) != "root@example.com" || text(rows.First().Find(`[data-testid="history-source"]`)) != "admin" {
			t.Errorf("newest row %q", text(rows.First()))
		}
		if !strings.Contains(text(doc.Find(`[data-version="7"] [data-testid="history-note"]`)), "only local for Public") {
			t.Errorf("grid note missing: %q", text(doc.Find(`[data-version="7"]`)))
		}
	})
	t.Run("saving the same settings again makes no version", func(t *testing.T) {
		before := v.policy(t).Version
		rec := v.postForm(t, "/admin/labels/default", url.Values{"label": {"Internal"}}, true, false)
		wantStatus(t, rec, http.StatusSeeOther)
		if !strings.Contains(rec.Header().Get("Location"), "unchanged=1") || v.policy(t).Version != before {
			t.Errorf("Location %q, version %d", rec.Header().Get("Location"), v.policy(t).Version)
		}
	})
	t.Run("a form from an older version is refused", func(t *testing.T) {
		before := v.policy(t).Version
		rec := v.postForm(t, "/admin/labels", url.Values{"name": {"Late"}, "at": {"0"}, "version": {"1"}}, true, false)
		wantStatus(t, rec, http.StatusConflict)
		if !strings.Contains(rec.Body.String(), "changed while you were editing") || v.policy(t).Version != before {
			t.Errorf("stale form saved or unexplained: v%d", v.policy(t).Version)
		}
	})
}

func TestAdminInvalidSaveRerendersForm(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ver := v.savePolicy(t, testSettings())
	cases := []struct {
		name, path string
		form       url.Values
		errorID    string
		want       string
		input      string // data-testid of a field that must keep the user's input
		value      string
	}{
		{"rename to an existing name", "/admin/labels/rename", url.Values{"id": {"1"}, "name": {"internal"}},
			"rename-error", "A label named Internal exists already.", "rename-input", "internal"},
		{"add with a comma", "/admin/labels", url.Values{"name": {"A, B"}, "at": {"1"}},
			"add-label-error", "comma", "add-label-name", "A, B"},
		{"watchlist entry too short", "/admin/watchlist", url.Values{"names": {"Acme Corp\nX"}},
			"watchlist-error", "needs at least two letters", "watchlist-input", "Acme Corp\nX"},
		{"grid with two firsts", "/admin/policy", url.Values{"allow.2.ollama": {"1"}, "order.2.ollama": {"1"},
			"allow.2.builtin": {"1"}, "order.2.builtin": {"1"}}, "grid-row-error", "both have order 1", "", ""},
		{"grid redact without allow", "/admin/policy", url.Values{"redact.3.cloud": {"1"}},
			"grid-row-error", "Redact is ticked for cloud", "", ""},
		{"provider with a bad URL", "/admin/providers", url.Values{"name": {"gpu"}, "kind": {"ollama"},
			"urls": {"gpu:11434"}, "model": {"qwen"}, "zone": {"on-prem"}}, "provider-error", "http or https", "provider-urls-input", "gpu:11434"},
		{"remove a routed provider", "/admin/providers/delete", url.Values{"name": {"cloud"}},
			"provider-error", "take cloud off those routes", "", ""},
		{"unknown detector label", "/admin/detectors", url.Values{"map.email": {"Secret"}},
			"detectors-error", `no label named "Secret"`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := v.postForm(t, c.path, c.form, true, false)
			wantStatus(t, rec, http.StatusBadRequest)
			doc := parse(t, rec)
			if msg := text(testID(doc, c.errorID)); !strings.Contains(msg, c.want) {
				t.Errorf("%s = %q, want %q", c.errorID, msg, c.want)
			}
			if c.input != "" {
				field := testID(doc, c.input).FilterFunction(func(_ int, s *goquery.Selection) bool {
					val, ok := s.Attr("value")
					return (ok && val == c.value) || s.Text() == c.value
				})
				if field.Length() == 0 {
					t.Errorf("the user's input %q is not in the form again", c.value)
				}
			}
			if got := v.policy(t).Version; got != ver {
				t.Errorf("an invalid save made v%d", got)
			}
		})
	}
	t.Run("grid keeps the ticked boxes", func(t *testing.T) {
		rec := v.postForm(t, "/admin/policy", url.Values{"allow.4.cloud": {"1"}, "order.4.cloud": {"x"}}, true, false)
		wantStatus(t, rec, http.StatusBadRequest)
		doc := parse(t, rec)
		cell := doc.Find(`[data-label="Privileged"] [data-provider="cloud"]`)
		if _, ok := cell.Find(`[data-testid="grid-allow"]`).Attr("checked"); !ok {
			t.Error("the ticked box is not ticked again")
		}
		if val, _ := cell.Find(`[data-testid="grid-order"]`).Attr("value"); val != "x" {
			t.Errorf("order %q", val)
		}
	})
}

func TestAdminDetectorsPage(t *testing.T) {
	v := newEnv(t, Config{})
	v.savePolicy(t, testSettings())
	doc := parse(t, v.get(t, "/admin/detectors", false))
	seen := map[string]bool{}
	testID(doc, "detector-select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		if seen[name] {
			t.Errorf("two selects named %s", name)
		}
		seen[name] = true
	})
	for _, d := range classify.Detectors() {
		if !seen["map."+d.Name] || !seen["map."+d.Category] {
			t.Errorf("%s (%s) has no select", d.Name, d.Category)
		}
		row := doc.Find(`[data-testid="detector-row"][data-key="` + d.Name + `"]`)
		if !strings.Contains(text(row), strings.Join(strings.Fields(d.Description), " ")) {
			t.Errorf("%s: description missing from %q", d.Name, text(row))
		}
	}
	email := doc.Find(`[data-key="email"] option[selected]`)
	if got := text(email); got != "as its category (Confidential)" {
		t.Errorf("email implies %q", got)
	}
	wantStatus(t, v.postForm(t, "/admin/detectors", url.Values{"map.email": {"Privileged"}}, true, false), http.StatusSeeOther)
	wantStatus(t, v.postForm(t, "/admin/detectors", url.Values{"map.personal_data": {""}}, true, false), http.StatusSeeOther)
	p := v.policy(t)
	if _, ok := p.Detectors["personal_data"]; ok || p.Detectors["email"] != "Privileged" || p.Detectors["privilege"] != "Privileged" {
		t.Errorf("detectors %v: want personal_data cleared, email set, the rest kept", p.Detectors)
	}
}
