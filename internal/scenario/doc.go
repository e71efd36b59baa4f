// Package scenario generates realistic canary situations as Prometheus data:
// OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`, with
// the metric names of the http-service rule set. It is the ground truth of
// the verdict-quality benchmark and the data of the end-to-end tests.
//
// A situation is a Scenario (every knob) generated with a seed; the same
// scenario and seed give the same bytes. Families (Families, LookupFamily)
// name the situations the benchmark uses: healthy canaries (normal, faster,
// quiet service, beside a noisy stable pod, through a traffic spike, during
// a slow dependency) and regressions (latency +10/+25/+50%, 5xx x2/x5 on a
// 0.3% base, 5xx where the stable pods have none, a burst of 404s, CPU +50%
// per request, a memory leak, a crash loop). Generate writes one instance;
// GenerateMany writes many, one namespace each, into one file; WriteE2E
// writes the two cases of the walking-skeleton end-to-end test. Each returns
// a Truth: names, times, effects and the pod-to-pod spread.
//
// MisfitFamilies name situations outside this model, written from how
// Kubernetes, cAdvisor, kube-state-metrics and services behave rather than
// from what a judge assumes: their scenarios carry a World (world.go: nodes,
// separate scrape targets, warm-up shapes, young, restarting or replaced
// stable pods, small and heavy traffic shares, CPU not linear in load,
// missed scrapes, bimodal and Pareto latency, lagged reactions to spikes,
// crash loops and single restarts at chosen offsets on the minute grid), and
// their Truth says what the World drew and, for a regression, its size and
// onset. Any scenario can be Aligned: its canary's first sample then falls a
// chosen number of seconds past a whole minute.
//
// # Series
//
// Every series has the labels namespace, pod and rollouts_pod_template_hash.
// Pods are named <rollout>-<hash>-<suffix> with a 10-character hash and a
// 5-character suffix drawn from Kubernetes' alphabet
// "bcdfghjklmnpqrstvwxz2456789" (e.g. web-7c9d5b6f4d-x2kqp). Per pod:
//
//	http_requests_total{code,method}          counter; code 200, 304 (GET), 404, 500, 503; method GET, POST
//	http_request_duration_seconds_bucket{le}  histogram, le .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 +Inf
//	http_request_duration_seconds_sum, _count
//	container_cpu_usage_seconds_total{container}      counter
//	container_memory_working_set_bytes{container}     gauge
//	kube_pod_container_status_restarts_total{container} counter
//
// The container label is the rollout's name. As with a real client library,
// a http_requests_total series has no sample before its first increment in
// the current container (a pod that never answered 500 has no code="500"
// series), while the histogram, which has no per-request labels, exists
// from the container's start with zeros. The restarts series exists from
// the pod's start. le values are written as Go's shortest float ("1", not
// "1.0"), as Prometheus 3 normalizes them.
//
// The file is valid OpenMetrics: counter families are declared without
// _total ("# TYPE http_requests counter"), each family appears once with the
// series of all instances, histogram buckets, _count and _sum are grouped per
// timestamp, timestamps are whole Unix seconds and ascend within a series,
// and the file ends with "# EOF".
//
// # Time
//
// The last sample is at End (DefaultEnd, 2026-11-01T12:00:00Z, unless set).
// The canary starts CanaryAge (15 min) before End; the data starts History
// (1 h) before the canary. Stable pods were started 2-72 h before the data,
// so their counters start at plausible levels (Poisson counts at the daily
// mean rate; expected histogram and CPU values). Each pod is scraped every
// Interval (15 s) at its own phase, a whole number of seconds in
// [0, Interval). An Aligned scenario moves the canary's start (and End
// with it) so that the canary's first sample falls Alignment seconds past
// a whole minute, 1-15 s after its container started.
//
// # Model
//
// Below, t is time, k a pod's scrape index, Z independent standard normal
// draws, and "age" the time since the pod's container started.
//
// Traffic. The service's request rate is
//
//	R(t) = RequestRate · (1 + DailyAmplitude·cos(2π(h(t) − DailyPeakHour)/24)) · (1 + S(t))
//
// with h(t) the UTC hour of day and S(t) the sum of traffic spikes. A spike
// or a slow-dependency episode j with start t_j, duration d_j and height
// H_j contributes, with u = t − t_j,
//
//	H_j·(1 − e^(−u/20 s))                        for 0 ≤ u < d_j,
//	H_j·(1 − e^(−d_j/20 s))·e^(−(u−d_j)/60 s)     after.
//
// Spikes arrive as a Poisson process (SpikesPerHour) with H ~ U(0.5, 2) and
// d ~ U(1, 5) min; SpikeAt adds one with H = 1.5, d = 3 min. Slow-dependency
// episodes arrive at SlowDependencyPerHour with H ~ U(0.3, 0.8) and
// d ~ U(3, 12) min; SlowDependencyAt adds one with H = SlowDependencyFactor,
// d = 6 min. D(t) is their sum.
//
// Stable pod i has weight w_i = e^(ShareSpread·Z_i) / Σ_j e^(ShareSpread·Z_j).
// The canary serves CanaryShare = c of all requests once ReadyDelay has
// passed in each container; while it serves, the stable pods share the rest
// in proportion to w_i. The number of requests a pod answers in the scrape
// interval (t_{k−1}, t_k] is Poisson with mean R(t_mid)·c·s_k for the canary
// and R(t_mid)·w_i·(Δ − c·s_k) for a stable pod, where s_k is the number of
// seconds of the interval the canary served and Δ the interval.
//
// Requests. Each request is a GET with probability GETShare, else a POST.
// Its code is 5xx with probability e5 (70% 500, 30% 503), 404 with
// probability e404, 304 (GET only) with probability (1 − e5 − e404)·NotModifiedRatio,
// else 200, where
//
//	e5   = ErrorRatio · f_p · (1 + 2·D(t)) · ErrorFactor + ExtraErrorRatio
//	e404 = NotFoundRatio (+ NotFoundBurstRatio for the canary during the burst)
//
// f_p = e^(PodErrorSpread·Z) per pod, and ErrorFactor and ExtraErrorRatio
// apply to the canary only.
//
// Latency. A request's latency is X = m_{p,k}·κ_code·Y, with κ = 0.5 for
// 304, 0.3 for 404 and 1 otherwise, and Y heavy-tailed: with probability
// TailProb a Pareto draw with minimum TailMin and shape TailAlpha, else
// e^(LatencySigma·Z). The pod's median in interval k is
//
//	m_{p,k} = LatencyMedian · G(t) · o_p · e^(a_{p,k}) · W(age) · LatencyFactor
//	G(t)    = e^(g_k) · (1 + D(t)) · (1 + 0.1·S(t))
//	o_p     = e^(PodSpread·Z_p)
//	W(age)  = 1 + (WarmupFactor − 1)·e^(−age/WarmupTau)
//
// where g is an AR(1) process common to all pods (SharedPhi, SharedSigma),
// a_p an AR(1) process per pod (ARPhi, ARSigma), both advanced once per
// scrape: x_k = φ·x_{k−1} + σ·√(1−φ²)·Z_k, stationary N(0, σ²). The noisy
// stable pod has o = e^(±NoisyOffset) and σ = NoisyARFactor·ARSigma.
// LatencyFactor applies to the canary only. Every request is drawn, so the
// histogram's buckets and _sum are exact for the simulated requests.
//
// CPU. In interval k the CPU counter grows by
//
//	(b_p + 0.5·e^(−age/20 s))·Δ + κ_p · N_{p,k} · (1 + (CPUWarmupFactor − 1)·e^(−age/60 s)) · CPUFactor
//
// times e^(u_k), with b_p = CPUBaseline·e^(CPUSpread·Z), κ_p =
// CPUPerRequest·e^(CPUSpread·Z), N the requests answered, u an AR(1) process
// (φ 0.8, σ 0.05) and CPUFactor for the canary only.
//
// Memory. The working set is
//
//	M_{p,k} = L_p · (1 − 0.3·e^(−age/90 s)) · e^(v_k) + MemoryLeakMBPerMinute·MiB·age/min
//
// with L_p = MemoryBytes·e^(MemorySpread·Z), v an AR(1) process (φ 0.98,
// σ 0.015) and the leak for the canary only.
//
// Restarts. Stable pods report 0 restarts (1 for about 15% of them: an old
// restart). A crash-looping canary's container runs U(40, 80) s, then is
// down for Kubernetes' back-off of 10 s, 20 s, then 40 s per crash; the
// restarts counter grows by one at each new start, and while the container
// is down it has no application, CPU or memory samples. Each new container
// starts its counters from zero and warms up again.
//
// # Determinism and pairing
//
// All randomness comes from math/rand/v2's PCG seeded with the seed and a
// stream number per part: the family's nuisance knobs, names, shared
// episodes and noise, the crash schedule, each pod's parameters and each
// pod's simulation. Two families generated with one seed therefore share
// pod names, traffic, episodes and noise, and differ in their effect only
// (as far as the effect leaves the random draws in step).
//
// # Use
//
//	f, _ := scenario.LookupFamily("latency-25")
//	var buf bytes.Buffer
//	truth, err := scenario.Generate(&buf, f.Scenario(7), 7)
//	srv := promtest.Start(t, &buf)
//	for _, look := range truth.Looks(3*time.Minute, 3*time.Minute, 4) { ... }
package scenario
