package lokitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// accessRegexp parses the recording's access lines (the combined format
// with %D appended), as the apache-frontend rule set does.
const accessRegexp = "`" + `^\S+ \S+ \S+ \[[^\]]+\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*" (?P<duration_us>\d+)$` + "`"

// statusClass makes a class label of the status: 404 on its own, the
// other statuses by their first digit (2xx, 3xx, 4xx, 5xx).
const statusClass = "label_format class=`{{ if eq .status \"404\" }}404{{ else }}{{ printf \"%.1sxx\" .status }}{{ end }}`"

// shopServer serves the recording's data without replaying its answers.
func shopServer(t *testing.T) *Server {
	t.Helper()
	shop, err := ShopStore()
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(t, shop)
	srv.SetReplay(nil)
	return srv
}

// queryRange sends a metric query over the recording's window and returns
// its series by their labels (each series' points summed) and its cost as
// the server recorded it.
func queryRange(t *testing.T, srv *Server, q string, start, end int64, step string) (map[string]float64, Cost) {
	t.Helper()
	var c Case
	c.Request.Path = "/loki/api/v1/query_range"
	c.Request.Query = map[string]string{"query": q, "start": strconv.FormatInt(start, 10), "end": strconv.FormatInt(end, 10), "step": step}
	status, body := send(t, srv.URL, c)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", q, status, body)
	}
	var a struct {
		Data struct {
			Result []matrixSeries `json:"result"`
			Stats  struct {
				Summary struct {
					TotalLinesProcessed int64 `json:"totalLinesProcessed"`
				} `json:"summary"`
			} `json:"stats"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, s := range a.Data.Result {
		for _, p := range s.Values {
			v, err := p[1].Float64()
			if err != nil {
				t.Fatal(err)
			}
			out[s.Metric.String()] += v
		}
	}
	reqs := srv.Requests()
	cost := reqs[len(reqs)-1].Cost
	if cost.LinesRead != a.Data.Stats.Summary.TotalLinesProcessed {
		t.Errorf("answer says %d lines read, the request's cost %d", a.Data.Stats.Summary.TotalLinesProcessed, cost.LinesRead)
	}
	return out, cost
}

// TestStatusClassesFromOneScan counts the recording's access lines per pod
// and status class with one query through regexp and label_format, and
// compares the counts with the recording's own table (testdata/README.md):
// one scan of the access log gives the 5xx, the 404s and the requests of
// every pod.
func TestStatusClassesFromOneScan(t *testing.T) {
	t.Parallel()
	srv := shopServer(t)
	end := FixtureEnd.Unix()
	q := `sum by (pod, class) (count_over_time({namespace="shop", stream="access"} | regexp ` + accessRegexp + ` | ` + statusClass + ` [30m]))`
	got, cost := queryRange(t, srv, q, end, end, "60")
	// The recording's table: per pod 2xx (200 and 403 are not both 2xx:
	// 403 is 4xx), 3xx, 404, other 4xx, 5xx.
	want := map[string]map[string]float64{
		"web-7c9d5b6f4d-aaaaa": {"2xx": 618, "3xx": 103, "404": 11, "4xx": 1},
		"web-7c9d5b6f4d-bbbbb": {"2xx": 584, "3xx": 80, "404": 19, "4xx": 1, "5xx": 3},
		"web-7c9d5b6f4d-ccccc": {"2xx": 628, "3xx": 78, "404": 12, "4xx": 1, "5xx": 1},
		"web-5f6b7c8d9e-zzzzz": {"2xx": 597, "3xx": 99, "404": 71, "4xx": 19, "5xx": 22},
	}
	n := 0
	for pod, classes := range want {
		for class, count := range classes {
			n++
			key := model.LabelSet{"pod": model.LabelValue(pod), "class": model.LabelValue(class)}.String()
			if got[key] != count {
				t.Errorf("%s: %v lines, the recording has %v", key, got[key], count)
			}
		}
	}
	if len(got) != n {
		t.Errorf("%d series, want %d: %v", len(got), n, got)
	}
	// The window (END − 30m, END] holds every access line but none of the
	// first second's, and the recording has none there.
	if cost.LinesRead != 2948 || cost.RegexpLines != 2948 || cost.FormatLines != 2948 || cost.PostFilterLines != 2948 {
		t.Errorf("cost %+v, want 2948 lines read, parsed, formatted and counted", cost)
	}
}

func TestLabelFormat(t *testing.T) {
	t.Parallel()
	srv := shopServer(t)
	start, end := FixtureStart.Unix(), FixtureEnd.Unix()
	for _, c := range []struct {
		name, query string
		want        map[string]float64
	}{
		{"rename", `sum by (p) (count_over_time({namespace="shop", pod="web-5f6b7c8d9e-zzzzz"} | label_format p=stream [30m]))`,
			map[string]float64{`{p="access"}`: 808, `{p="error"}`: 32}},
		{"a rename drops the source", `sum by (stream) (count_over_time({namespace="shop", pod="web-5f6b7c8d9e-zzzzz"} | label_format p=stream [30m]))`,
			map[string]float64{`{}`: 840}},
		{"two assignments see the labels before the stage", `sum by (a, b) (count_over_time({namespace="shop", pod="web-5f6b7c8d9e-zzzzz", stream="error"} | label_format a="{{.stream}}", stream="x", b="{{.stream}}" [30m]))`,
			map[string]float64{`{a="error", b="error"}`: 32}},
		{"an empty result drops the label", `sum by (stream) (count_over_time({namespace="shop", pod="web-5f6b7c8d9e-zzzzz"} | label_format stream="{{.nothing}}" [30m]))`,
			map[string]float64{`{}`: 840}},
		{"line filters before the parser", `sum by (class) (count_over_time({namespace="shop", pod="web-5f6b7c8d9e-zzzzz", stream="access"} |= "\" 404 " | regexp ` + accessRegexp + ` | ` + statusClass + ` [30m]))`,
			map[string]float64{`{class="404"}`: 71}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _ := queryRange(t, srv, c.query, end, end, "60")
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	for _, q := range []string{
		`count_over_time({namespace="shop"} | label_format a=b, a=c [1m])`,
		`count_over_time({namespace="shop"} | label_format a="{{ ToUpper .pod }}" [1m])`,
		`count_over_time({namespace="shop"} | label_format a="{{ .pod" [1m])`,
		`count_over_time({namespace="shop"} | label_format a [1m])`,
	} {
		t.Run(q, func(t *testing.T) {
			var c Case
			c.Request.Path = "/loki/api/v1/query_range"
			c.Request.Query = map[string]string{"query": q, "start": strconv.FormatInt(start, 10), "end": strconv.FormatInt(end, 10), "step": "60"}
			status, body := send(t, srv.URL, c)
			if status != 400 || !strings.HasPrefix(string(body), "lokitest: ") {
				t.Errorf("got %d %q, want 400 lokitest: ...", status, body)
			}
		})
	}
}

// TestCostModel checks what the cost model counts: every line of the
// selected streams in the range read once per range aggregation, parsers
// and label_format per line that reaches them, so that a line filter in
// front of a parser saves parsing but not reading.
func TestCostModel(t *testing.T) {
	t.Parallel()
	srv := shopServer(t)
	start, end := FixtureStart.Unix(), FixtureEnd.Unix()
	const sel = `{namespace="shop", stream="access"}`
	notFound := func(filter string) string {
		return `sum by (pod) (count_over_time(` + sel + filter + ` | regexp ` + accessRegexp + ` | status = 404 [1m]))`
	}
	plain, slow := queryRange(t, srv, notFound(""), start, end, "60")
	filtered, fast := queryRange(t, srv, notFound(` |= "\" 404 "`), start, end, "60")
	if fmt.Sprint(plain) != fmt.Sprint(filtered) {
		t.Errorf("the line filter changed the counts: %v, %v", plain, filtered)
	}
	if slow.LinesRead != 2948 || fast.LinesRead != 2948 {
		t.Errorf("lines read %d and %d, want all 2948 access lines both times", slow.LinesRead, fast.LinesRead)
	}
	// 113 404s (11 + 19 + 12 + 71); the filter lets no other line through.
	if slow.RegexpLines != 2948 || fast.RegexpLines != 113 || fast.PostFilterLines != 113 {
		t.Errorf("parsed %d and %d lines, %d counted; want 2948 and 113, 113", slow.RegexpLines, fast.RegexpLines, fast.PostFilterLines)
	}
	// 2948 µs of reading, plus 4 µs per parsed line.
	if d := slow.Seconds() - (2948*1e-6 + 2948*4e-6); d > 1e-12 || d < -1e-12 {
		t.Errorf("slow query: %g s", slow.Seconds())
	}
	if d := fast.Seconds() - (2948*1e-6 + 113*4e-6); d > 1e-12 || d < -1e-12 {
		t.Errorf("fast query: %g s", fast.Seconds())
	}

	// A ratio reads twice; the second half of the window reads the lines
	// of (mid − 1m, end] only.
	_, ratio := queryRange(t, srv, notFound("")+` / sum by (pod) (count_over_time(`+sel+` [1m]))`, start, end, "60")
	if ratio.LinesRead != 2*2948 || ratio.RegexpLines != 2948 {
		t.Errorf("ratio: %+v, want 5896 lines read and 2948 parsed", ratio)
	}
	mid := start + 900
	_, half := queryRange(t, srv, `count_over_time(`+sel+` [1m])`, mid, end, "60")
	var want int64
	for _, st := range srv.Store.Streams() {
		if st.Labels["stream"] == "access" {
			want += int64(len(st.between((mid-60)*1e9, end*1e9)))
		}
	}
	if half.LinesRead != want || want == 0 || want > 2948*2/3 {
		t.Errorf("second half: %d lines read, want %d", half.LinesRead, want)
	}
}
