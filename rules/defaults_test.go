package rules

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestWithDefaults checks that defaults come from one place: a rule set
// built in code with zero values gets the same effective values as a rule
// file that leaves the fields out, and applying the defaults twice changes
// nothing.
func TestWithDefaults(t *testing.T) {
	t.Parallel()
	loaded, err := Load([]byte(`
name: minimal
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: latency
    query: 'x{ {{.Pods}} }'
`), "minimal.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	built := (&RuleSet{
		Name:       "minimal",
		Thresholds: Thresholds{Pass: 90, Marginal: 60},
		Metrics:    []Metric{{Name: "latency", Query: "x{ {{.Pods}} }"}},
	}).WithDefaults()
	built.File = "minimal.yaml"
	built.Revision = loaded.Revision // the file's, which code has none of (TestRevision)
	clearTemplates := func(rs *RuleSet) *RuleSet {
		out := *rs
		out.Metrics = append([]Metric(nil), rs.Metrics...)
		for i := range out.Metrics {
			out.Metrics[i].queries = nil
		}
		return &out
	}
	if !reflect.DeepEqual(clearTemplates(loaded), clearTemplates(built)) {
		t.Errorf("loaded %+v\n built %+v", clearTemplates(loaded), clearTemplates(built))
	}
	if again := built.WithDefaults(); !reflect.DeepEqual(again, built) {
		t.Errorf("WithDefaults is not idempotent: %+v", again)
	}

	zero := &RuleSet{}
	st := zero.Settings(time.Time{})
	want := analysis.Settings{Alpha: analysis.DefaultAlpha, Warmup: DefaultWarmup, Step: DefaultStep, Looks: analysis.DefaultLooks,
		Interval: DefaultInterval, FirstLook: DefaultLookDelay}
	if st != want {
		t.Errorf("settings of the zero rule set %+v, want %+v", st, want)
	}
	am := (&Metric{}).Analysis()
	if am.Kind != analysis.KindValue || am.Direction != analysis.Increase || am.Tolerance != DefaultTolerance ||
		am.Weight != DefaultWeight || am.NoData != analysis.NoDataInconclusive || !math.IsNaN(am.Max) || !math.IsNaN(am.Min) || am.Warmup != nil {
		t.Errorf("judge's view of the zero metric: %+v", am)
	}
	if src := (&Metric{Kind: analysis.KindSignatures}).withDefaults(); src.Source != providers.TypeLoki || src.Signatures.LineLimit != DefaultLineLimit {
		t.Errorf("signatures metric defaults: source %s, lineLimit %d", src.Source, src.Signatures.LineLimit)
	}

	// Zero where zero is a setting of its own stays zero.
	z := model.Duration(0)
	tol := 0.0
	set := (&RuleSet{Warmup: &z, LookDelay: &z, Metrics: []Metric{{Tolerance: &tol, Warmup: &z}}}).WithDefaults()
	if *set.Warmup != 0 || *set.LookDelay != 0 || *set.Metrics[0].Tolerance != 0 || *set.Metrics[0].Warmup != 0 {
		t.Errorf("explicit zeros were replaced: %+v", set)
	}
}
