package scenario

import (
	"math"
	"math/rand/v2"
)

// bucketBounds are the upper bounds of the latency histogram's buckets; a
// last +Inf bucket follows.
var bucketBounds = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// nBuckets counts the buckets including +Inf.
var nBuckets = len(bucketBounds) + 1

// class is one (code, method) combination of http_requests_total.
type class struct {
	code, method string
	// latency multiplies the request latency: a 404 or 304 is answered
	// quicker than a full response.
	latency float64
}

// classes lists the series of http_requests_total a pod can have. 304 only
// answers a (conditional) GET.
var classes = []class{
	{"200", "GET", 1}, {"304", "GET", 0.5}, {"404", "GET", 0.3}, {"500", "GET", 1}, {"503", "GET", 1},
	{"200", "POST", 1}, {"404", "POST", 0.3}, {"500", "POST", 1}, {"503", "POST", 1},
}

// Indexes into classes.
const (
	clsGET200, clsGET304, clsGET404, clsGET500, clsGET503 = 0, 1, 2, 3, 4
	clsPOST200, clsPOST404, clsPOST500, clsPOST503        = 5, 6, 7, 8
)

// share500 is the fraction of 5xx answers that are 500 (the rest are 503).
const share500 = 0.7

// episode is the simulation's form of an Episode, in Unix seconds.
type episode struct {
	Start    float64 // Unix seconds
	Duration float64 // seconds
	Height   float64
}

// Time constants of an episode's rise and decay (seconds).
const (
	episodeRise  = 20
	episodeDecay = 60
)

// at returns the episode's strength at Unix time t.
func (e episode) at(t float64) float64 {
	u := t - e.Start
	switch {
	case u < 0:
		return 0
	case u < e.Duration:
		return e.Height * (1 - math.Exp(-u/episodeRise))
	case u > e.Duration+20*episodeDecay:
		return 0
	default:
		return e.Height * (1 - math.Exp(-e.Duration/episodeRise)) * math.Exp(-(u-e.Duration)/episodeDecay)
	}
}

func sumEpisodes(es []episode, t float64) float64 {
	var s float64
	for _, e := range es {
		s += e.at(t)
	}
	return s
}

// randomEpisodes draws a Poisson number of episodes (perHour over span
// seconds) with uniform start times in [from, from+span).
func randomEpisodes(r *rand.Rand, from, span, perHour, minHeight, maxHeight, minDur, maxDur float64) []episode {
	n := poisson(r, perHour*span/3600)
	out := make([]episode, 0, n)
	for range n {
		out = append(out, episode{
			Start:    from + span*r.Float64(),
			Duration: uniform(r, minDur, maxDur),
			Height:   uniform(r, minHeight, maxHeight),
		})
	}
	return out
}

// latencyDist is the latency of one request class on one pod during one
// scrape interval: a log-normal body with median m and log-σ sigma, and,
// with probability q, a Pareto tail with minimum m·tailMin and shape alpha.
type latencyDist struct {
	m, sigma, q, tailMin, alpha float64
}

func (d latencyDist) draw(r *rand.Rand) float64 {
	if d.q > 0 && r.Float64() < d.q {
		return d.m * d.tailMin * math.Pow(1-r.Float64(), -1/d.alpha)
	}
	return d.m * math.Exp(d.sigma*r.NormFloat64())
}

// cdf returns P(X <= x).
func (d latencyDist) cdf(x float64) float64 {
	body := 0.5 * math.Erfc(-math.Log(x/d.m)/(d.sigma*math.Sqrt2))
	tail := 0.0
	if xm := d.m * d.tailMin; x > xm {
		tail = 1 - math.Pow(xm/x, d.alpha)
	}
	return (1-d.q)*body + d.q*tail
}

// mean returns E[X] (infinite when alpha <= 1).
func (d latencyDist) mean() float64 {
	tail := math.Inf(1)
	if d.alpha > 1 {
		tail = d.m * d.tailMin * d.alpha / (d.alpha - 1)
	}
	if d.q == 0 {
		tail = 0
	}
	return (1-d.q)*d.m*math.Exp(d.sigma*d.sigma/2) + d.q*tail
}

// meanSquare returns E[X²] (infinite when alpha <= 2).
func (d latencyDist) meanSquare() float64 {
	tail := math.Inf(1)
	if d.alpha > 2 {
		tail = d.m * d.tailMin * d.m * d.tailMin * d.alpha / (d.alpha - 2)
	}
	if d.q == 0 {
		tail = 0
	}
	return (1-d.q)*d.m*d.m*math.Exp(2*d.sigma*d.sigma) + d.q*tail
}

// RequestLatencyCV2 returns the squared coefficient of variation of one
// request's latency, κ·Y with κ its class's latency factor and Y the
// latency distribution (the median cancels), for the request mix of the
// base ratios: a 404 with chance NotFoundRatio, a 304 with chance
// GETShare·(1 − NotFoundRatio)·NotModifiedRatio, the rest with κ = 1
// (5xx answers take as long as 200s). The mean latency of N requests then
// varies by about RequestLatencyCV2/N relative to its square. 0 when Y has
// no finite variance (a tail with TailAlpha ≤ 2).
func (s Scenario) RequestLatencyCV2() float64 {
	d := latencyDist{m: 1, sigma: s.LatencySigma, q: s.TailProb, tailMin: s.TailMin, alpha: s.TailAlpha}
	y1, y2 := d.mean(), d.meanSquare()
	if math.IsInf(y2, 1) {
		return 0
	}
	p404 := s.NotFoundRatio
	p304 := s.GETShare * (1 - p404) * s.NotModifiedRatio
	k404, k304 := classes[clsGET404].latency, classes[clsGET304].latency
	k1 := k404*p404 + k304*p304 + (1 - p404 - p304)
	k2 := k404*k404*p404 + k304*k304*p304 + (1 - p404 - p304)
	return k2*y2/(k1*k1*y1*y1) - 1
}

// bucketOf returns the index of the first bucket whose bound is >= x.
func bucketOf(x float64) int {
	for i, b := range bucketBounds {
		if x <= b {
			return i
		}
	}
	return len(bucketBounds)
}

// warm returns 1+(w-1)·e^(-age/tau): a factor that starts at w for a new
// container and decays to 1.
func warm(w, age, tau float64) float64 {
	if tau <= 0 || age < 0 {
		return 1
	}
	return 1 + (w-1)*math.Exp(-age/tau)
}

// Constants of the resource model (see the package documentation).
const (
	cpuWarmupTau    = 60.0 // s
	cpuStartupCores = 0.5  // extra cores right after a container starts
	cpuStartupTau   = 20.0 // s
	cpuNoisePhi     = 0.8
	cpuNoiseSigma   = 0.05
	memRampFrac     = 0.3  // a new container starts 30% below its level
	memRampTau      = 90.0 // s
	memNoisePhi     = 0.98
	memNoiseSigma   = 0.015
	spikeLatency    = 0.1  // latency rises by 10% of a spike's traffic increase
	slowErrors      = 2.0  // a slow dependency raises 5xx by 2x its latency factor
	oomBackoff      = 10.0 // s: Kubernetes' first back-off after a container exits
	mib             = 1 << 20
)
