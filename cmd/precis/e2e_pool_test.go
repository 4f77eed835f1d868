package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"precis/storage"
	"precis/summarize/llm"
	"precis/summarize/llm/ollamatest"
)

// chatsServed counts the chat calls an Ollama server answered, from its own request log.
func chatsServed(t *testing.T, o *ollamatest.Server) int {
	t.Helper()
	data, err := os.ReadFile(o.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "[GIN]") && strings.Contains(line, "| 200 |") && strings.Contains(line, `"/api/chat"`) {
			n++
		}
	}
	return n
}

// TestPoolEndToEnd serves one model from two real Ollama servers as PRECIS_OLLAMA_URL="a,b",
// kills one of them in the middle of a job, and checks that the job finishes on the other
// in its first attempt, with its summary and every model call audited.
func TestPoolEndToEnd(t *testing.T) {
	one, two := ollamatest.Start(t), ollamatest.Start(t)
	data := t.TempDir()
	// One slot each and a small context window: many chunks, both servers busy at once.
	srv := startPrecis(t, data, "PRECIS_OLLAMA_URL="+one.URL+","+two.URL, "PRECIS_OLLAMA_MODEL="+one.Model,
		"PRECIS_PROVIDER=ollama", "PRECIS_OLLAMA_SLOTS=1", "PRECIS_OLLAMA_MAX_CONTEXT=2048")
	srv.upload(t, corpus(t, "contracts", longerContract))
	st := openStore(t, data)

	// Each server answers one calibration call, then map calls: wait for two of those on each.
	deadline := time.Now().Add(5 * time.Minute)
	var atKill *storage.Job
	for atKill == nil {
		rows, err := st.ListDocuments(context.Background(), storage.DocumentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 && rows[0].Job != nil && chatsServed(t, one) >= 3 && chatsServed(t, two) >= 3 {
			atKill = rows[0].Job
		}
		if time.Now().After(deadline) {
			t.Fatalf("both servers never served map calls (%d and %d chats)", chatsServed(t, one), chatsServed(t, two))
		}
		time.Sleep(20 * time.Millisecond)
	}
	two.Kill()
	servedByOne := chatsServed(t, one)
	if atKill.Status == "done" || atKill.ChunksDone >= atKill.ChunksTotal {
		t.Fatalf("the job was done before the kill (%+v); the test needs a longer document", atKill)
	}

	rows := waitJobs(t, st, 1, 10*time.Minute, nil)
	checkSummary(t, st, rows[0], "ollama")
	job := rows[0].Job
	if job.Attempts != 1 {
		t.Errorf("job attempts = %d: losing one server must not cost the job a retry", job.Attempts)
	}
	maps, reduces := 0, 0
	for _, c := range modelCalls(t, st) {
		if c.Outcome != "ok" {
			t.Errorf("a model call failed: %+v", c)
		}
		if c.Details["provider"] != "ollama" || c.Details["model"] != one.Model {
			t.Errorf("model call audited with provider %v model %v", c.Details["provider"], c.Details["model"])
		}
		switch c.Details["phase"] {
		case "map":
			maps++
		case "reduce":
			reduces++
		}
	}
	if maps != job.ChunksTotal || reduces == 0 {
		t.Errorf("audited %d map and %d reduce calls for %d chunks", maps, reduces, job.ChunksTotal)
	}
	after := chatsServed(t, one) - servedByOne
	if left := job.ChunksTotal - atKill.ChunksDone; after < left {
		t.Errorf("the surviving server answered %d chats after the kill, want at least the %d chunks left", after, left)
	}
	if out := srv.out.String(); !strings.Contains(out, "model endpoint down") || !strings.Contains(out, two.URL) {
		t.Errorf("the log does not say that %s went down:\n%s", two.URL, tail(out, 40))
	}
	t.Logf("killed %s after %d of %d chunks; %s answered %d chats after the kill; %d map and %d reduce calls audited",
		two.URL, atKill.ChunksDone, job.ChunksTotal, one.URL, after, maps, reduces)
}

// TestConfigOllamaURLList: PRECIS_OLLAMA_URL takes one URL or a list, and says which entry is wrong.
func TestConfigOllamaURLList(t *testing.T) {
	tests := []struct {
		value, want, wantErr string
	}{
		{"http://a:11434", "http://a:11434", ""},
		{" http://a:11434/ , https://b:8443 ", "http://a:11434,https://b:8443", ""},
		{"off", "", ""},
		{"http://a:11434,,http://b:11434", "", "entry 2 of the list is empty"},
		{"http://a:11434,", "", "entry 2 of the list is empty"},
		{"http://a:11434,off", "", `"off" cannot be part of a list`},
		{"http://a:11434,b:11434", "", `"b:11434" must be a URL like http://127.0.0.1:11434`},
		{"http://a:11434,http://a:11434/", "", "http://a:11434 is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			c, _, err := loadConfig("serve", nil, env(map[string]string{"PRECIS_OLLAMA_URL": tt.value}), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.OllamaURL != tt.want {
				t.Errorf("OllamaURL = %q, want %q", c.OllamaURL, tt.want)
			}
		})
	}
}

// TestBuildProviderPool: the provider PRECIS_OLLAMA_URL declares is one server, or for
// several URLs one pool named "ollama" whose slots are PRECIS_OLLAMA_SLOTS for each server.
func TestBuildProviderPool(t *testing.T) {
	for _, tt := range []struct {
		urls      string
		endpoints int
	}{{"http://a:11434,http://b:11434", 2}, {"http://a:11434,http://b:11434,http://c:11434", 3}} {
		cfg, _, err := loadConfig("serve", nil, env(map[string]string{"PRECIS_OLLAMA_URL": tt.urls, "PRECIS_OLLAMA_SLOTS": "3"}), nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := newApp(cfg, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.buildProvider(nil, envProviders(cfg)[0])
		if err != nil {
			t.Fatal(err)
		}
		pool, ok := p.(*llm.Pool)
		if !ok {
			t.Fatalf("%s: provider %T, want a pool", tt.urls, p)
		}
		if pool.Name() != "ollama" || pool.URL() != tt.urls || len(pool.Endpoints()) != tt.endpoints || pool.Slots() != 3*tt.endpoints {
			t.Errorf("%s: pool %s at %s with %d endpoints and %d slots", tt.urls, pool.Name(), pool.URL(), len(pool.Endpoints()), pool.Slots())
		}
	}
	cfg, _, _ := loadConfig("serve", nil, env(map[string]string{"PRECIS_OLLAMA_URL": "http://a:11434"}), nil)
	a, _ := newApp(cfg, io.Discard)
	if p, err := a.buildProvider(nil, envProviders(cfg)[0]); err != nil || p.Name() != "ollama" {
		t.Fatalf("one URL: %v %v", p, err)
	} else if _, pooled := p.(*llm.Pool); pooled {
		t.Fatal("one URL needs no pool")
	}
}
