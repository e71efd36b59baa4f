package scenario

import (
	"fmt"
	"io"
)

// Names used by WriteE2E, matching the examples in the README.
const (
	E2EHealthyNamespace   = "e2e-healthy"
	E2ERegressedNamespace = "e2e-regressed"
	E2ERollout            = "web"
	E2EStableHash         = "7c9d5b6f4d"
	E2ECanaryHash         = "5f6b7c8d9e"
)

// E2EScenarios returns the two calm situations of the walking-skeleton
// end-to-end test: four stable pods and a canary with 20% of 40 req/s, no
// random spikes or slow dependencies, no noisy pod, and half the default
// pod-to-pod and over-time latency noise. The regressed canary is
// 60% slower and answers ten times as many 5xx (3% instead of 0.3%).
func E2EScenarios() (healthy, regressed Scenario) {
	base := Default()
	base.Rollout = E2ERollout
	base.StableHash = E2EStableHash
	base.CanaryHash = E2ECanaryHash
	base.StablePods = 4
	base.CanaryShare = 0.2
	base.RequestRate = 40
	base.SpikesPerHour = 0
	base.SlowDependencyPerHour = 0
	base.PodSpread = 0.03
	base.ARSigma = 0.03

	healthy = base
	healthy.Name = "e2e-healthy"
	healthy.Namespace = E2EHealthyNamespace
	healthy.Description = "A healthy canary (walking-skeleton end-to-end test)."

	regressed = base
	regressed.Name = "e2e-regressed"
	regressed.Namespace = E2ERegressedNamespace
	regressed.Healthy = false
	regressed.Description = "A canary 60% slower with ten times the 5xx (walking-skeleton end-to-end test)."
	regressed.Effects = Effects{LatencyFactor: 1.6, ErrorFactor: 10}
	return healthy, regressed
}

// WriteE2E writes the data of E2EScenarios, in the namespaces
// E2EHealthyNamespace and E2ERegressedNamespace, as one OpenMetrics file.
// The data ends at DefaultEnd with canaries 15 minutes old; judge them at
// Truth.Looks times.
func WriteE2E(w io.Writer) (healthy, regressed Truth, err error) {
	h, r := E2EScenarios()
	truths, err := GenerateMany(w, []Instance{{Scenario: h, Seed: 101}, {Scenario: r, Seed: 102}})
	if err != nil {
		return Truth{}, Truth{}, fmt.Errorf("e2e data: %w", err)
	}
	return truths[0], truths[1], nil
}
