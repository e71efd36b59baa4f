package logscenario

import (
	"strings"
	"testing"
	"time"
)

// isStatic tells the static-heavy profile's files from its pages and API
// calls by their path.
func isStatic(path string) bool {
	return strings.HasPrefix(path, "/assets/") || strings.HasPrefix(path, "/img/") || strings.HasPrefix(path, "/static/")
}

// TestStaticHeavyProfile checks the profile's two groups: half the user
// requests static files (or 404s) under a millisecond, half dynamic ones
// over ten, so that the per-minute median of a pod's requests lands in
// either group; and that DynamicSlowdown slows the dynamic requests alone.
func TestStaticHeavyProfile(t *testing.T) {
	t.Parallel()
	cfg := testConfig(7, Regression{DynamicSlowdown: 1.5})
	cfg.Profile = ProfileStaticHeavy
	cfg.RequestRate = 2
	logs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type group struct{ static, dynamic []float64 }
	byPod := map[string]*group{}
	perMinute := map[string]map[int64][]float64{}
	for _, e := range logs.Entries {
		if e.Labels["stream"] != "access" || strings.Contains(e.Line, "kube-probe/") {
			continue
		}
		status, path, us := accessDuration(e.Line)
		pod := string(e.Labels["pod"])
		if byPod[pod] == nil {
			byPod[pod] = &group{}
			perMinute[pod] = map[int64][]float64{}
		}
		g := byPod[pod]
		switch {
		case status == 200 && isStatic(path):
			g.static = append(g.static, us)
		case status == 200:
			g.dynamic = append(g.dynamic, us)
		}
		m := e.Time.Truncate(time.Minute).Unix()
		perMinute[pod][m] = append(perMinute[pod][m], us)
	}
	canary := logs.Truth.CanaryPod
	for _, pod := range append([]string{canary}, logs.Truth.StablePods...) {
		g := byPod[pod]
		fast := 0
		for _, x := range perMinute[pod] {
			for _, us := range x {
				if us < 5000 {
					fast++
				}
			}
		}
		if share := float64(fast) / float64(logs.Truth.Requests[pod]); share < 0.45 || share > 0.55 {
			t.Errorf("%s: %.2f of the requests under 5 ms, want about half", pod, share)
		}
		ms, md := median(g.static), median(g.dynamic)
		slow := 1.0
		if pod == canary {
			slow = 1.5
		}
		if ms < 250 || ms > 700 || md < 18000*slow || md > 30000*slow {
			t.Errorf("%s: medians %.0f µs static and %.0f µs dynamic", pod, ms, md)
		}
		// The per-minute median falls into both groups.
		low, high := 0, 0
		for _, x := range perMinute[pod] {
			switch m := median(x); {
			case m < 1000:
				low++
			case m > 10000:
				high++
			}
		}
		if low < 3 || high < 3 {
			t.Errorf("%s: %d minutes with a median under 1 ms and %d over 10 ms, want both", pod, low, high)
		}
	}
	cfg.Profile = "unknown"
	if _, err := Generate(cfg); err == nil {
		t.Error("an unknown profile was accepted")
	}
}
