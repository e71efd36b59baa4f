package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestPoissonRateTestMatchesR compares PoissonRateTest with R's
// poisson.test. Every row was produced by
// analysis/testdata/gen/signature_poisson.R with R 4.2.2 Patched
// (2022-11-10 r83330) as
//
//	poisson.test(c(x1, x2), c(t1, t2), r = r, alternative = alt, conf.level = level)
//
// printing $p.value, $estimate and $conf.int with %.17g.
func TestPoissonRateTestMatchesR(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	cases := []struct {
		x1, x2       int
		t1, t2, r    float64
		alt          Alternative
		level        float64
		p, est       float64
		lower, upper float64
	}{
		// The recorded fixture's AH01630 signature: 18 canary lines, none
		// in the stable pods, against 808 and 2140 access lines.
		{18, 0, 808, 2140, 1, Greater, 0.99, 7.6192086816088405e-11, inf, 9.08426648800965, inf},
		// Its AH00037 signature: 9 against 17.
		{9, 17, 808, 2140, 1, Greater, 0.99, 0.26621597874008368, 1.4021549213744904, 0.46247185830644033, inf},
		{21, 2, 628, 1620, 1.5, Greater, 0.95, 7.9950645886599731e-08, 27.085987261146496, 7.7699539739096144, inf},
		{3, 0, 100, 900, 1, Greater, 0.95, 0.0010000000000000007, inf, 5.2495960802569037, inf},
		{0, 5, 100, 900, 1, Greater, 0.95, 1, 0, 0, inf},
		{10, 20, 1, 1, 1, TwoSided, 0.95, 0.09873714670538894, 0.5, 0.20900596502383295, 1.1191830442442041},
		{5, 40, 10, 20, 1, Less, 0.9, 0.00058995953196317699, 0.25, 0, 0.48876272583564173},
		{250, 2000, 1e4, 9e4, 1.1, Greater, 0.99, 0.37859435084624971, 1.125, 0.9576530971323215, inf},
		{250, 2000, 1e4, 9e4, 1.1, TwoSided, 0.99, 0.73505505157590534, 1.125, 0.94104694066891881, 1.335695577126897},
		{7, 3, 2.5, 1, 1, TwoSided, 0.95, 1, 0.93333333333333324, 0.21307112071503309, 5.5934511497208472},
		{1, 1, 0.274, 0.726, 1, Greater, 0.99, 0.47292400000000001, 2.6496350364963499, 0.013348371818204269, inf},
	}
	same := func(got, want float64) bool {
		if math.IsInf(want, 0) {
			return got == want
		}
		return scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-9)
	}
	for _, c := range cases {
		t.Run("", func(t *testing.T) {
			got := PoissonRateTest(c.x1, c.x2, c.t1, c.t2, c.r, c.alt, c.level)
			if !same(got.PValue, c.p) {
				t.Errorf("%+v: p-value %.17g, want %.17g", c, got.PValue, c.p)
			}
			if !same(got.Estimate, c.est) {
				t.Errorf("%+v: estimate %.17g, want %.17g", c, got.Estimate, c.est)
			}
			if !same(got.Lower, c.lower) || !same(got.Upper, c.upper) {
				t.Errorf("%+v: interval [%.17g, %.17g], want [%.17g, %.17g]", c, got.Lower, got.Upper, c.lower, c.upper)
			}
			if got.Level != c.level {
				t.Errorf("level %g, want %g", got.Level, c.level)
			}
		})
	}
}

func TestPoissonRateTestNoEvents(t *testing.T) {
	t.Parallel()
	got := PoissonRateTest(0, 0, 1, 3, 1, Greater, 0.95)
	if got.PValue != 1 || !math.IsNaN(got.Estimate) || got.Lower != 0 || !math.IsInf(got.Upper, 1) {
		t.Errorf("got %+v", got)
	}
	if !scalar.EqualWithinAbsOrRel(got.P0, 0.25, 1e-15, 1e-15) {
		t.Errorf("p0 %g, want 0.25", got.P0)
	}
}

// TestPoissonRateTestCalibrated checks the promise of an exact test: under
// the null hypothesis, p <= α happens at most a fraction α of the time. The
// exposures and rates are those of a canary with a quarter of the traffic
// and a signature seen about 6 times in all.
func TestPoissonRateTestCalibrated(t *testing.T) {
	t.Parallel()
	src := rand.New(rand.NewPCG(1, 1))
	const (
		runs  = 4000
		alpha = 0.05
	)
	for _, r := range []float64{1, 1.5} {
		t1, t2 := 700.0, 2100.0
		lambda2 := 6.0 / (t1*r + t2)
		c := distuv.Poisson{Lambda: r * lambda2 * t1, Src: src}
		s := distuv.Poisson{Lambda: lambda2 * t2, Src: src}
		rejected := 0
		for range runs {
			res := PoissonRateTest(int(c.Rand()), int(s.Rand()), t1, t2, r, Greater, 0.95)
			if res.PValue <= alpha {
				rejected++
			}
		}
		// Three binomial standard errors above α: a calibrated test fails
		// this about once in 700 runs, a miscalibrated one nearly always.
		limit := alpha + 3*math.Sqrt(alpha*(1-alpha)/runs)
		if rate := float64(rejected) / runs; rate > limit {
			t.Errorf("r=%g: rejected %.4f of true null hypotheses, more than %.4f", r, rate, limit)
		}
	}
}

func TestPoissonRateTestPanics(t *testing.T) {
	t.Parallel()
	cases := map[string]func(){
		"negative count":   func() { PoissonRateTest(-1, 0, 1, 1, 1, Greater, 0.95) },
		"zero exposure":    func() { PoissonRateTest(1, 0, 0, 1, 1, Greater, 0.95) },
		"infinite ratio":   func() { PoissonRateTest(1, 0, 1, 1, math.Inf(1), Greater, 0.95) },
		"level 1":          func() { PoissonRateTest(1, 0, 1, 1, 1, Greater, 1) },
		"bad alternative":  func() { PoissonRateTest(1, 0, 1, 1, 1, Alternative(9), 0.95) },
		"NaN exposure":     func() { PoissonRateTest(1, 0, math.NaN(), 1, 1, Greater, 0.95) },
		"negative ratio r": func() { PoissonRateTest(1, 0, 1, 1, -2, Greater, 0.95) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			f()
		})
	}
}
