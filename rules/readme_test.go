package rules

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEExample loads the full rule-file example of the README, so the
// documentation cannot drift from the language.
func TestREADMEExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "### A full example")
	if i < 0 {
		t.Fatal(`README has no "### A full example"`)
	}
	rest := doc[i:]
	start := strings.Index(rest, "```yaml\n")
	if start < 0 {
		t.Fatal("no yaml block after the heading")
	}
	rest = rest[start+len("```yaml\n"):]
	end := strings.Index(rest, "```")
	example := rest[:end]
	for _, env := range []string{"", "alpha", "live"} {
		rs, err := Load([]byte(example), "README.md", env)
		if err != nil {
			t.Fatalf("environment %q: %v", env, err)
		}
		for _, w := range rs.Warnings {
			t.Errorf("environment %q: the example must load without warnings: %v", env, w)
		}
		if len(rs.Metrics) != 5 || rs.Name != "checkout" {
			t.Errorf("environment %q: loaded %s with %d metrics", env, rs.Name, len(rs.Metrics))
		}
	}
}
