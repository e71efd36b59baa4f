package rules

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bad.errors and testdata/*.good.warnings")

// TestBadFiles loads every testdata/*.bad.yaml and compares the errors, one
// per line, with its testdata/*.bad.errors: every problem of the file must
// be reported, each at its own line and column.
func TestBadFiles(t *testing.T) {
	t.Parallel()
	forEachFile(t, "testdata/*.bad.yaml", func(t *testing.T, file string) {
		_, err := LoadFile(file, "")
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("got %v, want rules.Errors", err)
		}
		compareGolden(t, strings.TrimSuffix(file, ".yaml")+".errors", es, true)
	})
}

// TestGoodFiles loads every testdata/*.good.yaml and compares its
// warnings with testdata/*.good.warnings (none when that file is absent).
func TestGoodFiles(t *testing.T) {
	t.Parallel()
	forEachFile(t, "testdata/*.good.yaml", func(t *testing.T, file string) {
		rs, err := LoadFile(file, "")
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, strings.TrimSuffix(file, ".yaml")+".warnings", rs.Warnings, false)
	})
}

// forEachFile runs check in parallel on every file matching pattern.
func forEachFile(t *testing.T, pattern string, check func(t *testing.T, file string)) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s: %v", pattern, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			check(t, file)
		})
	}
}

// compareGolden compares errs, one per line, with the file golden (with
// -update, writes it first). A missing golden file means none, unless
// required.
func compareGolden(t *testing.T, golden string, errs []error, required bool) {
	t.Helper()
	var got strings.Builder
	for _, e := range errs {
		got.WriteString(e.Error() + "\n")
	}
	if *update && (required || got.Len() > 0) {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil && (required || !os.IsNotExist(err)) {
		t.Fatalf("%v (run 'go test ./rules -run %s -update' to create it, then read it)", err, t.Name())
	}
	if got.String() != string(want) {
		t.Errorf("got:\n%s\nwant (%s):\n%s\nRun 'go test ./rules -update' if the change is right.", got.String(), golden, want)
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
