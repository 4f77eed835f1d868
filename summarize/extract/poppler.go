package extract

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"time"
)

// External programs: poppler-utils' pdftotext and pdftoppm, and tesseract. They run inside
// the extraction child, so its process group, wall clock and inherited resource limits
// cover them too; each run also has its own timeout.
const (
	pdftotextCmd = "pdftotext"
	pdftoppmCmd  = "pdftoppm"
	tesseractCmd = "tesseract"

	// popplerTimeout bounds one pdftotext run over the whole document.
	popplerTimeout = 30 * time.Second
	// maxToolOutput caps what is kept of a tool's stdout: twice the text limit, or one
	// rendered page.
	maxToolOutput = 2 * defaultMaxTextBytes
)

var (
	// errNotInstalled means a program is not on the PATH.
	errNotInstalled = errors.New("extract: program not installed")
	// errBadPassword means poppler refused the password (or the empty password).
	errBadPassword = errors.New("extract: incorrect password")
	// errToolOutput means a program wrote more than maxToolOutput.
	errToolOutput = errors.New("extract: program output too large")
)

// tools runs the external programs for one extraction.
type tools struct {
	lookPath func(string) (string, error)
	password string    // the user password, "" for none; passed to poppler with -upw
	deadline time.Time // no program runs past it
}

// available reports whether all the named programs are installed.
func (t tools) available(names ...string) bool {
	for _, n := range names {
		if _, err := t.lookPath(n); err != nil {
			return false
		}
	}
	return true
}

// run runs a program with args and stdin under its own timeout (and never past the
// deadline) and returns its stdout. The environment is reduced to PATH and the settings
// the tools need, so nothing of the server's environment reaches them. stderr is kept
// only to recognise a refused password; it is never logged (it can quote the document).
func (t tools) run(ctx context.Context, timeout time.Duration, stdin []byte, name string, args ...string) ([]byte, error) {
	path, err := t.lookPath(name)
	if err != nil {
		return nil, errNotInstalled
	}
	if !t.deadline.IsZero() {
		ctx, cancel := context.WithDeadline(ctx, t.deadline)
		defer cancel()
		return t.exec(ctx, timeout, stdin, path, args)
	}
	return t.exec(ctx, timeout, stdin, path, args)
}

func (t tools) exec(ctx context.Context, timeout time.Duration, stdin []byte, path string, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = toolEnv()
	cmd.WaitDelay = time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout := &cappedBuffer{max: maxToolOutput}
	stderr := &stderrBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case stdout.overflow:
		return nil, errToolOutput
	case err != nil && strings.Contains(stderr.String(), "Incorrect password"):
		return nil, errBadPassword
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, err
	}
	return stdout.Bytes(), nil
}

// toolEnv is the environment of the external programs.
func toolEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
		// One thread: the machine is shared, and pages are OCRed one at a time anyway.
		"OMP_THREAD_LIMIT=1"}
	if v, ok := os.LookupEnv("TESSDATA_PREFIX"); ok {
		env = append(env, "TESSDATA_PREFIX="+v)
	}
	return env
}

// passwordArgs returns the -upw argument for poppler, or nothing without a password.
// poppler-utils read the password only from their command line; see the README.
func (t tools) passwordArgs() []string {
	if t.password == "" {
		return nil
	}
	return []string{"-upw", t.password}
}

// popplerPages runs pdftotext once over the whole document at path and returns the text of
// each page, cleaned like our own. pdftotext ends every page with a form feed.
func (t tools) popplerPages(ctx context.Context, path string) ([]string, error) {
	args := append([]string{"-enc", "UTF-8"}, t.passwordArgs()...)
	out, err := t.run(ctx, popplerTimeout, nil, pdftotextCmd, append(args, "--", path, "-")...)
	if err != nil {
		return nil, err
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1] // what follows the last form feed
	}
	for i, p := range pages {
		pages[i] = cleanText(p)
	}
	return pages, nil
}
