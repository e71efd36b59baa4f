package logscenario

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// Config describes one scenario.
type Config struct {
	Namespace  string
	Rollout    string
	CanaryHash string
	StableHash string
	// StablePods is the number of stable pods (default 3).
	StablePods int
	// Start and End bound the generated lines. The stable pods live through
	// the whole window; the canary starts at CanaryStart (default Start).
	Start, End  time.Time
	CanaryStart time.Time
	// RequestRate is the user requests per second of each pod (default
	// 0.3); ProbeInterval the kubelet's probe period (default 10s).
	RequestRate   float64
	ProbeInterval time.Duration
	// Container is the container label (default httpd).
	Container string
	// Profile is the site's mix of user requests (default ProfileShop).
	Profile Profile
	// CanaryRequestRate is the canary's user requests per second (default
	// RequestRate); StableRequestRates, when set, gives each stable pod its
	// own (one per stable pod). Variation moves them over time.
	CanaryRequestRate  float64
	StableRequestRates []float64
	// Variation makes the pods differ from each other and over time; the
	// zero value is the simple model (identical pods, constant rates).
	Variation Variation
	// RareErrorRate is the chance per API request, on every pod, that the
	// backend resets the connection: a 502 with its AH01102 and AH00898
	// error lines (a known, rare error signature of the whole fleet).
	RareErrorRate float64
	// APIErrorChance is an API call's chance of a 500 on every pod, before
	// the pod's error factor and the canary's ServerErrorFactor (default
	// 0.004).
	APIErrorChance float64
	// PodErrorRate is how many times per minute the first stable pod logs
	// AH00485 (its scoreboard is full): an error signature of that pod
	// alone.
	PodErrorRate float64
	// Canary is what is wrong with the canary; the zero value is a healthy
	// canary.
	Canary Regression
	Seed   uint64
}

// Regression is what a regressed canary does differently.
type Regression struct {
	// NewErrorRate is the chance per user request that the canary denies
	// it with a new error (a 403 and its error line). NewError is the error
	// line's message after the client field; empty means Apache's AH01630.
	NewErrorRate float64
	NewError     string
	// NotFoundRate is the extra rate (per second) of 404s for a renamed
	// asset between NotFoundFrom and NotFoundTo after the canary's start.
	NotFoundRate             float64
	NotFoundFrom, NotFoundTo time.Duration
	// ServerErrorFactor multiplies the chance of a 500 on the API (0 or 1:
	// unchanged).
	ServerErrorFactor float64
	// Slowdown multiplies the duration of pages, assets and API calls (0 or
	// 1: unchanged).
	Slowdown float64
	// DynamicSlowdown multiplies the duration of the dynamic requests
	// alone, pages and API calls (0 or 1: unchanged): what a release of
	// the application's code changes, while Apache serves static files as
	// fast as before.
	DynamicSlowdown float64
}

// Regressed is the canary of the recorded fixture: a new AH01630 signature,
// a 404 burst for /assets/app.9c1e.js from 11 to 16 minutes, more 500s and
// 1.35 times slower.
func Regressed() Regression {
	return Regression{
		NewErrorRate: 0.03,
		NotFoundRate: 0.2, NotFoundFrom: 11 * time.Minute, NotFoundTo: 16 * time.Minute,
		ServerErrorFactor: 25,
		Slowdown:          1.35,
	}
}

// DefaultNewError is the new error of a regressed canary: Apache refusing a
// file its configuration denies.
const DefaultNewError = "AH01630: client denied by server configuration: /var/www/html/config.json"

// Truth says what was generated.
type Truth struct {
	CanaryPod  string
	StablePods []string
	// Requests, NewErrors, NotFound and ServerErrors count, per pod, the
	// user requests (probes left out), the new error's lines, the 404s and
	// the 5xx answers; RareErrors the backend resets (RareErrorRate) and
	// PodErrors the AH00485 lines (PodErrorRate).
	Requests, NewErrors, NotFound, ServerErrors map[string]int
	RareErrors, PodErrors                       map[string]int
	// RequestRates is each pod's user request rate before Variation's
	// daily cycle and spikes; LatencyFactors and ErrorFactors are the pods'
	// drawn persistent factors (1 without Variation).
	RequestRates, LatencyFactors, ErrorFactors map[string]float64
}

// Logs is a generated scenario.
type Logs struct {
	// Entries holds every line of every pod, oldest first, with the labels
	// namespace, pod, container and stream (access or error).
	Entries []providers.LogEntry
	Truth   Truth
}

func (c *Config) defaults() {
	if c.StablePods == 0 {
		c.StablePods = 3
	}
	if c.RequestRate == 0 {
		c.RequestRate = 0.3
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = 10 * time.Second
	}
	if c.Container == "" {
		c.Container = "httpd"
	}
	if c.CanaryStart.IsZero() {
		c.CanaryStart = c.Start
	}
	if c.Rollout == "" {
		c.Rollout = "web"
	}
	if c.Canary.NewError == "" {
		c.Canary.NewError = DefaultNewError
	}
	if c.Canary.ServerErrorFactor == 0 {
		c.Canary.ServerErrorFactor = 1
	}
	if c.Canary.Slowdown == 0 {
		c.Canary.Slowdown = 1
	}
	if c.Canary.DynamicSlowdown == 0 {
		c.Canary.DynamicSlowdown = 1
	}
	if c.APIErrorChance == 0 {
		c.APIErrorChance = apiFailChance
	}
}

// Generate makes the lines of every pod of cfg.
func Generate(cfg Config) (Logs, error) {
	cfg.defaults()
	if !cfg.End.After(cfg.Start) {
		return Logs{}, fmt.Errorf("logscenario: end %s is not after start %s", cfg.End, cfg.Start)
	}
	if cfg.CanaryHash == "" || cfg.StableHash == "" || cfg.CanaryHash == cfg.StableHash {
		return Logs{}, fmt.Errorf("logscenario: two different pod-template hashes are needed")
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x61706163686521))
	if len(cfg.StableRequestRates) != 0 && len(cfg.StableRequestRates) != cfg.StablePods {
		return Logs{}, fmt.Errorf("logscenario: %d stable request rates for %d stable pods", len(cfg.StableRequestRates), cfg.StablePods)
	}
	table, ok := profiles[cfg.Profile]
	if !ok {
		return Logs{}, fmt.Errorf("logscenario: unknown profile %q", cfg.Profile)
	}
	tr := Truth{
		Requests: map[string]int{}, NewErrors: map[string]int{}, NotFound: map[string]int{}, ServerErrors: map[string]int{},
		RareErrors: map[string]int{}, PodErrors: map[string]int{},
		RequestRates: map[string]float64{}, LatencyFactors: map[string]float64{}, ErrorFactors: map[string]float64{},
	}
	var out []providers.LogEntry
	suffixes := podSuffixes(rng, cfg.StablePods+1)
	tr.CanaryPod = cfg.Rollout + "-" + cfg.CanaryHash + "-" + suffixes[0]
	for i := 0; i < cfg.StablePods; i++ {
		tr.StablePods = append(tr.StablePods, cfg.Rollout+"-"+cfg.StableHash+"-"+suffixes[i+1])
	}
	pods := append([]string{tr.CanaryPod}, tr.StablePods...)
	var m *variation
	if cfg.Variation.enabled() {
		m = newModel(&cfg, len(pods))
	}
	for i, pod := range pods {
		p := &podGen{
			cfg: &cfg, tr: &tr, pod: pod, canary: i == 0, idx: i, model: m, requests: table,
			rng:  rand.New(rand.NewPCG(cfg.Seed+uint64(i)+1, rng.Uint64())),
			pids: []int{8, 9, 10},
			rate: cfg.RequestRate,
		}
		switch {
		case i == 0 && cfg.CanaryRequestRate > 0:
			p.rate = cfg.CanaryRequestRate
		case i > 0 && len(cfg.StableRequestRates) > 0:
			p.rate = cfg.StableRequestRates[i-1]
		}
		tr.RequestRates[pod] = p.rate
		tr.LatencyFactors[pod], tr.ErrorFactors[pod] = 1, 1
		if m != nil {
			tr.LatencyFactors[pod], tr.ErrorFactors[pod] = m.pods[i].latency, m.pods[i].errors
		}
		p.start = cfg.Start
		if p.canary && cfg.CanaryStart.After(cfg.Start) {
			p.start = cfg.CanaryStart
		}
		out = append(out, p.lines()...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return Logs{Entries: out, Truth: tr}, nil
}

// podSuffixes draws distinct five-letter pod-name suffixes.
func podSuffixes(rng *rand.Rand, n int) []string {
	const letters = "bcdfghjklmnpqrstvwxz2456789"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		b := make([]byte, 5)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		if s := string(b); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// podGen generates one pod's lines.
type podGen struct {
	cfg    *Config
	tr     *Truth
	pod    string
	canary bool
	start  time.Time
	rng    *rand.Rand
	pids   []int
	out    []providers.LogEntry
	// idx is the pod's index (0 the canary), rate its user request rate
	// and model the scenario's Variation (nil when off).
	idx   int
	rate  float64
	model *variation
	// requests is the profile's table of user requests.
	requests []request
}

var (
	clients    = []string{"10.42.0.15", "10.42.1.23", "10.42.2.9", "10.42.3.41"}
	probeAddr  = "10.42.1.1"
	userAgents = []string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
	}
	tids = []int64{139872391817088, 139872401572864, 139872405767168, 139872409961472, 139872413155776, 139872418350080}
)

// request is one kind of user request.
type request struct {
	weight  float64
	path    string
	size    int
	kind    string  // page, asset, api, static, noise
	median  float64 // microseconds
	cached  float64 // chance of a 304
	referer bool
}

// Profile names a site's mix of user requests.
type Profile string

// The profiles.
const (
	// ProfileShop is the recorded fixture's mix: pages, hashed assets
	// and API calls, a quarter of the requests API calls of 9-14 ms, most
	// of the rest 0.5-1.5 ms.
	ProfileShop Profile = ""
	// ProfileStaticHeavy is a frontend of two kinds of requests: half are
	// static files Apache serves in 0.3-0.6 ms (hashed assets, product
	// images, some answered 304), the other half pages and API calls the
	// application renders in 18-30 ms. A per-minute median of all requests
	// falls into one group or the other by chance.
	ProfileStaticHeavy Profile = "static-heavy"
)

// profiles are the request tables of the profiles.
var profiles = map[Profile][]request{
	ProfileShop:        shopRequests,
	ProfileStaticHeavy: staticHeavyRequests,
}

var shopRequests = []request{
	{weight: 20, path: "/", size: 4211, kind: "page", median: 1200},
	{weight: 6, path: "/products", size: 9877, kind: "page", median: 1500},
	{weight: 14, path: "/assets/app.3b7f.js", size: 48211, kind: "asset", median: 900, cached: 0.3, referer: true},
	{weight: 12, path: "/assets/styles.8b2e.css", size: 23871, kind: "asset", median: 600, cached: 0.3, referer: true},
	{weight: 8, path: "/assets/logo.4c1d.svg", size: 3127, kind: "asset", median: 500, cached: 0.4, referer: true},
	{weight: 14, path: "/api/products?page=%d", size: 1822, kind: "api", median: 14000, referer: true},
	{weight: 8, path: "/api/cart", size: 311, kind: "api", median: 9000, referer: true},
	{weight: 4, path: "/static/manual.pdf", size: 80211, kind: "static", median: 2500, referer: true},
	{weight: 1.2, path: "/favicon.ico", size: 196, kind: "noise"},
	{weight: 0.4, path: "/wp-login.php", size: 196, kind: "noise"},
	{weight: 0.1, path: "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", size: 226, kind: "traversal"},
}

var staticHeavyRequests = []request{
	{weight: 14, path: "/assets/app.3b7f.js", size: 48211, kind: "asset", median: 500, cached: 0.3, referer: true},
	{weight: 12, path: "/assets/styles.8b2e.css", size: 23871, kind: "asset", median: 400, cached: 0.3, referer: true},
	{weight: 8, path: "/assets/logo.4c1d.svg", size: 3127, kind: "asset", median: 300, cached: 0.4, referer: true},
	{weight: 12, path: "/img/product-%d.webp", size: 38120, kind: "asset", median: 600, cached: 0.2, referer: true},
	{weight: 2, path: "/static/manual.pdf", size: 80211, kind: "static", median: 2500, referer: true},
	{weight: 14, path: "/", size: 4211, kind: "page", median: 18000},
	{weight: 10, path: "/products", size: 9877, kind: "page", median: 25000},
	{weight: 14, path: "/api/products?page=%d", size: 1822, kind: "api", median: 30000, referer: true},
	{weight: 12, path: "/api/cart", size: 311, kind: "api", median: 20000, referer: true},
	{weight: 1.2, path: "/favicon.ico", size: 196, kind: "noise"},
	{weight: 0.4, path: "/wp-login.php", size: 196, kind: "noise"},
	{weight: 0.1, path: "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", size: 226, kind: "traversal"},
}

// dynamic reports whether the application renders the request (a page or
// an API call), rather than Apache serving a file.
func (r request) dynamic() bool { return r.kind == "page" || r.kind == "api" }

// Base chances per request.
const (
	symlinkChance = 0.3   // of /static requests: AH00037
	apiFailChance = 0.004 // a 500 on the API (Config.APIErrorChance)
	proxyDown     = 0.002 // a 503 on the API, with AH00957 and AH01114
)

func (p *podGen) lines() []providers.LogEntry {
	cfg := p.cfg
	if !p.start.Before(cfg.End) {
		return nil
	}
	if p.canary && !cfg.CanaryStart.Before(cfg.Start) {
		// The canary started in the window: Apache's start-up notices.
		p.startupNotices(p.start)
	}
	// Probes, from a random phase.
	phase := time.Duration(p.rng.Int64N(int64(cfg.ProbeInterval)))
	for t := p.start.Add(phase); t.Before(cfg.End); t = t.Add(cfg.ProbeInterval) {
		p.access(t, probeAddr, "GET", "/healthz", 200, "2", "-", "kube-probe/1.33", p.duration(300))
	}
	// User requests.
	total := 0.0
	for _, r := range p.requests {
		total += r.weight
	}
	from := p.start
	if p.canary && p.model != nil {
		from = from.Add(cfg.Variation.ReadyDelay)
	}
	if p.rate > 0 {
		for t := p.next(from); t.Before(cfg.End); t = p.next(t) {
			p.userRequest(t, total)
		}
	}
	// The first stable pod's own error.
	if p.idx == 1 && cfg.PodErrorRate > 0 {
		for t := p.nextAt(p.start, cfg.PodErrorRate/60); t.Before(cfg.End); t = p.nextAt(t, cfg.PodErrorRate/60) {
			p.tr.PodErrors[p.pod]++
			p.errorLineAt(t, "mpm_event:error", 1, tids[0], "AH00485: scoreboard is full, not at MaxRequestWorkers")
		}
	}
	// The 404 burst.
	if p.canary && cfg.Canary.NotFoundRate > 0 {
		from, to := p.start.Add(cfg.Canary.NotFoundFrom), p.start.Add(cfg.Canary.NotFoundTo)
		for t := p.nextAt(from, cfg.Canary.NotFoundRate); t.Before(to) && t.Before(cfg.End); t = p.nextAt(t, cfg.Canary.NotFoundRate) {
			p.tr.Requests[p.pod]++
			p.tr.NotFound[p.pod]++
			p.access(t, p.client(), "GET", "/assets/app.9c1e.js", 404, "196", "https://shop.example.com/", p.ua(), p.userDuration(t, 400, "noise"))
		}
	}
	return p.out
}

// next returns the time of the pod's next user request after t: a Poisson
// process at the pod's rate, thinned by Variation's daily cycle and spikes.
func (p *podGen) next(t time.Time) time.Time {
	if p.model == nil {
		return p.nextAt(t, p.rate)
	}
	v := &p.cfg.Variation
	top := v.maxRateFactor()
	for {
		t = p.nextAt(t, p.rate*top)
		if !t.Before(p.cfg.End) || p.rng.Float64()*top < v.RateFactor(t) {
			return t
		}
	}
}

func (p *podGen) nextAt(t time.Time, rate float64) time.Time {
	return t.Add(time.Duration(p.rng.ExpFloat64() / rate * float64(time.Second)))
}

func (p *podGen) client() string { return clients[p.rng.IntN(len(clients))] }
func (p *podGen) ua() string     { return userAgents[p.rng.IntN(len(userAgents))] }

// duration draws a log-normal duration in microseconds around median.
func (p *podGen) duration(median float64) int {
	return max(1, int(median*math.Exp(0.35*p.rng.NormFloat64())))
}

// userDuration draws a user request's duration: around median times the
// pod's latency factor at t (Variation), from the Pareto tail with chance
// TailProb.
func (p *podGen) userDuration(t time.Time, median float64, kind string) int {
	if p.model == nil {
		return p.duration(median)
	}
	median *= p.model.latency(p.idx, t, t.Sub(p.start), p.canary, kind)
	if tp := p.cfg.Variation.TailProb; tp > 0 && p.rng.Float64() < tp {
		// Pareto with minimum 4·median and shape 2.5, by inversion.
		return max(1, int(4*median*math.Pow(1-p.rng.Float64(), -1/2.5)))
	}
	return p.duration(median)
}

// errorFactor is the pod's factor on its 500 and 503 chances at t.
func (p *podGen) errorFactor(t time.Time) float64 {
	if p.model == nil {
		return 1
	}
	return p.model.errors(p.idx, t)
}

func (p *podGen) userRequest(t time.Time, total float64) {
	cfg := p.cfg
	reg := Regression{ServerErrorFactor: 1, Slowdown: 1, DynamicSlowdown: 1}
	if p.canary {
		reg = cfg.Canary
	}
	client, ua := p.client(), p.ua()
	p.tr.Requests[p.pod]++
	if p.canary && reg.NewErrorRate > 0 && p.rng.Float64() < reg.NewErrorRate {
		p.tr.NewErrors[p.pod]++
		port := 32768 + p.rng.IntN(28000)
		p.errorLine(t, "authz_core:error", fmt.Sprintf("[client %s:%d] %s", client, port, reg.NewError))
		p.access(t.Add(37*time.Microsecond), client, "GET", "/config.json", 403, "199", "-", ua, p.userDuration(t, 350, "denied"))
		return
	}
	x := p.rng.Float64() * total
	var r request
	for _, r = range p.requests {
		if x < r.weight {
			break
		}
		x -= r.weight
	}
	path := r.path
	if strings.Contains(r.path, "%d") {
		path = fmt.Sprintf(r.path, 1+p.rng.IntN(12))
	}
	referer := "-"
	if r.referer {
		referer = "https://shop.example.com/"
	}
	median := r.median * reg.Slowdown
	if r.dynamic() {
		median *= reg.DynamicSlowdown
	}
	switch r.kind {
	case "noise":
		p.tr.NotFound[p.pod]++
		p.access(t, client, "GET", path, 404, strconv.Itoa(r.size), "-", ua, p.userDuration(t, 400, r.kind))
	case "traversal":
		port := 32768 + p.rng.IntN(28000)
		p.errorLine(t, "core:error", fmt.Sprintf("[client %s:%d] AH00126: Invalid URI in request GET %s HTTP/1.1", client, port, path))
		p.access(t.Add(41*time.Microsecond), client, "GET", path, 400, "226", "-", ua, p.userDuration(t, 300, r.kind))
	case "api":
		ef := p.errorFactor(t)
		down, fail := proxyDown*ef, cfg.APIErrorChance*ef*reg.ServerErrorFactor
		rare := p.cfg.RareErrorRate * ef
		switch u := p.rng.Float64(); {
		case u < down:
			p.tr.ServerErrors[p.pod]++
			pid := p.pid()
			tid := tids[p.rng.IntN(len(tids))]
			port := 32768 + p.rng.IntN(28000)
			p.errorLineAt(t, "proxy:error", pid, tid, "(111)Connection refused: AH00957: http: attempt to connect to 10.43.12.7:8080 (api.shop.svc.cluster.local:8080) failed")
			p.errorLineAt(t.Add(60*time.Microsecond), "proxy_http:error", pid, tid, fmt.Sprintf("[client %s:%d] AH01114: HTTP: failed to make connection to backend: api.shop.svc.cluster.local", client, port))
			p.access(t.Add(90*time.Microsecond), client, "GET", path, 503, "299", referer, ua, p.duration(1100))
		case u < down+fail:
			p.tr.ServerErrors[p.pod]++
			p.access(t, client, "GET", path, 500, "531", referer, ua, p.userDuration(t, median, r.kind))
		case u < down+fail+rare:
			p.backendReset(t, client, ua, path, referer, median)
		default:
			p.access(t, client, "GET", path, 200, strconv.Itoa(r.size), referer, ua, p.userDuration(t, median, r.kind))
		}
	case "static":
		if p.rng.Float64() < symlinkChance {
			port := 32768 + p.rng.IntN(28000)
			p.errorLine(t, "core:error", fmt.Sprintf("[client %s:%d] AH00037: Symbolic link not allowed or link target not accessible: /var/www/html/static", client, port))
			p.tr.NotFound[p.pod]++
			p.access(t.Add(52*time.Microsecond), client, "GET", path, 404, "196", referer, ua, p.userDuration(t, 500, r.kind))
			return
		}
		p.access(t, client, "GET", path, 200, strconv.Itoa(r.size), referer, ua, p.userDuration(t, median, r.kind))
	default:
		if r.cached > 0 && p.rng.Float64() < r.cached {
			p.access(t, client, "GET", path, 304, "-", referer, ua, p.userDuration(t, median/3, r.kind))
			return
		}
		p.access(t, client, "GET", path, 200, strconv.Itoa(r.size), referer, ua, p.userDuration(t, median, r.kind))
	}
}

// backendReset logs an API request whose backend reset the connection: the
// proxy's AH01102 and AH00898 error lines and a 502.
func (p *podGen) backendReset(t time.Time, client, ua, path, referer string, median float64) {
	p.tr.ServerErrors[p.pod]++
	p.tr.RareErrors[p.pod]++
	pid := p.pid()
	tid := tids[p.rng.IntN(len(tids))]
	port := 32768 + p.rng.IntN(28000)
	uri, _, _ := strings.Cut(path, "?")
	us := p.userDuration(t, median, "api")
	p.errorLineAt(t, "proxy_http:error", pid, tid, fmt.Sprintf("(104)Connection reset by peer: [client %s:%d] AH01102: error reading status line from remote server api.shop.svc.cluster.local:8080, referer: %s", client, port, referer))
	p.errorLineAt(t.Add(25*time.Microsecond), "proxy:error", pid, tid, fmt.Sprintf("[client %s:%d] AH00898: Error reading from remote server returned by %s, referer: %s", client, port, uri, referer))
	p.access(t.Add(60*time.Microsecond), client, "GET", path, 502, "341", referer, ua, us)
}

func (p *podGen) pid() int { return p.pids[p.rng.IntN(len(p.pids))] }

// access logs one access-log line in the combined format with %D.
func (p *podGen) access(t time.Time, client, method, path string, status int, size, referer, ua string, us int) {
	line := fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d %s "%s" "%s" %d`,
		client, t.UTC().Format("02/Jan/2006:15:04:05 -0700"), method, path, status, size, referer, ua, us)
	p.emit(t, "access", line)
}

// errorLine logs one error-log line of a worker thread.
func (p *podGen) errorLine(t time.Time, module, msg string) {
	p.errorLineAt(t, module, p.pid(), tids[p.rng.IntN(len(tids))], msg)
}

func (p *podGen) errorLineAt(t time.Time, module string, pid int, tid int64, msg string) {
	line := fmt.Sprintf("[%s] [%s] [pid %d:tid %d] %s", t.UTC().Format("Mon Jan 02 15:04:05.000000 2006"), module, pid, tid, msg)
	p.emit(t, "error", line)
}

func (p *podGen) startupNotices(t time.Time) {
	const tid = 139872391817088
	p.errorLineAt(t, "mpm_event:notice", 1, tid, "AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations")
	p.errorLineAt(t.Add(56*time.Microsecond), "core:notice", 1, tid, "AH00094: Command line: 'httpd -D FOREGROUND'")
}

func (p *podGen) emit(t time.Time, stream, line string) {
	p.out = append(p.out, providers.LogEntry{
		Time: t.UTC(),
		Line: line,
		Labels: model.LabelSet{
			"namespace": model.LabelValue(p.cfg.Namespace),
			"pod":       model.LabelValue(p.pod),
			"container": model.LabelValue(p.cfg.Container),
			"stream":    model.LabelValue(stream),
		},
	})
}

// WritePush writes the lines as Loki push bodies' JSON (one body holding
// every stream), as the recorded fixture's push files are.
func (l Logs) WritePush(w io.Writer) error {
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	byLabels := map[model.Fingerprint]*stream{}
	var order []*stream
	for _, e := range l.Entries {
		fp := e.Labels.Fingerprint()
		s := byLabels[fp]
		if s == nil {
			s = &stream{Stream: map[string]string{}}
			for k, v := range e.Labels {
				s.Stream[string(k)] = string(v)
			}
			byLabels[fp] = s
			order = append(order, s)
		}
		s.Values = append(s.Values, [2]string{strconv.FormatInt(e.Time.UnixNano(), 10), e.Line})
	}
	return json.NewEncoder(w).Encode(map[string]any{"streams": order})
}
