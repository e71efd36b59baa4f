package scenario

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		change  func(*Scenario)
		wantErr string // empty: valid
	}{
		{"default", func(*Scenario) {}, ""},
		{"namespace", func(s *Scenario) { s.Namespace = "Bad_NS" }, "namespace"},
		{"rollout", func(s *Scenario) { s.Rollout = "" }, "rollout"},
		{"hash syntax", func(s *Scenario) { s.CanaryHash = "ABC" }, "canary hash"},
		{"same hashes", func(s *Scenario) { s.CanaryHash, s.StableHash = "abc", "abc" }, "both"},
		{"no stable pods", func(s *Scenario) { s.StablePods = 0 }, "stable pods"},
		{"noisy alone", func(s *Scenario) { s.StablePods, s.NoisyPod = 1, true }, "noisy"},
		{"interval", func(s *Scenario) { s.Interval = 1500 * time.Millisecond }, "interval"},
		{"canary age", func(s *Scenario) { s.CanaryAge = 5 * time.Second }, "canary age"},
		{"share zero", func(s *Scenario) { s.CanaryShare = 0 }, "canary share"},
		{"share one", func(s *Scenario) { s.CanaryShare = 1 }, "canary share"},
		{"rate", func(s *Scenario) { s.RequestRate = 0 }, "request rate"},
		{"phi", func(s *Scenario) { s.ARPhi = 1 }, "AR phi"},
		{"negative spread", func(s *Scenario) { s.PodSpread = -0.1 }, "pod spread"},
		{"ratios", func(s *Scenario) { s.NotFoundRatio = 0.95 }, "error ratios"},
		{"healthy flag", func(s *Scenario) { s.Effects.LatencyFactor = 1.1 }, "Healthy is true"},
		{"regressed flag", func(s *Scenario) { s.Healthy = false }, "Healthy is false"},
		{"faster is healthy", func(s *Scenario) { s.Effects.LatencyFactor = 0.8 }, ""},
		{"history", func(s *Scenario) { s.History = 1500 * time.Millisecond }, "whole seconds"},
		{"end", func(s *Scenario) { s.End = DefaultEnd.Add(time.Millisecond) }, "whole second"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Default()
			c.change(&s)
			err := s.Validate()
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.wantErr != "" && err == nil:
				t.Errorf("no error, want one containing %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Errorf("error %q does not contain %q", err, c.wantErr)
			}
		})
	}
}

func TestRegressions(t *testing.T) {
	cases := []struct {
		name string
		e    Effects
		want []Signal
	}{
		{"none", Effects{}, nil},
		{"faster", Effects{LatencyFactor: 0.85, CPUFactor: 0.9}, nil},
		{"latency", Effects{LatencyFactor: 1.1}, []Signal{SignalLatency}},
		{"errors", Effects{ErrorFactor: 2}, []Signal{SignalErrors}},
		{"new errors", Effects{ExtraErrorRatio: 0.01}, []Signal{SignalErrors}},
		{"404 burst", Effects{NotFoundBurstRatio: 0.2, NotFoundBurstDuration: time.Minute}, []Signal{SignalNotFound}},
		{"404 burst without duration", Effects{NotFoundBurstRatio: 0.2}, nil},
		{"cpu", Effects{CPUFactor: 1.5}, []Signal{SignalCPU}},
		{"leak", Effects{MemoryLeakMBPerMinute: 5}, []Signal{SignalMemory}},
		{"crash", Effects{CrashLoop: true}, []Signal{SignalRestarts}},
		{"two", Effects{LatencyFactor: 1.6, ErrorFactor: 10}, []Signal{SignalLatency, SignalErrors}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.e.Regressions(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Regressions() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestFamilies(t *testing.T) {
	fams := Families()
	wantNames := []string{
		"healthy", "healthy-faster", "healthy-quiet", "healthy-noisy-pod", "healthy-spike", "healthy-slow-dependency",
		"latency-10", "latency-25", "latency-50", "errors-x2", "errors-x5", "errors-new", "not-found-burst",
		"cpu-50", "memory-leak", "crash-loop",
	}
	var names []string
	for _, f := range fams {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("families %v, want %v", names, wantNames)
	}
	for _, f := range fams {
		t.Run(f.Name, func(t *testing.T) {
			if g, ok := LookupFamily(f.Name); !ok || g.Name != f.Name {
				t.Errorf("LookupFamily(%q) failed", f.Name)
			}
			for seed := uint64(0); seed < 50; seed++ {
				s := f.Scenario(seed)
				if err := s.Validate(); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if s.Name != f.Name || s.Healthy != f.Healthy || s.Description == "" {
					t.Fatalf("seed %d: scenario %q healthy=%v, family %q healthy=%v", seed, s.Name, s.Healthy, f.Name, f.Healthy)
				}
				if s.StablePods < 3 || s.StablePods > 8 || s.CanaryShare < 0.05 || s.CanaryShare > 0.30 {
					t.Fatalf("seed %d: %d stable pods, canary share %v", seed, s.StablePods, s.CanaryShare)
				}
			}
		})
	}
	if _, ok := LookupFamily("nope"); ok {
		t.Error("LookupFamily found an unknown family")
	}
}

// TestFamiliesArePaired checks that one seed gives every family the same
// nuisance knobs, so that families differ only in their effect.
func TestFamiliesArePaired(t *testing.T) {
	h, _ := LookupFamily("healthy")
	l, _ := LookupFamily("latency-25")
	a, b := h.Scenario(9), l.Scenario(9)
	if a.StablePods != b.StablePods || a.CanaryShare != b.CanaryShare || a.RequestRate != b.RequestRate ||
		a.LatencyMedian != b.LatencyMedian || a.PodSpread != b.PodSpread {
		t.Errorf("seed 9 differs between families: %+v vs %+v", a, b)
	}
	if c := h.Scenario(10); c.CanaryShare == a.CanaryShare {
		t.Error("seeds 9 and 10 drew the same canary share")
	}
}
