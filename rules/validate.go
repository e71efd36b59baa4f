package rules

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

var (
	ruleSetName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	metricName  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	labelName   = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// maxPoints is Prometheus' limit on points per series in a range query.
const maxPoints = 11000

type validator struct {
	file string
	root *yaml.Node
	errs Errors
}

func (v *validator) errorf(path []any, format string, args ...any) {
	line, col := position(v.root, path...)
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) ruleSet(rs *RuleSet) {
	switch {
	case rs.Name == "":
		v.errorf(nil, "name is required")
	case len(rs.Name) > 63 || !ruleSetName.MatchString(rs.Name):
		v.errorf([]any{"name"}, "name %q must be lower-case letters, digits and '-' (at most 63)", rs.Name)
	}
	switch rs.Judge {
	case "":
		rs.Judge = JudgeCanary
	case JudgeCanary, JudgeKayenta:
	default:
		v.errorf([]any{"judge"}, "judge %q is not one of canary, kayenta", rs.Judge)
	}
	v.pods(&rs.Pods)
	if !hasKey(v.root, "thresholds") {
		v.errorf(nil, "thresholds (pass and marginal) are required")
	} else {
		v.thresholds([]any{"thresholds"}, rs.Thresholds)
	}
	if rs.Step == 0 {
		rs.Step = model.Duration(DefaultStep)
	}
	if rs.Lookback == 0 {
		rs.Lookback = model.Duration(DefaultLookback)
	}
	if !hasKey(v.root, "warmup") {
		rs.Warmup = model.Duration(DefaultWarmup)
	}
	if time.Duration(rs.Step) < time.Second {
		v.errorf([]any{"step"}, "step must be at least 1s")
	}
	if rs.Lookback < rs.Step {
		v.errorf([]any{"lookback"}, "lookback %s is shorter than step %s", rs.Lookback, rs.Step)
	} else if rs.Step > 0 && int64(rs.Lookback)/int64(rs.Step) > maxPoints {
		v.errorf([]any{"lookback"}, "lookback/step gives more than %d points per series", maxPoints)
	}
	if rs.Warmup < 0 {
		v.errorf([]any{"warmup"}, "warmup must not be negative")
	}
	if !hasKey(v.root, "alpha") {
		rs.Alpha = DefaultAlpha
	}
	v.alpha([]any{"alpha"}, rs.Alpha)
	v.suspectLevel([]any{"suspectLevel"}, rs.SuspectLevel)
	switch {
	case rs.Looks == 0:
		rs.Looks = DefaultLooks
	case rs.Looks < 1 || rs.Looks > 100:
		v.errorf([]any{"looks"}, "looks must be in [1, 100], got %d", rs.Looks)
	}
	switch {
	case rs.LookInterval == 0:
		rs.LookInterval = model.Duration(DefaultInterval)
	case rs.LookInterval < 0:
		v.errorf([]any{"lookInterval"}, "lookInterval must not be negative")
	}
	switch {
	case !hasKey(v.root, "lookDelay"):
		rs.LookDelay = model.Duration(DefaultLookDelay)
	case rs.LookDelay < 0:
		v.errorf([]any{"lookDelay"}, "lookDelay must not be negative")
	}
	if len(rs.Metrics) == 0 {
		v.errorf(nil, "a rule set needs at least one metric")
	}
	seen := map[string]int{}
	loads := map[string]bool{}
	for i := range rs.Metrics {
		m := &rs.Metrics[i]
		v.metric(i, m, rs)
		loads[m.Name] = m.Load != ""
		if j, dup := seen[m.Name]; dup && m.Name != "" {
			v.errorf([]any{"metrics", i, "name"}, "metric %q is already defined (metrics[%d])", m.Name, j)
		}
		seen[m.Name] = i
	}
	envs := make([]string, 0, len(rs.Environments))
	for name := range rs.Environments {
		envs = append(envs, name)
	}
	sort.Strings(envs)
	for _, name := range envs {
		v.environment(name, rs.Environments[name], seen, loads)
	}
}

func hasKey(root *yaml.Node, key string) bool {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func (v *validator) pods(p *PodMatching) {
	switch p.By {
	case "":
		p.By = ByName
	case ByName, ByLabel:
	default:
		v.errorf([]any{"pods", "by"}, "pods.by %q is not one of name, label", p.By)
	}
	if p.Label == "" {
		p.Label = DefaultHashLabel
	}
	if p.PodLabel == "" {
		p.PodLabel = DefaultPodLabel
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

func (v *validator) metric(i int, m *Metric, rs *RuleSet) {
	at := func(key string) []any { return []any{"metrics", i, key} }
	switch {
	case m.Name == "":
		v.errorf([]any{"metrics", i}, "metrics[%d]: name is required", i)
	case !metricName.MatchString(m.Name):
		v.errorf(at("name"), "metric name %q must be letters, digits, '-', '_' or '.'", m.Name)
	}
	switch m.Source {
	case "":
		m.Source = SourcePrometheus
		if m.Kind == KindSignatures {
			m.Source = SourceLoki
		}
	case SourcePrometheus, SourceLoki:
	default:
		v.errorf(at("source"), "metric %q: source %q is not one of prometheus, loki", m.Name, m.Source)
	}
	if m.Kind == "" {
		m.Kind = KindValue
	}
	want := map[Kind][]Role{
		KindValue:      {RoleQuery},
		KindRatio:      {RoleNumerator, RoleDenominator},
		KindRate:       {RoleQuery},
		KindSignatures: {RoleQuery},
	}
	roles, ok := want[m.Kind]
	if !ok {
		v.errorf(at("kind"), "metric %q: kind %q is not one of value, ratio, rate, signatures", m.Name, m.Kind)
	}
	texts := map[Role]string{RoleQuery: m.Query, RoleNumerator: m.Numerator, RoleDenominator: m.Denominator,
		RoleExposure: m.Exposure, RoleLoad: m.Load}
	allowed := map[Role]bool{}
	for _, r := range roles {
		allowed[r] = true
	}
	if m.Kind == KindRate || m.Kind == KindSignatures {
		allowed[RoleExposure] = true
	}
	if m.Kind == KindValue {
		allowed[RoleLoad] = true
	}
	m.queries = map[Role]*Template{}
	for _, r := range []Role{RoleQuery, RoleNumerator, RoleDenominator, RoleExposure, RoleLoad} {
		text := texts[r]
		switch {
		case text == "" && ok && contains(roles, r):
			v.errorf([]any{"metrics", i}, "metric %q: kind %s needs %s", m.Name, m.Kind, r)
		case text != "" && ok && !allowed[r]:
			v.errorf(at(string(r)), "metric %q: kind %s does not use %s", m.Name, m.Kind, r)
		case text != "":
			t, err := ParseTemplate(m.Name+"."+string(r), text)
			if err != nil {
				v.errorf(at(string(r)), "metric %q: %s: %v", m.Name, r, err)
				continue
			}
			m.queries[r] = t
		}
	}
	switch m.Direction {
	case "":
		m.Direction = Increase
	case Increase, Decrease, Either:
	default:
		v.errorf(at("direction"), "metric %q: direction %q is not one of increase, decrease, either", m.Name, m.Direction)
	}
	if m.Tolerance == nil {
		t := DefaultTolerance
		m.Tolerance = &t
	} else if *m.Tolerance < 0 || math.IsNaN(*m.Tolerance) {
		v.errorf(at("tolerance"), "metric %q: tolerance must not be negative", m.Name)
	}
	if m.Weight == nil {
		w := DefaultWeight
		m.Weight = &w
	} else if !(*m.Weight > 0) {
		v.errorf(at("weight"), "metric %q: weight must be positive", m.Name)
	}
	if b := m.BoundWeight; b != nil {
		switch {
		case !(*b >= 0):
			v.errorf(at("boundWeight"), "metric %q: boundWeight must not be negative", m.Name)
		case m.Max == nil && m.Min == nil:
			v.errorf(at("boundWeight"), "metric %q: boundWeight needs a max or min bound", m.Name)
		case m.Weight != nil && *b >= *m.Weight:
			v.errorf(at("boundWeight"), "metric %q: boundWeight %g must be below the weight %g (the relative tests need a part of it)", m.Name, *b, *m.Weight)
		}
	}
	if m.Max != nil && m.Min != nil && *m.Min > *m.Max {
		v.errorf(at("min"), "metric %q: min %g is above max %g", m.Name, *m.Min, *m.Max)
	}
	if m.ModelLookback != nil {
		switch {
		case m.Load == "":
			v.errorf(at("modelLookback"), "metric %q: modelLookback applies to a metric with a load query only", m.Name)
		case *m.ModelLookback < rs.Lookback:
			v.errorf(at("modelLookback"), "metric %q: modelLookback %s is shorter than the lookback %s", m.Name, *m.ModelLookback, rs.Lookback)
		case rs.Step > 0 && int64(*m.ModelLookback)/int64(rs.Step) > maxPoints:
			v.errorf(at("modelLookback"), "metric %q: modelLookback/step gives more than %d points per series", m.Name, maxPoints)
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
	v.judgeKnobs(i, m)
	switch m.NoData {
	case "":
		m.NoData = NoDataInconclusive
	case NoDataFail, NoDataInconclusive, NoDataIgnore:
	default:
		v.errorf(at("noData"), "metric %q: noData %q is not one of fail, inconclusive, ignore", m.Name, m.NoData)
	}
	if m.Kind == KindRate && m.Source == SourceLoki && m.Exposure == "" {
		// Loki leaves out the steps without matching lines instead of
		// answering 0, so the events query alone cannot show that a pod was
		// alive and quiet: every step it returns has events.
		v.errorf(at("kind"), "metric %q: a rate from Loki needs an exposure query (e.g. sum by (pod) (count_over_time({...} [{{.Step}}])) of a stream the pod always writes): Loki leaves out steps without events, so without it the rate never sees a quiet step", m.Name)
	}
	v.signatures(i, m)
}

func contains(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func (v *validator) environment(name string, e Environment, metrics map[string]int, loads map[string]bool) {
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
	names := make([]string, 0, len(e.Metrics))
	for n := range e.Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := metrics[n]; !ok {
			v.errorf(append(at, "metrics", n), "environment %s overrides metric %q, which the rule set does not define", name, n)
		}
		o := e.Metrics[n]
		if o.Weight != nil && !(*o.Weight > 0) {
			v.errorf(append(at, "metrics", n, "weight"), "environment %s: metric %q: weight must be positive", name, n)
		}
		if loads[n] && (o.Max != nil || o.Min != nil) {
			v.errorf(append(at, "metrics", n), "environment %s: metric %q is judged against load: max and min do not apply", name, n)
		}
		if o.Tolerance != nil && *o.Tolerance < 0 {
			v.errorf(append(at, "metrics", n, "tolerance"), "environment %s: metric %q: tolerance must not be negative", name, n)
		}
	}
}

// judgeKnobs checks the judge's per-metric settings.
func (v *validator) judgeKnobs(i int, m *Metric) {
	at := func(key string) []any { return []any{"metrics", i, key} }
	for _, f := range []struct {
		key string
		v   *float64
	}{
		{"podSpread", m.PodSpread}, {"trendTolerance", m.TrendTolerance},
		{"allowedIncrease", m.AllowedIncrease}, {"allowedDecrease", m.AllowedDecrease},
		{"criticalIncrease", m.CriticalIncrease}, {"criticalDecrease", m.CriticalDecrease},
		{"outlierFactor", m.OutlierFactor},
	} {
		if f.v != nil && !(*f.v >= 0) {
			v.errorf(at(f.key), "metric %q: %s must not be negative", m.Name, f.key)
		}
	}
	if m.DetectableChange != nil && math.IsNaN(*m.DetectableChange) {
		v.errorf(at("detectableChange"), "metric %q: detectableChange is not a number", m.Name)
	}
	if m.Warmup != nil && *m.Warmup < 0 {
		v.errorf(at("warmup"), "metric %q: warmup must not be negative", m.Name)
	}
	if m.Trend && m.Kind != KindValue {
		v.errorf(at("trend"), "metric %q: trend applies to value metrics only", m.Name)
	}
	switch m.EffectMeasure {
	case "", "meanRatio", "cles":
	default:
		v.errorf(at("effectMeasure"), "metric %q: effectMeasure %q is not one of meanRatio, cles", m.Name, m.EffectMeasure)
	}
	switch m.Outliers {
	case "", "keep", "remove":
	default:
		v.errorf(at("outliers"), "metric %q: outliers %q is not one of keep, remove", m.Name, m.Outliers)
	}
}
