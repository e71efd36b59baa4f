// Package rules is the rule-file language: one rule set per YAML file, decoded
// strictly, validated with file:line errors, with per-environment overrides.
//
// A rule set says which metrics to fetch for a canary and its stable pods, how
// to judge each one, and the thresholds that turn a score into a verdict.
package rules

import (
	"time"

	"github.com/prometheus/common/model"
)

// RuleSet is one rule file after defaults, validation and the environment's
// overrides are applied.
type RuleSet struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description,omitempty"`
	Judge       JudgeName      `yaml:"judge,omitempty"`
	Pods        PodMatching    `yaml:"pods,omitempty"`
	Thresholds  Thresholds     `yaml:"thresholds"`
	Lookback    model.Duration `yaml:"lookback,omitempty"`
	Step        model.Duration `yaml:"step,omitempty"`
	Warmup      model.Duration `yaml:"warmup,omitempty"`
	// Alpha is the false-alarm rate allowed for a whole analysis run.
	Alpha float64 `yaml:"alpha,omitempty"`
	// SuspectLevel, when positive, keeps a metric from passing while its
	// data point at a regression beyond its tolerance that the run's
	// budget cannot confirm (a test's p-value below SuspectLevel but above
	// its Holm level): the metric is NotEnoughData and the verdict at most
	// Inconclusive, so a human looks. Zero turns it off. The canary judge
	// only.
	SuspectLevel float64 `yaml:"suspectLevel,omitempty"`
	// Looks is how many times one analysis run asks (the AnalysisTemplate's
	// count): the judge splits Alpha over them. LookInterval (the
	// template's interval) only serves to report which look a request is.
	Looks        int            `yaml:"looks,omitempty"`
	LookInterval model.Duration `yaml:"lookInterval,omitempty"`
	// LookDelay is the canary's age at the first look (the template's
	// initialDelay, when the analysis starts with the canary): with
	// LookInterval it tells the judge which look a request is.
	LookDelay    model.Duration         `yaml:"lookDelay,omitempty"`
	Environments map[string]Environment `yaml:"environments,omitempty"`
	Metrics      []Metric               `yaml:"metrics"`

	// File is where the rule set was loaded from.
	File string `yaml:"-"`
	// Environment is the environment whose overrides were applied, if any.
	Environment string `yaml:"-"`
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

// Source names a backend.
type Source string

// Sources.
const (
	SourcePrometheus Source = "prometheus"
	SourceLoki       Source = "loki"
)

// Kind says what a metric's queries return and how it is judged.
type Kind string

// Metric kinds.
const (
	// KindValue: one query, a value per pod and step (latency, CPU, memory).
	KindValue Kind = "value"
	// KindRatio: numerator and denominator queries giving counts per pod and
	// step (errors out of requests). A pod with a denominator but no
	// numerator series had zero events.
	KindRatio Kind = "ratio"
	// KindRate: events per pod and step (restarts, error log lines), judged
	// per second of pod lifetime. An optional exposure query says when a pod
	// was alive, so that steps without events count as zero.
	KindRate Kind = "rate"
	// KindSignatures: a LogQL log query (source loki) whose lines are
	// fetched for each side, reduced to signatures and compared: the canary
	// fails on signatures the stable pods never, or significantly more
	// rarely, log. An optional exposure query (a LogQL metric query by pod,
	// e.g. requests served) normalises the counts; without it they are
	// compared per pod.
	KindSignatures Kind = "signatures"
)

// Metric is one judged metric.
type Metric struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Source      Source `yaml:"source,omitempty"`
	Kind        Kind   `yaml:"kind,omitempty"`
	// Query is the query of value and rate metrics.
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
	ModelLookback *model.Duration `yaml:"modelLookback,omitempty"`
	// Signatures holds the knobs of signatures metrics.
	Signatures *SignatureOptions `yaml:"signatures,omitempty"`
	// Unit is shown in reasons ("s", "bytes", "%").
	Unit      string    `yaml:"unit,omitempty"`
	Direction Direction `yaml:"direction,omitempty"`
	// Tolerance is the relative change below which a difference is never a
	// failure (0.2 = 20%).
	Tolerance *float64 `yaml:"tolerance,omitempty"`
	// Max and Min are absolute bounds on the canary's value.
	Max      *float64 `yaml:"max,omitempty"`
	Min      *float64 `yaml:"min,omitempty"`
	Critical bool     `yaml:"critical,omitempty"`
	Weight   *float64 `yaml:"weight,omitempty"`
	// BoundWeight is the part of Weight given to the absolute bounds (max,
	// min), the rest to the relative tests; unset splits the weight
	// equally between all the metric's tests.
	BoundWeight *float64     `yaml:"boundWeight,omitempty"`
	Group       string       `yaml:"group,omitempty"`
	NoData      NoDataPolicy `yaml:"noData,omitempty"`

	// The judge's per-metric knobs; see analysis.Metric and docs/judge.md.

	// PodSpread is the typical relative difference between two healthy
	// pods (0.06 = 6%).
	PodSpread *float64 `yaml:"podSpread,omitempty"`
	// Trend also compares the canary's slope with the stable pods' (leaks);
	// TrendTolerance is the extra growth per hour that is never a failure.
	Trend          bool     `yaml:"trend,omitempty"`
	TrendTolerance *float64 `yaml:"trendTolerance,omitempty"`
	// DetectableChange is the change the data must be able to reveal
	// before a Pass counts (negative: no such check).
	DetectableChange *float64 `yaml:"detectableChange,omitempty"`
	// Warmup replaces the rule set's warm-up for this metric.
	Warmup *model.Duration `yaml:"warmup,omitempty"`
	// Kayenta's effect-size gates and critical effect sizes.
	EffectMeasure    EffectMeasure `yaml:"effectMeasure,omitempty"`
	AllowedIncrease  *float64      `yaml:"allowedIncrease,omitempty"`
	AllowedDecrease  *float64      `yaml:"allowedDecrease,omitempty"`
	CriticalIncrease *float64      `yaml:"criticalIncrease,omitempty"`
	CriticalDecrease *float64      `yaml:"criticalDecrease,omitempty"`
	// Outliers keeps or removes per-step outliers (Tukey's fences at
	// OutlierFactor interquartile ranges).
	Outliers      OutlierPolicy `yaml:"outliers,omitempty"`
	OutlierFactor *float64      `yaml:"outlierFactor,omitempty"`

	// queries are the parsed templates, keyed by role.
	queries map[Role]*Template
}

// EffectMeasure names an effect size: meanRatio or cles.
type EffectMeasure string

// OutlierPolicy is keep or remove.
type OutlierPolicy string

// Direction says which change is bad.
type Direction string

// Directions.
const (
	Increase Direction = "increase"
	Decrease Direction = "decrease"
	Either   Direction = "either"
)

// NoDataPolicy says what a metric without data means.
type NoDataPolicy string

// No-data policies.
const (
	NoDataFail         NoDataPolicy = "fail"
	NoDataInconclusive NoDataPolicy = "inconclusive"
	NoDataIgnore       NoDataPolicy = "ignore"
)

// Role names one of a metric's queries.
type Role string

// Query roles.
const (
	RoleQuery       Role = "query"
	RoleNumerator   Role = "numerator"
	RoleDenominator Role = "denominator"
	RoleExposure    Role = "exposure"
	// RoleLoad is the load query of a value metric judged against load.
	RoleLoad Role = "load"
	// RoleLogs is the log query of a signatures metric (its "query"). It
	// is not among Roles: it is run for log lines, not for series.
	RoleLogs Role = "logs"
)

// Query returns the parsed template for a role, or nil.
func (m *Metric) Template(r Role) *Template { return m.queries[r] }

// Roles lists the roles this metric has queries for, in a fixed order.
func (m *Metric) Roles() []Role {
	var out []Role
	for _, r := range []Role{RoleQuery, RoleNumerator, RoleDenominator, RoleExposure, RoleLoad} {
		if m.queries[r] != nil {
			out = append(out, r)
		}
	}
	return out
}

// SignatureOptions are the knobs of a signatures metric. Zero values take
// the defaults below.
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

// Defaults and limits of signatures metrics.
const (
	DefaultLineLimit       = 5000
	MaxLineLimit           = 50000
	DefaultMinCount        = 3
	DefaultMaxFindings     = 10
	MaxMaxFindings         = 100
	DefaultExampleLength   = 300
	MaxExampleLength       = 2000
	DefaultSimilarity      = 0.5
	DefaultDetectableCount = 20
)

// LogTemplate returns the log query of a signatures metric, or nil.
func (m *Metric) LogTemplate() *Template { return m.queries[RoleLogs] }

// Defaults applied to fields a rule file leaves out.
const (
	DefaultLookback  = 30 * time.Minute
	DefaultStep      = time.Minute
	DefaultWarmup    = 2 * time.Minute
	DefaultAlpha     = 0.01
	DefaultLooks     = 5
	DefaultInterval  = 2 * time.Minute
	DefaultLookDelay = 4 * time.Minute
	DefaultTolerance = 0.1
	DefaultWeight    = 1.0
	DefaultPodLabel  = "pod"
	DefaultHashLabel = "rollouts_pod_template_hash"
)
