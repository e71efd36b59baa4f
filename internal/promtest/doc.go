// Package promtest runs a real Prometheus on backfilled data for tests and
// benchmarks.
//
// The data is OpenMetrics text (see internal/scenario). It is turned into
// TSDB blocks with
//
//	promtool tsdb create-blocks-from openmetrics --max-block-duration=24h data.om DIR
//
// and Prometheus is started on DIR with no scrape targets, a 100-year
// retention, a query log and a free loopback port:
//
//	prometheus --config.file=F --storage.tsdb.path=DIR --storage.tsdb.retention.time=100y \
//	    --web.listen-address=127.0.0.1:PORT
//
// In a test:
//
//	var buf bytes.Buffer
//	truth, err := scenario.Generate(&buf, scenario.Default(), 1)
//	srv := promtest.Start(t, &buf) // stopped and removed when the test ends
//	... query srv.URL ...
//	srv.QueryLog()                 // the PromQL that reached Prometheus
//	srv.Stop()                     // from now on requests to srv.URL are refused
//
// Start fails the test (never skips it) when the binaries are missing, and
// writes Prometheus' log to the test log when the test failed.
//
// In a program (the benchmark):
//
//	srv, err := promtest.StartProcess(ctx, promtest.Options{DataFile: "bench.om"})
//	if err != nil { ... }
//	defer srv.Close()
//
// The binaries come from Debian's prometheus package; scripts/install-deps.sh
// installs it. PROMTEST_PROMETHEUS and PROMTEST_PROMTOOL override where they
// are looked up.
package promtest
