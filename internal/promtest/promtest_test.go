package promtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// dataStart is the first sample of the test data set (2026-11-01T10:00:00Z).
var dataStart = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// tinyData returns one hour of a counter for two pods scraped every 15 s:
// pod a grows by 150 per scrape (10/s) and pod b by 75 per scrape (5/s).
func tinyData() string {
	var b strings.Builder
	b.WriteString("# HELP test_requests Requests served.\n# TYPE test_requests counter\n")
	for _, pod := range []struct {
		name string
		inc  int
	}{{"a", 150}, {"b", 75}} {
		for i := 0; i <= 240; i++ {
			ts := dataStart.Unix() + int64(15*i)
			fmt.Fprintf(&b, "test_requests_total{pod=%q} %d %d\n", pod.name, pod.inc*i, ts)
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

type promResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func queryRange(t *testing.T, base, expr string, start, end time.Time, step time.Duration) promResponse {
	t.Helper()
	v := url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(start.Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix(), 10)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	resp, err := http.Get(base + "/api/v1/query_range?" + v.Encode())
	if err != nil {
		t.Fatalf("query_range: %v", err)
	}
	defer resp.Body.Close()
	var r promResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decoding answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK || r.Status != "success" {
		t.Fatalf("query_range %q: HTTP %d %s: %s", expr, resp.StatusCode, r.ErrorType, r.Error)
	}
	return r
}

func TestStartQueryStop(t *testing.T) {
	s := Start(t, strings.NewReader(tinyData()))

	expr := "sum by (pod) (rate(test_requests_total[1m]))"
	start, end := dataStart.Add(10*time.Minute), dataStart.Add(50*time.Minute)
	r := queryRange(t, s.URL, expr, start, end, time.Minute)
	if r.Data.ResultType != "matrix" {
		t.Fatalf("result type %q, want matrix", r.Data.ResultType)
	}
	// The counters grow linearly, so rate() is exactly the slope at every step.
	want := map[string]float64{"a": 10, "b": 5}
	if len(r.Data.Result) != len(want) {
		t.Fatalf("got %d series, want %d: %+v", len(r.Data.Result), len(want), r.Data.Result)
	}
	for _, series := range r.Data.Result {
		pod := series.Metric["pod"]
		w, ok := want[pod]
		if !ok {
			t.Fatalf("unexpected series %v", series.Metric)
		}
		t.Run("pod="+pod, func(t *testing.T) {
			if got := len(series.Values); got != 41 {
				t.Errorf("got %d points, want 41 (one per minute over 40 minutes)", got)
			}
			for _, p := range series.Values {
				got, err := strconv.ParseFloat(p[1].(string), 64)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got-w) > 1e-9 {
					t.Fatalf("rate at %v = %v, want %v", p[0], got, w)
				}
			}
		})
	}

	t.Run("query log", func(t *testing.T) {
		entries, err := s.QueryLogEntries()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("query log has %d entries, want 1: %+v", len(entries), entries)
		}
		e := entries[0]
		if e.Query != expr || !e.Start.Equal(start) || !e.End.Equal(end) || e.Step != time.Minute {
			t.Errorf("logged %+v, want query %q from %v to %v step 1m", e, expr, start, end)
		}
		if got := s.QueryLog(); len(got) != 1 || got[0] != expr {
			t.Errorf("QueryLog() = %q, want [%q]", got, expr)
		}
	})

	t.Run("stop", func(t *testing.T) {
		if err := s.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if err := s.Stop(); err != nil {
			t.Fatalf("second Stop: %v", err)
		}
		client := &http.Client{Timeout: 2 * time.Second}
		resp, err := client.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("Prometheus still answers after Stop: HTTP %d", resp.StatusCode)
		}
		if !strings.Contains(s.Stderr(), "See you next time") {
			t.Errorf("Prometheus did not log a clean shutdown; log:\n%s", tail(s.Stderr(), 2000))
		}
	})
}

func TestStartEmpty(t *testing.T) {
	s := Start(t, nil)
	r := queryRange(t, s.URL, "up", dataStart, dataStart.Add(time.Hour), time.Minute)
	if len(r.Data.Result) != 0 {
		t.Errorf("empty TSDB returned %d series", len(r.Data.Result))
	}
}

func TestStartProcessOwnsTempDir(t *testing.T) {
	s, err := StartProcess(t.Context(), Options{Data: strings.NewReader(tinyData())})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	if _, err := os.Stat(filepath.Join(dir, "tsdb")); err != nil {
		t.Fatalf("no TSDB in %s: %v", dir, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left %s behind (stat error %v)", dir, err)
	}
}

func TestStartProcessErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{
			name:    "data without EOF",
			opts:    Options{Data: strings.NewReader("# TYPE x gauge\nx 1 1700000000\n")},
			wantErr: "promtool backfill",
		},
		{
			name:    "missing data file",
			opts:    Options{DataFile: "/nonexistent/data.om"},
			wantErr: "promtool backfill",
		},
		{
			name:    "both data and file",
			opts:    Options{Data: strings.NewReader(""), DataFile: "x.om"},
			wantErr: "not both",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Dir = t.TempDir()
			s, err := StartProcess(t.Context(), tc.opts)
			if err == nil {
				s.Close()
				t.Fatalf("StartProcess succeeded, want error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

// TestPortRace hands the first launch a port that is already taken and checks
// that the server comes up on the next one, also when the port's owner
// answers /-/ready itself.
func TestPortRace(t *testing.T) {
	cases := []struct {
		name  string
		serve func(net.Listener)
	}{
		{"silent listener", nil},
		{"impostor answering ready", func(l net.Listener) {
			_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintln(w, "Prometheus Server is Ready.")
			}))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			if tc.serve != nil {
				go tc.serve(busy)
			}
			busyPort := busy.Addr().(*net.TCPAddr).Port

			var mu sync.Mutex
			calls := 0
			pickPort = func() (int, error) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls == 1 {
					return busyPort, nil
				}
				return freePort()
			}
			t.Cleanup(func() { pickPort = freePort })

			s := Start(t, strings.NewReader(tinyData()))
			if calls != 2 {
				t.Errorf("pickPort called %d times, want 2", calls)
			}
			if strings.HasSuffix(s.URL, ":"+strconv.Itoa(busyPort)) {
				t.Fatalf("server claims the busy port: %s", s.URL)
			}
			if !strings.Contains(s.Stderr(), "address already in use") {
				t.Errorf("first launch did not fail on the busy port; log:\n%s", tail(s.Stderr(), 2000))
			}
			// The server found is ours: it has the data.
			r := queryRange(t, s.URL, "test_requests_total", dataStart, dataStart.Add(time.Minute), time.Minute)
			if len(r.Data.Result) != 2 {
				t.Errorf("server at %s has %d series, want 2", s.URL, len(r.Data.Result))
			}
		})
	}
}

// recordingTB records how a helper ended a test instead of ending it.
type recordingTB struct {
	testing.TB
	mu      sync.Mutex
	fatal   string
	skipped bool
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Skipf(string, ...any) { r.skip() }
func (r *recordingTB) Skip(...any)          { r.skip() }
func (r *recordingTB) SkipNow()             { r.skip() }

func (r *recordingTB) skip() {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}

func TestMissingBinariesFail(t *testing.T) {
	t.Setenv(EnvPrometheus, "/nonexistent/prometheus")

	if _, err := StartProcess(t.Context(), Options{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("StartProcess error = %v, want ErrNotInstalled", err)
	}

	rec := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, bytes.NewReader(nil))
	}()
	<-done
	if rec.skipped {
		t.Fatal("Start skipped the test; it must fail it")
	}
	if !strings.Contains(rec.fatal, "scripts/install-deps.sh") {
		t.Errorf("Start failed with %q, want a message naming scripts/install-deps.sh", rec.fatal)
	}
}
