package scenario

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/longtest"
)

// misfit returns a misfit family's scenario, aligned, with 20 minutes of
// history and an 11-minute canary (the benchmark's).
func misfit(t *testing.T, family string, seed uint64, align int) Scenario {
	t.Helper()
	f, ok := LookupFamily(family)
	if !ok || !f.Misfit() {
		t.Fatalf("no misfit family %q", family)
	}
	s := f.Scenario(seed)
	s.History = 20 * time.Minute
	s.CanaryAge = 11 * time.Minute
	s.Aligned, s.Alignment = true, align
	return s
}

func TestMisfitFamilies(t *testing.T) {
	base := map[string]bool{}
	for _, f := range Families() {
		base[f.Name] = true
		if f.Misfit() {
			t.Errorf("base family %s is a misfit family", f.Name)
		}
	}
	seen := map[string]bool{}
	healthyDone := false
	for _, f := range MisfitFamilies() {
		if base[f.Name] || seen[f.Name] || !f.Misfit() {
			t.Errorf("misfit family %s: duplicate name or not marked", f.Name)
		}
		seen[f.Name] = true
		if f.Healthy && healthyDone {
			t.Errorf("healthy family %s after a regressed one", f.Name)
		}
		healthyDone = healthyDone || !f.Healthy
		if g, ok := LookupFamily(f.Name); !ok || g.Name != f.Name {
			t.Errorf("LookupFamily(%q) failed", f.Name)
		}
		for seed := uint64(0); seed < 50; seed++ {
			s := f.Scenario(seed)
			if err := s.Validate(); err != nil {
				t.Fatalf("%s seed %d: %v", f.Name, seed, err)
			}
			if s.World == nil || s.Healthy != f.Healthy || s.Healthy != (len(s.Effects.Regressions()) == 0) {
				t.Fatalf("%s seed %d: world %v, healthy %v, regressions %v", f.Name, seed, s.World, s.Healthy, s.Effects.Regressions())
			}
		}
	}
	// The misfit families share no draw with the base families' seeds.
	h, _ := LookupFamily("healthy")
	w, _ := LookupFamily("world")
	if a, b := h.Scenario(9), w.Scenario(9); a.RequestRate == b.RequestRate || a.CanaryShare == b.CanaryShare {
		t.Errorf("seed 9 draws the same knobs for healthy and world: %v/%v, %v/%v", a.RequestRate, b.RequestRate, a.CanaryShare, b.CanaryShare)
	}
}

// TestAlignment places the canary's first sample at each alignment, in
// the base model and in a World, keeping the canary's age and, for one
// seed, its pods.
func TestAlignment(t *testing.T) {
	for _, family := range []string{"healthy", "world", "crash-offset"} {
		t.Run(family, func(t *testing.T) {
			f, _ := LookupFamily(family)
			var names []string
			for _, a := range []int{0, 15, 30, 45} {
				s := f.Scenario(4)
				s.History, s.CanaryAge = 15*time.Minute, 11*time.Minute
				s.Aligned, s.Alignment = true, a
				_, truths := generate(t, Instance{Scenario: s, Seed: 4})
				tr := truths[0]
				if tr.FirstSample.Second() != a || !tr.Aligned || tr.Alignment != a {
					t.Errorf("alignment %d: first sample at %v", a, tr.FirstSample)
				}
				d := tr.FirstSample.Sub(tr.CanaryStart)
				if d < time.Second || d > 26*time.Second || tr.End.Sub(tr.CanaryStart) != 11*time.Minute {
					t.Errorf("alignment %d: start %v, first sample %v, end %v", a, tr.CanaryStart, tr.FirstSample, tr.End)
				}
				if !strings.HasSuffix(tr.Namespace, "-a"+strconv.Itoa(a)) {
					t.Errorf("namespace %s does not name the alignment", tr.Namespace)
				}
				names = append(names, tr.CanaryPod)
			}
			if names[0] != names[1] || names[0] != names[3] {
				t.Errorf("one seed gave different canaries across alignments: %v", names)
			}
		})
	}
}

// worldSeries generates one instance and returns its parsed series and
// truth.
func worldSeries(t *testing.T, s Scenario, seed uint64) (*omFile, Truth) {
	t.Helper()
	data, truths := generate(t, Instance{Scenario: s, Seed: seed})
	om, err := parseOpenMetrics(data)
	if err != nil {
		t.Fatal(err)
	}
	return om, truths[0]
}

// TestWorldOpenMetricsValid checks every misfit family's file against the
// OpenMetrics rules and the targets' label sets, and that counters fall
// only where a container restarted. It is a long test (about 2 s of CPU,
// half a minute on a loaded machine): CANARY_LONG_TESTS=1 runs it.
func TestWorldOpenMetricsValid(t *testing.T) {
	longtest.Skip(t)
	t.Parallel()
	var instances []Instance
	for i, f := range MisfitFamilies() {
		s := misfit(t, f.Name, uint64(i), 15*(i%4))
		s.History = 10 * time.Minute
		instances = append(instances, Instance{Scenario: s, Seed: uint64(i)})
	}
	om, byNS := generateParsed(t, instances...)
	app := []string{LabelContainer, LabelInstance, LabelJob, LabelNamespace, LabelPod, LabelHash}
	wantLabels := map[string][]string{
		MetricRequests:             append(slices.Clone(app), "code", "method"),
		MetricDuration + "_bucket": append(slices.Clone(app), "le"),
		MetricDuration + "_count":  app,
		MetricDuration + "_sum":    app,
		MetricCPU:                  {LabelContainer, LabelID, LabelInstance, LabelJob, LabelMetricsPath, LabelNamespace, LabelPod},
		MetricMemory:               {LabelContainer, LabelID, LabelInstance, LabelJob, LabelMetricsPath, LabelNamespace, LabelPod},
		MetricRestarts:             {LabelContainer, LabelInstance, LabelJob, LabelNamespace, LabelPod, LabelUID},
		MetricCFSPeriods:           {LabelContainer, LabelID, LabelInstance, LabelJob, LabelMetricsPath, LabelNamespace, LabelPod},
		MetricCFSThrottled:         {LabelContainer, LabelID, LabelInstance, LabelJob, LabelMetricsPath, LabelNamespace, LabelPod},
	}
	for key, ser := range om.series {
		checkLabelNames(t, key, ser, wantLabels[ser.name])
		tr, ok := byNS[ser.labels[LabelNamespace]]
		if !ok {
			t.Fatalf("%s: unknown namespace", key)
		}
		pod := ser.labels[LabelPod]
		if !strings.HasPrefix(pod, tr.Rollout+"-"+tr.StableHash+"-") && pod != tr.CanaryPod {
			t.Fatalf("%s: pod is neither stable nor the canary", key)
		}
		if last := time.Unix(ser.ts[len(ser.ts)-1], 0); last.After(tr.End) {
			t.Fatalf("%s: sample at %v after the end %v", key, last, tr.End)
		}
		restarted := pod == tr.World.RestartedPod || (pod == tr.CanaryPod && len(tr.CanaryRestarts) > 0)
		counter := ser.name != MetricMemory
		for i := 1; counter && i < len(ser.values); i++ {
			// Application counters fall when their process restarts;
			// cAdvisor starts a new series for a new container.
			appSeries := ser.name != MetricCPU && ser.name != MetricRestarts && ser.name != MetricCFSPeriods && ser.name != MetricCFSThrottled
			if ser.values[i] < ser.values[i-1] && !(appSeries && restarted) {
				t.Fatalf("%s falls from %v to %v at %d", key, ser.values[i-1], ser.values[i], ser.ts[i])
			}
		}
	}
}

// TestWorldEvents checks a stable pod's restart, a replaced pod, a gap and
// young stable pods in the data.
func TestWorldEvents(t *testing.T) {
	t.Parallel()
	t.Run("stable restart and gap", func(t *testing.T) {
		s := misfit(t, "scrape-gaps", 3, 30)
		s.World.StableRestartAt = 2 * time.Minute
		s.World.GapAt, s.World.GapLength = 5*time.Minute, 2*time.Minute
		s.World.MissProb = 0
		om, tr := worldSeries(t, s, 3)
		pod := tr.World.RestartedPod
		if pod == "" || !tr.World.StableRestart.Equal(tr.CanaryStart.Add(2*time.Minute)) {
			t.Fatalf("restart of %q at %v", pod, tr.World.StableRestart)
		}
		containers, falls := 0, 0
		for _, ser := range om.series {
			for i := range ser.ts {
				if ts := time.Unix(ser.ts[i], 0); !ts.Before(tr.World.GapFrom) && ts.Before(tr.World.GapTo) {
					t.Fatalf("%s has a sample at %v in the gap", ser.name, ts)
				}
			}
			if ser.labels[LabelPod] != pod {
				continue
			}
			switch ser.name {
			case MetricCPU:
				if ser.labels[LabelContainer] == s.Rollout {
					containers++
				}
			case MetricDuration + "_count":
				for i := 1; i < len(ser.values); i++ {
					if ser.values[i] < ser.values[i-1] {
						falls++
						if at := time.Unix(ser.ts[i], 0); at.Before(tr.World.StableRestart) || at.After(tr.World.StableRestart.Add(time.Minute)) {
							t.Errorf("the request count falls at %v, the container restarted at %v", at, tr.World.StableRestart)
						}
					}
				}
			case MetricRestarts:
				if n := len(ser.values); ser.values[n-1]-ser.values[0] != 1 {
					t.Errorf("kube-state-metrics counts %v to %v restarts", ser.values[0], ser.values[n-1])
				}
			}
		}
		if containers != 2 || falls != 1 {
			t.Errorf("restarted pod: %d cAdvisor container series, request count falls %d times", containers, falls)
		}
	})
	t.Run("replaced pod", func(t *testing.T) {
		s := misfit(t, "pod-replaced", 5, 0)
		s.World.StableReplaceAt = 3 * time.Minute
		om, tr := worldSeries(t, s, 5)
		old, nu := tr.World.ReplacedPod, tr.World.ReplacementPod
		if old == "" || nu == "" || old == nu || !slices.Contains(tr.StablePods, nu) ||
			!strings.HasPrefix(nu, tr.Rollout+"-"+tr.StableHash+"-") {
			t.Fatalf("replaced %q by %q (stable pods %v)", old, nu, tr.StablePods)
		}
		for _, ser := range om.series {
			first, last := time.Unix(ser.ts[0], 0), time.Unix(ser.ts[len(ser.ts)-1], 0)
			switch ser.labels[LabelPod] {
			case old:
				if last.After(tr.World.Replaced.Add(31 * time.Second)) {
					t.Errorf("%s of the deleted pod lasts until %v, deleted at %v", ser.name, last, tr.World.Replaced)
				}
			case nu:
				if first.Before(tr.World.Replaced) {
					t.Errorf("%s of the new pod starts at %v, before it was created at %v", ser.name, first, tr.World.Replaced)
				}
			}
		}
	})
	t.Run("young stable pods", func(t *testing.T) {
		s := misfit(t, "young-stable", 6, 45)
		s.History = 45 * time.Minute
		_, tr := worldSeries(t, s, 6)
		for i, at := range tr.World.StableStarts {
			age := tr.CanaryStart.Sub(at)
			if at.IsZero() || age < 12*time.Minute || age > 41*time.Minute {
				t.Errorf("stable pod %d started %v before the canary", i, age)
			}
			if i > 0 && !at.After(tr.World.StableStarts[i-1]) {
				t.Errorf("stable pods %d and %d started at %v and %v: not a rolling update", i-1, i, tr.World.StableStarts[i-1], at)
			}
		}
	})
}

// TestRestartBoundary: with CrashBoundary every restart is first seen in
// the first 15 s after a whole minute, and the truth dates the first.
func TestRestartBoundary(t *testing.T) {
	t.Parallel()
	for _, family := range []string{"restart-once", "crash-offset"} {
		for seed := uint64(1); seed <= 4; seed++ {
			s := misfit(t, family, seed, int(15*seed%60))
			s.World.CrashBoundary = true
			_, tr := worldSeries(t, s, seed)
			if len(tr.CanaryRestarts) == 0 || len(tr.World.RestartSeen) == 0 || tr.Onset != tr.CanaryRestarts[0].Sub(tr.CanaryStart) {
				t.Fatalf("%s/%d: restarts %v, seen at %v, onset %v", family, seed, tr.CanaryRestarts, tr.World.RestartSeen, tr.Onset)
			}
			for _, sec := range tr.World.RestartSeen {
				if sec >= 15 {
					t.Errorf("%s/%d: a restart is first seen %d s past the minute", family, seed, sec)
				}
			}
		}
	}
}

// TestSharesOfTraffic: the canary serves its share of the requests, as
// small or as heavy as the family routes to it.
func TestSharesOfTraffic(t *testing.T) {
	t.Parallel()
	for _, family := range []string{"small-share", "heavy-canary", "world"} {
		s := misfit(t, family, 8, 0)
		_, tr := worldSeries(t, s, 8)
		var all int64
		for _, p := range tr.Pods {
			all += p.Requests
		}
		c := float64(tr.Canary().Requests)
		// The canary served from its readiness, about 20 s into its life.
		want := s.CanaryShare * float64(all) * (1 - 20/s.CanaryAge.Seconds())
		if math.Abs(c-want) > 5*math.Sqrt(want)+0.05*want {
			t.Errorf("%s: the canary served %v requests, want about %.0f (share %.3f)", family, c, want, s.CanaryShare)
		}
	}
}

func TestWarmupShapes(t *testing.T) {
	for _, shape := range warmupShapes[1:] {
		prev := shapeAt(shape, 0)
		if prev != 1 {
			t.Errorf("%s: h(0) = %v", shape, prev)
		}
		for u := 0.05; u <= 3; u += 0.05 {
			h := shapeAt(shape, u)
			if h > prev || h < 0 {
				t.Errorf("%s: h(%.2f) = %v after %v", shape, u, h, prev)
			}
			prev = h
		}
		if h := shapeAt(shape, 1); h > 0.05 {
			t.Errorf("%s: h(1) = %v, want at most 5%% left at the warm-up's length", shape, h)
		}
	}
	if h := shapeAt(WarmupNone, 0); h != 0 {
		t.Errorf("none: h(0) = %v", h)
	}
}

func TestSmoothMin(t *testing.T) {
	for _, d := range []float64{0.01, 0.5, 0.9, 1, 1.2, 3, 100} {
		got := smoothMin(d, 1)
		if got > math.Min(d, 1) || got < 0.85*math.Min(d, 1) {
			t.Errorf("smoothMin(%v, 1) = %v", d, got)
		}
	}
}

func TestInterpolate(t *testing.T) {
	pts := []point{{10, 0}, {20, 5}, {30, 15}}
	cases := []struct {
		t       float64
		counter bool
		want    float64
		ok      bool
	}{
		{5, true, 0, false}, {10, true, 0, true}, {15, true, 2.5, true}, {30, true, 15, true},
		{35, true, 20, true}, {35, false, 15, true}, {46, true, 0, false},
	}
	for _, c := range cases {
		got, ok := at(pts, c.t, 15, c.counter)
		if ok != c.ok || (ok && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("at(%v, counter %v) = %v, %v; want %v, %v", c.t, c.counter, got, ok, c.want, c.ok)
		}
	}
}

// TestThrottledShare compares the share of throttled CFS periods with
// SciPy: the sum over n = 1..399 of scipy.stats.poisson.pmf(n, mu) ·
// scipy.stats.gamma.sf(c, a=n, scale=perRequest), with mu = rate·0.1 s and
// c = ((limit − burstRate)/contention − idle)·0.1 s (SciPy 1.10.1,
// Debian's python3-scipy).
func TestThrottledShare(t *testing.T) {
	t.Parallel()
	cases := []struct {
		contention, idle, perRequest, rate, burstRate, limit float64
		want                                                 float64
	}{
		{1, 0.02, 0.004, 10, 0, 0.1, 0.18258477493038805},
		{1, 0.02, 0.008, 10, 0, 0.1, 0.3457458387231647}, // twice the CPU per request
		{1.2, 0.05, 0.01, 40, 0.02, 0.3, 0.7558755739681894},
		{1, 0.02, 0.002, 200, 0, 0.5, 0.24842632514079502},
		{1, 0.02, 0.002, 20, 0, 0.5, 2.140805802238538e-07},
		{1, 0.6, 0.002, 20, 0, 0.5, 1},    // idle alone above the limit
		{1, 0.02, 0, 20, 0, 0.5, 0},       // no per-request CPU
		{1, 0.02, 0.002, 0, 0, 0.5, 0},    // no requests
		{2, 0.02, 0.002, 20, 0.5, 0.5, 1}, // background work takes it all
	}
	for _, c := range cases {
		got := throttledShare(c.contention, c.idle, c.perRequest, c.rate, c.burstRate, c.limit)
		if d := math.Abs(got - c.want); d > 1e-9*c.want && d > 1e-15 {
			t.Errorf("throttledShare%v = %.17g, want %.17g", c, got, c.want)
		}
	}
}

// TestCFSCounters: pods with a CPU limit (cpu-nonlinear) have cAdvisor's
// CFS counters, ten periods a second, some of them throttled, never more
// than all; pods without a limit have none.
func TestCFSCounters(t *testing.T) {
	t.Parallel()
	om, tr := worldSeries(t, misfit(t, "cpu-nonlinear", 1, 0), 1)
	periods := map[string]*omSeries{}
	throttled := map[string]*omSeries{}
	for _, ser := range om.series {
		switch ser.name {
		case MetricCFSPeriods:
			periods[ser.labels[LabelID]] = ser
		case MetricCFSThrottled:
			throttled[ser.labels[LabelID]] = ser
		}
	}
	pods := map[string]bool{}
	var some float64
	for id, p := range periods {
		th := throttled[id]
		if th == nil || len(th.values) != len(p.values) {
			t.Fatalf("container %s: periods without the throttled counter's samples", id)
		}
		pods[p.labels[LabelPod]] = true
		n := len(p.values) - 1
		if n < 1 {
			continue
		}
		if rate := (p.values[n] - p.values[0]) / float64(p.ts[n]-p.ts[0]); math.Abs(rate-10) > 0.5 {
			t.Errorf("container %s: %.2f periods per second, want 10", id, rate)
		}
		for i := range p.values {
			if th.values[i] > p.values[i] || (i > 0 && th.values[i] < th.values[i-1]) {
				t.Fatalf("container %s at %d: %v throttled of %v periods", id, p.ts[i], th.values[i], p.values[i])
			}
		}
		some += th.values[n] - th.values[0]
	}
	if want := len(tr.StablePods) + 1; len(pods) != want || !pods[tr.CanaryPod] {
		t.Errorf("CFS counters for pods %v, want the canary and %d stable pods", pods, want-1)
	}
	if some == 0 {
		t.Error("no period throttled in any pod: the family's limit is 2-4 times a stable pod's mean CPU")
	}
	om, _ = worldSeries(t, misfit(t, "world", 1, 0), 1)
	for key, ser := range om.series {
		if ser.name == MetricCFSPeriods || ser.name == MetricCFSThrottled {
			t.Fatalf("%s: a pod without a CPU limit has CFS counters", key)
		}
	}
}
