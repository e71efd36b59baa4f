package scenario

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNoBaselineKeepsTheInstances: an instance without baseline pods is
// the same, byte for byte, as before baseline pods existed. The hashes are
// of the OpenMetrics data main generated before (at d2ca1af).
func TestNoBaselineKeepsTheInstances(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		family string
		seed   uint64
		want   string
	}{
		{"warmup", 3, "a6ea033c37f288fce7cc268540d68880bc200da76243cec92f41b49fdb86c64f"},
		{"bimodal", 4, "c6b9dc8b2fd3211bb5f4ad5c376cbec705c5a6476900ec4108643b314245bc08"},
		{"pod-replaced", 5, "4cb9a6c735c0faba636b3cc2857caaceff7310fa60c46c9f42a0d789615fae2d"},
		{"young-stable", 6, "c2bca53b5eee0c4ed49053c88bc68afe4d2f3f6cd5ce0a22633ecf6d99416b04"},
		{"crash-offset", 7, "84179ce874cbb50e741f87c701b0d2cbfba155052f5bacaeeb234b29f2515b9e"},
		{"healthy-noisy-pod", 1003, "bd3bfdca43681343955ff125f5a90163c3818c5b7fe3b2172b49e1a560d71d86"},
		{"crash-loop", 1004, "7f07305ea47dabffe2e774958a153f75973bb97088da9efed8c0cb1b5476daf4"},
	} {
		t.Run(c.family, func(t *testing.T) {
			s := small(t, c.family, c.seed)
			s.CanaryAge = 11 * time.Minute
			s.Aligned, s.Alignment = true, 30
			data, _ := generate(t, Instance{Scenario: s, Seed: c.seed})
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != c.want {
				t.Errorf("sha256 %s, want %s: the data of an instance without baseline pods changed; "+
					"if the generator was changed on purpose (not by baseline pods), put the new hash here", got, c.want)
			}
		})
	}
}

// TestBaselinePods: an instance with two baseline pods has them under a
// hash of their own, named <rollout>-<hash>-<suffix>, in the truth and in
// the data; each serves the canary's share and starts with the canary
// (its first request sample within the World's AppStart, ready delay and
// a scrape interval of the canary's start); the stable pods keep the
// rest of the traffic.
func TestBaselinePods(t *testing.T) {
	t.Parallel()
	s := small(t, "warmup-latency-50", 3)
	s.CanaryAge = 11 * time.Minute
	s.Baseline = 2
	data, truths := generate(t, Instance{Scenario: s, Seed: 3})
	tr := truths[0]
	if len(tr.BaselinePods) != 2 || tr.BaselineHash == "" || tr.BaselineHash == tr.StableHash || tr.BaselineHash == tr.CanaryHash {
		t.Fatalf("baseline %q %v; stable %q canary %q", tr.BaselineHash, tr.BaselinePods, tr.StableHash, tr.CanaryHash)
	}
	if len(tr.StablePods) != s.StablePods {
		t.Errorf("%d stable pods in the truth, want %d", len(tr.StablePods), s.StablePods)
	}
	var share, baselines float64
	for _, p := range tr.Pods {
		share += p.Share
		if p.Baseline {
			baselines++
			if p.Share != s.BaselineShare() || s.BaselineShare() != s.CanaryShare || p.Canary {
				t.Errorf("baseline pod %s: share %v, canary %v", p.Name, p.Share, p.Canary)
			}
			if want := s.Rollout + "-" + tr.BaselineHash + "-"; !strings.HasPrefix(p.Name, want) {
				t.Errorf("baseline pod %s is not named %s<suffix>", p.Name, want)
			}
		}
	}
	if baselines != 2 || math.Abs(share-1) > 1e-9 {
		t.Errorf("%v baseline pods, shares sum to %v", baselines, share)
	}
	f, err := parseOpenMetrics(data)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]int64{}
	for _, se := range f.series {
		if se.name != MetricRequests || len(se.ts) == 0 {
			continue
		}
		pod := se.labels[LabelPod]
		if v, ok := first[pod]; !ok || se.ts[0] < v {
			first[pod] = se.ts[0]
		}
		if slices.Contains(tr.BaselinePods, pod) && se.labels[LabelHash] != tr.BaselineHash {
			t.Errorf("pod %s has hash %s", pod, se.labels[LabelHash])
		}
	}
	latest := tr.CanaryStart.Add(s.World.AppStart + s.ReadyDelay + s.Interval)
	for _, pod := range tr.BaselinePods {
		at, ok := first[pod]
		if !ok {
			t.Fatalf("no request series of %s", pod)
		}
		if ts := time.Unix(at, 0); ts.Before(tr.CanaryStart) || ts.After(latest) {
			t.Errorf("%s: first sample at %v, canary started at %v", pod, ts, tr.CanaryStart)
		}
	}
}

// TestBaselineShareLeavesTheStablePodsTraffic: a canary that takes much of
// the traffic (heavy-canary: 3/(K+3)) leaves its baseline pods less than
// its own share; the stable pods keep at least one baseline pod's share.
func TestBaselineShareLeavesTheStablePodsTraffic(t *testing.T) {
	t.Parallel()
	s := small(t, "heavy-canary", 4)
	s.CanaryAge = 11 * time.Minute
	s.Baseline = 2
	_, truths := generate(t, Instance{Scenario: s, Seed: 4})
	var stable, baseline, total float64
	for _, p := range truths[0].Pods {
		total += p.Share
		switch {
		case p.Baseline:
			baseline = p.Share
		case !p.Canary:
			stable += p.Share
		}
	}
	if !(baseline < s.CanaryShare) || stable < baseline-1e-12 || math.Abs(total-1) > 1e-9 {
		t.Errorf("canary %v, each baseline pod %v, stable pods %v, total %v", s.CanaryShare, baseline, stable, total)
	}
}
