package bench

import (
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
)

const (
	S = "Successful"
	F = "Failed"
	I = "Inconclusive"
	E = "" // an error answer
)

func TestReplay(t *testing.T) {
	t.Parallel()
	l := analysisrun.Limits{Count: 5, FailureLimit: 1, InconclusiveLimit: 2, ConsecutiveErrorLimit: 4}
	cases := []struct {
		name     string
		verdicts []string
		phase    analysisrun.Phase
		looks    int
	}{
		{"all successful", []string{S, S, S, S, S}, analysisrun.PhaseSuccessful, 5},
		{"one failure is within the limit", []string{F, S, S, S, S}, analysisrun.PhaseSuccessful, 5},
		{"second failure fails at once", []string{S, F, S, F, S}, analysisrun.PhaseFailed, 4},
		{"two inconclusive are within the limit", []string{I, I, S, S, S}, analysisrun.PhaseSuccessful, 5},
		{"third inconclusive", []string{I, I, S, I, S}, analysisrun.PhaseInconclusive, 4},
		{"failure limit is checked before inconclusive", []string{I, I, F, F, S}, analysisrun.PhaseFailed, 4},
		{"an error answer ends a replay of fixed looks", []string{S, E, S, S, S}, analysisrun.PhaseError, 1},
		{"too few looks", []string{S, S}, analysisrun.PhaseError, 2},
		{"extra verdicts are ignored", []string{S, S, S, S, S, F, F}, analysisrun.PhaseSuccessful, 5},
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
	if r := Replay([]string{S, F}, analysisrun.Limits{Count: 3}); r.Phase != analysisrun.PhaseFailed || r.Looks != 2 {
		t.Errorf("defaults: %+v", r)
	}
}
