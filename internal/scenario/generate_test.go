package scenario

import (
	"bytes"
	"crypto/sha256"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// small returns a family's scenario shrunk for fast tests: 20 min of stable
// history, no random episodes.
func small(t *testing.T, family string, seed uint64) Scenario {
	t.Helper()
	f, ok := LookupFamily(family)
	if !ok {
		t.Fatalf("no family %q", family)
	}
	s := f.Scenario(seed)
	s.History = 20 * time.Minute
	s.SpikesPerHour = 0
	s.SlowDependencyPerHour = 0
	return s
}

func generate(t *testing.T, instances ...Instance) ([]byte, []Truth) {
	t.Helper()
	var buf bytes.Buffer
	truths, err := GenerateMany(&buf, instances)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truths
}

func TestDeterministic(t *testing.T) {
	for _, fam := range []string{"healthy-noisy-pod", "crash-loop"} {
		t.Run(fam, func(t *testing.T) {
			f, _ := LookupFamily(fam)
			hash := func(seed uint64) [32]byte {
				h := sha256.New()
				if _, err := Generate(h, f.Scenario(seed), seed); err != nil {
					t.Fatal(err)
				}
				return [32]byte(h.Sum(nil))
			}
			a, b, c := hash(42), hash(42), hash(43)
			if a != b {
				t.Error("two runs with seed 42 gave different bytes")
			}
			if a == c {
				t.Error("seeds 42 and 43 gave the same bytes")
			}
		})
	}
}

// TestOpenMetricsValid generates one instance of every family and checks the
// file against the OpenMetrics rules and the series conventions.
func TestOpenMetricsValid(t *testing.T) {
	var instances []Instance
	for i, f := range Families() {
		s := f.Scenario(uint64(i))
		s.History = 10 * time.Minute
		instances = append(instances, Instance{Scenario: s, Seed: uint64(i)})
	}
	om, byNS := generateParsed(t, instances...)
	wantTypes := map[string]string{
		"http_requests": "counter", "http_request_duration_seconds": "histogram",
		"container_cpu_usage_seconds": "counter", "container_memory_working_set_bytes": "gauge",
		"kube_pod_container_status_restarts": "counter",
	}
	for fam, typ := range wantTypes {
		if om.types[fam] != typ {
			t.Errorf("family %s has type %q, want %q", fam, om.types[fam], typ)
		}
	}
	if len(om.types) != len(wantTypes) {
		t.Errorf("families %v, want %v", om.types, wantTypes)
	}

	podRe := regexp.MustCompile(`^web-([bcdfghjklmnpqrstvwxz2456789]{10})-[bcdfghjklmnpqrstvwxz2456789]{5}$`)
	wantLabels := map[string][]string{
		MetricRequests:             {"code", "method", LabelNamespace, LabelPod, LabelHash},
		MetricDuration + "_bucket": {"le", LabelNamespace, LabelPod, LabelHash},
		MetricDuration + "_count":  {LabelNamespace, LabelPod, LabelHash},
		MetricDuration + "_sum":    {LabelNamespace, LabelPod, LabelHash},
		MetricCPU:                  {LabelContainer, LabelNamespace, LabelPod, LabelHash},
		MetricMemory:               {LabelContainer, LabelNamespace, LabelPod, LabelHash},
		MetricRestarts:             {LabelContainer, LabelNamespace, LabelPod, LabelHash},
	}
	for key, ser := range om.series {
		checkLabelNames(t, key, ser, wantLabels[ser.name])
		tr, ok := byNS[ser.labels[LabelNamespace]]
		if !ok {
			t.Fatalf("%s: unknown namespace", key)
		}
		m := podRe.FindStringSubmatch(ser.labels[LabelPod])
		if m == nil || m[1] != ser.labels[LabelHash] {
			t.Fatalf("%s: pod name and hash label disagree", key)
		}
		if c, ok := ser.labels[LabelContainer]; ok && c != tr.Container {
			t.Fatalf("%s: container %q, want %q", key, c, tr.Container)
		}
		canary := ser.labels[LabelPod] == tr.CanaryPod
		if canary != (ser.labels[LabelHash] == tr.CanaryHash) {
			t.Fatalf("%s: canary pod and hash disagree", key)
		}
		first, last := time.Unix(ser.ts[0], 0), time.Unix(ser.ts[len(ser.ts)-1], 0)
		if last.After(tr.End) || first.Before(tr.Start) || (canary && !first.After(tr.CanaryStart)) {
			t.Fatalf("%s: samples from %v to %v outside the instance's times", key, first, last)
		}
		// Counters only fall when a crash-looping canary restarts.
		if strings.HasSuffix(ser.name, "_total") || strings.HasSuffix(ser.name, "_bucket") ||
			strings.HasSuffix(ser.name, "_count") || strings.HasSuffix(ser.name, "_sum") {
			for i := 1; i < len(ser.values); i++ {
				if ser.values[i] < ser.values[i-1] && !(canary && tr.Effects.CrashLoop && ser.name != MetricRestarts) {
					t.Fatalf("%s falls from %v to %v at %d", key, ser.values[i-1], ser.values[i], ser.ts[i])
				}
			}
		}
	}
}

// generateParsed generates instances into one file, parses it with the
// OpenMetrics checks and returns its series and the truths by namespace.
func generateParsed(t *testing.T, instances ...Instance) (*omFile, map[string]Truth) {
	t.Helper()
	data, truths := generate(t, instances...)
	om, err := parseOpenMetrics(data)
	if err != nil {
		t.Fatal(err)
	}
	byNS := map[string]Truth{}
	for _, tr := range truths {
		byNS[tr.Namespace] = tr
	}
	return om, byNS
}

// checkLabelNames fails the test unless the series has exactly the label
// names want.
func checkLabelNames(t *testing.T, key string, ser *omSeries, want []string) {
	t.Helper()
	var names []string
	for k := range ser.labels {
		names = append(names, k)
	}
	want = slices.Clone(want)
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("%s has labels %v, want %v", key, names, want)
	}
}

// TestSeriesAppearAtFirstIncrement checks that a class of requests that a
// pod never answered has no series, and that a series' first sample is
// positive.
func TestSeriesAppearAtFirstIncrement(t *testing.T) {
	data, truths := generate(t, Instance{Scenario: small(t, "errors-new", 5), Seed: 5})
	om, err := parseOpenMetrics(data)
	if err != nil {
		t.Fatal(err)
	}
	tr := truths[0]
	canary5xx := 0
	for key, ser := range om.series {
		if ser.name != MetricRequests {
			continue
		}
		if ser.values[0] < 1 {
			t.Errorf("%s starts at %v, want at its first increment", key, ser.values[0])
		}
		if strings.HasPrefix(ser.labels["code"], "5") {
			if ser.labels[LabelPod] != tr.CanaryPod {
				t.Errorf("stable pod has a 5xx series though its 5xx ratio is 0: %s", key)
			} else {
				canary5xx++
			}
		}
	}
	if canary5xx == 0 {
		t.Error("the canary has no 5xx series")
	}
}

func TestTruth(t *testing.T) {
	s := small(t, "crash-loop", 3)
	_, truths := generate(t, Instance{Scenario: s, Seed: 3})
	tr := truths[0]
	if tr.Namespace != "bench-crash-loop-3" {
		t.Errorf("namespace %q, want bench-crash-loop-3", tr.Namespace)
	}
	if !tr.End.Equal(DefaultEnd) || !tr.CanaryStart.Equal(DefaultEnd.Add(-15*time.Minute)) ||
		!tr.Start.Equal(DefaultEnd.Add(-35*time.Minute)) {
		t.Errorf("times start %v canary %v end %v", tr.Start, tr.CanaryStart, tr.End)
	}
	if len(tr.StablePods) != s.StablePods || len(tr.Pods) != s.StablePods+1 || !tr.Canary().Canary ||
		tr.Canary().Name != tr.CanaryPod {
		t.Errorf("pods: stable %v, all %+v", tr.StablePods, tr.Pods)
	}
	if tr.Healthy || len(tr.Regressions) != 1 || tr.Regressions[0] != SignalRestarts {
		t.Errorf("healthy %v regressions %v", tr.Healthy, tr.Regressions)
	}
	// Restarts every one to two minutes over 15 minutes.
	if n := len(tr.CanaryRestarts); n < 7 || n > 15 {
		t.Errorf("%d restarts in 15 minutes, want one every 1-2 minutes", n)
	}
	for i := 1; i < len(tr.CanaryRestarts); i++ {
		gap := tr.CanaryRestarts[i].Sub(tr.CanaryRestarts[i-1])
		if gap < 50*time.Second || gap > 2*time.Minute {
			t.Errorf("restart %d comes %v after the previous one", i, gap)
		}
	}
	var share float64
	for _, p := range tr.Pods {
		share += p.Share
	}
	if share < 0.999999 || share > 1.000001 || tr.Canary().Share != s.CanaryShare {
		t.Errorf("shares add up to %v, canary %v", share, tr.Canary().Share)
	}
	if tr.Spread.LatencyPodSigma != s.PodSpread || tr.Spread.LatencyARSigma != s.ARSigma {
		t.Errorf("spread %+v does not repeat the scenario's", tr.Spread)
	}
}

func TestLooks(t *testing.T) {
	tr := Truth{CanaryStart: DefaultEnd.Add(-15 * time.Minute), End: DefaultEnd}
	cases := []struct {
		first, every time.Duration
		n            int
		wantAges     []time.Duration
	}{
		{3 * time.Minute, 3 * time.Minute, 4, []time.Duration{3 * time.Minute, 6 * time.Minute, 9 * time.Minute, 12 * time.Minute}},
		{10 * time.Minute, 5 * time.Minute, 3, []time.Duration{10 * time.Minute, 15 * time.Minute}},
		{time.Minute, time.Minute, 0, nil},
	}
	for _, c := range cases {
		looks := tr.Looks(c.first, c.every, c.n)
		if len(looks) != len(c.wantAges) {
			t.Errorf("Looks(%v, %v, %d) = %v, want ages %v", c.first, c.every, c.n, looks, c.wantAges)
			continue
		}
		for i, l := range looks {
			if l.Age != c.wantAges[i] || !l.End.Equal(tr.CanaryStart.Add(l.Age)) {
				t.Errorf("look %d = %+v, want age %v", i, l, c.wantAges[i])
			}
		}
	}
}

func TestGenerateManyErrors(t *testing.T) {
	h := small(t, "healthy", 1)
	bad := h
	bad.CanaryShare = 2
	cases := []struct {
		name      string
		instances []Instance
		wantErr   string
	}{
		{"duplicate namespace", []Instance{{h, 1}, {h, 1}}, "both use namespace"},
		{"invalid scenario", []Instance{{h, 1}, {bad, 2}}, "instance 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := GenerateMany(io.Discard, c.instances)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func TestWriteE2E(t *testing.T) {
	var buf bytes.Buffer
	h, r, err := WriteE2E(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseOpenMetrics(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if h.Namespace != E2EHealthyNamespace || r.Namespace != E2ERegressedNamespace || !h.Healthy || r.Healthy {
		t.Errorf("healthy %s/%v regressed %s/%v", h.Namespace, h.Healthy, r.Namespace, r.Healthy)
	}
	for _, tr := range []Truth{h, r} {
		if tr.CanaryHash != E2ECanaryHash || tr.StableHash != E2EStableHash || tr.Rollout != E2ERollout ||
			!strings.HasPrefix(tr.CanaryPod, "web-"+E2ECanaryHash+"-") {
			t.Errorf("%s: hashes %s/%s, canary %s", tr.Namespace, tr.CanaryHash, tr.StableHash, tr.CanaryPod)
		}
	}
	if got := r.Regressions; len(got) != 2 || got[0] != SignalLatency || got[1] != SignalErrors {
		t.Errorf("regressed canary regresses %v, want latency and errors", got)
	}
}
