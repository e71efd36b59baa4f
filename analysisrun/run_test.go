package analysisrun

import (
	"strings"
	"testing"
	"time"
)

const (
	S = "Successful"
	F = "Failed"
	I = "Inconclusive"
	E = "" // an error answer
)

// TestMeasure steps runs through errors and retries as Argo's controller
// does: an error does not use up a look, ConsecutiveErrorLimit errors in a
// row are survived and one more is not, a verdict resets the row, and a
// negative failureLimit never fails.
func TestMeasure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		l        Limits
		verdicts []string
		phase    Phase
		looks    int
		errors   int
		waits    []time.Duration // Wait after each measurement
	}{
		{"errors do not count toward count", Limits{Count: 2, Interval: time.Minute, ConsecutiveErrorLimit: 4},
			[]string{S, E, E, S}, PhaseSuccessful, 2, 2, []time.Duration{time.Minute, ErrorRetry, ErrorRetry, time.Minute}},
		{"the limit is survived, one more is not", Limits{Count: 3, Interval: time.Minute, ConsecutiveErrorLimit: 2},
			[]string{E, E, E}, PhaseError, 0, 3, []time.Duration{ErrorRetry, ErrorRetry, ErrorRetry}},
		{"a verdict resets the row", Limits{Count: 3, Interval: time.Minute, ConsecutiveErrorLimit: 1},
			[]string{E, S, E, S, E, S}, PhaseSuccessful, 3, 3, nil},
		{"limit zero: the first error ends the run", Limits{Count: 3}, []string{S, E}, PhaseError, 1, 1, nil},
		{"a negative failure limit is off", Limits{Count: 3, FailureLimit: -1}, []string{F, F, F}, PhaseSuccessful, 3, 0, nil},
		{"measurements after the end are ignored", Limits{Count: 1}, []string{F, S, S}, PhaseFailed, 1, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r Run
			for i, v := range c.verdicts {
				r.Measure(v, c.l)
				if c.waits != nil && r.Wait(c.l) != c.waits[i] {
					t.Errorf("after measurement %d (%q): wait %v, want %v", i+1, v, r.Wait(c.l), c.waits[i])
				}
			}
			if r.Phase != c.phase || r.Looks != c.looks || r.Errors != c.errors {
				t.Errorf("got %+v, want %s after %d looks and %d errors", r, c.phase, c.looks, c.errors)
			}
		})
	}
}

func TestReadShippedLimits(t *testing.T) {
	t.Parallel()
	l, err := ReadLimits("../deploy/analysis/cluster-analysis-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if l.Count < 1 || l.Interval <= 0 {
		t.Fatalf("limits %+v", l)
	}
	ages := l.Ages()
	if len(ages) != l.Count || ages[0] != l.InitialDelay || ages[1]-ages[0] != l.Interval {
		t.Errorf("ages %v for %+v", ages, l)
	}
	if l.InitialDelay < time.Minute {
		t.Errorf("first look at %v: the canary has no data yet", l.InitialDelay)
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml string
		want       Limits
		err        string
	}{
		{"Argo's defaults", "spec:\n  metrics:\n    - name: m\n      count: 3\n      interval: 1m\n",
			Limits{Count: 3, Interval: time.Minute, ConsecutiveErrorLimit: 4}, ""},
		{"all set", "spec:\n  metrics:\n    - {name: m, count: 2, interval: 30s, initialDelay: 2m, failureLimit: 1, inconclusiveLimit: 2, consecutiveErrorLimit: 0}\n",
			Limits{Count: 2, Interval: 30 * time.Second, InitialDelay: 2 * time.Minute, FailureLimit: 1, InconclusiveLimit: 2}, ""},
		{"no count", "spec:\n  metrics:\n    - {name: m, interval: 1m}\n", Limits{}, "no count"},
		{"no metrics", "spec: {}\n", Limits{}, "no metrics"},
		{"count without interval", "spec:\n  metrics:\n    - {name: m, count: 2}\n", Limits{}, "needs an interval"},
		{"consecutiveSuccessLimit", "spec:\n  metrics:\n    - {name: m, count: 2, interval: 1m, consecutiveSuccessLimit: 2}\n", Limits{}, "not supported"},
		{"bad duration", "spec:\n  metrics:\n    - {name: m, count: 2, interval: often}\n", Limits{}, "often"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseLimits([]byte(c.yaml), "t.yaml")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "t.yaml") {
					t.Errorf("error %v, want one naming t.yaml and containing %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}
