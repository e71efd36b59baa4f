package rules

import (
	"fmt"
	"strings"
	"testing"
)

// TestUnknownKeyAtEveryLevel checks that decoding stays strict at every
// nesting level of a rule file: a misspelt key is an error wherever it is.
func TestUnknownKeyAtEveryLevel(t *testing.T) {
	t.Parallel()
	// One %s per level, where the unknown key goes.
	const doc = `name: strict
pods: {by: name%s}
thresholds: {pass: 90, marginal: 60%s}
%smetrics:
  - name: a
    query: 'x{ {{.Pods}} }'%s
  - name: logs
    kind: signatures
    query: '{ {{.Pods}} }'
    signatures: {minCount: 3%s}
environments:
  live:%s
    thresholds: {pass: 95, marginal: 70%s}
    metrics:
      a: {max: 1%s}
`
	levels := []struct{ name, insert string }{
		{"pods", ", bogus: 1"},
		{"thresholds", ", bogus: 1"},
		{"rule set", "bogus: 1\n"},
		{"metric", "\n    bogus: 1"},
		{"signatures", ", bogus: 1"},
		{"environment", "\n    bogus: 1"},
		{"environment thresholds", ", bogus: 1"},
		{"metric override", ", bogus: 1"},
	}
	render := func(at int) string {
		args := make([]any, len(levels))
		for i := range args {
			args[i] = ""
			if i == at {
				args[i] = levels[i].insert
			}
		}
		return fmt.Sprintf(doc, args...)
	}
	if _, err := Load([]byte(render(-1)), "strict.yaml", ""); err != nil {
		t.Fatalf("the document without an unknown key: %v", err)
	}
	for i, level := range levels {
		t.Run(level.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load([]byte(render(i)), "strict.yaml", "")
			if err == nil || !strings.Contains(err.Error(), `unknown field "bogus"`) {
				t.Errorf("document\n%s\nloaded with %v", render(i), err)
			}
		})
	}
}

// TestAliasExpansion checks that a file whose merge keys expand without
// end (each level merging the one below twice) fails instead of hanging.
func TestAliasExpansion(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: laughs\nthresholds: {pass: 90, marginal: 60}\nx0: &x0 {unit: s}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [*x%d, *x%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("metrics:\n  - <<: *x40\n    name: a\n    query: 'up{ {{.Pods}} }'\n")
	_, err := Load([]byte(b.String()), "laughs.yaml", "")
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("got %v", err)
	}
}
