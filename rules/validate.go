package rules

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

var (
	ruleSetName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	metricName  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	labelName   = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// validator checks a decoded rule set without changing it. It reads the
// values with their defaults applied (WithDefaults) and positions each
// problem at the YAML node it is about.
type validator struct {
	file string
	root *yaml.Node
	errs Errors
	// lines are the file's lines, to find a query's parts in it.
	lines []string
	// warnings are problems that do not stop the file from loading.
	warnings Errors
	// metricNames are the metrics' names, by index, for messages.
	metricNames []string
	// failed are the paths the decoder already reported.
	failed [][]any
	// templates are the parsed query templates of each metric (by index),
	// kept so that Load need not parse them again.
	templates []map[Role]*Template
}

// decodeFailed reports whether the decoder reported the field at path, or
// a field within it: what validation would say about it follows from that
// error.
func (v *validator) decodeFailed(path ...any) bool {
	for _, f := range v.failed {
		if len(f) >= len(path) && reflect.DeepEqual(f[:len(path)], path) {
			return true
		}
	}
	return false
}

// given reports whether the file sets the key at path, so that an explicit
// zero can be told from an unset field where zero is not a valid setting.
func (v *validator) given(path ...any) bool {
	_, ok := lookup(v.root, path...)
	return ok
}

// explicitZero reports keys the file sets to zero where zero is not a valid
// setting (an unset field takes its default; a written zero is a mistake).
func (v *validator) explicitZero(path []any, isZero bool, what string) {
	if isZero && v.given(path...) {
		v.errorf(path, "%s must be positive", what)
	}
}

func (v *validator) errorf(path []any, format string, args ...any) {
	if v.decodeFailed(path...) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	// Name the metric or environment a problem is in, where the message
	// does not.
	if len(path) >= 2 && !strings.HasPrefix(msg, "metric") && !strings.HasPrefix(msg, "environment") {
		switch k := path[1].(type) {
		case int:
			if path[0] == "metrics" && k < len(v.metricNames) && v.metricNames[k] != "" {
				msg = fmt.Sprintf("metric %q: %s", v.metricNames[k], msg)
			}
		case string:
			if path[0] == "environments" {
				msg = fmt.Sprintf("environment %s: %s", k, msg)
			}
		}
	}
	line, col := position(v.root, path...)
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Col: col, Msg: msg})
}

// ruleSet checks raw (as decoded) through d, raw with its defaults applied.
func (v *validator) ruleSet(raw, d *RuleSet) {
	for _, m := range d.Metrics {
		v.metricNames = append(v.metricNames, m.Name)
	}
	switch {
	case d.Name == "":
		v.errorf(nil, "name is required")
	case len(d.Name) > 63 || !ruleSetName.MatchString(d.Name):
		v.errorf([]any{"name"}, "name %q must be lower-case letters, digits and '-' (at most 63)", d.Name)
	}
	switch d.Judge {
	case JudgeCanary, JudgeKayenta:
	default:
		v.errorf([]any{"judge"}, "judge %q is not one of canary, kayenta", d.Judge)
	}
	v.pods(d.Pods)
	switch {
	case v.decodeFailed("thresholds"):
	case raw.Thresholds == (Thresholds{}):
		v.errorf([]any{"thresholds"}, "thresholds (pass and marginal) are required")
	default:
		v.thresholds([]any{"thresholds"}, d.Thresholds)
	}
	if time.Duration(d.Step) < time.Second || raw.Step == 0 && v.given("step") {
		v.errorf([]any{"step"}, "step must be at least 1s")
	}
	v.explicitZero([]any{"lookback"}, raw.Lookback == 0, "lookback")
	v.explicitZero([]any{"looks"}, raw.Looks == 0, "looks")
	v.explicitZero([]any{"lookInterval"}, raw.LookInterval == 0, "lookInterval")
	v.lookback([]any{"lookback"}, d.Lookback, d)
	if *d.Warmup < 0 {
		v.errorf([]any{"warmup"}, "warmup must not be negative")
	}
	if raw.Alpha == 0 && v.given("alpha") {
		v.alpha([]any{"alpha"}, 0)
	} else {
		v.alpha([]any{"alpha"}, d.Alpha)
	}
	v.suspectLevel([]any{"suspectLevel"}, d.SuspectLevel)
	if d.Looks < 1 || d.Looks > 100 {
		v.errorf([]any{"looks"}, "looks must be in [1, 100], got %d", d.Looks)
	}
	if d.LookInterval < 0 {
		v.errorf([]any{"lookInterval"}, "lookInterval must not be negative")
	}
	if *d.LookDelay < 0 {
		v.errorf([]any{"lookDelay"}, "lookDelay must not be negative")
	}
	if len(d.Metrics) == 0 {
		v.errorf(nil, "a rule set needs at least one metric")
	}
	v.templates = make([]map[Role]*Template, len(d.Metrics))
	seen := map[string]int{}
	for i := range d.Metrics {
		m := &d.Metrics[i]
		v.metric(i, &raw.Metrics[i], m, d)
		if j, dup := seen[m.Name]; dup && m.Name != "" {
			v.errorf([]any{"metrics", i, "name"}, "metric %q is already defined (metrics[%d])", m.Name, j)
		}
		seen[m.Name] = i
	}
	envs := make([]string, 0, len(d.Environments))
	for name := range d.Environments {
		envs = append(envs, name)
	}
	sort.Strings(envs)
	for _, name := range envs {
		v.environment(name, d.Environments[name], d, seen)
	}
}

// lookback checks a lookback against the step and the points limit.
func (v *validator) lookback(path []any, lookback model.Duration, d *RuleSet) {
	switch {
	case lookback < d.Step:
		v.errorf(path, "lookback %s is shorter than step %s", lookback, d.Step)
	case d.Step > 0 && int64(lookback)/int64(d.Step) > MaxPoints:
		v.errorf(path, "lookback/step gives more than %d points per series", MaxPoints)
	}
}

func (v *validator) pods(p PodMatching) {
	switch p.By {
	case ByName, ByLabel:
	default:
		v.errorf([]any{"pods", "by"}, "pods.by %q is not one of name, label", p.By)
	}
	if !labelName.MatchString(p.Label) {
		v.errorf([]any{"pods", "label"}, "pods.label %q is not a valid label name", p.Label)
	}
	if !labelName.MatchString(p.PodLabel) {
		v.errorf([]any{"pods", "podLabel"}, "pods.podLabel %q is not a valid label name", p.PodLabel)
	}
}

func (v *validator) thresholds(path []any, t Thresholds) {
	if t.Pass <= 0 || t.Pass > 100 {
		v.errorf(append(path, "pass"), "thresholds.pass must be in (0, 100], got %g", t.Pass)
	}
	if t.Marginal < 0 || t.Marginal > t.Pass {
		v.errorf(append(path, "marginal"), "thresholds.marginal must be in [0, pass], got %g", t.Marginal)
	}
}

func (v *validator) alpha(path []any, a float64) {
	if !(a > 0 && a <= 0.2) {
		v.errorf(path, "alpha must be in (0, 0.2], got %g", a)
	}
}

func (v *validator) suspectLevel(path []any, s float64) {
	if !(s >= 0 && s <= 0.2) {
		v.errorf(path, "suspectLevel must be in [0, 0.2] (0 turns it off), got %g", s)
	}
}

// kindRoles are the queries each kind needs, and allowedRoles those it may
// have besides.
var (
	kindRoles = map[analysis.Kind][]Role{
		analysis.KindValue:      {RoleQuery},
		analysis.KindRatio:      {RoleNumerator, RoleDenominator},
		analysis.KindRate:       {RoleQuery},
		analysis.KindSignatures: {RoleQuery},
	}
	optionalRoles = map[analysis.Kind][]Role{
		analysis.KindValue:      {RoleLoad, RoleThrottled, RolePeriods},
		analysis.KindRate:       {RoleExposure},
		analysis.KindSignatures: {RoleExposure},
	}
)

// metric checks metric i: raw as decoded, m with its defaults.
func (v *validator) metric(i int, raw, m *Metric, rs *RuleSet) {
	at := func(key string) []any { return []any{"metrics", i, key} }
	switch {
	case m.Name == "":
		v.errorf([]any{"metrics", i}, "metrics[%d]: name is required", i)
	case !metricName.MatchString(m.Name):
		v.errorf(at("name"), "metric name %q must be letters, digits, '-', '_' or '.'", m.Name)
	}
	switch m.Source {
	case providers.TypePrometheus, providers.TypeLoki:
	default:
		v.errorf(at("source"), "metric %q: source %q is not one of prometheus, loki", m.Name, m.Source)
	}
	roles, ok := kindRoles[m.Kind]
	if !ok {
		v.errorf(at("kind"), "metric %q: kind %q is not one of value, ratio, rate, signatures", m.Name, m.Kind)
	}
	texts := map[Role]string{RoleQuery: m.Query, RoleNumerator: m.Numerator, RoleDenominator: m.Denominator,
		RoleExposure: m.Exposure, RoleLoad: m.Load, RoleThrottled: m.Throttled, RolePeriods: m.Periods}
	v.templates[i] = map[Role]*Template{}
	for _, r := range seriesRoles {
		text := texts[r]
		switch {
		case text == "" && ok && contains(roles, r):
			v.errorf([]any{"metrics", i}, "metric %q: kind %s needs %s", m.Name, m.Kind, r)
		case text != "" && ok && !contains(roles, r) && !contains(optionalRoles[m.Kind], r):
			v.errorf(at(string(r)), "metric %q: kind %s does not use %s", m.Name, m.Kind, r)
		case text != "":
			t, err := ParseTemplate(m.Name+"."+string(r), text)
			if err != nil {
				v.errorf(at(string(r)), "metric %q: %s: %v", m.Name, r, err)
				continue
			}
			v.checkQuery(i, string(r), t, m, rs)
			if r == RoleQuery && m.Kind == analysis.KindSignatures {
				r = RoleLogs
			}
			v.templates[i][r] = t
		}
	}
	switch m.Direction {
	case analysis.Increase, analysis.Decrease, analysis.Either:
	default:
		v.errorf(at("direction"), "metric %q: direction %q is not one of increase, decrease, either", m.Name, m.Direction)
	}
	if t := *m.Tolerance; t < 0 || math.IsNaN(t) {
		v.errorf(at("tolerance"), "metric %q: tolerance must not be negative", m.Name)
	}
	if !(m.Weight > 0) || raw.Weight == 0 && v.given(at("weight")...) {
		v.errorf(at("weight"), "metric %q: weight must be positive", m.Name)
	}
	v.explicitZero(at("modelLookback"), raw.ModelLookback == 0, fmt.Sprintf("metric %q: modelLookback", m.Name))
	if b := m.BoundWeight; b != 0 {
		switch {
		case !(b >= 0):
			v.errorf(at("boundWeight"), "metric %q: boundWeight must not be negative", m.Name)
		case m.Max == nil && m.Min == nil:
			v.errorf(at("boundWeight"), "metric %q: boundWeight needs a max or min bound", m.Name)
		case b >= m.Weight:
			v.errorf(at("boundWeight"), "metric %q: boundWeight %g must be below the weight %g (the relative tests need a part of it)", m.Name, b, m.Weight)
		}
	}
	if m.Max != nil && m.Min != nil && *m.Min > *m.Max {
		v.errorf(at("min"), "metric %q: min %g is above max %g", m.Name, *m.Min, *m.Max)
	}
	if m.ModelLookback != 0 {
		switch {
		case m.Load == "":
			v.errorf(at("modelLookback"), "metric %q: modelLookback applies to a metric with a load query only", m.Name)
		case m.ModelLookback < rs.Lookback:
			v.errorf(at("modelLookback"), "metric %q: modelLookback %s is shorter than the lookback %s", m.Name, m.ModelLookback, rs.Lookback)
		case rs.Step > 0 && int64(m.ModelLookback)/int64(rs.Step) > MaxPoints:
			v.errorf(at("modelLookback"), "metric %q: modelLookback/step gives more than %d points per series", m.Name, MaxPoints)
		}
	}
	if m.Load != "" {
		for _, b := range []struct {
			key string
			v   *float64
		}{{"max", m.Max}, {"min", m.Min}} {
			if b.v != nil {
				v.errorf(at(b.key), "metric %q: %s does not apply to a metric judged against load (its judged value is relative to the load model); bound the raw value in a metric of its own", m.Name, b.key)
			}
		}
	}
	v.throttling(i, m, rs)
	v.selects(i, m, rs)
	v.judgeKnobs(i, m)
	switch m.NoData {
	case analysis.NoDataFail, analysis.NoDataInconclusive, analysis.NoDataIgnore:
	default:
		v.errorf(at("noData"), "metric %q: noData %q is not one of fail, inconclusive, ignore", m.Name, m.NoData)
	}
	if m.Kind == analysis.KindRate && m.Source == providers.TypeLoki && m.Exposure == "" {
		// Loki leaves out the steps without matching lines instead of
		// answering 0, so the events query alone cannot show that a pod was
		// alive and quiet: every step it returns has events.
		v.errorf(at("kind"), "metric %q: a rate from Loki needs an exposure query (e.g. sum by (pod) (count_over_time({...} [{{.Step}}])) of a stream the pod always writes): Loki leaves out steps without events, so without it the rate never sees a quiet step", m.Name)
	}
	v.signatures(i, raw, m)
}

func contains(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// environment checks one environment's overrides, alone and as they apply
// to the rule set d (with its defaults).
func (v *validator) environment(name string, e Environment, d *RuleSet, metrics map[string]int) {
	at := []any{"environments", name}
	if !ruleSetName.MatchString(name) {
		v.errorf(at, "environment name %q must be lower-case letters, digits and '-'", name)
	}
	if e.Thresholds != nil {
		v.thresholds(append(at, "thresholds"), *e.Thresholds)
	}
	if e.Alpha != nil {
		v.alpha(append(at, "alpha"), *e.Alpha)
	}
	if e.SuspectLevel != nil {
		v.suspectLevel(append(at, "suspectLevel"), *e.SuspectLevel)
	}
	if e.Warmup != nil && *e.Warmup < 0 {
		v.errorf(append(at, "warmup"), "environment %s: warmup must not be negative", name)
	}
	if e.Lookback != nil {
		v.lookback(append(at, "lookback"), *e.Lookback, d)
		for _, m := range d.Metrics {
			if m.ModelLookback != 0 && m.Load != "" && m.ModelLookback < *e.Lookback {
				v.errorf(append(at, "lookback"), "environment %s: metric %q: modelLookback %s is shorter than the lookback %s", name, m.Name, m.ModelLookback, *e.Lookback)
			}
		}
	}
	names := make([]string, 0, len(e.Metrics))
	for n := range e.Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		i, ok := metrics[n]
		if !ok {
			v.errorf(append(at, "metrics", n), "environment %s overrides metric %q, which the rule set does not define", name, n)
			continue
		}
		m, o := d.Metrics[i], e.Metrics[n]
		if o.Weight != nil && !(*o.Weight > 0) {
			v.errorf(append(at, "metrics", n, "weight"), "environment %s: metric %q: weight must be positive", name, n)
		}
		if m.Load != "" && (o.Max != nil || o.Min != nil) {
			v.errorf(append(at, "metrics", n), "environment %s: metric %q is judged against load: max and min do not apply", name, n)
		}
		if o.Tolerance != nil && (*o.Tolerance < 0 || math.IsNaN(*o.Tolerance)) {
			v.errorf(append(at, "metrics", n, "tolerance"), "environment %s: metric %q: tolerance must not be negative", name, n)
		}
		lo, hi := m.Min, m.Max
		if o.Min != nil {
			lo = o.Min
		}
		if o.Max != nil {
			hi = o.Max
		}
		if lo != nil && hi != nil && *lo > *hi && (o.Min != nil || o.Max != nil) {
			v.errorf(append(at, "metrics", n), "environment %s: metric %q: min %g is above max %g", name, n, *lo, *hi)
		}
	}
}

// judgeKnobs checks the judge's per-metric settings.
func (v *validator) judgeKnobs(i int, m *Metric) {
	at := func(key string) []any { return []any{"metrics", i, key} }
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"podSpread", m.PodSpread}, {"trendTolerance", m.TrendTolerance},
		{"allowedIncrease", m.AllowedIncrease}, {"allowedDecrease", m.AllowedDecrease},
		{"criticalIncrease", m.CriticalIncrease}, {"criticalDecrease", m.CriticalDecrease},
		{"outlierFactor", m.OutlierFactor},
	} {
		if !(f.v >= 0) {
			v.errorf(at(f.key), "metric %q: %s must not be negative", m.Name, f.key)
		}
	}
	if math.IsNaN(m.DetectableChange) {
		v.errorf(at("detectableChange"), "metric %q: detectableChange is not a number", m.Name)
	}
	if m.Warmup != nil && *m.Warmup < 0 {
		v.errorf(at("warmup"), "metric %q: warmup must not be negative", m.Name)
	}
	if m.Trend && m.Kind != analysis.KindValue {
		v.errorf(at("trend"), "metric %q: trend applies to value metrics only", m.Name)
	}
	switch m.EffectMeasure {
	case "", analysis.EffectMeanRatio, analysis.EffectCLES:
	default:
		v.errorf(at("effectMeasure"), "metric %q: effectMeasure %q is not one of meanRatio, cles", m.Name, m.EffectMeasure)
	}
	switch m.Outliers {
	case "", analysis.OutliersKeep, analysis.OutliersRemove:
	default:
		v.errorf(at("outliers"), "metric %q: outliers %q is not one of keep, remove", m.Name, m.Outliers)
	}
}
