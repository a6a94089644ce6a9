package migrations

import (
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var name = regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)

// Every file is a goose SQL migration with both sections, and versions are 1, 2, 3, ... in order:
// a gap or a duplicate would make two releases disagree about what "the next migration" is.
func TestMigrationFiles(t *testing.T) {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no migration embedded")
	}
	for i, entry := range entries {
		m := name.FindStringSubmatch(entry.Name())
		if m == nil {
			t.Errorf("%s: want NNNNN_lower_snake_case.sql", entry.Name())
			continue
		}
		if v, _ := strconv.Atoi(m[1]); v != i+1 {
			t.Errorf("%s: version %d, want %d (versions are consecutive)", entry.Name(), v, i+1)
		}
		body, err := fs.ReadFile(FS, entry.Name())
		if err != nil {
			t.Fatal(err)
		}
		text := string(body)
		up, down := strings.Index(text, "-- +goose Up"), strings.Index(text, "-- +goose Down")
		if up < 0 || down < up {
			t.Errorf("%s: needs a -- +goose Up section followed by a -- +goose Down section", entry.Name())
		}
		if strings.Contains(text, "+goose NO TRANSACTION") {
			t.Errorf("%s: runs outside a transaction, so a failure could leave it half applied", entry.Name())
		}
	}
}
