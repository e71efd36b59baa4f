package rules

import "github.com/prometheus/common/model"

// Environment overrides parts of a rule set in one environment (alpha, beta,
// live), so that one rule file serves every cluster: the service is started
// with --environment and applies that entry.
type Environment struct {
	Thresholds *Thresholds `yaml:"thresholds,omitempty"`
	Alpha      *float64    `yaml:"alpha,omitempty"`
	// SuspectLevel overrides the rule set's (0 turns it off).
	SuspectLevel *float64                  `yaml:"suspectLevel,omitempty"`
	Warmup       *model.Duration           `yaml:"warmup,omitempty"`
	Lookback     *model.Duration           `yaml:"lookback,omitempty"`
	Metrics      map[string]MetricOverride `yaml:"metrics,omitempty"`
}

// MetricOverride changes one metric's judgement in an environment.
type MetricOverride struct {
	Tolerance *float64 `yaml:"tolerance,omitempty"`
	Max       *float64 `yaml:"max,omitempty"`
	Min       *float64 `yaml:"min,omitempty"`
	Critical  *bool    `yaml:"critical,omitempty"`
	Weight    *float64 `yaml:"weight,omitempty"`
}

// apply copies the set fields of e onto rs. Unknown metric names were
// rejected by validation before this runs.
func (e Environment) apply(rs *RuleSet) {
	if e.Thresholds != nil {
		rs.Thresholds = *e.Thresholds
	}
	if e.Alpha != nil {
		rs.Alpha = *e.Alpha
	}
	if e.SuspectLevel != nil {
		rs.SuspectLevel = *e.SuspectLevel
	}
	if e.Warmup != nil {
		rs.Warmup = e.Warmup
	}
	if e.Lookback != nil {
		rs.Lookback = *e.Lookback
	}
	for i := range rs.Metrics {
		o, ok := e.Metrics[rs.Metrics[i].Name]
		if !ok {
			continue
		}
		m := &rs.Metrics[i]
		if o.Tolerance != nil {
			m.Tolerance = o.Tolerance
		}
		if o.Max != nil {
			m.Max = o.Max
		}
		if o.Min != nil {
			m.Min = o.Min
		}
		if o.Critical != nil {
			m.Critical = *o.Critical
		}
		if o.Weight != nil {
			m.Weight = *o.Weight
		}
	}
}

// InEnvironment returns the rule set with env's overrides applied to its
// base values (the file's own, without any environment), whatever
// environment rs was loaded for: the effective values a service started
// with --environment env would use. env "" gives the base values; an
// environment the file does not define gives them too.
func (rs *RuleSet) InEnvironment(env string) *RuleSet {
	b := rs.base
	if b == nil {
		b = rs
	}
	out := b.WithDefaults() // a copy
	out.base, out.Environment = nil, ""
	if e, ok := out.Environments[env]; ok && env != "" {
		out.base = b
		e.apply(out)
		out.Environment = env
	}
	return out
}
