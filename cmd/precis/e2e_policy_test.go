package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precis/storage"
	"precis/summarize/llm/openaitest"
)

// policyFile is a --config file with an external provider (a real HTTP server speaking the
// OpenAI API) allowed for Public documents only, the built-in summarizer for Internal and
// Confidential, and nothing for Privileged. Detectors raise no label here, so the label given
// is the label routed.
func policyFile(t *testing.T, cloudURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "precis.yaml")
	yaml := `providers:
  - {name: cloud, kind: openai, url: "` + cloudURL + `", model: "` + openaitest.ModelName + `", api_key_env: PRECIS_TEST_CLOUD_KEY, zone: external}
  - {name: local, kind: builtin}
labels: [Public, Internal, Confidential, Privileged]
detectors: {}
policy:
  Public: [cloud]
  Internal: [local]
  Confidential: [local]
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSummarizeCommandObeysPolicy(t *testing.T) {
	cloud := openaitest.Start(t, openaitest.RequireKey("sk-e2e-secret"))
	cfg := policyFile(t, cloud.URL())
	file := corpus(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf")
	run := func(args ...string) (map[string]any, string, int) {
		cmd := exec.Command(precisBin, append([]string{"summarize", file, "--json", "--config", cfg}, args...)...)
		cmd.Env = append(cmd.Environ(), "PRECIS_OLLAMA_URL=off", "PRECIS_TEST_CLOUD_KEY=sk-e2e-secret")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		var out map[string]any
		_ = json.Unmarshal(stdout.Bytes(), &out)
		return out, stderr.String(), code
	}
	cases := []struct {
		label, provider, zone, stderr string
		code                          int
		cloud                         bool
	}{
		{"Public", "cloud", "external", "", 0, true},
		{"Confidential", "local", "on-prem", "", 0, false},
		{"Privileged", "", "", "allows no provider for Privileged documents", 2, false},
		{"Secret", "", "", `unknown label "Secret"`, 2, false},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			cloud.Reset()
			out, stderr, code := run("--label", c.label)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, stderr, c.code, c.stderr)
			}
			if c.code == 0 && (out["provider"] != c.provider || out["zone"] != c.zone || out["label"] != c.label) {
				t.Fatalf("output %v", out)
			}
			sent := 0
			for _, r := range cloud.Requests() {
				if r.Chat != nil && strings.Contains(r.Chat.Text("user"), "--- page 1 ---") {
					sent++
					if r.APIKey != "sk-e2e-secret" {
						t.Errorf("request without the key from api_key_env")
					}
				}
			}
			if c.cloud != (sent > 0) || (!c.cloud && cloud.Count() != 0) {
				t.Fatalf("the external server received %d requests (%d with document text)", cloud.Count(), sent)
			}
			if strings.Contains(stderr, "sk-e2e-secret") {
				t.Fatal("the API key reached stderr")
			}
		})
	}
	t.Run("bad settings file", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		_ = os.WriteFile(bad, []byte("providers: [{name: a, kind: builtin}]\npolicy: {Public: [a]}\npolcy: {}\n"), 0o600)
		cmd := exec.Command(precisBin, "summarize", file, "--config", bad)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "polcy") || !strings.Contains(string(out), "3") {
			t.Fatalf("want exit 2 naming the unknown key and its line: %v\n%s", err, out)
		}
	})
}

// TestServeObeysPolicyFile runs the server under a --config file: a Confidential upload is
// summarized on premises and the external server hears nothing; a Public upload goes to it.
func TestServeObeysPolicyFile(t *testing.T) {
	cloud := openaitest.Start(t)
	dir := t.TempDir()
	srv := startPrecis(t, dir, "PRECIS_CONFIG="+policyFile(t, cloud.URL()), "PRECIS_TEST_CLOUD_KEY=sk-x", "PRECIS_OLLAMA_URL=off")
	st := openStore(t, dir)
	files := []string{
		corpus(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf"),
		corpus(t, "contracts", "Example-One-Way-Non-Disclosure-Agreement.pdf"),
	}
	for i, label := range []string{"Confidential", "Public"} {
		cloud.Reset()
		srv.post(t, map[string]string{"label": label}, files[i])
		rows := waitJobs(t, st, i+1, 2*time.Minute, nil)
		var job *storage.Job
		for _, r := range rows {
			if r.Filename == filepath.Base(files[i]) {
				job = r.Job
			}
		}
		if job == nil || job.Status != storage.JobDone {
			t.Fatalf("%s upload: job %+v", label, job)
		}
		want := map[string]string{"Confidential": "local", "Public": "cloud"}[label]
		if job.Provider != want {
			t.Fatalf("%s: provider %q, want %q", label, job.Provider, want)
		}
		if (label == "Public") != (cloud.Count() > 0) {
			t.Fatalf("%s: the external server received %d requests", label, cloud.Count())
		}
	}
	evs, err := st.AuditEvents(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	external := 0
	for _, ev := range evs {
		if ev.Action == "model.call" && ev.Details["zone"] == "external" {
			external++
			if ev.Details["label"] != "Public" || ev.Details["policy_version"] == float64(0) {
				t.Errorf("model call audit row %v", ev.Details)
			}
		}
	}
	if external == 0 {
		t.Fatal("no model.call audit row for the external provider")
	}
	_, body := srv.get(t, "/admin/policy")
	if !strings.Contains(body, "precis.yaml") {
		t.Fatalf("the admin policy page does not say the file manages the settings:\n%.2000s", body)
	}
}
