package wire

import "github.com/canary-analyzer/canary-analyzer/analysis"

// Evidence explains one metric's verdict by the canary judge: how it was
// judged, on what data, and every test behind the classification. Numbers
// that are not defined are null.
type Evidence struct {
	// Method says in one sentence how the metric was judged.
	Method string `json:"method"`
	// Scale is "log" (relative changes), "linear" (values that can be zero
	// or negative) or "counts" (events out of trials or exposure).
	Scale string `json:"scale"`
	// Warmup says what was cut from the canary's start.
	Warmup WarmupEvidence `json:"warmup"`
	// Look says which of the analysis run's looks this is and what part of
	// the false-alarm budget it may spend.
	Look LookEvidence `json:"look"`
	// Rank is where the canary ranks among the stable pods.
	Rank *RankEvidence `json:"rank,omitempty"`
	// Pods lists each pod's level relative to the stable pods' centre at the
	// judged timestamps (the canary's first).
	Pods []PodEvidence `json:"pods,omitempty"`
	// Spread describes the spread between pods the canary was judged against.
	Spread *SpreadEvidence `json:"spread,omitempty"`
	// Noise describes the noise within each pod's series.
	Noise *NoiseEvidence `json:"noise,omitempty"`
	// Load describes the stable pods' load model of a metric judged
	// relative to load.
	Load *LoadEvidence `json:"load,omitempty"`
	// Tests lists the hypotheses tested for this metric.
	Tests []TestEvidence `json:"tests"`
	// Detectable says what change the data could reveal.
	Detectable *DetectableEvidence `json:"detectable,omitempty"`
	// Throttling says how the canary's CPU throttling and load compared
	// with the stable pods' when it held a High of this metric.
	Throttling *ThrottlingEvidence `json:"throttling,omitempty"`
}

// ThrottlingEvidence describes a High held because the canary's CPU
// throttling explains it: over the minutes the metric was judged on, the
// canary was throttled in a larger share of its CFS periods than every
// stable pod while it served more than every one of them.
type ThrottlingEvidence struct {
	// Metric names the metric with the throttling counters (CPU).
	Metric string `json:"metric"`
	// CanaryShare and StableMaxShare are the canary's and the most
	// throttled stable pod's share of throttled CFS periods.
	CanaryShare    Float `json:"canaryShare"`
	StableMaxShare Float `json:"stableMaxShare"`
	// CanaryLoad and StableMaxLoad are the canary's and the busiest stable
	// pod's mean load (the load query's unit).
	CanaryLoad    Float `json:"canaryLoad"`
	StableMaxLoad Float `json:"stableMaxLoad"`
	// Held is the classification the metric had before it was held.
	Held analysis.Classification `json:"held"`
	Text string                  `json:"text"`
}

// WarmupEvidence describes the warm-up cut.
type WarmupEvidence struct {
	// Cut is the warm-up cut from the canary's first sample ("2m0s").
	Cut string `json:"cut"`
	// CanaryStart is the canary's first sample (RFC 3339), empty if none.
	CanaryStart string `json:"canaryStart,omitempty"`
	// Age is the canary's age at the end of the window.
	Age string `json:"age"`
	// Dropped and Kept count the canary's samples cut and left.
	Dropped int `json:"dropped"`
	Kept    int `json:"kept"`
	// Text says it in words.
	Text string `json:"text"`
}

// LookEvidence describes the look within the analysis run.
type LookEvidence struct {
	// Look is the look's number estimated from the canary's age and the
	// interval between looks; 0 when the interval is unknown.
	Look int `json:"look,omitempty"`
	// Of is the number of looks the false-alarm budget is split over.
	Of int `json:"of"`
	// Alpha is the run's false-alarm budget and LookAlpha this look's share.
	Alpha     Float `json:"alpha"`
	LookAlpha Float `json:"lookAlpha"`
	// Hypotheses is how many hypotheses share this look's budget (Holm).
	Hypotheses int `json:"hypotheses"`
	// Spending says how this metric's share of Alpha is spent over the
	// looks and what it may spend at this one.
	Spending string `json:"spending,omitempty"`
}

// RankEvidence is the canary's rank among the stable pods.
type RankEvidence struct {
	// Position 1 is the lowest; Of is the number of pods ranked (stable
	// pods plus the canary).
	Position int    `json:"position"`
	Of       int    `json:"of"`
	Text     string `json:"text"`
}

// PodEvidence is one pod's level at the judged timestamps.
type PodEvidence struct {
	Pod    string `json:"pod"`
	Canary bool   `json:"canary,omitempty"`
	// Relative is the pod's level relative to the stable pods' centre
	// (0.05 = 5% above); for counts, the pod's rate relative to the stable
	// pods' pooled rate.
	Relative Float `json:"relative"`
	// Points counts the pod's samples used.
	Points int `json:"points"`
	// Events and Trials are set for count metrics.
	Events Float `json:"events,omitempty"`
	Trials Float `json:"trials,omitempty"`
}

// SpreadEvidence describes the spread between pods (standard deviations of
// a pod's log level, or of its slope per hour for a trend).
type SpreadEvidence struct {
	// Observed is the spread of the stable pods' levels; Between what is
	// left after the noise of the window is removed.
	Observed Float `json:"observed"`
	Between  Float `json:"between"`
	// Prior is the metric's PodSpread and PriorPods its weight in pods.
	Prior     Float `json:"prior"`
	PriorPods Float `json:"priorPods"`
	// Used is the spread the canary was judged against.
	Used Float `json:"used"`
	// Noise is the part of Observed the window's noise explains
	// (Between² = max(0, Observed² − Noise²)); Pods counts the stable
	// pods Observed is the spread of. Null and 0 for counts.
	Noise Float `json:"noise"`
	Pods  int   `json:"pods"`
}

// NoiseEvidence describes the noise within the pods' series.
type NoiseEvidence struct {
	// Autocorrelation is the lag-one autocorrelation of the stable pods'
	// residuals used for the AR(1) variance of means and slopes.
	Autocorrelation Float `json:"autocorrelation"`
	// EffectivePoints is the number of independent points the canary's
	// autocorrelated samples are worth.
	EffectivePoints Float `json:"effectivePoints"`
	// Dispersion is the over-dispersion factor of count metrics (1 =
	// Poisson), including the spread between pods.
	Dispersion Float `json:"dispersion,omitempty"`
}

// TestEvidence is one hypothesis test.
type TestEvidence struct {
	// Name is "level", "trend", "max" or "min".
	Name string `json:"name"`
	// Test names the test, e.g. "one-vs-many t" or "conditional binomial".
	Test string `json:"test"`
	// Estimate is the effect tested (relative change, growth per hour, or
	// the canary's value for a bound).
	Estimate Float `json:"estimate"`
	// Statistic and DF are the test statistic and its degrees of freedom.
	Statistic Float `json:"statistic"`
	DF        Float `json:"df,omitempty"`
	// PValue is the one-sided p-value in the bad direction (two-sided for
	// direction either); Alpha the level Holm compared it with.
	PValue Float `json:"pValue"`
	Alpha  Float `json:"alpha"`
	// Share is the test's part of the look's budget in the weighted Holm
	// procedure (its metric's weight over all weights, split between the
	// metric's tests).
	Share Float `json:"share"`
	// Significant says whether the test rejected; Gate whether the effect
	// also reached the metric's tolerance (effect-size gate).
	Significant bool `json:"significant"`
	Gate        bool `json:"gate"`
	// Text says it in words.
	Text string `json:"text"`
}

// DetectableEvidence says how large a change the data could reveal.
type DetectableEvidence struct {
	// Change is the smallest relative change the level test would detect
	// half of the time at this look's significance level.
	Change Float `json:"change"`
	// Required is the metric's DetectableChange.
	Required Float `json:"required"`
	// Enough says whether Change ≤ Required.
	Enough bool   `json:"enough"`
	Text   string `json:"text"`
}

// LoadEvidence describes the stable pods' load model of a metric judged
// relative to load (Metric.Load).
type LoadEvidence struct {
	// Slope is the value per unit of load (e.g. CPU seconds per request)
	// and SlopeSE its standard error (noise and the pods' spread).
	Slope   Float `json:"slope"`
	SlopeSE Float `json:"slopeSE"`
	// Idle is the model's value at zero load.
	Idle Float `json:"idle"`
	// StableLoad and CanaryLoad are the stable pods' and the canary's mean
	// load at the judged timestamps; LoadVariation how much the stable
	// pods' load moved within pods (relative standard deviation).
	StableLoad    Float `json:"stableLoad"`
	CanaryLoad    Float `json:"canaryLoad"`
	LoadVariation Float `json:"loadVariation"`
	// SlopeVariance is the variance the slope's uncertainty adds to the
	// canary's level (on the judged scale).
	SlopeVariance Float `json:"slopeVariance"`
	// Samples and Pods are what the model was fitted on.
	Samples int    `json:"samples"`
	Pods    int    `json:"pods"`
	Text    string `json:"text"`
}

func newEvidence(e *analysis.Evidence) *Evidence {
	if e == nil {
		return nil
	}
	w, l := e.Warmup, e.Look
	out := &Evidence{
		Method: e.Method,
		Scale:  e.Scale,
		Warmup: WarmupEvidence{Cut: w.Cut, CanaryStart: w.CanaryStart, Age: w.Age, Dropped: w.Dropped, Kept: w.Kept, Text: w.Text},
		Look: LookEvidence{Look: l.Look, Of: l.Of, Alpha: Float(l.Alpha), LookAlpha: Float(l.LookAlpha),
			Hypotheses: l.Hypotheses, Spending: l.Spending},
	}
	if r := e.Rank; r != nil {
		out.Rank = &RankEvidence{Position: r.Position, Of: r.Of, Text: r.Text}
	}
	for _, p := range e.Pods {
		out.Pods = append(out.Pods, PodEvidence{Pod: p.Pod, Canary: p.Canary, Relative: Float(p.Relative), Points: p.Points,
			Events: Float(p.Events), Trials: Float(p.Trials)})
	}
	if s := e.Spread; s != nil {
		out.Spread = &SpreadEvidence{Observed: Float(s.Observed), Between: Float(s.Between), Prior: Float(s.Prior),
			PriorPods: Float(s.PriorPods), Used: Float(s.Used), Noise: Float(s.Noise), Pods: s.Pods}
	}
	if n := e.Noise; n != nil {
		out.Noise = &NoiseEvidence{Autocorrelation: Float(n.Autocorrelation), EffectivePoints: Float(n.EffectivePoints),
			Dispersion: Float(n.Dispersion)}
	}
	if l := e.Load; l != nil {
		out.Load = &LoadEvidence{Slope: Float(l.Slope), SlopeSE: Float(l.SlopeSE), Idle: Float(l.Idle),
			StableLoad: Float(l.StableLoad), CanaryLoad: Float(l.CanaryLoad), LoadVariation: Float(l.LoadVariation),
			SlopeVariance: Float(l.SlopeVariance), Samples: l.Samples, Pods: l.Pods, Text: l.Text}
	}
	if e.Tests != nil {
		out.Tests = make([]TestEvidence, len(e.Tests))
	}
	for i, t := range e.Tests {
		out.Tests[i] = TestEvidence{Name: t.Name, Test: t.Test, Estimate: Float(t.Estimate), Statistic: Float(t.Statistic),
			DF: Float(t.DF), PValue: Float(t.PValue), Alpha: Float(t.Alpha), Share: Float(t.Share),
			Significant: t.Significant, Gate: t.Gate, Text: t.Text}
	}
	if d := e.Detectable; d != nil {
		out.Detectable = &DetectableEvidence{Change: Float(d.Change), Required: Float(d.Required), Enough: d.Enough, Text: d.Text}
	}
	if t := e.Throttling; t != nil {
		out.Throttling = &ThrottlingEvidence{Metric: t.Metric, CanaryShare: Float(t.CanaryShare), StableMaxShare: Float(t.StableMaxShare),
			CanaryLoad: Float(t.CanaryLoad), StableMaxLoad: Float(t.StableMaxLoad), Held: t.Held, Text: t.Text}
	}
	return out
}
