package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteRuleFile writes a rule file only when it loads, through a .tmp
// file that never stays behind.
func TestWriteRuleFile(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("../../deploy/base/rules/http-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		content string
		err     string // "" when it must be written
	}{
		{"loads", string(good), ""},
		{"unknown key", strings.Replace(string(good), "    podSpread: 0.066", "    podSpred: 0.066", 1), `the rule set written does not load: `},
		{"negative podSpread", strings.Replace(string(good), "    podSpread: 0.066", "    podSpread: -0.066", 1), `podSpread must not be negative`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "measured.yaml")
			err := writeRuleFile(path, []byte(c.content), "live")
			if _, tmp := os.Stat(path + ".tmp"); !os.IsNotExist(tmp) {
				t.Errorf("%s.tmp left behind", path)
			}
			written, readErr := os.ReadFile(path)
			switch {
			case c.err == "" && (err != nil || readErr != nil || string(written) != c.content):
				t.Errorf("not written: %v, %v", err, readErr)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !os.IsNotExist(readErr)):
				t.Errorf("got %v (file: %v), want an error with %q and no file", err, readErr, c.err)
			}
		})
	}
}

// TestSamePath tells a file from another one, however it is named.
func TestSamePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		b    string
		same bool
	}{
		{"itself", file, true},
		{"unclean", dir + "/./rules.yaml", true},
		{"through a link", link, true},
		{"another, new file", filepath.Join(dir, "measured.yaml"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := samePath(file, c.b); got != c.same {
				t.Errorf("samePath(%s, %s) = %v", file, c.b, got)
			}
		})
	}
}
