// Package logscenario generates Apache httpd access and error logs of the
// pods of one rollout, a canary and its stable pods, healthy or regressed,
// for tests and for the scenario benchmark (internal/bench's log families).
//
// Each pod logs, for its whole life in the window:
//
//   - a kubelet probe (GET /healthz, User-Agent kube-probe/1.33) every
//     ProbeInterval;
//   - user requests, a Poisson process at its request rate (RequestRate,
//     or CanaryRequestRate and StableRequestRates): pages, hashed static
//     assets (some answered 304 with size "-"), API calls and a little
//     noise (404s for favicon.ico and scanners' paths, a 400 for a
//     path-traversal attempt with its AH00126 error line, 500s on the API
//     with chance APIErrorChance, 503s with their AH00957/AH01114 proxy
//     error pair);
//   - error-log lines: AH00037 (a refused symlink) for some requests of
//     /static/, and the lines paired with the errors above. A pod started in
//     the window first logs Apache's start-up notices AH00489 and AH00094.
//
// The access log is the combined format with %D (microseconds) appended, the
// error log Apache 2.4's default format, both as in the recorded Loki
// fixture (internal/lokitest). Durations are log-normal (σ 0.35) around a
// median per kind of request. RequestMix gives the chances per request.
//
// The Profile picks the mix of user requests: ProfileShop, the default, is
// the recorded fixture's (pages, hashed assets, a quarter API calls);
// ProfileStaticHeavy has half static files served in under a millisecond
// and half pages and API calls of 18-30 ms, so that the median of a minute's
// requests falls into either group.
//
// Two known error signatures can be switched on: RareErrorRate makes every
// pod's backend reset a share of API calls (a 502 with AH01102 and AH00898),
// and PodErrorRate makes the first stable pod alone log AH00485 (scoreboard
// full) a few times a minute.
//
// A Regression makes the canary worse: a new error signature (by default
// AH01630, client denied by server configuration, each paired with a 403),
// a burst of 404s for a renamed asset, more 500s on the API, and slower
// answers (every kind but noise, or the dynamic requests alone). Everything is drawn from seeded generators: the same Config gives
// the same lines.
//
// # Variation between pods and over time
//
// With the zero Variation every pod is alike and its rate constant (the
// lines are exactly those of the simple model above). A Variation adds,
// drawn from a generator of its own, for pod i (the canary included) and
// t the time:
//
//	rate        λ_i(t) = r_i · (1 + A·cos(2π(h(t) − P)/24)) · (1 + S(t))
//	duration    d = m_kind · Slowdown · (DynamicSlowdown for pages and API calls) · o_i · e^(g_k + a_i,k) · W(age) · (1 + D(t) for API calls) · Y
//	5xx chances 500: APIErrorChance · f_i · B(t) · ServerErrorFactor,  503: 0.002 · f_i · B(t),
//	            backend reset: RareErrorRate · f_i · B(t),  with B(t) = 1 + 2·D(t)
//
// where r_i is the pod's request rate, h(t) the UTC hour, A and P the
// DailyAmplitude and DailyPeakHour, S(t) the sum of the Spikes and D(t) of
// the SlowBackends. An Episode with start t_e, duration d_e and height H
// contributes H·(1 − e^(−u/20 s)) at u = t − t_e < d_e and
// H·(1 − e^(−d_e/20 s))·e^(−(u − d_e)/60 s) after. The persistent factors
// o_i = e^(LatencySigma·Z) and f_i = e^(ErrorSigma·Z) are the pods' "luck"
// (node, neighbours). g and a_i are AR(1) log-latency noises, common to all
// pods (SharedPhi, SharedSigma) and per pod (PodPhi, PodSigma), advanced
// every NoiseStep: x_k = φ·x_(k−1) + σ·√(1−φ²)·Z_k, stationary N(0, σ²).
// W(age) = 1 + (WarmupFactor − 1)·e^(−age/WarmupTau) for the canary (a
// fresh pod's caches), 1 for the stable pods. Y is e^(0.35·Z), or, with
// chance TailProb, a Pareto draw with minimum 4 and shape 2.5 (a heavy
// tail). The canary answers only the kubelet's probes for its first
// ReadyDelay. The time-varying rate is drawn by thinning a Poisson process
// at the rate's maximum. Probes, 503s of a refused backend and the 404
// burst keep the simple model's durations and rates. Truth reports each
// pod's rate and drawn factors.
//
// # Container metrics
//
// WriteResources writes the pods' cAdvisor CPU and working-set series and
// kube-state-metrics' restarts as OpenMetrics for a real Prometheus: idle
// CPU with a per-pod factor plus CPUPerRequest for each of the pod's
// requests (Logs.ResourcePods lists them), a flat working set with a
// per-pod factor, and the restarts given. A ResourcePod with a Seed draws
// from its own generator, so that one instance's series do not depend on
// the other instances written into the same file.
package logscenario
