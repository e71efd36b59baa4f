package app

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// ruleSetNames lists the rule sets the service has loaded.
func ruleSetNames(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/api/v1/rulesets")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data []struct{ Name string }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range body.Data {
		names = append(names, d.Name)
	}
	return names
}

func readyz(base string) int {
	status, _, err := get(base + "/readyz")
	if err != nil {
		return 0
	}
	return status
}

// TestWatchRules: the rules follow the files whatever happens to the rules
// directory, and /readyz fails while the rules served are stale (issue 12,
// section 6).
func TestWatchRules(t *testing.T) {
	t.Parallel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// plainDir is a rules directory of plain files.
	plainDir := func(t *testing.T, root string) string {
		dir := filepath.Join(root, "rules")
		must(os.Mkdir(dir, 0o755))
		writeRuleSet(t, dir, "rules.yaml", "http-service")
		return dir
	}
	cases := []struct {
		name string
		// setup makes the rules directory (the rule set in it is
		// http-service) and returns it; change changes what it holds to
		// the rule set name, calling broken while it is missing or broken.
		setup  func(t *testing.T, root string) string
		change func(t *testing.T, root, dir, name string, broken func())
	}{
		{
			name:  "directory removed and recreated",
			setup: plainDir,
			change: func(t *testing.T, _, dir, name string, broken func()) {
				must(os.RemoveAll(dir))
				broken()
				must(os.Mkdir(dir, 0o755))
				writeRuleSet(t, dir, "rules.yaml", name)
			},
		},
		{
			name:  "a file broken, then mended",
			setup: plainDir,
			change: func(t *testing.T, _, dir, name string, broken func()) {
				must(os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("name: [\n"), 0o644))
				broken()
				writeRuleSet(t, dir, "rules.yaml", name)
			},
		},
		{
			// A ConfigMap volume: files are symlinks into ..data, itself a
			// symlink to a timestamped directory that an update replaces.
			name: "ConfigMap update",
			setup: func(t *testing.T, root string) string {
				dir := filepath.Join(root, "rules")
				must(os.MkdirAll(filepath.Join(dir, "..2026_01"), 0o755))
				writeRuleSet(t, filepath.Join(dir, "..2026_01"), "rules.yaml", "http-service")
				must(os.Symlink("..2026_01", filepath.Join(dir, "..data")))
				must(os.Symlink("..data/rules.yaml", filepath.Join(dir, "rules.yaml")))
				return dir
			},
			change: func(t *testing.T, _, dir, name string, _ func()) {
				old, err := os.Readlink(filepath.Join(dir, "..data"))
				must(err)
				must(os.Mkdir(filepath.Join(dir, "..2026_"+name), 0o755))
				writeRuleSet(t, filepath.Join(dir, "..2026_"+name), "rules.yaml", name)
				must(os.Symlink("..2026_"+name, filepath.Join(dir, "..data_tmp")))
				must(os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
				must(os.RemoveAll(filepath.Join(dir, old)))
			},
		},
		{
			// --rules.dir is a symlink that is swapped to another directory.
			name: "directory symlink swapped",
			setup: func(t *testing.T, root string) string {
				must(os.Mkdir(filepath.Join(root, "v1"), 0o755))
				writeRuleSet(t, filepath.Join(root, "v1"), "rules.yaml", "http-service")
				dir := filepath.Join(root, "rules")
				must(os.Symlink("v1", dir))
				return dir
			},
			change: func(t *testing.T, root, dir, name string, _ func()) {
				must(os.Mkdir(filepath.Join(root, name), 0o755))
				writeRuleSet(t, filepath.Join(root, name), "rules.yaml", name)
				must(os.Symlink(name, filepath.Join(root, "rules.tmp")))
				must(os.Rename(filepath.Join(root, "rules.tmp"), dir))
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := c.setup(t, root)
			r := start(t, Options{RulesDir: dir}, emptyBackend{})
			if names := ruleSetNames(t, r.base); !slices.Equal(names, []string{"http-service"}) || readyz(r.base) != 200 {
				t.Fatalf("at start: %v, readyz %d", names, readyz(r.base))
			}
			c.change(t, root, dir, "changed", func() {
				eventually(t, "/readyz fails on stale rules", func() bool { return readyz(r.base) == 503 })
				if names := ruleSetNames(t, r.base); !slices.Equal(names, []string{"http-service"}) {
					t.Errorf("the previous rules are not kept: %v", names)
				}
			})
			eventually(t, "the changed rules are loaded", func() bool {
				return slices.Equal(ruleSetNames(t, r.base), []string{"changed"})
			})
			eventually(t, "/readyz is 200 again", func() bool { return readyz(r.base) == 200 })
			// And the watch still works after the change.
			c.change(t, root, dir, "changed-again", func() {})
			eventually(t, "a later change is loaded", func() bool {
				return slices.Equal(ruleSetNames(t, r.base), []string{"changed-again"})
			})
		})
	}
}
