package lokitest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/model"
)

// notEmulated are the recorded cases of endpoints the emulator does not
// serve (labels, series, instant metric queries); they are only replayed.
var notEmulated = map[string]bool{
	"label_pod_values": true, "labels": true, "series_shop": true,
	"error_series_end_before_start": true,
	"query_instant_vector_by_pod":   true, "query_instant_vector_no_labels": true,
}

// sameErrorText are the recorded errors whose text the emulator writes
// word for word; the other errors it answers with the same status and its
// own words (errorPrefix).
var errorPrefix = map[string]string{
	"error_parse_unbalanced_braces":     "lokitest: ",
	"error_pipeline_unwrap_non_numeric": "pipeline error: 'SampleExtractionErr' for series: '{__error__=\"SampleExtractionErr\", __error_details__=\"strconv.ParseFloat: parsing \\\"-\\\": invalid syntax\"",
	"query_range_log_categorize_labels": "",
}

// TestEmulatorReproducesRecordedAnswers sends every recorded request to the
// emulator, with replaying turned off, and compares its own answer with
// Loki's: the same status, the same series or streams with the same points
// and lines, and for errors the same text (or, where noted, the same
// beginning).
func TestEmulatorReproducesRecordedAnswers(t *testing.T) {
	t.Parallel()
	cases, shop := casesAndShop(t)
	teamA, err := TeamAStore()
	if err != nil {
		t.Fatal(err)
	}
	plain := NewServer(t, shop)
	plain.SetReplay(nil)
	auth := NewServer(t, nil)
	auth.SetReplay(nil)
	auth.SetAuth(map[string]*Store{"fake": shop, "team-a": teamA})

	for _, name := range sortedNames(cases) {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			if notEmulated[name] {
				t.Skip("endpoint not emulated; the case is only replayed")
			}
			srv := plain
			if strings.HasPrefix(name, "auth_") {
				srv = auth
			}
			status, body := send(t, srv.URL, c)
			if status != c.Response.Status {
				t.Fatalf("status %d (%s), recorded %d (%s)", status, body, c.Response.Status, c.Response.Body)
			}
			if status != http.StatusOK {
				prefix, ok := errorPrefix[name]
				switch {
				case ok && !strings.HasPrefix(string(body), prefix):
					t.Errorf("error %q does not start with %q", body, prefix)
				case !ok && string(body) != c.Response.Body:
					t.Errorf("error %q, recorded %q", body, c.Response.Body)
				}
				return
			}
			_, ignoreLabels := errorPrefix[name]
			compareData(t, []byte(c.Response.Body), body, ignoreLabels)
			compareStats(t, []byte(c.Response.Body), body)
		})
	}
}

// costFields are the stats.summary fields the emulator's cost model
// computes.
var costFields = []string{"totalLinesProcessed", "totalBytesProcessed", "totalPostFilterLines", "totalEntriesReturned", "totalStructuredMetadataBytesProcessed"}

// compareStats checks that the emulator's stats.summary counts what Loki's
// did: the lines and bytes read, the lines past the pipeline and the
// entries returned.
func compareStats(t *testing.T, recorded, got []byte) {
	t.Helper()
	type stats struct {
		Data struct {
			Stats struct {
				Summary map[string]json.Number `json:"summary"`
			} `json:"stats"`
		} `json:"data"`
	}
	var want, have stats
	if err := json.Unmarshal(recorded, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatal(err)
	}
	for _, f := range costFields {
		w, ok := want.Data.Stats.Summary[f]
		if !ok {
			t.Fatalf("the recording has no stats.summary.%s", f)
		}
		if h := have.Data.Stats.Summary[f]; h != w {
			t.Errorf("stats.summary.%s = %q, recorded %q", f, h, w)
		}
	}
}

// casesAndShop returns the recorded cases and the recording's pushed lines.
func casesAndShop(t *testing.T) (map[string]Case, *Store) {
	t.Helper()
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	shop, err := ShopStore()
	if err != nil {
		t.Fatal(err)
	}
	return cases, shop
}

func send(t *testing.T, base string, c Case) (int, []byte) {
	t.Helper()
	status, body, err := get(base, c)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// get sends the request of c to the server at base.
func get(base string, c Case) (int, []byte, error) {
	q := url.Values{}
	for k, v := range c.Request.Query {
		q.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodGet, base+c.Request.Path+"?"+q.Encode(), nil)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range c.Request.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

type answer struct {
	Data struct {
		ResultType string            `json:"resultType"`
		Result     []json.RawMessage `json:"result"`
	} `json:"data"`
}

type matrixSeries struct {
	Metric model.LabelSet  `json:"metric"`
	Values [][]json.Number `json:"values"`
}

type streamResult struct {
	Stream model.LabelSet `json:"stream"`
	Values [][]any        `json:"values"`
}

// compareData compares two successful answers: matrices point by point
// (values within a relative 1e-12), streams entry by entry.
func compareData(t *testing.T, recorded, got []byte, ignoreLabels bool) {
	t.Helper()
	var want, have answer
	if err := json.Unmarshal(recorded, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatalf("emulator answer %s: %v", got, err)
	}
	if want.Data.ResultType != have.Data.ResultType {
		t.Fatalf("result type %s, recorded %s", have.Data.ResultType, want.Data.ResultType)
	}
	switch want.Data.ResultType {
	case "matrix":
		w, h := decodeAll[matrixSeries](t, want.Data.Result), decodeAll[matrixSeries](t, have.Data.Result)
		sortBy(w, func(s matrixSeries) model.LabelSet { return s.Metric })
		sortBy(h, func(s matrixSeries) model.LabelSet { return s.Metric })
		if len(w) != len(h) {
			t.Fatalf("%d series, recorded %d", len(h), len(w))
		}
		for i := range w {
			if !w[i].Metric.Equal(h[i].Metric) {
				t.Errorf("series %d: labels %v, recorded %v", i, h[i].Metric, w[i].Metric)
				continue
			}
			if len(w[i].Values) != len(h[i].Values) {
				t.Errorf("%v: %d points, recorded %d", w[i].Metric, len(h[i].Values), len(w[i].Values))
				continue
			}
			for j := range w[i].Values {
				wt, ht := w[i].Values[j][0].String(), h[i].Values[j][0].String()
				wv, _ := strconv.ParseFloat(w[i].Values[j][1].String(), 64)
				hv, _ := strconv.ParseFloat(h[i].Values[j][1].String(), 64)
				if wt != ht || math.Abs(wv-hv) > 1e-12*math.Max(1, math.Abs(wv)) {
					t.Errorf("%v point %d: [%s %v], recorded [%s %v]", w[i].Metric, j, ht, hv, wt, wv)
				}
			}
		}
	case "streams":
		w, h := decodeAll[streamResult](t, want.Data.Result), decodeAll[streamResult](t, have.Data.Result)
		flatten := func(ss []streamResult) []string {
			var out []string
			for _, s := range ss {
				for _, v := range s.Values {
					labels := s.Stream.String()
					if ignoreLabels {
						labels = ""
					}
					out = append(out, v[0].(string)+" "+labels+" "+v[1].(string))
				}
			}
			sort.Strings(out)
			return out
		}
		fw, fh := flatten(w), flatten(h)
		if strings.Join(fw, "\n") != strings.Join(fh, "\n") {
			t.Errorf("entries differ:\n got %d: %.300q\nwant %d: %.300q", len(fh), fh, len(fw), fw)
		}
	default:
		t.Fatalf("unexpected result type %s", want.Data.ResultType)
	}
}

func decodeAll[T any](t *testing.T, raw []json.RawMessage) []T {
	t.Helper()
	out := make([]T, len(raw))
	for i, r := range raw {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		if err := dec.Decode(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sortBy[T any](s []T, key func(T) model.LabelSet) {
	sort.Slice(s, func(i, j int) bool { return key(s[i]).Before(key(s[j])) })
}

// TestReplayServesRecordedAnswers checks that a recorded request is answered
// with the recording itself, whatever time format the client uses, and that
// the SetFault hook wins over everything.
func TestReplayServesRecordedAnswers(t *testing.T) {
	t.Parallel()
	cases, shop := casesAndShop(t)
	srv := NewServer(t, shop)
	c := cases["error_parse_unbalanced_braces"]
	// Our client sends nanoseconds; the recording has seconds.
	c.Request.Query["start"] += "000000000"
	c.Request.Query["end"] += "000000000"
	status, body := send(t, srv.URL, c)
	if status != 400 || string(body) != c.Response.Body {
		t.Errorf("got %d %q, want the recorded %q", status, body, c.Response.Body)
	}
	srv.SetFault(func(Request) (Case, bool) { return cases["auth_missing_org_id"], true })
	if status, body := send(t, srv.URL, cases["query_range_count_by_pod"]); status != 401 || string(body) != "no org id\n" {
		t.Errorf("with a fault: %d %q", status, body)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests recorded, want 2", n)
	}
}

// TestSettingsWhileServing changes the server's settings while requests are
// in flight, as the service's tests do between judgements whose last Loki
// requests may still run: every answer is the one of the settings before
// or after a change (go test -race checks that the handler reads them
// safely), and each change holds for the next request. An unknown tenant
// gets an empty answer, as from Loki.
func TestSettingsWhileServing(t *testing.T) {
	t.Parallel()
	cases, shop := casesAndShop(t)
	srv := NewServer(t, shop)
	srv.SetReplay(nil)
	query := cases["query_range_count_by_pod"]
	query.Request.Headers = map[string]string{"X-Scope-OrgID": "team-b"}
	fault := func(Request) (Case, bool) { return cases["auth_missing_org_id"], true }
	results := func(body []byte) int {
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return len(a.Data.Result)
	}

	var wg sync.WaitGroup
	statuses := make(chan int, 40)
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, err := get(srv.URL, query)
			if err != nil {
				t.Error(err)
			}
			statuses <- status
		}()
	}
	for i := range 40 {
		if i%2 == 0 {
			srv.SetFault(fault)
		} else {
			srv.SetFault(nil)
		}
		srv.SetMaxEntries(100 + i)
		srv.SetAuth(nil)
	}
	wg.Wait()
	close(statuses)
	for status := range statuses {
		if status != http.StatusOK && status != http.StatusUnauthorized {
			t.Errorf("status %d, want 200 or the fault's 401", status)
		}
	}

	if status, body := send(t, srv.URL, query); status != http.StatusOK || results(body) == 0 {
		t.Errorf("without fault and auth: %d %s", status, body)
	}
	srv.SetFault(fault)
	if status, _ := send(t, srv.URL, query); status != http.StatusUnauthorized {
		t.Errorf("with the fault: %d, want 401", status)
	}
	srv.SetFault(nil)
	srv.SetAuth(map[string]*Store{"team-a": shop})
	if status, body := send(t, srv.URL, query); status != http.StatusOK || results(body) != 0 {
		t.Errorf("an unknown tenant: %d %s, want 200 with no series", status, body)
	}
	query.Request.Headers = map[string]string{"X-Scope-OrgID": "team-a"}
	if status, body := send(t, srv.URL, query); status != http.StatusOK || results(body) == 0 {
		t.Errorf("the tenant's own data: %d %s", status, body)
	}
}

func TestUnsupportedQueriesAreRefused(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, &Store{})
	for _, q := range []string{
		`sum by (pod) (count_over_time({namespace="shop"} | json [1m]))`,
		`topk(3, count_over_time({namespace="shop"}[1m]))`,
		`sum without (pod) (count_over_time({namespace="shop"}[1m]))`,
		`{namespace="shop"} |= "a" or "b"`,
		`{namespace="shop"} | status >= 500 and method = "GET"`,
		`sum_over_time({namespace="shop"}[1m])`,
	} {
		t.Run(q, func(t *testing.T) {
			var c Case
			c.Request.Path = "/loki/api/v1/query_range"
			c.Request.Query = map[string]string{"query": q, "start": "1795634220", "end": "1795636020", "step": "60"}
			status, body := send(t, srv.URL, c)
			if status != 400 || !strings.HasPrefix(string(body), "lokitest: ") {
				t.Errorf("got %d %q, want 400 lokitest: ...", status, body)
			}
		})
	}
}

// TestFixtureCopiesMatchShared checks that the embedded copies are
// byte-for-byte the recorded files, whenever the shared fixtures sit beside
// the repository (<repo>/../shared/fixtures/loki); elsewhere it skips.
func TestFixtureCopiesMatchShared(t *testing.T) {
	t.Parallel()
	_, file, _, _ := runtime.Caller(0)
	shared := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "fixtures", "loki")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared fixtures at %s", shared)
	}
	names, err := FixtureFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			got, err := FixtureFile(n)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(shared, n))
			if err != nil {
				t.Fatalf("copy has no original: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the shared fixture; copy it again", n)
			}
		})
	}
	for _, dir := range []string{"push", "cases"} {
		entries, err := os.ReadDir(filepath.Join(shared, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, err := FixtureFile(dir + "/" + e.Name()); err != nil {
				t.Errorf("shared %s/%s has no copy", dir, e.Name())
			}
		}
	}
}
