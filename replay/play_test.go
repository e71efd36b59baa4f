package replay

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// scripted answers judgements from a script, one entry per call: a
// verdict with the classification of metric "m", or an error ("").
type scripted struct {
	script []string
	class  []analysis.Classification
	calls  []time.Time
}

func (s *scripted) Judge(_ context.Context, req request.Request) (*wire.Response, error) {
	i := len(s.calls)
	s.calls = append(s.calls, req.End)
	if i >= len(s.script) || s.script[i] == "" {
		return nil, errors.New("prometheus: unavailable")
	}
	m := wire.MetricResult{Name: "m", Classification: s.class[i], Reason: "because",
		Evidence: &wire.Evidence{Tests: []wire.TestEvidence{{Name: "level", PValue: 0.001, Alpha: 0.01, Significant: s.class[i].Failing()}}}}
	return &wire.Response{Verdict: analysis.Verdict(s.script[i]), Score: 50, Reason: "r", Metrics: []wire.MetricResult{m}}, nil
}

// TestPlay takes measurements when Argo would: the first at the initial
// delay, the next an interval after a verdict and 10 s after an error.
func TestPlay(t *testing.T) {
	t.Parallel()
	l := analysisrun.Limits{InitialDelay: 4 * time.Minute, Interval: 2 * time.Minute, Count: 3, InconclusiveLimit: 2, ConsecutiveErrorLimit: 2}
	start := at(0)
	const (
		S = "Successful"
		F = "Failed"
		I = "Inconclusive"
	)
	p, n, h := analysis.Pass, analysis.NotEnoughData, analysis.High
	cases := []struct {
		name     string
		script   []string
		class    []analysis.Classification
		now      time.Time
		canary   time.Time // the canary's last sample
		phase    analysisrun.Phase
		ages     []time.Duration
		detected int
		incomp   bool
	}{
		{"three looks", []string{I, S, S}, []analysis.Classification{n, p, p}, at(60), at(60), analysisrun.PhaseSuccessful,
			[]time.Duration{4 * time.Minute, 6 * time.Minute, 8 * time.Minute}, 0, false},
		{"an error is retried after 10 s and keeps the look", []string{S, "", F}, []analysis.Classification{p, p, h}, at(60), at(60), analysisrun.PhaseFailed,
			[]time.Duration{4 * time.Minute, 6 * time.Minute, 6*time.Minute + 10*time.Second}, 2, false},
		{"errors in a row end the run", []string{"", "", ""}, nil, at(60), at(60), analysisrun.PhaseError,
			[]time.Duration{4 * time.Minute, 4*time.Minute + 10*time.Second, 4*time.Minute + 20*time.Second}, 0, false},
		{"no look in the future", []string{S, S, S}, []analysis.Classification{p, p, p}, at(7), at(60), "",
			[]time.Duration{4 * time.Minute, 6 * time.Minute}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &scripted{script: c.script, class: c.class}
			pl := player{limits: l, now: func() time.Time { return c.now }}
			run := pl.play(context.Background(), j, "current", request.Target{}, "rs", start, c.canary, time.Minute)
			if run.Phase != c.phase || run.Incomplete != c.incomp || len(run.Looks) != len(c.ages) {
				t.Fatalf("run %+v", run)
			}
			for i, l := range run.Looks {
				if l.Age.String() != (modelDuration(c.ages[i])) || !j.calls[i].Equal(start.Add(c.ages[i])) {
					t.Errorf("measurement %d at %s (asked for %s), want %s", i+1, l.Age, j.calls[i], c.ages[i])
				}
			}
			if len(run.Metrics) > 0 && run.Metrics[0].DetectedAt != c.detected {
				t.Errorf("detected at look %d, want %d", run.Metrics[0].DetectedAt, c.detected)
			}
			if c.detected > 0 && (run.Metrics[0].Detected != analysis.High || len(run.Metrics[0].Tests) != 1 || !run.Metrics[0].Tests[0].Significant) {
				t.Errorf("metric %+v", run.Metrics[0])
			}
		})
	}
	// The canary's last sample was at the first look; a look more than a
	// step later sees only older data.
	t.Run("looks after the canary went away are marked", func(t *testing.T) {
		j := &scripted{script: []string{I, I, S}, class: []analysis.Classification{n, n, p}}
		pl := player{limits: l, now: func() time.Time { return at(60) }}
		run := pl.play(context.Background(), j, "current", request.Target{}, "rs", start, at(4), time.Minute)
		if run.Looks[0].AfterCanary || !run.Looks[1].AfterCanary || !run.Looks[2].AfterCanary {
			t.Errorf("looks %+v", run.Looks)
		}
	})
}

func modelDuration(d time.Duration) string { return model.Duration(d).String() }
