package bench

import (
	"math"
	"testing"
)

// TestCountModelMatchesR compares countModel.power with the same test
// written in R from its definition, with R's own binomial tails
// (pbinom(x − 1, T, q, lower.tail = FALSE)) and Poisson probabilities
// (dpois) over the same 121-node grid of the canary's factor: the script
// is internal/bench/testdata/count_power.R, each value printed with
// print(cpower(...), digits = 17).
func TestCountModelMatchesR(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                              string
		nc, ns, r, f, extra, sigma, level float64
		want                              float64
	}{
		// New errors: the stable pods have none.
		{"new errors", 400, 6000, 0, 1, 0.005, 0.15, 0.0016, 0.43713060341108473},
		{"x5 errors", 800, 7000, 0.003, 5, 0, 0.15, 0.0016, 0.75164588087921425},
		{"x5 errors, no pod spread", 500, 5000, 0.003, 5, 0, 0, 0.001, 0.52039811786948154},
		// A healthy canary without pod spread: the randomized test's size
		// is its level at every total, so in all.
		{"size", 500, 5000, 0.003, 1, 0, 0, 0.001, 0.0010000000000000022},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := newCountModel(c.nc, c.ns, c.r, c.f, c.extra, c.sigma).power(c.level)
			if math.Abs(got-c.want) > 1e-9*c.want {
				t.Errorf("%.17g, R gives %.17g", got, c.want)
			}
		})
	}
}

// TestCountModelBelowTheOracle: learning the stable pods' rate from
// their counts costs power against the Poisson oracle that knows it, and
// the cost shrinks as the stable pods' trials grow. Where the stable pods
// have no event it shrinks slowly: all k canary events falling on the
// canary's share q of the trials has chance q^k, so a judge needs
// k ≥ ln(level)/ln(q) events where the oracle takes one as proof (here one
// suffices only from q ≤ level).
func TestCountModelBelowTheOracle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		nc, r, f, extra float64
		many            float64 // stable trials per canary trial at which the cost is gone
	}{
		{"new errors", 400, 0, 1, 0.005, 1e6},
		{"x5 errors", 800, 0.003, 5, 0, 100},
		{"x2 errors", 1500, 0.003, 2, 0, 100},
	}
	const level, sigma = 0.0016, 0.15
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oracle := poissonMixturePower(c.nc*c.r, c.f, c.nc*c.extra, sigma, level)
			few := newCountModel(c.nc, 4*c.nc, c.r, c.f, c.extra, sigma).power(level)
			many := newCountModel(c.nc, c.many*c.nc, c.r, c.f, c.extra, sigma).power(level)
			// The randomized test also rejects a canary without events with
			// chance `level` when the stable pods had none either (the
			// oracle does not randomize there): hence + level.
			if !(few < many && many <= oracle+level) {
				t.Errorf("with 4x the canary's trials %g, with %gx %g, the oracle %g", few, c.many, many, oracle)
			}
			if math.Abs(many-oracle) > 0.02 {
				t.Errorf("%gx the canary's trials %g, the oracle %g: the cost should be gone", c.many, many, oracle)
			}
		})
	}
}
