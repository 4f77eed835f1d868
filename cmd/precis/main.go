// Command precis is the Precis server and its command-line tools: serve (the default),
// extract, summarize, migrate and version.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"precis/handlers"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage: precis [command] [flags]

Commands:
  serve            run the web server and the job workers (the default)
  extract FILE     print the text of each page of a PDF as JSON
  summarize FILE   run the whole pipeline without the server and print the summary as JSON
  migrate          apply database migrations and exit
  backup FILE      write a consistent backup of the database and PDFs to FILE (.tar, or .tar.gz); safe while serving
  restore FILE     check a backup and install it as the data directory (--data-dir DIR, --force to replace)
  audit anchor     append the audit log's head to the anchor file (--anchor-file F)
  audit verify     recompute the audit hash chain and check every anchor; exit status 1 when tampered
  user COMMAND     add, list, disable, passwd or token: user accounts and API tokens (passwords on stdin)
  matter COMMAND   add, list, members, add-member, remove-member, hold or release: matters, members, legal hold
  config           list the settings (environment variables and flags)
  version          print the version

Run "precis COMMAND -h" for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "extract":
		return runExtract(args, stdout, stderr)
	case "summarize":
		return runSummarize(ctx, args, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, stdout, stderr)
	case "audit":
		return runAudit(ctx, args, stdout, stderr)
	case "user":
		return runUser(ctx, args, os.Stdin, stdout, stderr)
	case "matter":
		return runMatter(ctx, args, stdout, stderr)
	case "config":
		return runConfig(stdout)
	case "version":
		fmt.Fprintln(stdout, "precis", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "precis: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// runConfig prints the settings table (the same one README.md shows).
func runConfig(stdout io.Writer) int {
	fmt.Fprintln(stdout, "| Variable | Flag | Default | Meaning |")
	fmt.Fprintln(stdout, "|---|---|---|---|")
	for _, s := range settings {
		fmt.Fprintf(stdout, "| `%s` | `--%s` | `%s` | %s |\n", s.env, s.flag, s.def, s.usage)
	}
	return 0
}

// newLogger builds the process logger. Log lines carry ids and hashes, never document text;
// a line logged while serving a request carries its request_id (handlers.LogHandler).
func newLogger(c *Config, w io.Writer) *slog.Logger {
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	opts := &slog.HandlerOptions{Level: levels[c.LogLevel]}
	if c.LogFormat == "json" {
		return slog.New(handlers.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(handlers.LogHandler(slog.NewTextHandler(w, opts)))
}
