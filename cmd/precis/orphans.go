package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"precis/storage"
)

// removeOrphanFiles deletes, at start, the files under dir that no document
// refers to: a deleted document's file when the process died between the
// deletion's commit and the file's removal, and uploads cut off half-way.
// Nothing else writes to dir before the server starts.
func removeOrphanFiles(ctx context.Context, store *storage.Store, dir string, log *slog.Logger) error {
	names, err := store.StoredNames(ctx)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || names[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("remove orphan file: %w", err)
		}
		log.Info("removed a file no document refers to", slog.String("file", e.Name()))
	}
	return nil
}
