package loki

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/internal/lokitest"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// The recorded Loki exchanges come from internal/lokitest, which holds the
// repository's one copy of <repo>/../shared/fixtures/loki (and checks it
// against the original).

// The data window of every recorded case (fixture README: START and END).
var (
	fixtureStart = time.Unix(1795634220, 0)
	fixtureEnd   = time.Unix(1795636020, 0)
)

// Pods of the recorded data set.
const (
	canaryPod = "web-5f6b7c8d9e-zzzzz"
	podA      = "web-7c9d5b6f4d-aaaaa"
	podB      = "web-7c9d5b6f4d-bbbbb"
	podC      = "web-7c9d5b6f4d-ccccc"
)

// fixture is one recorded request/response pair (cases/<name>.json).
type fixture = lokitest.Case

// loadFixture reads cases/<name>.json strictly (lokitest.LoadCase).
func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	f, err := lokitest.LoadCase(name)
	if err != nil {
		t.Fatalf("reading fixture %s: %v", name, err)
	}
	return f
}

// replayServer answers every request with one recorded response, after
// checking that the request is the recorded one.
type replayServer struct {
	*httptest.Server
	hits atomic.Int32
}

// newReplay starts a server for fixture f; it is closed when the test ends.
func newReplay(t *testing.T, f fixture) *replayServer {
	t.Helper()
	rs := &replayServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.hits.Add(1)
		if diffs := requestDiffs(f, r); len(diffs) > 0 {
			t.Errorf("request differs from the recording:\n  %s", strings.Join(diffs, "\n  "))
			http.Error(w, "replay: unexpected request", http.StatusTeapot)
			return
		}
		for k, v := range f.Response.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(f.Response.Status)
		_, _ = w.Write([]byte(f.Response.Body))
	}))
	t.Cleanup(rs.Close)
	return rs
}

// watchedHeaders must be absent from a request unless the recording has them.
var watchedHeaders = []string{providers.TenantHeader, encodingFlagsHeader}

// requestDiffs lists how r differs from the recorded request. Times and
// steps are compared by meaning, since the client may write them differently.
func requestDiffs(f fixture, r *http.Request) []string {
	var diffs []string
	if r.Method != f.Request.Method {
		diffs = append(diffs, fmt.Sprintf("method %s, recorded %s", r.Method, f.Request.Method))
	}
	if r.URL.Path != f.Request.Path {
		diffs = append(diffs, fmt.Sprintf("path %s, recorded %s", r.URL.Path, f.Request.Path))
	}
	got := r.URL.Query()
	for k, want := range f.Request.Query {
		vs := got[k]
		if len(vs) != 1 {
			diffs = append(diffs, fmt.Sprintf("param %s = %q, recorded %q", k, vs, want))
			continue
		}
		if !sameParam(k, vs[0], want) {
			diffs = append(diffs, fmt.Sprintf("param %s = %q, recorded %q (different meaning)", k, vs[0], want))
		}
	}
	for k, vs := range got {
		if _, ok := f.Request.Query[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("param %s = %q was not in the recording", k, vs))
		}
	}
	for k, want := range f.Request.Headers {
		if vs := r.Header.Values(k); len(vs) != 1 || vs[0] != want {
			diffs = append(diffs, fmt.Sprintf("header %s = %q, recorded %q", k, vs, want))
		}
	}
	for _, k := range watchedHeaders {
		if _, recorded := f.Request.Headers[k]; !recorded && r.Header.Get(k) != "" {
			diffs = append(diffs, fmt.Sprintf("header %s = %q was not in the recording", k, r.Header.Get(k)))
		}
	}
	return diffs
}

// sameParam compares one query parameter by meaning.
func sameParam(name, got, want string) bool {
	switch name {
	case "start", "end", "time":
		g, gerr := parseLokiTime(got)
		w, werr := parseLokiTime(want)
		if gerr != nil || werr != nil {
			return got == want
		}
		return g.Equal(w)
	case "step":
		g, gerr := parseLokiStep(got)
		w, werr := parseLokiStep(want)
		if gerr != nil || werr != nil {
			return got == want
		}
		return g == w
	default:
		return got == want
	}
}

// parseLokiTime reads a start, end or time parameter the way Loki does
// (fixture README, "How start, end and time are parsed"): a value with a dot
// is float seconds rounded to milliseconds, an integer of up to 10 digits is
// seconds, a longer one nanoseconds, anything else RFC 3339.
func parseLokiTime(s string) (time.Time, error) {
	if strings.Contains(s, ".") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			sec, frac := math.Modf(f)
			ms := math.Round(frac * 1000)
			return time.Unix(int64(sec), int64(ms)*int64(time.Millisecond)), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if len(s) <= 10 {
			return time.Unix(n, 0), nil
		}
		return time.Unix(0, n), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// parseLokiStep reads a step: float seconds or a duration such as "1m".
func parseLokiStep(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(math.Round(f * float64(time.Second))), nil
	}
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}

// mustTime parses a recorded time parameter.
func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := parseLokiTime(s)
	if err != nil {
		t.Fatalf("recorded time %q: %v", s, err)
	}
	return ts
}

// clientFor returns a client of srv with the tenant the recording sent.
func clientFor(t testing.TB, f fixture, srv *replayServer) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL, Tenant: f.Request.Headers[providers.TenantHeader], HTTPClient: srv.Client()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// rangeQueryFrom rebuilds the metric query of a recording.
func rangeQueryFrom(t testing.TB, f fixture) providers.RangeQuery {
	t.Helper()
	step, err := parseLokiStep(f.Request.Query["step"])
	if err != nil {
		t.Fatalf("recorded step: %v", err)
	}
	return providers.RangeQuery{
		Expr:  f.Request.Query["query"],
		Start: mustTime(t, f.Request.Query["start"]),
		End:   mustTime(t, f.Request.Query["end"]),
		Step:  step,
	}
}

// streamsQueryFrom rebuilds the log query of a recording.
func streamsQueryFrom(t testing.TB, f fixture) StreamsQuery {
	t.Helper()
	q := StreamsQuery{
		Expr:             f.Request.Query["query"],
		Start:            mustTime(t, f.Request.Query["start"]),
		End:              mustTime(t, f.Request.Query["end"]),
		Direction:        Direction(f.Request.Query["direction"]),
		CategorizeLabels: f.Request.Headers[encodingFlagsHeader] == "categorize-labels",
	}
	if l, ok := f.Request.Query["limit"]; ok {
		n, err := strconv.Atoi(l)
		if err != nil {
			t.Fatalf("recorded limit: %v", err)
		}
		q.Limit = n
	}
	return q
}

// pushEntry is one line of the recorded push bodies, with its stream labels.
type pushEntry struct {
	labels model.LabelSet
	ns     int64
	line   string
}

// loadPush reads push/<name>.json, the exact bodies sent to Loki.
func loadPush(t testing.TB, name string) []pushEntry {
	t.Helper()
	b, err := lokitest.FixtureFile("push/" + name + ".json")
	if err != nil {
		t.Fatalf("reading push file: %v", err)
	}
	var body struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][2]string       `json:"values"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("decoding push file %s: %v", name, err)
	}
	var out []pushEntry
	for _, s := range body.Streams {
		ls := labelMap(s.Stream).labelSet()
		for _, v := range s.Values {
			ns, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil {
				t.Fatalf("push file %s: timestamp %q: %v", name, v[0], err)
			}
			out = append(out, pushEntry{labels: ls, ns: ns, line: v[1]})
		}
	}
	return out
}

// pushLines returns the recorded lines of one stream of one pod, oldest first.
func pushLines(t testing.TB, pod, stream string) []pushEntry {
	t.Helper()
	var out []pushEntry
	for _, e := range loadPush(t, "shop-"+pod) {
		if string(e.labels["stream"]) == stream {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ns < out[j].ns })
	return out
}

// checkStats compares what the client read from an answer's stats with the
// recorded body's stats.summary, read here on its own.
func checkStats(t *testing.T, f fixture, got providers.QueryStats) {
	t.Helper()
	var body struct {
		Data struct {
			Stats struct {
				Summary map[string]json.Number `json:"summary"`
			} `json:"stats"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(f.Response.Body), &body); err != nil {
		t.Fatal(err)
	}
	lines, err1 := body.Data.Stats.Summary["totalLinesProcessed"].Int64()
	bytes, err2 := body.Data.Stats.Summary["totalBytesProcessed"].Int64()
	if err1 != nil || err2 != nil {
		t.Fatalf("the recording has no line counts: %v %v", err1, err2)
	}
	if want := (providers.QueryStats{LinesProcessed: lines, BytesProcessed: bytes, Requests: 1}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}

// TestEveryFixtureCaseIsCovered fails when a recorded case is not replayed by
// any test table.
func TestEveryFixtureCaseIsCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, names := range [][]string{
		names(matrixCases), names(streamsCases), names(logsCases),
		names(errorCases), names(foreignCases),
	} {
		for _, n := range names {
			covered[n] = true
		}
	}
	recorded, err := lokitest.CaseNames()
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) == 0 {
		t.Fatal("no fixture cases found")
	}
	for _, name := range recorded {
		if !covered[name] {
			t.Errorf("fixture case %s is not replayed by any test", name)
		}
	}
	for n := range covered {
		if !slices.Contains(recorded, n) {
			t.Errorf("test table names %s, which is not a recorded case", n)
		}
	}
}

// named is a test case with a fixture name.
type named interface{ fixtureName() string }

// names lists the fixture names of a table.
func names[T named](cases []T) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.fixtureName()
	}
	return out
}
