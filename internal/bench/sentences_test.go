package bench

import (
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/longtest"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// unreadable matches what a sentence must never show.
var unreadable = regexp.MustCompile(`NaN|Inf|∞`)

// sentenceCheck collects the sentences of every answer that show an
// undefined number, and counts the answers.
type sentenceCheck struct {
	mu      sync.Mutex
	answers int
	bad     []string
}

func (c *sentenceCheck) inspect(r *wire.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers++
	for _, s := range r.Sentences() {
		if unreadable.MatchString(s) {
			c.bad = append(c.bad, fmt.Sprintf("%s/%s: %s", r.Target.Namespace, r.Judge, s))
		}
	}
}

// TestEveryFamilySpeaksPlainly judges one instance of every benchmark
// family, metric, misfit and log, with both judges at every look, and
// checks every sentence of every answer (reasons, evidence, tests, the
// detectable change) for NaN and infinities.
func TestEveryFamilySpeaksPlainly(t *testing.T) {
	longtest.Skip(t)
	l := shippedLimits(t)
	var check sentenceCheck
	fams := append(scenario.Families(), scenario.MisfitFamilies()...)
	results, err := RunBenchmark(t.Context(), Config{
		Families: fams, Seeds: 1, FirstSeed: 1, RuleFile: "../../deploy/base/rules/http-service.yaml",
		Limits: l, History: 35 * time.Minute, Dir: t.TempDir(), Inspect: check.inspect,
	})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := RunLogBenchmark(t.Context(), LogConfig{
		Seeds: 1, FirstSeed: 1, RuleFile: "../../deploy/base/rules/apache-frontend.yaml",
		Limits: l, Dir: t.TempDir(), Inspect: check.inspect,
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (len(fams) + len(LogFamilies())) * 2 * l.Count; check.answers != want || len(results)+len(logs) != want/l.Count {
		t.Errorf("%d answers of %d runs, want %d", check.answers, len(results)+len(logs), want)
	}
	for _, s := range check.bad {
		t.Error(s)
	}
}
