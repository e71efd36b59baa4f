package engine

import (
	"fmt"
	"math"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/analysis/canary"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// ageHint is the p-value below which the age check counts the baseline's
// pods as showing an excess: the judge's hint level, the same "a sign,
// not a proof" it uses elsewhere.
const ageHint = canary.DefaultHintLevel

// ageFinding is a metric on which the canary fails against the stable pods
// while pods of its age show no sign of an excess: p is the age check's
// p-value for the test that failed the canary.
type ageFinding struct {
	metric string
	p      float64
}

// ageUnexplained returns the metrics that fail the canary against the
// stable pods (s) and that its age does not explain: in the age check (a,
// the baseline's pods against the same stable pods over the same window)
// the test that failed the canary has a p-value of at least ageHint. Pods
// started with the canary share what its age does to it (a cold cache, a
// warm-up that outlasts the analysis); where they do not differ from the
// stable pods, the canary's difference is its own.
//
// A metric the age check could not test (no such metric, no p-value)
// counts as explained: the baseline then decides, as without the check.
func ageUnexplained(s, a *wire.Response) []ageFinding {
	if a == nil {
		return nil
	}
	var out []ageFinding
	for _, name := range s.Summary.Failed {
		sm, am := metricNamed(s.Metrics, name), metricNamed(a.Metrics, name)
		if sm == nil || am == nil {
			continue
		}
		if p := ageP(sm, am); !math.IsNaN(p) && p >= ageHint {
			out = append(out, ageFinding{metric: name, p: p})
		}
	}
	return out
}

// ageP is the age check's p-value for the tests that failed sm: the
// smallest p-value of am's tests named as sm's significant ones, or am's
// own p-value when sm names none (a judge without test evidence). NaN
// when am has none.
func ageP(sm, am *wire.MetricResult) float64 {
	if sm.Evidence == nil || am.Evidence == nil {
		return float64(am.PValue)
	}
	p, found := math.NaN(), false
	for _, st := range sm.Evidence.Tests {
		if !st.Significant {
			continue
		}
		found = true
		for _, at := range am.Evidence.Tests {
			if at.Name == st.Name && !math.IsNaN(float64(at.PValue)) && (math.IsNaN(p) || float64(at.PValue) < p) {
				p = float64(at.PValue)
			}
		}
	}
	if !found {
		return float64(am.PValue)
	}
	return p
}

// metricNamed is the metric named name in ms, or nil.
func metricNamed(ms []wire.MetricResult, name string) *wire.MetricResult {
	for i := range ms {
		if ms[i].Name == name {
			return &ms[i]
		}
	}
	return nil
}

// ageReason says why a canary that does not fail against the baseline
// fails: its age does not explain what it shows against the stable pods.
func ageReason(t request.Target, b, s *wire.Response, found []ageFinding) string {
	parts := make([]string, len(found))
	for i, f := range found {
		parts[i] = fmt.Sprintf("%s (p = %.2g)", f.metric, f.p)
	}
	return fmt.Sprintf("Failed: the canary fails against the stable pods (%s), and the baseline (%s), started with it, "+
		"shows no sign of the same excess against them in %s, so the canary's age does not explain it, although it "+
		"%s the baseline. Against the baseline: %s Against the stable pods: %s",
		t.StableHash, t.StableReplicaSet, strings.Join(parts, ", "), outcomeOf(b.Verdict), sentence(b.Reason), sentence(s.Reason))
}
