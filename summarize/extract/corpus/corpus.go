// Package corpus locates the shared test corpus of PDFs (contracts, tricky and
// hostile files), which lies beside the repository: <module root>/../shared/corpus.
// It is meant for tests only.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, <root>/../shared/corpus, where root is the
// first directory at or above the working directory that holds go.mod. It
// fails when there is no go.mod above the working directory or when the corpus
// directory does not exist.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("test corpus: %w", err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("test corpus: go.mod not found at or above %s", wd)
		}
		root = parent
	}
	dir := filepath.Join(root, "..", "shared", "corpus")
	if fi, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("test corpus missing: expected it at %s", dir)
	} else if err != nil {
		return "", fmt.Errorf("test corpus: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("test corpus: %s is not a directory", dir)
	}
	return dir, nil
}

// Path returns Dir joined with parts, for example Path(t, "contracts", "a.pdf").
// It does not check that the joined path exists, so parts may end in a glob
// pattern. It stops the test with t.Fatal when Dir fails.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{dir}, parts...)...)
}
