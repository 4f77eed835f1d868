package main

import (
	"io"
	"os"

	"precis/summarize/extract"
)

// runExtract runs `precis extract FILE [--json] [--max-pages N]`: it prints the text of FILE,
// page by page, as JSON on stdout and returns the exit code (0 text extracted, 2 document
// refused, 1 internal error). The server runs it as a child process under time, CPU and
// memory limits (extract.Runner); see extract.Main for all flags.
func runExtract(args []string, stdout, stderr io.Writer) int {
	return extract.Main(args, os.Stdin, stdout, stderr)
}
