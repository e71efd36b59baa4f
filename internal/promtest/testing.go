package promtest

import (
	"errors"
	"io"
	"testing"
)

// Start backfills the OpenMetrics data read from openMetrics, starts
// Prometheus and returns it ready to query. It fails the test (it does not
// skip it) when the binaries are missing, telling the reader to run
// scripts/install-deps.sh. Prometheus is stopped and its directory removed
// when the test ends; if the test failed, Prometheus' log is written to the
// test log first. A nil reader starts Prometheus on an empty TSDB.
func Start(t testing.TB, openMetrics io.Reader) *Server {
	t.Helper()
	return start(t, Options{Data: openMetrics})
}

func start(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := FindBinaries(); err != nil {
		t.Fatalf("%v (the tests need a real Prometheus: run scripts/install-deps.sh)", err)
	}
	opts.Dir = t.TempDir()
	s, err := StartProcess(t.Context(), opts)
	if err != nil {
		if errors.Is(err, ErrNotInstalled) {
			t.Fatalf("%v (run scripts/install-deps.sh)", err)
		}
		t.Fatalf("starting Prometheus: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prometheus log (%s):\n%s", s.URL, tail(s.Stderr(), 16384))
		}
		if err := s.Close(); err != nil {
			t.Errorf("stopping Prometheus: %v", err)
		}
	})
	return s
}
