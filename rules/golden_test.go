package rules

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected messages of testdata/*.bad.yaml (testdata/*.bad.errors)")

// TestBadFiles loads every testdata/*.bad.yaml and compares the errors, one
// per line, with its testdata/*.bad.errors: every problem of the file must
// be reported, each at its own line and column.
func TestBadFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			_, err := LoadFile(file, "")
			if err == nil {
				t.Fatal("loaded without error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not rules.Errors", err)
			}
			var got strings.Builder
			for _, e := range es {
				got.WriteString(e.Error() + "\n")
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".errors"
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run 'go test ./rules -run TestBadFiles -update' to create it, then read it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("errors of %s:\n%s\nwant (%s):\n%s\nRun 'go test ./rules -run TestBadFiles -update' if the change is right.", file, got.String(), golden, want)
			}
		})
	}
}

// TestGoodFiles loads every testdata/*.good.yaml and compares its
// warnings with testdata/*.good.warnings (none when that file is absent).
func TestGoodFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			rs, err := LoadFile(file, "")
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, w := range rs.Warnings {
				got.WriteString(w.Error() + "\n")
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".warnings"
			if *update && got.Len() > 0 {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("warnings of %s:\n%s\nwant (%s):\n%s\nRun 'go test ./rules -run TestGoodFiles -update' if the change is right.", file, got.String(), golden, want)
			}
		})
	}
}

// TestMergeKeys checks YAML merge keys: a metric's own keys win over the
// merged ones.
func TestMergeKeys(t *testing.T) {
	t.Parallel()
	rs, err := LoadFile("testdata/anchors.good.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	m := rs.Metrics[1]
	if m.Name != "latency-p95" || m.Query != "y{ {{.Pods}} }" || *m.Tolerance != 0.2 || m.Critical || m.Group != "latency" {
		t.Errorf("merged metric %+v", m)
	}
}
