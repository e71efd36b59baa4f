package logscenario

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
)

// within checks that a Poisson count n is within 5 standard deviations of
// its mean mu.
func within(n int, mu float64) bool {
	return math.Abs(float64(n)-mu) <= 5*math.Sqrt(mu)+1
}

// accessDuration returns the status, path and %D of an access line.
func accessDuration(line string) (status int, path string, us float64) {
	m := accessRE.FindStringSubmatch(line)
	if m == nil {
		return 0, "", 0
	}
	status, _ = strconv.Atoi(m[1])
	us, _ = strconv.ParseFloat(m[2], 64)
	_, rest, _ := strings.Cut(line, `"GET `)
	path, _, _ = strings.Cut(rest, " ")
	return status, path, us
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	y := append([]float64(nil), x...)
	sort.Float64s(y)
	return y[len(y)/2]
}

// TestPerPodRatesKeepSimpleModel: giving every pod RequestRate explicitly
// draws exactly the lines of the default.
func TestPerPodRatesKeepSimpleModel(t *testing.T) {
	t.Parallel()
	a, err := Generate(testConfig(9, Regressed()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(9, Regressed())
	cfg.CanaryRequestRate = 0.3
	cfg.StableRequestRates = []float64{0.3, 0.3, 0.3}
	b, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Entries, b.Entries) {
		t.Error("explicit per-pod rates equal to RequestRate changed the lines")
	}
	cfg.StableRequestRates = []float64{0.3}
	if _, err := Generate(cfg); err == nil {
		t.Error("one stable rate for three stable pods was accepted")
	}
}

// TestRequestMix checks RequestMix against the generated requests of a
// long window.
func TestRequestMix(t *testing.T) {
	t.Parallel()
	cfg := testConfig(10, Regression{})
	cfg.RequestRate = 5
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mix := RequestMix()
	var users, api, notFound int
	for _, e := range logs.Entries {
		if e.Labels["stream"] != "access" || strings.Contains(e.Line, "kube-probe/") {
			continue
		}
		users++
		status, path, _ := accessDuration(e.Line)
		if strings.HasPrefix(path, "/api/") {
			api++
		}
		if status == 404 {
			notFound++
		}
	}
	for _, c := range []struct {
		name   string
		n      int
		chance float64
	}{{"API calls", api, mix.API}, {"404s", notFound, mix.NotFound}} {
		if !within(c.n, c.chance*float64(users)) {
			t.Errorf("%s: %d of %d requests, mix says %.4f", c.name, c.n, users, c.chance)
		}
	}
	if mix.ProxyDown != proxyDown {
		t.Errorf("ProxyDown %g", mix.ProxyDown)
	}
}

// variedConfig is a scenario with every part of Variation switched on, the
// spread large enough to be seen in one instance.
func variedConfig(seed uint64) Config {
	cfg := testConfig(seed, Regression{})
	cs := cfg.Start.Add(15 * time.Minute)
	cfg.CanaryStart = cs
	cfg.StablePods = 4
	cfg.CanaryRequestRate = 2
	cfg.StableRequestRates = []float64{4, 4, 4, 4}
	cfg.Variation = Variation{
		LatencySigma: 0.4, ErrorSigma: 0.15,
		SharedPhi: 0.97, SharedSigma: 0.04, PodPhi: 0.8, PodSigma: 0.05,
		DailyAmplitude: 0.4, DailyPeakHour: 15,
		TailProb: 0.01, WarmupFactor: 3, WarmupTau: 40 * time.Second, ReadyDelay: 20 * time.Second,
		Spikes:       []Episode{{Start: cfg.Start.Add(5 * time.Minute), Duration: 4 * time.Minute, Height: 1.5}},
		SlowBackends: []Episode{{Start: cfg.Start.Add(20 * time.Minute), Duration: 6 * time.Minute, Height: 1}},
	}
	return cfg
}

func TestVariation(t *testing.T) {
	t.Parallel()
	cfg := variedConfig(11)
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Generate(cfg)
	if !reflect.DeepEqual(logs.Entries, again.Entries) {
		t.Fatal("the same seed gave different lines")
	}
	v := cfg.Variation
	tr := logs.Truth
	canary := tr.CanaryPod
	type line struct {
		t      time.Time
		status int
		path   string
		us     float64
	}
	byPod := map[string][]line{}
	for i, e := range logs.Entries {
		if i > 0 && e.Time.Before(logs.Entries[i-1].Time) {
			t.Fatal("entries are not in time order")
		}
		if e.Time.Before(cfg.Start) || !e.Time.Before(cfg.End) {
			t.Fatalf("entry at %s outside the window", e.Time)
		}
		if e.Labels["stream"] != "access" {
			if !errorRE.MatchString(e.Line) && !strings.Contains(e.Line, ":notice]") {
				t.Errorf("the rule set's filter drops an error line: %q", e.Line)
			}
			continue
		}
		if !accessRE.MatchString(e.Line) {
			t.Fatalf("access line the rule set cannot parse: %q", e.Line)
		}
		if strings.Contains(e.Line, "kube-probe/") {
			continue
		}
		status, path, us := accessDuration(e.Line)
		byPod[string(e.Labels["pod"])] = append(byPod[string(e.Labels["pod"])], line{e.Time, status, path, us})
	}

	t.Run("rates follow the daily cycle and the spike", func(t *testing.T) {
		spike := v.Spikes[0]
		for _, pod := range tr.StablePods {
			var in, out int
			var muIn, muOut float64
			for s := cfg.Start; s.Before(cfg.End); s = s.Add(time.Second) {
				mu := tr.RequestRates[pod] * v.RateFactor(s.Add(time.Second/2))
				if !s.Before(spike.Start.Add(time.Minute)) && s.Before(spike.Start.Add(spike.Duration)) {
					muIn += mu
				} else {
					muOut += mu
				}
			}
			for _, l := range byPod[pod] {
				if !l.t.Before(spike.Start.Add(time.Minute)) && l.t.Before(spike.Start.Add(spike.Duration)) {
					in++
				} else {
					out++
				}
			}
			if !within(in, muIn) || !within(out, muOut) {
				t.Errorf("%s: %d requests in the spike (%.0f expected), %d outside (%.0f)", pod, in, muIn, out, muOut)
			}
			if tr.RequestRates[pod] != 4 {
				t.Errorf("%s: rate %g", pod, tr.RequestRates[pod])
			}
		}
	})

	t.Run("the canary serves users after its ready delay", func(t *testing.T) {
		first := byPod[canary][0].t
		if first.Before(cfg.CanaryStart.Add(v.ReadyDelay)) {
			t.Errorf("first user request at %s, ready at %s", first, cfg.CanaryStart.Add(v.ReadyDelay))
		}
		if tr.RequestRates[canary] != 2 {
			t.Errorf("canary rate %g", tr.RequestRates[canary])
		}
	})

	// apiMedian is the median duration of a pod's successful API calls in
	// [from, to), divided by the pod's latency factor.
	apiMedian := func(pod string, from, to time.Time) float64 {
		var x []float64
		for _, l := range byPod[pod] {
			if l.status == 200 && strings.HasPrefix(l.path, "/api/") && !l.t.Before(from) && l.t.Before(to) {
				x = append(x, l.us)
			}
		}
		return median(x) / tr.LatencyFactors[pod]
	}

	t.Run("pods differ by their latency factors", func(t *testing.T) {
		// With σ 0.4 the pods' factors differ by tens of percent; the
		// durations divided by them agree within the noise.
		var raw, norm []float64
		for _, pod := range tr.StablePods {
			m := apiMedian(pod, cfg.Start, cfg.Start.Add(15*time.Minute))
			norm = append(norm, m)
			raw = append(raw, m*tr.LatencyFactors[pod])
		}
		spread := func(x []float64) float64 {
			lo, hi := x[0], x[0]
			for _, v := range x {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			return math.Log(hi / lo)
		}
		if spread(norm) > 0.15 || spread(raw) < 2*spread(norm) {
			t.Errorf("medians %v, divided by the factors %v", raw, norm)
		}
	})

	t.Run("a slow backend slows every pod's API calls", func(t *testing.T) {
		sb := v.SlowBackends[0]
		for _, pod := range append([]string{canary}, tr.StablePods...) {
			before := apiMedian(pod, cfg.CanaryStart.Add(3*time.Minute), sb.Start)
			during := apiMedian(pod, sb.Start.Add(2*time.Minute), sb.Start.Add(sb.Duration))
			if r := during / before; r < 1.6 || r > 2.4 {
				t.Errorf("%s: API median ×%.2f during the episode, want about 2", pod, r)
			}
		}
	})

	t.Run("the canary warms up", func(t *testing.T) {
		ready := cfg.CanaryStart.Add(v.ReadyDelay)
		var early, late []float64
		for _, l := range byPod[canary] {
			switch {
			case l.status != 200 && l.status != 304:
			case l.t.Before(ready.Add(20 * time.Second)):
				early = append(early, l.us)
			case !l.t.Before(cfg.CanaryStart.Add(3*time.Minute)) && l.t.Before(cfg.CanaryStart.Add(5*time.Minute)):
				late = append(late, l.us)
			}
		}
		// W at ages 20-40 s is 1 + 2·e^(−age/40 s): 1.7 to 2.2.
		if r := median(early) / median(late); r < 1.4 {
			t.Errorf("canary's first requests ×%.2f slower than at 3-5 min, want about 2", r)
		}
	})
}

func TestKnownErrors(t *testing.T) {
	t.Parallel()
	cfg := testConfig(12, Regression{})
	cfg.RequestRate = 3
	cfg.RareErrorRate = 0.05
	cfg.PodErrorRate = 2
	cfg.APIErrorChance = 0.04
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := logs.Truth
	count := map[string]map[string]int{}
	for _, e := range logs.Entries {
		pod := string(e.Labels["pod"])
		if count[pod] == nil {
			count[pod] = map[string]int{}
		}
		c := count[pod]
		for _, k := range []string{"AH01102", "AH00898", "AH00485"} {
			if strings.Contains(e.Line, k) {
				c[k]++
				if !errorRE.MatchString(e.Line) {
					t.Errorf("the rule set's filter drops %q", e.Line)
				}
			}
		}
		if e.Labels["stream"] == "access" {
			if status, _, _ := accessDuration(e.Line); status == 502 {
				c["502"]++
			} else if status == 500 {
				c["500"]++
			}
		}
	}
	mix := RequestMix()
	for _, pod := range append([]string{tr.CanaryPod}, tr.StablePods...) {
		c := count[pod]
		if c["AH01102"] != tr.RareErrors[pod] || c["AH00898"] != c["AH01102"] || c["502"] != c["AH01102"] || c["AH01102"] == 0 {
			t.Errorf("%s: %v, truth %d backend resets", pod, c, tr.RareErrors[pod])
		}
		api := mix.API * float64(tr.Requests[pod])
		if !within(c["AH01102"], api*cfg.RareErrorRate) || !within(c["500"], api*cfg.APIErrorChance) {
			t.Errorf("%s: %d resets and %d 500s for about %.0f API calls", pod, c["AH01102"], c["500"], api)
		}
		want := 0
		if pod == tr.StablePods[0] {
			want = tr.PodErrors[pod]
			if !within(want, cfg.PodErrorRate*30) {
				t.Errorf("%s: %d AH00485 lines in 30 minutes at 2 a minute", pod, want)
			}
		}
		if c["AH00485"] != want {
			t.Errorf("%s: %d AH00485 lines, want %d", pod, c["AH00485"], want)
		}
	}
}

// TestResourcesFollowRequests backfills CPU that follows each pod's
// requests into a real Prometheus, and checks that a pod with a seed of its
// own writes the same series whatever is written with it.
func TestResourcesFollowRequests(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 19, 0, 0, 0, time.UTC)
	end := start.Add(20 * time.Minute)
	var busy []time.Time
	for s := start; s.Before(end); s = s.Add(100 * time.Millisecond) {
		busy = append(busy, s) // 10 requests a second
	}
	pods := []ResourcePod{
		{Namespace: "shop", Pod: "web-7c9d5b6f4d-aaaaa", CPUPerRequest: 0.004, RequestTimes: busy, Seed: 3},
		{Namespace: "shop", Pod: "web-7c9d5b6f4d-bbbbb", CPUPerRequest: 0.004, Seed: 4},
	}
	var a, alone bytes.Buffer
	if err := WriteResources(&a, pods, start, end, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteResources(&alone, pods[1:], start, end, 99); err != nil {
		t.Fatal(err)
	}
	seriesOf := func(text, pod string) string {
		var b strings.Builder
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, pod) {
				b.WriteString(l + "\n")
			}
		}
		return b.String()
	}
	if seriesOf(a.String(), "bbbbb") != seriesOf(alone.String(), "bbbbb") {
		t.Error("a pod with its own seed wrote different series beside another pod")
	}
	srv := promtest.Start(t, &a)
	// Idle about 0.02 cores (±4% per pod); 10 requests a second at 4 ms
	// add 0.04.
	got := instant(t, srv.URL, `round(100 * (sum(rate(container_cpu_usage_seconds_total{pod="web-7c9d5b6f4d-aaaaa"}[5m])) - sum(rate(container_cpu_usage_seconds_total{pod="web-7c9d5b6f4d-bbbbb"}[5m]))))`, end)
	if n, _ := strconv.Atoi(got); n < 3 || n > 5 {
		t.Errorf("busy pod uses %s centicores more than the idle one, want about 4", got)
	}
}
