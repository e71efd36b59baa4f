package bench

import (
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits are the timing and limits of the AnalysisTemplate's metric.
type Limits struct {
	InitialDelay      time.Duration
	Interval          time.Duration
	Count             int
	FailureLimit      int
	InconclusiveLimit int
}

// Ages returns the canary's age at each look.
func (l Limits) Ages() []time.Duration {
	out := make([]time.Duration, l.Count)
	for i := range out {
		out[i] = l.InitialDelay + time.Duration(i)*l.Interval
	}
	return out
}

// ReadLimits reads the first metric of an AnalysisTemplate or
// ClusterAnalysisTemplate file.
func ReadLimits(path string) (Limits, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Limits{}, err
	}
	var doc struct {
		Spec struct {
			Metrics []struct {
				InitialDelay      string `yaml:"initialDelay"`
				Interval          string `yaml:"interval"`
				Count             *int   `yaml:"count"`
				FailureLimit      *int   `yaml:"failureLimit"`
				InconclusiveLimit *int   `yaml:"inconclusiveLimit"`
			} `yaml:"metrics"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Limits{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Spec.Metrics) == 0 {
		return Limits{}, fmt.Errorf("%s: no metrics", path)
	}
	m := doc.Spec.Metrics[0]
	if m.Count == nil {
		return Limits{}, fmt.Errorf("%s: the metric has no count", path)
	}
	l := Limits{Count: *m.Count}
	// Argo's defaults: failureLimit 0, inconclusiveLimit 0, no initial delay.
	if m.FailureLimit != nil {
		l.FailureLimit = *m.FailureLimit
	}
	if m.InconclusiveLimit != nil {
		l.InconclusiveLimit = *m.InconclusiveLimit
	}
	for _, d := range []struct {
		s  string
		to *time.Duration
	}{{m.InitialDelay, &l.InitialDelay}, {m.Interval, &l.Interval}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return Limits{}, fmt.Errorf("%s: %w", path, err)
		}
		*d.to = v
	}
	return l, nil
}
