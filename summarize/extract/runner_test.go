package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"precis/summarize/extract/corpus"
)

// TestRunnerChildDeaths runs fake children (the test binary re-executed in a role, with the
// same limit flags as the real child) and checks each way of dying maps to its status.
func TestRunnerChildDeaths(t *testing.T) {
	short := Limits{Timeout: 20 * time.Second, CPUSeconds: 1, MemoryBytes: 128 << 20, MaxPages: 10}
	tests := []struct {
		role    string
		limits  Limits
		want    string
		maxTime time.Duration
	}{
		// Blocks without CPU: only the wall clock can stop it, then the group is killed.
		{role: "sleep", limits: Limits{Timeout: time.Second}, want: StatusTimeout, maxTime: time.Second + waitDelay + time.Second},
		// Busy and deaf to SIGXCPU: the RLIMIT_CPU hard limit (SIGKILL) ends it long before
		// the 20 s wall clock.
		{role: "spin", limits: short, want: StatusTimeout, maxTime: 15 * time.Second},
		// Busy like Main: the SIGXCPU handler answers timeout at the soft limit.
		{role: "spin-watched", limits: short, want: StatusTimeout, maxTime: 10 * time.Second},
		// RLIMIT_DATA makes the runtime die with "out of memory".
		{role: "alloc", limits: short, want: StatusTooLarge, maxTime: 10 * time.Second},
		// Fatal stack overflow (not recoverable) under the reduced maximum stack.
		{role: "recurse", limits: short, want: StatusDamaged, maxTime: 10 * time.Second},
		// Exit 0 with output that is not an answer: our bug, not the document's.
		{role: "garbage", limits: short, want: StatusInternal, maxTime: 5 * time.Second},
		// Half an answer, then a panic (exit 2): a crash.
		{role: "garbage-crash", limits: short, want: StatusDamaged, maxTime: 5 * time.Second},
		// Well-formed JSON with a status that does not exist.
		{role: "lie", limits: short, want: StatusInternal, maxTime: 5 * time.Second},
		// More output than the runner keeps.
		{role: "flood", limits: short, want: StatusTooLarge, maxTime: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			t.Parallel()
			r := Runner{Command: selfCommand(t, tt.role), Limits: tt.limits}
			start := time.Now()
			res := r.Extract(context.Background(), "/nonexistent.pdf", "")
			elapsed := time.Since(start)
			t.Logf("%s -> %s in %v", tt.role, res.Status, elapsed.Round(time.Millisecond))
			if res.Status != tt.want {
				t.Errorf("status = %q, want %q", res.Status, tt.want)
			}
			if elapsed > tt.maxTime {
				t.Errorf("took %v, want at most %v", elapsed, tt.maxTime)
			}
			if res.Message != StatusMessage(res.Status) && res.Status != StatusInternal {
				t.Errorf("message %q is not the %s message", res.Message, res.Status)
			}
			if len(res.Pages) != 0 {
				t.Errorf("got %d pages from a dead child", len(res.Pages))
			}
		})
	}
}

// TestCPULimitAnswer checks the real child's own answer at the CPU soft limit: timeout JSON
// on stdout and exit code 2, not a silent kill.
func TestCPULimitAnswer(t *testing.T) {
	t.Parallel()
	cmd := selfCommand(t, "spin-watched")
	c := exec.Command(cmd[0], cmd[1], "--cpu-seconds", "1", "x.pdf")
	var stdout bytes.Buffer
	c.Stdout = &stdout
	err := c.Run()
	if code := c.ProcessState.ExitCode(); code != ExitRefused {
		t.Errorf("exit code %d (%v), want %d", code, err, ExitRefused)
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Status != StatusTimeout {
		t.Errorf("stdout %q: status %q, err %v; want a timeout answer", stdout.String(), res.Status, err)
	}
}

func TestRunnerCannotStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command []string
	}{
		{"no command", nil},
		{"missing executable", []string{filepath.Join(t.TempDir(), "no-such-precis"), "extract"}},
		{"not an executable", []string{t.TempDir(), "extract"}},
	}
	for _, tt := range tests {
		res := Runner{Command: tt.command}.Extract(context.Background(), "a.pdf", "")
		if res.Status != StatusInternal || res.Message == "" {
			t.Errorf("%s: got %q %q, want %q with a message", tt.name, res.Status, res.Message, StatusInternal)
		}
	}
}

func TestRunnerCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	res := Runner{Command: selfCommand(t, "sleep")}.Extract(ctx, "a.pdf", "")
	if res.Status != StatusInternal {
		t.Errorf("status = %q, want %q (cancelled, to be retried)", res.Status, StatusInternal)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v to stop the child", d)
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		out    string
		ok     bool
		status string
		pages  int
	}{
		{`{"status":"ok","message":"m","pages":[{"number":1,"text":"a","status":"ok"}]}`, true, StatusOK, 1},
		{`{"status":"no_text","message":"","pages":[{"number":1,"text":"","status":"empty"}]}` + "\n", true, StatusNoText, 0},
		{`{"status":"ok","pages":[]}{"status":"ok"}`, false, "", 0},
		{`{"status":"ok","pages":[`, false, "", 0},
		{`{"status":"OK"}`, false, "", 0},
		{`{"status":"ok","message":"m","pages":[]}`, false, "", 0},
		{``, false, "", 0},
	}
	for _, tt := range tests {
		res, ok := parseAnswer([]byte(tt.out))
		if ok != tt.ok || res.Status != tt.status || len(res.Pages) != tt.pages {
			t.Errorf("parseAnswer(%q) = %q, %d pages, %v; want %q, %d pages, %v", tt.out, res.Status, len(res.Pages), ok, tt.status, tt.pages, tt.ok)
		}
		if ok && res.Message == "" {
			t.Errorf("parseAnswer(%q): empty message", tt.out)
		}
	}
}

func TestStderrBuffer(t *testing.T) {
	s := &stderrBuffer{max: 40}
	s.Write([]byte("fatal error: oom\n"))
	for range 100 {
		s.Write([]byte("goroutine 1 [running]\n"))
	}
	s.Write([]byte("exit status 2"))
	got := s.String()
	if !bytes.HasPrefix([]byte(got), []byte("fatal error: oom\n")) || !bytes.HasSuffix([]byte(got), []byte("exit status 2")) || len(got) > 50 {
		t.Errorf("kept %q, want the first and last 20 bytes", got)
	}
}

// TestRunnerPasswordOnStdin checks how the password reaches the child: on its stdin, never
// in its arguments or environment, which other users can read in /proc.
func TestRunnerPasswordOnStdin(t *testing.T) {
	t.Parallel()
	const password = "s3cret-Pa55 word"
	res := Runner{Command: selfCommand(t, "inspect")}.Extract(context.Background(), "/some/file.pdf", password)
	if res.Status != StatusOK || len(res.Pages) != 1 {
		t.Fatalf("got %+v", res)
	}
	var seen struct {
		Args  []string `json:"args"`
		Env   []string `json:"env"`
		Stdin string   `json:"stdin"`
	}
	if err := json.Unmarshal([]byte(res.Pages[0].Text), &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Stdin != password || !slices.Contains(seen.Args, "--password-stdin") {
		t.Errorf("child got stdin %q, args %q; want the password on stdin and --password-stdin", seen.Stdin, seen.Args)
	}
	if strings.Contains(strings.Join(seen.Args, " ")+strings.Join(seen.Env, " "), password) {
		t.Error("the password is in the child's arguments or environment")
	}

	// Without a password there is no flag and nothing on stdin.
	res = Runner{Command: selfCommand(t, "inspect")}.Extract(context.Background(), "/some/file.pdf", "")
	_ = json.Unmarshal([]byte(res.Pages[0].Text), &seen)
	if seen.Stdin != "" || slices.Contains(seen.Args, "--password-stdin") {
		t.Errorf("no password: stdin %q, args %q", seen.Stdin, seen.Args)
	}
}

// TestRunnerPasswordExtraction extracts a password-protected file through a real child.
func TestRunnerPasswordExtraction(t *testing.T) {
	t.Parallel()
	path := corpus.Path(t, "hostile", "aes128_userpw.pdf")
	r := Runner{Command: selfCommand(t, "extract")}
	if res := r.Extract(context.Background(), path, "user"); res.Status != StatusOK || !strings.Contains(joinText(res.Pages), "MEMORANDUM") {
		t.Errorf("with the password: %q %q", res.Status, res.Message)
	}
	if res := r.Extract(context.Background(), path, "not it"); res.Status != StatusEncrypted || res.Message != MsgWrongPassword {
		t.Errorf("with a wrong password: %q %q", res.Status, res.Message)
	}
}
