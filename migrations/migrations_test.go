package migrations

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestNames checks that every embedded file follows the NNNN_name.sql scheme
// and that the numbers are unique, so the lexical order is the apply order.
func TestNames(t *testing.T) {
	names, err := fs.Glob(FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 || names[0] != "0001_init.sql" {
		t.Fatalf("migrations = %v, want 0001_init.sql first", names)
	}
	re := regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)
	seen := map[string]string{}
	for _, name := range names {
		m := re.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: name does not match NNNN_name.sql", name)
			continue
		}
		if prev, ok := seen[m[1]]; ok {
			t.Errorf("%s and %s share number %s", prev, name, m[1])
		}
		seen[m[1]] = name
	}
}
