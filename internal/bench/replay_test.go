package bench

import (
	"testing"
	"time"
)

func TestReplay(t *testing.T) {
	t.Parallel()
	l := Limits{Count: 5, FailureLimit: 1, InconclusiveLimit: 2}
	const (
		S = "Successful"
		F = "Failed"
		I = "Inconclusive"
	)
	cases := []struct {
		name     string
		verdicts []string
		phase    Phase
		looks    int
	}{
		{"all successful", []string{S, S, S, S, S}, PhaseSuccessful, 5},
		{"one failure is within the limit", []string{F, S, S, S, S}, PhaseSuccessful, 5},
		{"second failure fails at once", []string{S, F, S, F, S}, PhaseFailed, 4},
		{"two inconclusive are within the limit", []string{I, I, S, S, S}, PhaseSuccessful, 5},
		{"third inconclusive", []string{I, I, S, I, S}, PhaseInconclusive, 4},
		{"failure limit is checked before inconclusive", []string{I, I, F, F, S}, PhaseFailed, 4},
		{"an error answer", []string{S, "", S, S, S}, PhaseError, 2},
		{"too few looks", []string{S, S}, PhaseError, 2},
		{"extra verdicts are ignored", []string{S, S, S, S, S, F, F}, PhaseSuccessful, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Replay(c.verdicts, l)
			if r.Phase != c.phase || r.Looks != c.looks {
				t.Errorf("got %s after %d looks, want %s after %d", r.Phase, r.Looks, c.phase, c.looks)
			}
		})
	}
	// Argo's defaults: failureLimit 0 fails at the first Failed.
	if r := Replay([]string{S, F}, Limits{Count: 3}); r.Phase != PhaseFailed || r.Looks != 2 {
		t.Errorf("defaults: %+v", r)
	}
}

func TestReadShippedLimits(t *testing.T) {
	t.Parallel()
	l, err := ReadLimits("../../deploy/analysis/cluster-analysis-template.yaml")
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
