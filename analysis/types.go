package analysis

import "time"

// Point is one sample of one pod. T is in Unix milliseconds.
type Point struct {
	T int64
	V float64
}

// Series is one pod's samples in ascending time order.
type Series struct {
	Pod    string
	Points []Point
}

// CountPoint is one step of a count metric: Events out of Trials for a ratio
// (errors out of requests), or Events over Trials seconds of exposure for a
// rate (restarts per pod-second).
type CountPoint struct {
	T      int64
	Events float64
	Trials float64
}

// CountSeries is one pod's count steps in ascending time order.
type CountSeries struct {
	Pod    string
	Points []CountPoint
}

// Kind says how a metric's data is shaped and therefore how it is judged.
type Kind string

// Metric kinds.
const (
	// KindValue: a continuous value per step (latency quantile, CPU, memory).
	KindValue Kind = "value"
	// KindRatio: events out of trials per step (errors out of requests).
	KindRatio Kind = "ratio"
	// KindRate: events per second of pod lifetime (restarts, error log lines).
	KindRate Kind = "rate"
	// KindSignatures: log lines reduced to signatures; the canary fails
	// on signatures it logs that the stable pods never or significantly
	// more rarely log (analysis/signatures).
	KindSignatures Kind = "signatures"
)

// Direction says which change is bad.
type Direction string

// Directions.
const (
	Increase Direction = "increase" // an increase is bad (latency, errors)
	Decrease Direction = "decrease" // a decrease is bad (throughput, hit ratio)
	Either   Direction = "either"   // both are bad
)

// NoDataPolicy says what a metric with no data means.
type NoDataPolicy string

// No-data policies.
const (
	NoDataFail         NoDataPolicy = "fail"
	NoDataInconclusive NoDataPolicy = "inconclusive"
	NoDataIgnore       NoDataPolicy = "ignore"
)

// Metric is what a judge needs to know about one metric of a rule set.
type Metric struct {
	Name string
	// Unit is the unit of a value metric's samples, for sentences: "s"
	// (shown in ms or s), "bytes" (kB, MB, GB), "cores", or any other word
	// printed after the number; empty prints the bare number.
	Unit      string
	Kind      Kind
	Direction Direction
	// Tolerance is the relative change (0.1 = 10%) below which a difference
	// is never a failure.
	Tolerance float64
	Critical  bool
	// Weight weighs the metric in the score (Kayenta's weights) and, for
	// the canary judge, sets its share of each look's false-alarm budget (the
	// weighted Holm procedure); zero or less means 1.
	Weight float64
	Group  string
	NoData NoDataPolicy
	// Max and Min are absolute bounds on the canary's value (for ratios: the
	// canary's ratio); NaN when unset.
	Max, Min float64

	// The fields below are read by the canary judge (analysis/canary,
	// docs/judge.md); their zero values select the documented defaults.

	// PodSpread is the typical relative difference between the levels of
	// two healthy pods for this metric: the standard deviation of a pod's
	// log offset (0.06 means pods differ by about 6%). The canary judge
	// pools it, as a prior worth its PriorPods pods, with the spread it sees
	// among the stable pods. Zero means the judge's default for the kind.
	PodSpread float64
	// Trend also tests the canary's slope against the stable pods' slopes
	// (for leaks): the metric fails when the canary grows faster than the
	// stable pods, significantly and by more than TrendTolerance per hour.
	Trend bool
	// TrendTolerance is the extra relative growth per hour (0.5 = 50%/h)
	// below which a trend is never a failure. Zero means Tolerance.
	TrendTolerance float64
	// DetectableChange is the relative change (0.5 = +50%; 4 = five times
	// the events) the data must be able to show: when the canary's data
	// could not reveal a change this large (at 50% power), the metric is
	// NotEnoughData instead of Pass. Zero means the judge's default for the
	// kind; a negative value turns the check off.
	DetectableChange float64
	// Warmup, when set, replaces Settings.Warmup for this metric (memory
	// warms up more slowly than latency; a restart counts from the start).
	Warmup *time.Duration
	// MaxWarmup, when set, replaces Settings.MaxWarmup for this metric: the
	// longest a warm-up may last (see Settings.MaxWarmup).
	MaxWarmup *time.Duration
	// EffectMeasure names the effect size that AllowedIncrease and
	// AllowedDecrease are stated in: EffectMeanRatio (default) or EffectCLES.
	EffectMeasure EffectMeasure
	// AllowedIncrease and AllowedDecrease are Kayenta's effect-size gates:
	// a significant increase fails only when the effect is at least
	// AllowedIncrease (a significant decrease only when at most
	// AllowedDecrease). Zero means: from Tolerance (mean ratio 1+Tolerance
	// and 1-Tolerance; CLES 0.5, no gate).
	AllowedIncrease, AllowedDecrease float64
	// CriticalIncrease and CriticalDecrease are Kayenta's critical effect
	// sizes: a failing metric whose effect reaches them fails the whole run
	// as a critical metric does. Zero means none.
	CriticalIncrease, CriticalDecrease float64
	// Outliers says whether per-step outliers are kept (default) or removed
	// with Tukey's fences at OutlierFactor (default 3) interquartile ranges.
	Outliers      OutlierPolicy
	OutlierFactor float64
	// Load judges a value metric relative to the stable pods' load model
	// (docs/judge.md, "Values explained by load"): Data.CanaryLoad and
	// Data.StableLoad carry each pod's load (e.g. requests per second), and
	// each pod's value is compared with what the stable pods' idle part
	// plus slope predict at its own load. Bounds (Max, Min) do not apply.
	Load bool
	// BoundWeight is the part of Weight that the metric's absolute bounds
	// (Max, Min) take from its share of the false-alarm budget, split
	// equally between them; its relative tests (level, trend) share the
	// rest. A bound catches gross violations, whose p-values are near 0, and
	// needs little of the budget that the relative test needs for its
	// power. Zero (or a value not below Weight, or a metric without both
	// kinds of test) splits the metric's share equally between all its
	// tests.
	BoundWeight float64
	// ThrottlingExplains, on a metric with Load (CPU), names the metrics
	// whose High the canary's CPU throttling explains when
	// Data.CanaryThrottled and Data.StableThrottled show the canary
	// throttled more than every stable pod while it serves more than every
	// one of them, and this metric's level test does not hint at more per
	// request: such a High is held as NotEnoughData (a throttled pod is
	// slower whatever its version; analysis/canary/throttle.go).
	ThrottlingExplains []string
	// Signatures holds the knobs of a signatures metric.
	Signatures SignatureOptions
}

// SignatureOptions are the knobs of a signatures metric's judge
// (analysis/signatures); zero values select its defaults there.
type SignatureOptions struct {
	// MinCount is the fewest canary lines a signature needs to fail the
	// canary.
	MinCount int
	// MaxFindings caps the findings listed in the result.
	MaxFindings int
	// ExampleLength caps an example line, in characters.
	ExampleLength int
	// DetectableCount is the number of canary lines of a brand-new
	// signature the data must be able to flag: when a new signature would
	// need more lines than this to be significant, the metric is
	// NotEnoughData instead of Pass. A negative value turns the check off.
	DetectableCount int
	// Similarity is the least share of equal tokens for two lines to share
	// a signature.
	Similarity float64
}

// EffectMeasure names an effect size.
type EffectMeasure string

// Effect measures.
const (
	// EffectMeanRatio is the canary's mean over the stable pods' mean.
	EffectMeanRatio EffectMeasure = "meanRatio"
	// EffectCLES is the common-language effect size.
	EffectCLES EffectMeasure = "cles"
)

// OutlierPolicy says what to do with outlying samples.
type OutlierPolicy string

// Outlier policies.
const (
	OutliersKeep   OutlierPolicy = "keep"
	OutliersRemove OutlierPolicy = "remove"
)

// Data is one metric's samples, split into the canary's pods and the stable
// pods. Value metrics fill Canary and Stable; ratio and rate metrics fill
// CanaryCounts and StableCounts.
type Data struct {
	Canary, Stable             []Series
	CanaryCounts, StableCounts []CountSeries
	// CanaryLoad and StableLoad are the pods' loads of a value metric with
	// Metric.Load, one series per pod named as in Canary and Stable.
	CanaryLoad, StableLoad []Series
	// StableHistory and StableLoadHistory are the stable pods' values and
	// loads before the judged window, for the load model of a metric with
	// Metric.Load only: the model is fitted on them together with the
	// stable pods' samples in the window (a longer stretch of a daily cycle
	// pins the slope down), and nothing else sees them. Empty means the
	// model is fitted on the window alone.
	StableHistory, StableLoadHistory []Series
	// HistoryStart is the start of the range StableHistory was queried
	// over: a stable pod whose history begins later started inside it (and
	// warmed up there). Zero means the earliest sample.
	HistoryStart time.Time
	// Logs are the log lines of a signatures metric.
	Logs LogData
	// CanaryThrottled and StableThrottled are the pods' throttled CFS
	// periods (Events) out of all their CFS periods (Trials) per step, of a
	// metric with Metric.ThrottlingExplains, over the judged window. Pods
	// without a CPU limit have none.
	CanaryThrottled, StableThrottled []CountSeries
}

// LogLine is one log line of one pod. T is in Unix milliseconds.
type LogLine struct {
	Pod  string
	T    int64
	Line string
}

// LogData is what a signatures metric compares: the log lines of the
// canary's pods and of the stable pods over one window, and what to
// normalise their counts by.
type LogData struct {
	Canary, Stable []LogLine
	// CanaryTruncated and StableTruncated say that more lines matched on
	// that side than were fetched; the lines held are the side's oldest.
	CanaryTruncated, StableTruncated bool
	// Gaps are time ranges where a side has more lines than were fetched
	// (a part of the window read up to its share of the line limit): both
	// sides' lines there, and with exposure the steps that overlap them,
	// are left out of the comparison.
	Gaps []Span
	// Exposure says that CanaryExposure and StableExposure hold, per pod
	// and step, what counts are normalised by (requests served, from an
	// exposure query); a point at T covers (T − Settings.Step, T]. Without
	// exposure, counts are normalised per pod.
	Exposure                       bool
	CanaryExposure, StableExposure []Series
	// CanaryPods and StablePods name pods known to run in the window (from
	// other metrics); with the pods that logged lines, they are what counts
	// are normalised by when there is no exposure.
	CanaryPods, StablePods []string
	// Dropped counts the lines a side's query returned for pods of the
	// other side or of neither (a query that selects more than its side's
	// pods); they are left out of the comparison.
	Dropped int
}

// Span is a time range [From, To), in Unix milliseconds.
type Span struct{ From, To int64 }

// Settings are the rule-set-wide knobs a judge uses.
type Settings struct {
	// Alpha is the false-alarm rate the judge may spend on the whole
	// analysis run (all metrics, all looks); zero means DefaultAlpha.
	Alpha float64
	// SuspectLevel, when positive, makes the canary judge classify a metric
	// Suspect instead of Pass when one of its tests points at a
	// regression beyond the tolerance (its effect gate holds) with a
	// p-value below SuspectLevel that is not below its Holm level: a
	// suspicion the run's budget cannot confirm. It never adds a failure.
	SuspectLevel float64
	// Warmup is cut from the start of the canary's data.
	Warmup time.Duration
	// MaxWarmup is the longest a warm-up may last (at least Warmup; less,
	// or zero, means Warmup). The canary judge extends the canary's cut
	// beyond Warmup, up to MaxWarmup, while the canary's own data show a
	// warm-up the stable pods do not, and cuts MaxWarmup from every stable
	// pod that starts inside the data.
	MaxWarmup time.Duration
	// Step is the spacing of the samples.
	Step time.Duration
	// Looks is how many times Argo asks during one analysis run (the
	// AnalysisTemplate's count). The canary judge spends Alpha over the
	// looks; zero means DefaultLooks.
	Looks int
	// Interval is the time between Argo's looks and FirstLook the canary's
	// age at the first look (the template's initialDelay): together they
	// say which look a request is. Interval zero means unknown.
	Interval  time.Duration
	FirstLook time.Duration
	// Start and End are the judged window (the request's). End zero means
	// the time of the last sample; Start is only named in reasons.
	Start, End time.Time
}

// Defaults of Settings' zero values.
const (
	DefaultAlpha = 0.01
	DefaultLooks = 5
)

// Classification is the judgement of one metric.
type Classification string

// Classifications.
const (
	Pass Classification = "Pass"
	High Classification = "High" // the canary is worse by being higher
	Low  Classification = "Low"  // the canary is worse by being lower
	// NoData: a side had no samples at all.
	NoData Classification = "NoData"
	// NotEnoughData: there were samples, but too few to tell a regression
	// of the size that matters from noise.
	NotEnoughData Classification = "NotEnoughData"
	// Suspect: a test points at a regression beyond the tolerance with a
	// p-value below Settings.SuspectLevel, but not below the level the
	// run's false-alarm budget allows: a suspicion for a human, never a
	// failure.
	Suspect Classification = "Suspect"
)

// Failing reports whether c counts against the canary.
func (c Classification) Failing() bool { return c == High || c == Low }

// Verdict is the outcome of a whole analysis, in Argo Rollouts' terms.
type Verdict string

// Verdicts, named as Argo Rollouts names its phases.
const (
	Successful   Verdict = "Successful"
	Failed       Verdict = "Failed"
	Inconclusive Verdict = "Inconclusive"
)
