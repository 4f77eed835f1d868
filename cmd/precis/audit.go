package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"precis/storage"
)

// defaultAnchorFile is the anchor file's name in the data directory when
// --anchor-file is not given.
const defaultAnchorFile = "audit-anchors.log"

const auditUsage = `usage: precis audit anchor [--anchor-file F] [--data-dir DIR]
       precis audit verify [--anchor-file F] [--data-dir DIR]

anchor  appends the head of the audit log (last seq, its hash, the time) to the
        anchor file as one line, unless it is already the last line. Copy the file
        somewhere the database's owner cannot rewrite (another host, append-only or
        write-once storage): whoever can edit the database can edit a file beside it.
verify  recomputes the whole hash chain and checks that it passes through every
        anchor; names the first bad row or the anchor that fails. Exit status 0 when
        the log verifies, 1 when it was tampered with or cannot be checked, 2 for a
        usage error.

The anchor file defaults to DIR/audit-anchors.log; in production, point
--anchor-file outside the data directory.
`

// runAudit is `precis audit anchor|verify`.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	sub := args[0]
	switch sub {
	case "anchor", "verify":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, auditUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "precis audit: unknown command %q\n\n%s", sub, auditUsage)
		return 2
	}
	var anchorFile string
	cfg, fs, err := loadConfig("audit "+sub, args[1:], os.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&anchorFile, "anchor-file", "", "anchor file (default DATA_DIR/"+defaultAnchorFile+")")
	})
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	} else if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "precis audit %s: unexpected argument %q\n\n%s", sub, fs.Arg(0), auditUsage)
		return 2
	}
	explicit := anchorFile != "" || cfg.AnchorFile != ""
	if anchorFile == "" {
		anchorFile = cfg.anchorFile()
	}
	store, err := storage.OpenReadOnly(ctx, filepath.Join(cfg.DataDir, "precis.db"))
	if err != nil {
		fmt.Fprintf(stderr, "precis: cannot check the audit log: %s\n", errText(err))
		return 1
	}
	defer store.Close()
	if sub == "anchor" {
		return auditAnchor(ctx, store, anchorFile, stdout, stderr)
	}
	return auditVerify(ctx, store, anchorFile, explicit, stdout, stderr)
}

// auditAnchor appends the current head to the anchor file.
func auditAnchor(ctx context.Context, store *storage.Store, path string, stdout, stderr io.Writer) int {
	a, appended, err := store.AnchorAudit(ctx, path)
	var p *storage.AuditProblem
	if errors.As(err, &p) {
		fmt.Fprintf(stderr, "TAMPERED: %v\nNothing was anchored. Run \"precis audit verify\" to find the first bad row.\n", p)
		return 1
	} else if err != nil {
		fmt.Fprintf(stderr, "precis: anchor failed: %s\n", errText(err))
		return 1
	}
	if !appended {
		fmt.Fprintf(stdout, "audit head unchanged since the last anchor in %s (seq %d); nothing appended\n", path, a.Seq)
		return 0
	}
	fmt.Fprintf(stdout, "anchored audit head seq %d hash %s to %s\n", a.Seq, a.Hash, path)
	return 0
}

// auditVerify checks the chain and the anchors of the file at path. A missing
// file is an error when it was named, and a warning otherwise.
func auditVerify(ctx context.Context, store *storage.Store, path string, explicit bool, stdout, stderr io.Writer) int {
	anchors, err := storage.ReadAnchors(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && !explicit:
		fmt.Fprintf(stderr, "warning: no anchor file at %s: only the hash chain is checked, which cannot show rows removed from the end or a chain recomputed after an edit; run \"precis audit anchor\" regularly\n", path)
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(stderr, "precis: the anchor file %s does not exist\n", path)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "precis: cannot use the anchor file (damaged or tampered with?): %s\n", errText(err))
		return 1
	}
	rep, err := store.VerifyAudit(ctx, anchors)
	if err != nil {
		fmt.Fprintf(stderr, "precis: cannot verify the audit log: %s\n", errText(err))
		return 1
	}
	if p := rep.Problem; p != nil {
		fmt.Fprintf(stderr, "TAMPERED: %v\n", p)
		if p.Anchor != nil {
			fmt.Fprintf(stderr, "(anchor file %s)\n", path)
		}
		return 1
	}
	var last string
	if n := len(anchors); n > 0 {
		last = fmt.Sprintf(", the latest recorded %s", anchors[n-1].At.Format("2006-01-02 15:04:05 MST"))
	} else if err == nil {
		fmt.Fprintf(stderr, "warning: %s holds no anchors\n", path)
	}
	fmt.Fprintf(stdout, "audit log verified: %d events, head seq %d hash %s; %d of %d anchors in %s matched%s\n",
		rep.Events, rep.HeadSeq, rep.HeadHash, rep.Anchors, len(anchors), path, last)
	return 0
}

// anchorFile is the anchor file the server and the audit commands use by default.
func (cfg *Config) anchorFile() string {
	if cfg.AnchorFile != "" {
		return cfg.AnchorFile
	}
	return filepath.Join(cfg.DataDir, defaultAnchorFile)
}

// anchorLoop appends the audit log's head to the anchor file every interval until ctx
// ends, and once more at the end. A chain that no longer passes through the last anchor is
// logged as an error and not anchored over.
func (a *app) anchorLoop(ctx context.Context, store *storage.Store) {
	if a.cfg.AnchorEvery <= 0 {
		return
	}
	path := a.cfg.anchorFile()
	anchor := func(ctx context.Context) {
		an, appended, err := store.AnchorAudit(ctx, path)
		var problem *storage.AuditProblem
		switch {
		case errors.As(err, &problem):
			a.log.Error("audit log does not match its anchors: run precis audit verify", slog.String("problem", problem.Error()))
		case err != nil:
			a.log.Error("audit anchor", slog.String("file", path), slog.String("err", err.Error()))
		case appended:
			a.log.Info("audit anchored", slog.Int64("seq", an.Seq), slog.String("file", path))
		}
	}
	t := time.NewTicker(a.cfg.AnchorEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			anchor(context.WithoutCancel(ctx))
			return
		case <-t.C:
			anchor(ctx)
		}
	}
}
