package analysis

// Evidence explains one metric's verdict by the canary judge: how it was
// judged, on what data, and every test behind the classification. Numbers
// that are not defined are NaN.
type Evidence struct {
	// Method says in one sentence how the metric was judged.
	Method string
	// Scale is "log" (relative changes), "linear" (values that can be zero
	// or negative) or "counts" (events out of trials or exposure).
	Scale string
	// Warmup says what was cut from the canary's start.
	Warmup WarmupEvidence
	// Look says which of the analysis run's looks this is and what part of
	// the false-alarm budget it may spend.
	Look LookEvidence
	// Rank is where the canary ranks among the stable pods.
	Rank *RankEvidence
	// Pods lists each pod's level relative to the stable pods' centre at the
	// judged timestamps (the canary's first).
	Pods []PodEvidence
	// Spread describes the spread between pods the canary was judged against.
	Spread *SpreadEvidence
	// Noise describes the noise within each pod's series.
	Noise *NoiseEvidence
	// Load describes the stable pods' load model of a metric judged
	// relative to load.
	Load *LoadEvidence
	// Tests lists the hypotheses tested for this metric.
	Tests []TestEvidence
	// Detectable says what change the data could reveal.
	Detectable *DetectableEvidence
	// Throttling says how the canary's CPU throttling and load compare
	// with the stable pods' when it held a High of this metric.
	Throttling *ThrottlingEvidence
}

// ThrottlingEvidence describes a High held because the canary's CPU
// throttling explains it: over the minutes the metric was judged on, the
// canary was throttled in a larger share of its CFS periods than every
// stable pod while it served more than every one of them.
type ThrottlingEvidence struct {
	// Metric names the metric with the throttling counters (CPU).
	Metric string
	// CanaryShare and StableMaxShare are the canary's and the most throttled
	// stable pod's share of throttled CFS periods.
	CanaryShare, StableMaxShare float64
	// CanaryLoad and StableMaxLoad are the canary's and the busiest stable
	// pod's mean load (the load query's unit, e.g. requests per second).
	CanaryLoad, StableMaxLoad float64
	// Held is the classification the metric had before it was held.
	Held Classification
	// Text says it in words.
	Text string
}

// WarmupEvidence describes the warm-up cut.
type WarmupEvidence struct {
	// Cut is the warm-up cut from the canary's first sample ("2m0s").
	Cut string
	// CanaryStart is the canary's first sample (RFC 3339), empty if none.
	CanaryStart string
	// Age is the canary's age at the end of the window.
	Age string
	// Dropped and Kept count the canary's samples cut and left.
	Dropped int
	Kept    int
	// Text says it in words.
	Text string
}

// LookEvidence describes the look within the analysis run.
type LookEvidence struct {
	// Look is the look's number estimated from the canary's age and the
	// interval between looks; 0 when the interval is unknown.
	Look int
	// Of is the number of looks the false-alarm budget is split over.
	Of int
	// Alpha is the run's false-alarm budget and LookAlpha this look's share.
	Alpha     float64
	LookAlpha float64
	// Hypotheses is how many hypotheses share this look's budget (Holm).
	Hypotheses int
	// Spending says how this metric's share of Alpha is spent over the
	// looks and what it may spend at this one.
	Spending string
}

// RankEvidence is the canary's rank among the stable pods.
type RankEvidence struct {
	// Position 1 is the lowest; Of is the number of pods ranked (stable
	// pods plus the canary).
	Position int
	Of       int
	Text     string
}

// PodEvidence is one pod's level at the judged timestamps.
type PodEvidence struct {
	Pod    string
	Canary bool
	// Relative is the pod's level relative to the stable pods' centre
	// (0.05 = 5% above); for counts, the pod's rate relative to the stable
	// pods' pooled rate.
	Relative float64
	// Points counts the pod's samples used.
	Points int
	// Events and Trials are set for count metrics.
	Events float64
	Trials float64
}

// SpreadEvidence describes the spread between pods (standard deviations of
// a pod's log level, or of its slope per hour for a trend).
type SpreadEvidence struct {
	// Observed is the spread of the stable pods' levels; Between what is
	// left after the noise of the window is removed.
	Observed float64
	Between  float64
	// Prior is the metric's PodSpread and PriorPods its weight in pods.
	Prior     float64
	PriorPods float64
	// Used is the spread the canary was judged against.
	Used float64
	// Noise is the part of Observed the noise of the window explains
	// (√v_s: Between² = max(0, Observed² − Noise²)), and Pods the number
	// of stable pods whose levels Observed is the spread of. Together they
	// let the spread be pooled over many judgements (analyzer replay's
	// measured pod spread). NaN and 0 for counts.
	Noise float64
	Pods  int
}

// NoiseEvidence describes the noise within the pods' series.
type NoiseEvidence struct {
	// Autocorrelation is the lag-one autocorrelation of the stable pods'
	// residuals used for the AR(1) variance of means and slopes.
	Autocorrelation float64
	// EffectivePoints is the number of independent points the canary's
	// autocorrelated samples are worth.
	EffectivePoints float64
	// Dispersion is the over-dispersion factor of count metrics (1 =
	// Poisson), including the spread between pods.
	Dispersion float64
}

// TestEvidence is one hypothesis test.
type TestEvidence struct {
	// Name is "level", "trend", "max" or "min".
	Name string
	// Test names the test, e.g. "one-vs-many t" or "conditional binomial".
	Test string
	// Estimate is the effect tested (relative change, growth per hour, or
	// the canary's value for a bound).
	Estimate float64
	// Statistic and DF are the test statistic and its degrees of freedom.
	Statistic float64
	DF        float64
	// PValue is the one-sided p-value in the bad direction (two-sided for
	// direction either); Alpha the level Holm compared it with.
	PValue float64
	Alpha  float64
	// Share is the test's part of the look's budget in the weighted Holm
	// procedure (its metric's weight over all weights, split between the
	// metric's tests).
	Share float64
	// Significant says whether the test rejected; Gate whether the effect
	// also reached the metric's tolerance (effect-size gate).
	Significant bool
	Gate        bool
	// Text says it in words.
	Text string
}

// DetectableEvidence says how large a change the data could reveal.
type DetectableEvidence struct {
	// Change is the smallest relative change the level test would detect
	// half of the time at this look's significance level.
	Change float64
	// Required is the metric's DetectableChange.
	Required float64
	// Enough says whether Change ≤ Required.
	Enough bool
	Text   string
}

// LoadEvidence describes the stable pods' load model of a metric judged
// relative to load (Metric.Load).
type LoadEvidence struct {
	// Slope is the value per unit of load (e.g. CPU seconds per request)
	// and SlopeSE its standard error (noise and the pods' spread).
	Slope   float64
	SlopeSE float64
	// Idle is the model's value at zero load.
	Idle float64
	// StableLoad and CanaryLoad are the stable pods' and the canary's mean
	// load at the judged timestamps; LoadVariation how much the stable
	// pods' load moved within pods (relative standard deviation).
	StableLoad    float64
	CanaryLoad    float64
	LoadVariation float64
	// SlopeVariance is the variance the slope's uncertainty adds to the
	// canary's level (on the judged scale).
	SlopeVariance float64
	// Samples and Pods are what the model was fitted on.
	Samples int
	Pods    int
	Text    string
}
