// Package rules is the rule-file language: one rule set per YAML file, decoded
// strictly, validated with file:line errors, with per-environment overrides.
//
// A rule set says which metrics to fetch for a canary and its stable pods, how
// to judge each one, and the thresholds that turn a score into a verdict.
package rules

import (
	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// RuleSet is one rule file. A field left at its zero value (nil for the
// pointer fields) is unset: WithDefaults gives the rule set with every unset
// field at its default, and Load returns rule sets in that form, validated
// and with the environment's overrides applied. Pointers are used only where
// zero is a setting of its own (a warm-up of 0s, a first look at age 0).
type RuleSet struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description,omitempty"`
	Judge       JudgeName   `yaml:"judge,omitempty"`
	Pods        PodMatching `yaml:"pods,omitempty"`
	Thresholds  Thresholds  `yaml:"thresholds"`
	// Lookback is the window of one judgement (default DefaultLookback).
	Lookback model.Duration `yaml:"lookback,omitempty"`
	// Step is the query step (default DefaultStep).
	Step model.Duration `yaml:"step,omitempty"`
	// Warmup is cut from the canary's first sample (nil: DefaultWarmup).
	Warmup *model.Duration `yaml:"warmup,omitempty"`
	// MaxWarmup is the longest a warm-up may last (nil: Warmup): the canary
	// judge extends the canary's cut up to it while the canary's own data
	// still show a warm-up, and cuts it from every stable pod that starts
	// inside the data.
	MaxWarmup *model.Duration `yaml:"maxWarmup,omitempty"`
	// Alpha is the false-alarm rate allowed for a whole analysis run
	// (default DefaultAlpha).
	Alpha float64 `yaml:"alpha,omitempty"`
	// SuspectLevel, when positive, keeps a metric from passing while its
	// data point at a regression beyond its tolerance that the run's
	// budget cannot confirm (a test's p-value below SuspectLevel but above
	// its Holm level): the metric is Suspect and the verdict at most
	// Inconclusive, so a human looks. Zero turns it off. The canary judge
	// only.
	SuspectLevel float64 `yaml:"suspectLevel,omitempty"`
	// Looks is how many times one analysis run asks (the AnalysisTemplate's
	// count, default DefaultLooks): the judge splits Alpha over them.
	// LookInterval (the template's interval, default DefaultInterval) only
	// serves to report which look a request is.
	Looks        int            `yaml:"looks,omitempty"`
	LookInterval model.Duration `yaml:"lookInterval,omitempty"`
	// LookDelay is the canary's age at the first look (the template's
	// initialDelay, when the analysis starts with the canary; nil:
	// DefaultLookDelay): with LookInterval it tells the judge which look a
	// request is.
	LookDelay    *model.Duration        `yaml:"lookDelay,omitempty"`
	Environments map[string]Environment `yaml:"environments,omitempty"`
	Metrics      []Metric               `yaml:"metrics"`

	// File is where the rule set was loaded from, and Revision the first
	// 12 hex digits of the SHA-256 of its content: which version of the file
	// judged (a report names it).
	File     string `yaml:"-"`
	Revision string `yaml:"-"`
	// Environment is the environment whose overrides were applied, if any.
	Environment string `yaml:"-"`
	// Warnings are what loading found questionable but not wrong (a counter
	// function over a range no longer than the step), each with its
	// file:line.
	Warnings []error `yaml:"-"`

	// base is the rule set before Environment's overrides (nil when none
	// were applied): InEnvironment starts from it.
	base *RuleSet
}

// JudgeName selects the statistical judge of a rule set.
type JudgeName string

// Judges.
const (
	// JudgeCanary is canary-analyzer's own judge (the default).
	JudgeCanary JudgeName = "canary"
	// JudgeKayenta reproduces Netflix Kayenta's Mann-Whitney judge.
	JudgeKayenta JudgeName = "kayenta"
)

// PodMatching says how the canary's and the stable pods' series are told apart.
type PodMatching struct {
	// By is "name" (pods are named <rollout>-<pod-template-hash>-<suffix>) or
	// "label" (series carry the pod-template hash in Label).
	By PodMatchBy `yaml:"by,omitempty"`
	// Label holds the pod-template hash when By is "label".
	Label string `yaml:"label,omitempty"`
	// PodLabel is the label that names the pod in query results.
	PodLabel string `yaml:"podLabel,omitempty"`
}

// PodMatchBy is how pods are matched.
type PodMatchBy string

// Pod matching modes.
const (
	ByName  PodMatchBy = "name"
	ByLabel PodMatchBy = "label"
)

// Thresholds turn a 0-100 score into a verdict: Successful at or above Pass,
// Inconclusive from Marginal up to Pass, Failed below Marginal.
type Thresholds struct {
	Pass     float64 `yaml:"pass"`
	Marginal float64 `yaml:"marginal"`
}

// Metric is one judged metric. As in RuleSet, a field at its zero value is
// unset; the judge's knobs (PodSpread and below) keep their zero, which
// analysis.Metric reads as the judge's own default.
type Metric struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Source is the backend (default prometheus; loki for signatures).
	Source providers.Type `yaml:"source,omitempty"`
	// Kind says what the queries return and how the metric is judged
	// (default value): value, ratio, rate (events per second of pod life,
	// with an optional exposure query saying when a pod was alive) or
	// signatures (a LogQL log query whose lines are reduced to signatures;
	// an optional exposure query normalises the counts).
	Kind analysis.Kind `yaml:"kind,omitempty"`
	// Query is the query of value, rate and signatures metrics.
	Query string `yaml:"query,omitempty"`
	// Numerator and Denominator are the queries of ratio metrics.
	Numerator   string `yaml:"numerator,omitempty"`
	Denominator string `yaml:"denominator,omitempty"`
	// Exposure is the optional alive-query of rate metrics, and the
	// optional normalising query of signatures metrics.
	Exposure string `yaml:"exposure,omitempty"`
	// Load is the optional load query of value metrics (e.g. requests per
	// second by pod): the value is then judged relative to the stable
	// pods' load model, an idle part plus a slope per unit of load
	// (docs/judge.md, "Values explained by load").
	Load string `yaml:"load,omitempty"`
	// ModelLookback, for a metric with a load query, fits the stable pods'
	// load model over this longer window (the query and the load query
	// reach back this far), while the canary is still judged over the
	// rule set's lookback; unset fits on the lookback alone.
	ModelLookback model.Duration `yaml:"modelLookback,omitempty"`
	// Throttled and Periods, for a metric with a load query (CPU), count
	// per pod and step the CFS periods in which the pod was throttled and
	// all its CFS periods (cAdvisor's container_cpu_cfs_throttled_periods_total
	// and container_cpu_cfs_periods_total); ThrottlingExplains names the
	// metrics of the rule set whose High such throttling can explain. Such a
	// High is held as NotEnoughData when the canary is throttled more than
	// every stable pod while it serves more than every one of them and this
	// metric's own test shows no hint of more per request (docs/judge.md,
	// "CPU throttling"). Pods without a CPU limit have no such series, and
	// then nothing is held; a both-references request holds nothing
	// (RuleSet.WithoutThrottlingHolds).
	Throttled          string   `yaml:"throttled,omitempty"`
	Periods            string   `yaml:"periods,omitempty"`
	ThrottlingExplains []string `yaml:"throttlingExplains,omitempty"`
	// Select picks, for each role it names, the series of that role's
	// query the metric takes: those whose labels have every value given (a
	// label a series lacks counts as ""), summed per pod and timestamp. A
	// role it does not name takes its query's series as they are, one per
	// pod. With Select, several metrics take their series from one query,
	// which the service runs once per judgement: counts of requests by pod
	// and status class give an error ratio (numerator: {class: 5xx},
	// denominator: {}, every class) and a 404 ratio from one scan of a log.
	Select map[Role]map[string]string `yaml:"select,omitempty"`
	// Signatures holds the knobs of signatures metrics.
	Signatures SignatureOptions `yaml:"signatures,omitempty"`
	// Unit is shown in reasons ("s", "bytes", "%").
	Unit string `yaml:"unit,omitempty"`
	// Direction says which change is bad (default increase).
	Direction analysis.Direction `yaml:"direction,omitempty"`
	// Tolerance is the relative change below which a difference is never a
	// failure (0.2 = 20%; nil: DefaultTolerance).
	Tolerance *float64 `yaml:"tolerance,omitempty"`
	// Max and Min are absolute bounds on the canary's value (nil: none).
	Max      *float64 `yaml:"max,omitempty"`
	Min      *float64 `yaml:"min,omitempty"`
	Critical bool     `yaml:"critical,omitempty"`
	// Weight weighs the metric in the score and in the false-alarm budget
	// (default DefaultWeight).
	Weight float64 `yaml:"weight,omitempty"`
	// BoundWeight is the part of Weight given to the absolute bounds (max,
	// min), the rest to the relative tests; unset splits the weight
	// equally between all the metric's tests.
	BoundWeight float64 `yaml:"boundWeight,omitempty"`
	Group       string  `yaml:"group,omitempty"`
	// NoData says what no data means (default inconclusive).
	NoData analysis.NoDataPolicy `yaml:"noData,omitempty"`

	// The judge's per-metric knobs; see analysis.Metric and docs/judge.md.

	// PodSpread is the typical relative difference between two healthy
	// pods (0.06 = 6%).
	PodSpread float64 `yaml:"podSpread,omitempty"`
	// Trend also compares the canary's slope with the stable pods' (leaks);
	// TrendTolerance is the extra growth per hour that is never a failure.
	Trend          bool    `yaml:"trend,omitempty"`
	TrendTolerance float64 `yaml:"trendTolerance,omitempty"`
	// DetectableChange is the change the data must be able to reveal
	// before a Pass counts (negative: no such check).
	DetectableChange float64 `yaml:"detectableChange,omitempty"`
	// Warmup replaces the rule set's warm-up for this metric (nil: the
	// rule set's).
	Warmup *model.Duration `yaml:"warmup,omitempty"`
	// MaxWarmup replaces the rule set's longest warm-up for this metric
	// (nil: the rule set's).
	MaxWarmup *model.Duration `yaml:"maxWarmup,omitempty"`
	// Kayenta's effect-size gates and critical effect sizes.
	EffectMeasure    analysis.EffectMeasure `yaml:"effectMeasure,omitempty"`
	AllowedIncrease  float64                `yaml:"allowedIncrease,omitempty"`
	AllowedDecrease  float64                `yaml:"allowedDecrease,omitempty"`
	CriticalIncrease float64                `yaml:"criticalIncrease,omitempty"`
	CriticalDecrease float64                `yaml:"criticalDecrease,omitempty"`
	// Outliers keeps or removes per-step outliers (Tukey's fences at
	// OutlierFactor interquartile ranges).
	Outliers      analysis.OutlierPolicy `yaml:"outliers,omitempty"`
	OutlierFactor float64                `yaml:"outlierFactor,omitempty"`

	// queries are the parsed templates, keyed by role, filled by Load; a
	// metric built in code parses its templates when they are asked for.
	queries map[Role]*Template
}

// SignatureOptions are the knobs of a signatures metric. LineLimit's
// default is DefaultLineLimit; the others are the signature judge's own
// (analysis.SignatureOptions), which reads zero as its default
// (analysis/signatures).
type SignatureOptions struct {
	// LineLimit caps the log lines fetched for each side (the canary's pods,
	// the stable pods) over the window, oldest first. When a side has more,
	// both sides are compared up to that side's last fetched line.
	LineLimit int `yaml:"lineLimit,omitempty"`
	// MinCount is the fewest canary lines a signature needs to fail the
	// canary.
	MinCount int `yaml:"minCount,omitempty"`
	// MaxFindings caps the signatures listed in the result.
	MaxFindings int `yaml:"maxFindings,omitempty"`
	// ExampleLength caps each example line, in characters.
	ExampleLength int `yaml:"exampleLength,omitempty"`
	// Similarity is the least share of equal tokens for two lines to share
	// a signature (0 < similarity <= 1).
	Similarity float64 `yaml:"similarity,omitempty"`
	// DetectableCount: when a brand-new signature would need more canary
	// lines than this to be significant, the metric is NotEnoughData. -1
	// turns the check off.
	DetectableCount int `yaml:"detectableCount,omitempty"`
}

// Limits of signatures metrics' options.
const (
	MaxLineLimit     = 50000
	MaxMaxFindings   = 100
	MaxExampleLength = 2000
)
