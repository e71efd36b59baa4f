package rules

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
	"github.com/canary-analyzer/canary-analyzer/providers"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// TestIncreaseOnPrometheus evaluates {{.Increase}} on a real Prometheus
// scraping every 15 s, 14 s past each quarter minute, and checks each case
// of its documentation at the steps (every minute) where it shows:
//
//   - a stable pod's counter whose data begin mid-history (first value 1000)
//     counts from its second sample; afterwards every increment counts,
//     also those between the last sample of one step and the first of the
//     next;
//   - the first 5xx series of that pod counts its first value (the pod had
//     other series of the metric before);
//   - the canary's new series counts its first value;
//   - a reset counts the value since the reset;
//
// and {{.Rate}}: Increase over the seconds between the two samples where a
// series has a value one step earlier, did not reset and got a new sample,
// nothing else;
//   - a three-minute gap in the scrapes is bridged: the step after it counts
//     everything that happened during the gap; after six minutes without a
//     sample a stable pod's series counts from its next step, and so does
//     a canary's (its value is not counted a second time).
func TestIncreaseOnPrometheus(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	at := func(k int) time.Time { return t0.Add(14*time.Second + time.Duration(k)*15*time.Second) }
	const (
		canary = "web-5f6b7c8d9e-aaaaa"
		stable = "web-7c9d5b6f4d-bbbbb"
		reset  = "web-7c9d5b6f4d-ccccc"
		gap    = "web-7c9d5b6f4d-ddddd"
		// A second canary pod, unreachable for 6 minutes.
		canaryGap = "web-5f6b7c8d9e-eeeee"
	)
	var om strings.Builder
	om.WriteString("# TYPE events counter\n")
	sample := func(pod, code string, k int, v float64) {
		fmt.Fprintf(&om, "events_total{namespace=\"shop\",pod=%q,code=%q} %g %d\n", pod, code, v, at(k).Unix())
	}
	for k := 0; k < 120; k++ { // 1000, 1002, ... from the start of the data
		sample(stable, "200", k, 1000+2*float64(k))
	}
	for k := 21; k < 120; k++ { // the first 5xx at 5m29s: created with 3 errors
		sample(stable, "500", k, 3)
	}
	for k := 32; k < 120; k++ { // the canary from 8m14s: 1, 2, 3, ...
		sample(canary, "200", k, float64(k-31))
	}
	for k := 0; k < 120; k++ { // 50, 51, ..., reset at 12m29s to 0, 1, ...; no scrapes 15m14s-17m59s
		switch {
		case k >= 60 && k < 72:
		case k < 49:
			sample(reset, "200", k, 50+float64(k))
		default:
			sample(reset, "200", k, float64(k-49))
		}
	}
	for k := 0; k < 120; k++ { // 500, 501, ...; no scrapes 10m14s-15m59s
		if k < 40 || k >= 64 {
			sample(gap, "200", k, 500+float64(k))
		}
	}
	for k := 8; k < 120; k++ { // 700, 701, ... from 2m14s; no scrapes 10m14s-15m59s
		if k < 40 || k >= 64 {
			sample(canaryGap, "200", k, 700+float64(k-8))
		}
	}
	om.WriteString("# EOF\n")
	prom := promtest.Start(t, strings.NewReader(om.String()))
	client, err := promprovider.New(providers.ClientOptions{URL: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := NewPodMatcher(PodMatching{By: ByName, PodLabel: "pod", Label: DefaultHashLabel},
		request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(text string) map[string]map[int]float64 {
		t.Helper()
		tp, err := ParseTemplate("events", text)
		if err != nil {
			t.Fatal(err)
		}
		q, err := tp.Render(pm.Params(model.Duration(time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		m, err := client.QueryRange(context.Background(), providers.RangeQuery{Expr: q, Start: t0, End: t0.Add(30 * time.Minute), Step: time.Minute})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out := map[string]map[int]float64{}
		for _, ss := range m {
			steps := map[int]float64{}
			for _, v := range ss.Values {
				steps[int(v.Timestamp.Time().Sub(t0)/time.Minute)] = float64(v.Value)
			}
			out[string(ss.Metric["pod"])] = steps
		}
		return out
	}
	inc := run("sum by (pod) ({{.Increase `events_total{namespace=\"{{.Namespace}}\", {{.Pods}}}`}})")
	rate := run("sum by (pod) ({{.Rate `events_total{namespace=\"{{.Namespace}}\", {{.Pods}}}`}})")

	none := math.NaN()
	cases := []struct {
		what string
		pod  string
		step int // minutes after t0
		want float64
	}{
		{"data begin mid-history: the first value does not count", stable, 1, none},
		{"every increment, also between steps (4 scrapes of 2)", stable, 2, 8},
		{"the pod's first 5xx counts its first value", stable, 6, 8 + 3},
		{"and then nothing more", stable, 7, 8},
		{"the canary's new series counts its first value (1 at 8m14s, then 2, 3, 4)", canary, 9, 4},
		{"the canary then", canary, 10, 4},
		{"before the reset", reset, 12, 4},
		{"a reset counts the value since the reset", reset, 13, 2},
		{"the last value is still current 3 min into a gap", reset, 18, 0},
		{"after a 3-min gap, everything that happened in it", reset, 19, 26 - 10},
		{"no sample in the 5 min before: no value", gap, 16, none},
		{"back after 6 min without data: from the next step, not everything since the start", gap, 17, none},
		{"then every increment", gap, 18, 4},
		{"a canary's first value counts (700 at 2m14s, 701 at 2m29s ...)", canaryGap, 3, 703},
		{"a canary back after 6 min without data is not new: from the next step", canaryGap, 17, none},
		{"and then every increment", canaryGap, 18, 4},
	}
	for _, c := range cases {
		got, ok := inc[c.pod][c.step]
		switch {
		case math.IsNaN(c.want) && ok:
			t.Errorf("%s: %s at step %d = %g, want no value", c.what, c.pod, c.step, got)
		case !math.IsNaN(c.want) && (!ok || got != c.want):
			t.Errorf("%s: %s at step %d = %g (present %v), want %g", c.what, c.pod, c.step, got, ok, c.want)
		}
	}
	// Rate has no value where a series begins or resets, or where no new
	// sample came in during the step; elsewhere it is Increase over the
	// seconds between the two samples it subtracts: a step apart while the
	// scrapes come, four minutes after the gap (the last sample before it
	// at 14m59s, the step's at 18m59s).
	for _, c := range []struct {
		pod  string
		step int
	}{{canary, 9}, {reset, 13}, {reset, 18}} {
		if r, ok := rate[c.pod][c.step]; ok {
			t.Errorf("Rate of %s at step %d = %g, want no value (a first or reset step, or no new sample)", c.pod, c.step, r)
		}
	}
	for _, c := range []struct {
		pod     string
		step    int
		seconds float64
	}{{canary, 10, 60}, {reset, 12, 60}, {stable, 2, 60}, {reset, 19, 240}} {
		if r := rate[c.pod][c.step]; r*c.seconds != inc[c.pod][c.step] {
			t.Errorf("Rate of %s at step %d = %g, want Increase %g over %g s", c.pod, c.step, r, inc[c.pod][c.step], c.seconds)
		}
	}
	if r := rate[stable][6]; r*60 != 8 {
		t.Errorf("Rate of %s at step 6 = %g, want its 200s' 8 a minute without the 5xx series' first value", stable, r)
	}
	// Over the canary's life every increment counts: the last value.
	var total float64
	for _, v := range inc[canary] {
		total += v
	}
	if want := float64(119 - 31); total != want {
		t.Errorf("the canary's steps add up to %g, want its last value %g", total, want)
	}
}
