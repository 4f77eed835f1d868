package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits bound one extraction child. A zero field means the DefaultLimits value.
type Limits struct {
	// Timeout is the wall-clock limit; the child's process group is killed when it passes.
	Timeout time.Duration
	// CPUSeconds is the CPU-time limit (RLIMIT_CPU) of the child.
	CPUSeconds int
	// MemoryBytes is the memory limit (RLIMIT_DATA) of the child.
	MemoryBytes int64
	// MaxPages is the largest page count the child accepts.
	MaxPages int
	// OCRMaxPages is how many pages of a document the child OCRs at most; negative means
	// no OCR.
	OCRMaxPages int
}

// DefaultLimits returns the limits the server uses: 90 seconds of wall clock, 60 seconds of
// CPU time, 1 GiB of memory, 2000 pages and 50 OCRed pages. The CPU limit is the one a busy
// parser meets: the child then answers StatusTimeout itself. The longer wall clock is for a
// child that waits without computing (for pdftotext and tesseract, whose CPU time is their
// own), and leaves room for a loaded machine. The child stops starting OCR before the wall
// clock runs out, and answers with what it has.
func DefaultLimits() Limits {
	return Limits{Timeout: 90 * time.Second, CPUSeconds: 60, MemoryBytes: 1 << 30, MaxPages: 2000,
		OCRMaxPages: DefaultOCRMaxPages}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.CPUSeconds <= 0 {
		l.CPUSeconds = d.CPUSeconds
	}
	if l.MemoryBytes <= 0 {
		l.MemoryBytes = d.MemoryBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.OCRMaxPages == 0 {
		l.OCRMaxPages = d.OCRMaxPages
	}
	return l
}

// Sizes of what the runner keeps of the child's output.
const (
	maxStdoutBytes = 64 << 20 // the child caps text at 32 MiB (Options.MaxTextBytes)
	stderrKeep     = 4 << 10
	logKeep        = 600
	waitDelay      = 2 * time.Second
)

// Runner extracts documents in a child process: Command plus flags and the file name.
type Runner struct {
	// Command runs the extract subcommand, e.g. {os.Executable(), "extract"}.
	Command []string
	// Limits bound each child.
	Limits Limits
}

// Extract extracts the PDF at path in a child process under the runner's limits. It never
// panics and always returns a specific status: the child's own answer when it printed one,
// otherwise a status read from how it died. StatusInternal means our failure (no command,
// the child could not start, ctx was cancelled, unreadable output from a child that exited
// normally).
//
// password is the document's user password, "" for none. It goes to the child on its
// standard input, never on its command line or in its environment (which other users can
// read in /proc), and is never logged.
func (r Runner) Extract(ctx context.Context, path, password string) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			slog.Error("extract: runner panicked", slog.Any("panic", v))
			res = refused(StatusInternal)
		}
	}()
	if len(r.Command) == 0 {
		slog.Error("extract: runner has no command")
		return refused(StatusInternal)
	}
	if ctx.Err() != nil {
		return cancelled()
	}
	lim := r.Limits.withDefaults()
	runCtx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	args := append(slices.Clone(r.Command[1:]),
		"--json",
		"--max-pages", strconv.Itoa(lim.MaxPages),
		"--cpu-seconds", strconv.Itoa(lim.CPUSeconds),
		"--memory-bytes", strconv.FormatInt(lim.MemoryBytes, 10),
		"--time-limit", strconv.Itoa(int(lim.Timeout.Seconds())),
		"--ocr-max-pages", strconv.Itoa(max(lim.OCRMaxPages, 0)))
	if password != "" {
		args = append(args, "--password-stdin")
	}
	args = append(args, "--", path)
	cmd := exec.CommandContext(runCtx, r.Command[0], args...)
	if password != "" {
		cmd.Stdin = strings.NewReader(password)
	}
	// Fewer goroutine dumps on a crash (runtime throws still print some).
	cmd.Env = append(os.Environ(), "GOTRACEBACK=none")
	stdout := &cappedBuffer{max: maxStdoutBytes}
	stderr := &stderrBuffer{max: stderrKeep}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	prepareCommand(cmd)

	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start)
	if cmd.ProcessState == nil {
		slog.Error("extract: could not start the extractor", slog.String("command", r.Command[0]), slog.Any("err", runErr))
		return refusedWith(StatusInternal, "Precis could not start its PDF reader. Try again later; if it keeps failing, contact support.")
	}
	info := describeExit(cmd.ProcessState, lim.CPUSeconds)
	res, reason := classify(ctx, runCtx, stdout, stderr.String(), info)
	attrs := []any{
		slog.String("status", res.Status), slog.String("reason", reason),
		slog.Int("exit_code", info.code), slog.String("signal", info.signal),
		slog.Duration("elapsed", elapsed), slog.Duration("cpu", info.cpuTime),
		slog.Int("pages", len(res.Pages)),
	}
	if reason != "answer" {
		attrs = append(attrs, slog.String("stderr", shorten(stderr.String(), logKeep)))
		slog.Warn("extract: child ended without an answer", attrs...)
	} else {
		slog.Debug("extract: child answered", attrs...)
	}
	return res
}

// classify turns the child's output and the way it ended into a Result; reason says which
// rule applied (for the log).
func classify(parent, run context.Context, stdout *cappedBuffer, stderr string, info exitInfo) (Result, string) {
	if stdout.overflow {
		return refused(StatusTooLarge), "stdout over limit"
	}
	if res, ok := parseAnswer(stdout.Bytes()); ok {
		return res, "answer"
	}
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return cancelled(), "cancelled"
	case run.Err() != nil:
		return refused(StatusTimeout), "wall-clock timeout"
	case strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory"):
		return refused(StatusTooLarge), "out of memory"
	case info.cpuKill:
		return refused(StatusTimeout), "cpu limit"
	case info.signal == "killed":
		return refused(StatusTooLarge), "killed (OOM killer)"
	case strings.Contains(stderr, "stack overflow") || strings.Contains(stderr, "stack exceeds"):
		return refused(StatusDamaged), "stack overflow"
	case info.signal == "" && info.code == ExitOK:
		return refusedWith(StatusInternal, "Precis's PDF reader gave an answer it could not understand. Try again later; if it keeps failing, contact support."), "unreadable answer"
	}
	return refused(StatusDamaged), "crash"
}

// cancelled is the result of an extraction whose context was cancelled (server shutdown).
func cancelled() Result {
	return refusedWith(StatusInternal, "Reading this PDF was cancelled. It will be tried again.")
}

// parseAnswer reads the child's JSON Result. ok is false unless it is one well-formed
// document with a known status, and with pages if the status is ok.
func parseAnswer(b []byte) (Result, bool) {
	var res Result
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&res); err != nil || dec.More() || !knownStatus(res.Status) {
		return Result{}, false
	}
	if res.Status == StatusOK && len(res.Pages) == 0 {
		return Result{}, false
	}
	if res.Status != StatusOK {
		res.Pages = nil
	}
	if res.Message == "" {
		res.Message = StatusMessage(res.Status)
	}
	return res, true
}

// cappedBuffer keeps up to max bytes and drops the rest, noting the overflow. It never
// returns an error, so the child is never blocked or killed for writing too much. (It must
// not have a ReadFrom method: io.Copy would use it and bypass the cap.)
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	overflow bool
}

// Write implements io.Writer.
func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); len(p) > room {
		c.overflow = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.buf.Write(p)
}

// Bytes returns the kept bytes.
func (c *cappedBuffer) Bytes() []byte { return c.buf.Bytes() }

// stderrBuffer keeps the first and the last max/2 bytes written to it. A Go fatal error puts
// its reason ("fatal error: runtime: out of memory") first and a stack dump after it;
// os.Exit-style endings put it last.
type stderrBuffer struct {
	head, tail []byte
	max        int
	cut        bool
}

// Write implements io.Writer.
func (s *stderrBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := s.max/2 - len(s.head); room > 0 {
		k := min(room, len(p))
		s.head = append(s.head, p[:k]...)
		p = p[k:]
	}
	s.tail = append(s.tail, p...)
	if over := len(s.tail) - s.max/2; over > 0 {
		s.tail = append(s.tail[:0], s.tail[over:]...)
		s.cut = true
	}
	return n, nil
}

// String returns the kept bytes, with a marker where some were dropped.
func (s *stderrBuffer) String() string {
	if s.cut {
		return string(s.head) + "\n[...]\n" + string(s.tail)
	}
	return string(s.head) + string(s.tail)
}

// shorten keeps the first and last n/2 bytes of s.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n/2]+" [...] "+s[len(s)-n/2:], "")
}
