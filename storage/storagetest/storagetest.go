// Package storagetest helps tests of other packages set up a real store.
package storagetest

import (
	"context"
	"testing"

	"precis/storage"
)

// Matter returns the id of a matter documents can go into: the store's first
// matter, or T/1, created (with its audit event) when there is none.
func Matter(t testing.TB, st *storage.Store) int64 {
	t.Helper()
	ms, err := st.Matters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) > 0 {
		return ms[0].ID
	}
	m := &storage.Matter{ClientNumber: "T", MatterNumber: "1", Name: "Test matter"}
	if err := st.CreateMatter(context.Background(), m, "test"); err != nil {
		t.Fatal(err)
	}
	return m.ID
}
