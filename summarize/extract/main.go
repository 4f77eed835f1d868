package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ledongthuc/pdf"
)

// Exit codes of Main. A parent must not rely on them alone: the Go runtime also exits with 2
// on a fatal error or an unrecovered panic. The JSON on stdout is the answer.
const (
	ExitOK       = 0 // text was extracted
	ExitInternal = 1 // our failure (bad arguments, limits could not be applied)
	ExitRefused  = 2 // the document was refused; the JSON says why
)

const usage = "usage: precis extract [--json] [--max-pages N] [--cpu-seconds N] [--memory-bytes N] [--time-limit SECONDS] [--ocr-max-pages N] [--password-stdin] FILE"

// maxPasswordBytes bounds what --password-stdin reads.
const maxPasswordBytes = 4096

// childArgs are the parsed command-line arguments of the extract subcommand.
type childArgs struct {
	path          string
	maxPages      int
	cpuSeconds    int
	memoryBytes   int64
	timeLimit     int
	ocrMaxPages   int
	passwordStdin bool
}

// Main runs the `precis extract` subcommand: it applies the CPU and memory limits to its own
// process, extracts FILE and prints one Result as JSON on stdout. It returns the exit code.
//
// Flags (before or after FILE; use -- before a FILE that starts with a dash):
//
//	--json              print JSON (the default and only format; accepted for clarity)
//	--max-pages N       refuse documents with more than N pages (StatusTooLarge)
//	--cpu-seconds N     RLIMIT_CPU for this process; 0 means no limit
//	--memory-bytes N    RLIMIT_DATA (and the Go memory limit) for this process; 0 means no limit
//	--time-limit N      seconds the whole extraction may take, OCR included; 0 means no limit
//	--ocr-max-pages N   OCR at most N pages (default DefaultOCRMaxPages; 0: no OCR)
//	--password-stdin    read the document's user password from stdin (all of it, as is)
//
// The password comes on stdin because the command line and the environment of a process
// can be read by other users (/proc). It is used to open the file and never printed.
// stderr gets only usage and setup errors, never document text.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	start := time.Now()
	out := &emitter{w: stdout}
	ca, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "precis extract:", err)
		fmt.Fprintln(stderr, usage)
		out.emit(refused(StatusInternal))
		return ExitInternal
	}
	if err := applyLimits(ca.cpuSeconds, ca.memoryBytes); err != nil {
		fmt.Fprintln(stderr, "precis extract: applying resource limits:", err)
		out.emit(refused(StatusInternal))
		return ExitInternal
	}
	stop := watchCPULimit(out)
	defer stop()

	opts := Options{MaxPages: ca.maxPages, OCRMaxPages: ca.ocrMaxPages}
	if ca.ocrMaxPages == 0 {
		opts.OCRMaxPages = -1 // no OCR
	}
	if ca.timeLimit > 0 {
		opts.Deadline = start.Add(childDeadline(time.Duration(ca.timeLimit) * time.Second))
	}
	if ca.passwordStdin {
		pw, err := io.ReadAll(io.LimitReader(stdin, maxPasswordBytes))
		if err != nil {
			fmt.Fprintln(stderr, "precis extract: reading the password from stdin failed")
			out.emit(refused(StatusInternal))
			return ExitInternal
		}
		opts.Password = string(pw)
	}

	pdf.DebugOn = false // its debug output goes to stdout, where only our JSON may go
	res := File(ca.path, opts)
	out.emit(res)
	return exitCode(res.Status)
}

// childDeadline is the part of the time limit the external programs may use: the rest is
// for starting up, writing the answer, and the parent's reading it.
func childDeadline(limit time.Duration) time.Duration {
	return limit - max(3*time.Second, limit/10)
}

func exitCode(status string) int {
	switch status {
	case StatusOK:
		return ExitOK
	case StatusInternal:
		return ExitInternal
	}
	return ExitRefused
}

// parseArgs parses flags placed before and after the one positional FILE.
func parseArgs(args []string, stderr io.Writer) (childArgs, error) {
	var ca childArgs
	fs := flag.NewFlagSet("precis extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("json", true, "print the result as JSON (the only format)")
	fs.IntVar(&ca.maxPages, "max-pages", DefaultLimits().MaxPages, "refuse documents with more pages")
	fs.IntVar(&ca.cpuSeconds, "cpu-seconds", 0, "CPU-time limit in seconds (0: none)")
	fs.Int64Var(&ca.memoryBytes, "memory-bytes", 0, "memory limit in bytes (0: none)")
	fs.IntVar(&ca.timeLimit, "time-limit", 0, "seconds the extraction may take, OCR included (0: none)")
	fs.IntVar(&ca.ocrMaxPages, "ocr-max-pages", DefaultOCRMaxPages, "OCR at most this many pages")
	fs.BoolVar(&ca.passwordStdin, "password-stdin", false, "read the user password from stdin")

	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return ca, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			files = append(files, rest...) // everything after -- is a file name
			break
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
	switch {
	case len(files) != 1:
		return ca, fmt.Errorf("want exactly one FILE, got %d", len(files))
	case ca.maxPages <= 0 || ca.cpuSeconds < 0 || ca.memoryBytes < 0 || ca.timeLimit < 0 || ca.ocrMaxPages < 0:
		return ca, errors.New("limits must not be negative, and --max-pages must be positive")
	}
	ca.path = files[0]
	return ca, nil
}

// emitter writes exactly one Result to stdout, even when the CPU-limit signal handler and
// the main goroutine race to answer.
type emitter struct {
	mu   sync.Mutex
	done bool
	w    io.Writer
}

// emit writes res as one JSON document unless a result was already written.
func (e *emitter) emit(res Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return
	}
	e.done = true
	if res.Message == "" {
		res.Message = StatusMessage(res.Status)
	}
	if res.Pages == nil {
		res.Pages = []Page{}
	}
	if res.Warnings == nil {
		res.Warnings = []string{}
	}
	for i := range res.Pages {
		if res.Pages[i].Warnings == nil {
			res.Pages[i].Warnings = []string{}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(refused(StatusInternal))
	}
	_, _ = e.w.Write(buf.Bytes())
}
