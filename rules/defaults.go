package rules

import (
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Defaults of the fields a rule file leaves out. They are applied in one
// place, WithDefaults; alpha and looks default to the judge's own
// analysis.DefaultAlpha and analysis.DefaultLooks, and the judge's knobs
// (PodSpread, DetectableChange, the signature judge's options, ...) are
// left at zero, which the judge reads as its default.
const (
	DefaultLookback  = 30 * time.Minute
	DefaultStep      = time.Minute
	DefaultWarmup    = 2 * time.Minute
	DefaultInterval  = 2 * time.Minute
	DefaultLookDelay = 4 * time.Minute
	DefaultTolerance = 0.1
	DefaultWeight    = 1.0
	DefaultPodLabel  = "pod"
	DefaultHashLabel = "rollouts_pod_template_hash"
	// DefaultLineLimit caps the log lines a signatures metric fetches per
	// side.
	DefaultLineLimit = 5000
)

// MaxPoints is Prometheus' limit on the points of one series in a range
// query: lookback/step (and modelLookback/step) must stay within it.
const MaxPoints = 11000

// WithDefaults returns a copy of rs with every unset field at its default.
// It does not validate, and it is idempotent: Load returns rule sets in this
// form, and a rule set built in code can be made complete with it.
func (rs *RuleSet) WithDefaults() *RuleSet {
	out := *rs
	if out.Judge == "" {
		out.Judge = JudgeCanary
	}
	if out.Pods.By == "" {
		out.Pods.By = ByName
	}
	if out.Pods.Label == "" {
		out.Pods.Label = DefaultHashLabel
	}
	if out.Pods.PodLabel == "" {
		out.Pods.PodLabel = DefaultPodLabel
	}
	if out.Lookback == 0 {
		out.Lookback = model.Duration(DefaultLookback)
	}
	if out.Step == 0 {
		out.Step = model.Duration(DefaultStep)
	}
	if out.Warmup == nil {
		out.Warmup = durationPtr(DefaultWarmup)
	}
	if out.Alpha == 0 {
		out.Alpha = analysis.DefaultAlpha
	}
	if out.Looks == 0 {
		out.Looks = analysis.DefaultLooks
	}
	if out.LookInterval == 0 {
		out.LookInterval = model.Duration(DefaultInterval)
	}
	if out.LookDelay == nil {
		out.LookDelay = durationPtr(DefaultLookDelay)
	}
	out.Metrics = make([]Metric, len(rs.Metrics))
	for i, m := range rs.Metrics {
		out.Metrics[i] = m.withDefaults()
	}
	return &out
}

func (m Metric) withDefaults() Metric {
	if m.Kind == "" {
		m.Kind = analysis.KindValue
	}
	if m.Source == "" {
		m.Source = providers.TypePrometheus
		if m.Kind == analysis.KindSignatures {
			m.Source = providers.TypeLoki
		}
	}
	if m.Direction == "" {
		m.Direction = analysis.Increase
	}
	if m.Tolerance == nil {
		t := DefaultTolerance
		m.Tolerance = &t
	}
	if m.Weight == 0 {
		m.Weight = DefaultWeight
	}
	if m.NoData == "" {
		m.NoData = analysis.NoDataInconclusive
	}
	if m.Kind == analysis.KindSignatures && m.Signatures.LineLimit == 0 {
		m.Signatures.LineLimit = DefaultLineLimit
	}
	return m
}

func durationPtr(d time.Duration) *model.Duration {
	md := model.Duration(d)
	return &md
}

// Settings returns the judge's rule-set-wide settings for a window ending
// at end, with the defaults of unset fields.
func (rs *RuleSet) Settings(end time.Time) analysis.Settings {
	base := *rs
	base.Metrics = nil
	d := base.WithDefaults()
	var maxWarmup time.Duration
	if d.MaxWarmup != nil {
		maxWarmup = time.Duration(*d.MaxWarmup)
	}
	return analysis.Settings{
		Alpha:        d.Alpha,
		SuspectLevel: d.SuspectLevel,
		Warmup:       time.Duration(*d.Warmup),
		MaxWarmup:    maxWarmup,
		Step:         time.Duration(d.Step),
		Looks:        d.Looks,
		Interval:     time.Duration(d.LookInterval),
		FirstLook:    time.Duration(*d.LookDelay),
		End:          end,
	}
}

// Analysis returns the judge's view of the metric, with the defaults of
// unset fields: unset bounds are NaN, the judge's knobs keep their zero
// (the judge's default).
func (m *Metric) Analysis() analysis.Metric {
	d := m.withDefaults()
	am := analysis.Metric{
		Name:             d.Name,
		Unit:             d.Unit,
		Kind:             d.Kind,
		Direction:        d.Direction,
		Tolerance:        *d.Tolerance,
		Critical:         d.Critical,
		Weight:           d.Weight,
		Group:            d.Group,
		NoData:           d.NoData,
		Max:              math.NaN(),
		Min:              math.NaN(),
		PodSpread:        d.PodSpread,
		Trend:            d.Trend,
		TrendTolerance:   d.TrendTolerance,
		DetectableChange: d.DetectableChange,
		EffectMeasure:    d.EffectMeasure,
		AllowedIncrease:  d.AllowedIncrease,
		AllowedDecrease:  d.AllowedDecrease,
		CriticalIncrease: d.CriticalIncrease,
		CriticalDecrease: d.CriticalDecrease,
		Outliers:         d.Outliers,
		OutlierFactor:    d.OutlierFactor,
		Load:             d.Load != "",
		BoundWeight:      d.BoundWeight,
	}
	if d.Throttled != "" && d.Periods != "" {
		am.ThrottlingExplains = append([]string(nil), d.ThrottlingExplains...)
	}
	if d.Max != nil {
		am.Max = *d.Max
	}
	if d.Min != nil {
		am.Min = *d.Min
	}
	if d.Warmup != nil {
		w := time.Duration(*d.Warmup)
		am.Warmup = &w
	}
	if d.MaxWarmup != nil {
		w := time.Duration(*d.MaxWarmup)
		am.MaxWarmup = &w
	}
	o := d.Signatures
	am.Signatures = analysis.SignatureOptions{
		MinCount: o.MinCount, MaxFindings: o.MaxFindings, ExampleLength: o.ExampleLength,
		DetectableCount: o.DetectableCount, Similarity: o.Similarity,
	}
	return am
}
