package analysisrun

import (
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultConsecutiveErrorLimit is Argo's consecutiveErrorLimit when a
// template sets none.
const DefaultConsecutiveErrorLimit = 4

// Limits are the timing and limits of an AnalysisTemplate's metric.
type Limits struct {
	InitialDelay      time.Duration
	Interval          time.Duration
	Count             int
	FailureLimit      int
	InconclusiveLimit int
	// ConsecutiveErrorLimit is how many errors in a row the metric
	// survives; one more makes it Error.
	ConsecutiveErrorLimit int
}

// Ages returns the canary's age at each look when every measurement
// answers: InitialDelay, then every Interval.
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
	return ParseLimits(b, path)
}

// ParseLimits reads the first metric of an AnalysisTemplate or
// ClusterAnalysisTemplate; file names it in errors. Fields the template
// leaves out take Argo's defaults: failureLimit 0, inconclusiveLimit 0,
// consecutiveErrorLimit 4, no initial delay. A metric without count runs
// until the rollout ends it, which a replay cannot do, and
// consecutiveSuccessLimit changes the rules Measure follows: both are
// errors.
func ParseLimits(data []byte, file string) (Limits, error) {
	var doc struct {
		Spec struct {
			Metrics []struct {
				InitialDelay          string `yaml:"initialDelay"`
				Interval              string `yaml:"interval"`
				Count                 *int   `yaml:"count"`
				FailureLimit          *int   `yaml:"failureLimit"`
				InconclusiveLimit     *int   `yaml:"inconclusiveLimit"`
				ConsecutiveErrorLimit *int   `yaml:"consecutiveErrorLimit"`
				ConsecutiveSuccess    *int   `yaml:"consecutiveSuccessLimit"`
			} `yaml:"metrics"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Limits{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Spec.Metrics) == 0 {
		return Limits{}, fmt.Errorf("%s: no metrics", file)
	}
	m := doc.Spec.Metrics[0]
	if m.Count == nil || *m.Count < 1 {
		return Limits{}, fmt.Errorf("%s: the metric has no count", file)
	}
	if m.ConsecutiveSuccess != nil && *m.ConsecutiveSuccess > 0 {
		return Limits{}, fmt.Errorf("%s: consecutiveSuccessLimit is not supported", file)
	}
	l := Limits{Count: *m.Count, ConsecutiveErrorLimit: DefaultConsecutiveErrorLimit}
	for _, v := range []struct {
		from *int
		to   *int
	}{{m.FailureLimit, &l.FailureLimit}, {m.InconclusiveLimit, &l.InconclusiveLimit}, {m.ConsecutiveErrorLimit, &l.ConsecutiveErrorLimit}} {
		if v.from != nil {
			*v.to = *v.from
		}
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
			return Limits{}, fmt.Errorf("%s: %w", file, err)
		}
		*d.to = v
	}
	if l.Count > 1 && l.Interval <= 0 {
		return Limits{}, fmt.Errorf("%s: count %d needs an interval", file, l.Count)
	}
	return l, nil
}
