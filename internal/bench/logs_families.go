package bench

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/internal/logscenario"
)

// LogFamily is a named kind of canary situation of an Apache httpd frontend
// judged from its logs in Loki (and its container metrics in Prometheus)
// with the apache-frontend rule set. Its Config draws the nuisance knobs
// from the seed (pods, traffic, canary share, pod-to-pod spread, noise,
// episodes) and applies the family's own change, so that families with the
// same seed share their nuisance knobs.
type LogFamily struct {
	Name        string
	Healthy     bool
	Class       Class
	Description string
	apply       func(k *logKnobs, r *rand.Rand)
}

// logKnobs are the drawn knobs of one instance before they become a
// logscenario.Config.
type logKnobs struct {
	stablePods int
	// total is the service's user requests per second, share the canary's
	// part of them, weights the stable pods' load-balancer weights.
	total, share float64
	weights      []float64
	variation    logscenario.Variation
	rareErrors   float64 // per API request, every pod
	podErrors    float64 // AH00485 per minute, the first stable pod
	apiErrors    float64 // an API call's chance of a 500 (0: the generator's 0.4%)
	canary       logscenario.Regression
	// notFoundShare is the canary's burst of 404s as a share of its
	// requests, between the regression's NotFoundFrom and NotFoundTo.
	notFoundShare float64
}

// LogCanaryStart is when every log instance's canary starts: the same
// instant for all, so that one Prometheus holds every instance's data.
var LogCanaryStart = time.Date(2026, 11, 1, 11, 48, 0, 0, time.UTC)

// LogWindow bounds the data of a log instance.
type LogWindow struct {
	Start, CanaryStart, End time.Time
}

// LogWindowFor returns the data window for the looks of l with the rule
// set's lookback: stable data from the first look's lookback (a minute
// early), the canary from LogCanaryStart, everything until a minute after
// the last look.
func LogWindowFor(l analysisrun.Limits, lookback time.Duration) LogWindow {
	ages := l.Ages()
	first, last := ages[0], ages[len(ages)-1]
	cs := LogCanaryStart
	return LogWindow{Start: cs.Add(first - lookback - time.Minute), CanaryStart: cs, End: cs.Add(last + time.Minute)}
}

// Random streams of a log instance: the nuisance knobs (shared by the
// families), the family's own draws, the names.
const (
	logStreamNuisance = 0x6c6f67736e756973
	logStreamFamily   = 0x6c6f677366616d69
	logStreamNames    = 0x6c6f67736e616d65
)

func uniformIn(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func logUniformIn(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(uniformIn(r, math.Log(lo), math.Log(hi)))
}

// episodes draws a Poisson process of episodes at perHour over [from, to)
// with heights in [hlo, hhi) and durations in [dlo, dhi).
func episodes(r *rand.Rand, from, to time.Time, perHour, hlo, hhi float64, dlo, dhi time.Duration) []logscenario.Episode {
	var out []logscenario.Episode
	t := from
	for {
		t = t.Add(time.Duration(r.ExpFloat64() / perHour * float64(time.Hour)))
		if !t.Before(to) {
			return out
		}
		out = append(out, logscenario.Episode{
			Start:    t,
			Height:   uniformIn(r, hlo, hhi),
			Duration: dlo + time.Duration(r.Float64()*float64(dhi-dlo)),
		})
	}
}

// Config returns the instance of the family for seed in window w.
func (f LogFamily) Config(seed uint64, w LogWindow) logscenario.Config {
	r := rand.New(rand.NewPCG(seed, logStreamNuisance))
	k := logKnobs{
		stablePods: 3 + r.IntN(6),
		total:      logUniformIn(r, 4, 16),
		share:      uniformIn(r, 0.05, 0.30),
	}
	for range 8 {
		k.weights = append(k.weights, math.Exp(0.05*r.NormFloat64()))
	}
	k.variation = logscenario.Variation{
		LatencySigma:   uniformIn(r, 0.05, 0.08),
		ErrorSigma:     0.15,
		SharedPhi:      0.97,
		SharedSigma:    0.04,
		PodPhi:         0.8,
		PodSigma:       0.05,
		DailyAmplitude: uniformIn(r, 0.3, 0.5),
		DailyPeakHour:  uniformIn(r, 12, 20),
		TailProb:       0.01,
		WarmupFactor:   2,
		WarmupTau:      40 * time.Second,
		ReadyDelay:     10 * time.Second,
	}
	k.variation.Spikes = episodes(r, w.Start, w.End, 0.5, 0.5, 2, time.Minute, 5*time.Minute)
	k.variation.SlowBackends = episodes(r, w.Start, w.End, 0.3, 0.3, 0.8, 3*time.Minute, 12*time.Minute)
	if f.apply != nil {
		f.apply(&k, rand.New(rand.NewPCG(seed, logStreamFamily)))
	}

	names := rand.New(rand.NewPCG(seed, logStreamNames))
	canaryHash := randomName(names, 10)
	stableHash := randomName(names, 10)
	for stableHash == canaryHash {
		stableHash = randomName(names, 10)
	}
	var sum float64
	for _, x := range k.weights[:k.stablePods] {
		sum += x
	}
	stable := make([]float64, k.stablePods)
	for i, x := range k.weights[:k.stablePods] {
		stable[i] = (1 - k.share) * k.total * x / sum
	}
	canaryRate := k.share * k.total
	reg := k.canary
	if k.notFoundShare > 0 {
		reg.NotFoundRate = k.notFoundShare * canaryRate
	}
	return logscenario.Config{
		Namespace:          namespaceOf(f.Name, seed),
		Rollout:            "web",
		CanaryHash:         canaryHash,
		StableHash:         stableHash,
		StablePods:         k.stablePods,
		Start:              w.Start,
		End:                w.End,
		CanaryStart:        w.CanaryStart,
		CanaryRequestRate:  canaryRate,
		StableRequestRates: stable,
		Variation:          k.variation,
		RareErrorRate:      k.rareErrors,
		PodErrorRate:       k.podErrors,
		APIErrorChance:     k.apiErrors,
		Canary:             reg,
		Seed:               seed,
	}
}

// namespaceOf names an instance's namespace.
func namespaceOf(family string, seed uint64) string {
	return family + "-" + uitoa(seed)
}

func uitoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// randomName draws n characters of Kubernetes' name alphabet (a
// pod-template hash).
func randomName(r *rand.Rand, n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// logFamilies is the registry, in the order of the table: healthy first.
var logFamilies = []LogFamily{
	{Name: "logs-healthy", Healthy: true, Class: ClassHealthy,
		Description: "A healthy canary: 3-8 stable pods, 4-16 req/s in all, the canary 5-30% of them."},
	{Name: "logs-healthy-busy", Healthy: true, Class: ClassHealthy,
		Description: "A healthy canary on a busy frontend (25-50 req/s in all).",
		apply: func(k *logKnobs, r *rand.Rand) {
			k.total = logUniformIn(r, 25, 50)
		}},
	{Name: "logs-healthy-rare-errors", Healthy: true, Class: ClassHealthy,
		Description: "A healthy canary of a fleet whose backend resets 0.3-1% of API calls (a 502 with AH01102 and AH00898 on every pod), beside a stable pod that logs AH00485 (scoreboard full) 0.5-2 times a minute.",
		apply: func(k *logKnobs, r *rand.Rand) {
			k.rareErrors = uniformIn(r, 0.003, 0.01)
			k.podErrors = uniformIn(r, 0.5, 2)
		}},
	{Name: "logs-healthy-slow-backend", Healthy: true, Class: ClassHealthy,
		Description: "A healthy canary while the API backend slows every pod's API calls down (+60%, 5xx x2.2) from canary age 4 min for 6 min.",
		apply: func(k *logKnobs, _ *rand.Rand) {
			k.variation.SlowBackends = append(k.variation.SlowBackends, logscenario.Episode{
				Start: LogCanaryStart.Add(4 * time.Minute), Duration: 6 * time.Minute, Height: 0.6,
			})
		}},
	{Name: "logs-healthy-quiet", Healthy: true, Class: ClassQuiet,
		Description: "A healthy canary on a quiet frontend (0.3-1 req/s in all): a few dozen canary requests by 10 minutes.",
		apply: func(k *logKnobs, r *rand.Rand) {
			k.total = logUniformIn(r, 0.3, 1)
		}},
	{Name: "logs-new-error", Class: ClassLarge,
		Description: "The canary denies 1% of its requests (403) with a new error signature, AH01630 client denied by server configuration.",
		apply:       func(k *logKnobs, _ *rand.Rand) { k.canary.NewErrorRate = 0.01 }},
	{Name: "logs-not-found-burst", Class: ClassLarge,
		Description: "The canary answers 404 for a renamed asset: 20% more requests, all 404, between canary ages 2 and 8 min.",
		apply: func(k *logKnobs, _ *rand.Rand) {
			k.notFoundShare = 0.2
			k.canary.NotFoundFrom, k.canary.NotFoundTo = 2*time.Minute, 8*time.Minute
		}},
	{Name: "logs-errors-x5", Class: ClassLarge,
		Description: "The canary's API answers 500 five times as often: 5% of API calls instead of 1%, all 5xx 1.3% of requests instead of 0.3%.",
		apply:       func(k *logKnobs, _ *rand.Rand) { k.apiErrors, k.canary.ServerErrorFactor = 0.01, 5 }},
	{Name: "logs-errors-x2", Class: ClassSubtle,
		Description: "The canary's API answers 500 twice as often: 2% of API calls instead of 1%, all 5xx 0.55% of requests instead of 0.3%.",
		apply:       func(k *logKnobs, _ *rand.Rand) { k.apiErrors, k.canary.ServerErrorFactor = 0.01, 2 }},
	{Name: "logs-latency-50", Class: ClassLarge,
		Description: "The canary answers pages, assets and API calls 50% slower.",
		apply:       func(k *logKnobs, _ *rand.Rand) { k.canary.Slowdown = 1.5 }},
	{Name: "logs-latency-25", Class: ClassSubtle,
		Description: "The canary answers pages, assets and API calls 25% slower.",
		apply:       func(k *logKnobs, _ *rand.Rand) { k.canary.Slowdown = 1.25 }},
}

// LogFamilies returns every log family, healthy ones first.
func LogFamilies() []LogFamily {
	return append([]LogFamily(nil), logFamilies...)
}

// LookupLogFamily returns the log family with the given name.
func LookupLogFamily(name string) (LogFamily, bool) {
	for _, f := range logFamilies {
		if f.Name == name {
			return f, true
		}
	}
	return LogFamily{}, false
}
