// Package logscenario generates Apache httpd access and error logs of the
// pods of one rollout, a canary and its stable pods, healthy or regressed,
// for tests and for the scenario benchmark.
//
// Each pod logs, for its whole life in the window:
//
//   - a kubelet probe (GET /healthz, User-Agent kube-probe/1.33) every
//     ProbeInterval;
//   - user requests, a Poisson process at RequestRate per second: pages,
//     hashed static assets (some answered 304 with size "-"), API calls and
//     a little noise (404s for favicon.ico and scanners' paths, a 400 for a
//     path-traversal attempt with its AH00126 error line, 500s on the API,
//     503s with their AH00957/AH01114 proxy error pair);
//   - error-log lines: AH00037 (a refused symlink) for some requests of
//     /static/, and the lines paired with the errors above. A pod started in
//     the window first logs Apache's start-up notices AH00489 and AH00094.
//
// The access log is the combined format with %D (microseconds) appended, the
// error log Apache 2.4's default format, both as in the recorded Loki
// fixture (internal/lokitest). Durations are log-normal per kind of request.
//
// A Regression makes the canary worse: a new error signature (by default
// AH01630, client denied by server configuration, each paired with a 403),
// a burst of 404s for a renamed asset, more 5xx on the API, and slower
// answers. Everything is drawn from one seeded generator: the same Config
// gives the same lines.
package logscenario
