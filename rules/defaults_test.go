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

// TestMaxWarmupReachesTheJudge: maxWarmup, for the rule set and per metric,
// is what the judge sees as Settings.MaxWarmup and Metric.MaxWarmup; unset
// it stays zero (the judge then takes the warm-up).
func TestMaxWarmupReachesTheJudge(t *testing.T) {
	t.Parallel()
	rs, err := Load([]byte(`name: w
thresholds: {pass: 90, marginal: 60}
warmup: 1m
maxWarmup: 3m
metrics:
  - name: latency
    query: 'up{ {{.Pods}} }'
  - name: cpu
    query: 'up{ {{.Pods}} }'
    warmup: 30s
    maxWarmup: 4m
`), "w.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if st := rs.Settings(time.Time{}); st.Warmup != time.Minute || st.MaxWarmup != 3*time.Minute {
		t.Errorf("settings: warmup %v, maxWarmup %v; want 1m and 3m", st.Warmup, st.MaxWarmup)
	}
	if m := rs.Metrics[0].Analysis(); m.MaxWarmup != nil {
		t.Errorf("latency: maxWarmup %v, want unset (the rule set's)", *m.MaxWarmup)
	}
	if m := rs.Metrics[1].Analysis(); m.Warmup == nil || *m.Warmup != 30*time.Second || m.MaxWarmup == nil || *m.MaxWarmup != 4*time.Minute {
		t.Errorf("cpu: warmup %v, maxWarmup %v; want 30s and 4m", m.Warmup, m.MaxWarmup)
	}
	if st := (&RuleSet{}).Settings(time.Time{}); st.MaxWarmup != 0 {
		t.Errorf("unset maxWarmup: %v, want 0", st.MaxWarmup)
	}
}
