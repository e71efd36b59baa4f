package scenario

import (
	"fmt"
	"io"
)

// Instance is one scenario to generate with its seed.
type Instance struct {
	Scenario Scenario
	Seed     uint64
}

// Generate writes the OpenMetrics data of one scenario instance to w and
// returns what was generated. The same scenario and seed always give the
// same bytes.
func Generate(w io.Writer, s Scenario, seed uint64) (Truth, error) {
	truths, err := GenerateMany(w, []Instance{{Scenario: s, Seed: seed}})
	if err != nil {
		return Truth{}, err
	}
	return truths[0], nil
}

// GenerateMany writes many instances into one OpenMetrics file, so that a
// benchmark backfills one data set into one Prometheus. Instances are told
// apart by namespace, which must therefore differ (the default
// "bench-<name>-<seed>" does when name or seed do). Every instance is
// simulated before writing starts (about 1.5 MB of memory per instance of
// the default size), because OpenMetrics wants each metric family in one
// piece.
func GenerateMany(w io.Writer, instances []Instance) ([]Truth, error) {
	ins := make([]*instance, 0, len(instances))
	seen := map[string]int{}
	for i, spec := range instances {
		in, err := newInstance(spec.Scenario, spec.Seed)
		if err != nil {
			return nil, fmt.Errorf("instance %d: %w", i, err)
		}
		if j, dup := seen[in.ns]; dup {
			return nil, fmt.Errorf("instances %d and %d both use namespace %q", j, i, in.ns)
		}
		seen[in.ns] = i
		ins = append(ins, in)
	}
	if err := writeAll(w, ins); err != nil {
		return nil, fmt.Errorf("writing OpenMetrics: %w", err)
	}
	truths := make([]Truth, len(ins))
	for i, in := range ins {
		truths[i] = in.truth()
	}
	return truths, nil
}
