package extract

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"precis/summarize/extract/corpus"
)

// childEnv marks a process started by these tests as a child: the test binary re-executes
// itself and, instead of running tests, behaves as the command named by its first argument.
const childEnv = "PRECIS_EXTRACT_TEST_CHILD"

// TestMain makes the test binary double as the extract child (`extract ARGS`) and as fake
// children that die in the ways a PDF parser can.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" && len(os.Args) > 1 {
		os.Exit(runChild(os.Args[1], os.Args[2:]))
	}
	// Every process the tests start inherits this, so it runs runChild.
	os.Setenv(childEnv, "1")
	os.Exit(m.Run())
}

// runChild runs one child role. The fake roles parse and apply limits exactly like Main.
func runChild(role string, args []string) int {
	switch role {
	case "extract":
		return Main(args, os.Stdin, os.Stdout, os.Stderr)
	case "inspect": // answers with what it was given: arguments, environment, stdin
		in, _ := io.ReadAll(os.Stdin)
		seen, _ := json.Marshal(map[string]any{"args": os.Args, "env": os.Environ(), "stdin": string(in)})
		(&emitter{w: os.Stdout}).emit(Result{Status: StatusOK, Pages: []Page{{Number: 1, Status: PageOK, Text: string(seen)}}})
		return 0
	}
	ca, err := parseArgs(args, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitInternal
	}
	if err := applyLimits(ca.cpuSeconds, ca.memoryBytes); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitInternal
	}
	switch role {
	case "sleep": // blocks without using CPU: only the wall clock stops it
		time.Sleep(time.Hour)
	case "spin": // burns CPU without answering: only RLIMIT_CPU's hard limit stops it
		spin()
	case "spin-watched": // burns CPU like Main would: the SIGXCPU handler answers
		defer watchCPULimit(&emitter{w: os.Stdout})()
		spin()
	case "alloc": // keeps allocating until the memory limit kills it
		allocForever()
	case "recurse": // unbounded recursion: a fatal stack overflow recover cannot catch
		fmt.Println(recurse(1))
	case "garbage": // exits 0 with output that is not an answer
		fmt.Println("%PDF-1.4 this is not JSON")
		return 0
	case "garbage-crash": // half an answer, then a Go panic (exit 2)
		fmt.Print(`{"status": "ok", "pages": [`)
		panic("boom")
	case "lie": // a well-formed answer with a status that does not exist
		fmt.Println(`{"status": "fine", "message": "", "pages": []}`)
		return 0
	case "flood": // more output than the runner keeps
		chunk := strings.Repeat("x", 1<<20)
		for range maxStdoutBytes>>20 + 8 {
			fmt.Print(chunk)
		}
		return 0
	}
	return ExitInternal
}

var sink [][]byte

func spin() {
	x := 0
	for {
		x++
	}
}

func allocForever() {
	for {
		b := make([]byte, 8<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // touch every page so it is really used
		}
		sink = append(sink, b)
	}
}

//go:noinline
func recurse(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	return recurse(n+1) + int(pad[0])
}

// selfCommand returns a Runner command that re-executes the test binary in role.
func selfCommand(t *testing.T, role string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable: %v", err)
	}
	return []string{exe, role}
}

// corpusDir returns the shared test corpus directory sub (tricky, hostile, contracts).
func corpusDir(t *testing.T, sub string) string {
	t.Helper()
	dir := corpus.Path(t, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("test corpus missing: %v", err)
	}
	return dir
}
