package report

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
)

// TestPath: a gap of more than the allowed spacing starts a new subpath,
// and a lone point is drawn as a dot.
func TestPath(t *testing.T) {
	t.Parallel()
	x := func(t int64) float64 { return float64(t) }
	y := func(v float64) float64 { return v }
	cases := []struct {
		name string
		pts  []point
		want string
	}{
		{"a line", []point{{0, 1}, {60, 2}, {120, 3}}, "M0.0 1.0L60.0 2.0L120.0 3.0"},
		{"a gap", []point{{0, 1}, {60, 2}, {240, 3}, {300, 4}}, "M0.0 1.0L60.0 2.0M240.0 3.0L300.0 4.0"},
		{"lone points", []point{{0, 1}, {240, 3}}, "M0.0 1.0h0.1M240.0 3.0h0.1"},
		{"none", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := path(c.pts, x, y, 90); got != c.want {
				t.Errorf("path = %q, want %q", got, c.want)
			}
		})
	}
}

// TestNiceTicks: round steps of 1, 2, 2.5 or 5 times a power of ten that
// span the range.
func TestNiceTicks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 0.0123, []float64{0, 0.005, 0.01, 0.015}},
		{61, 151, []float64{50, 75, 100, 125, 150, 175}},
		{-1, 1, []float64{-1, -0.5, 0, 0.5, 1}},
	}
	for _, c := range cases {
		got, lo, hi := niceTicks(c.lo, c.hi, 4)
		if !reflect.DeepEqual(got, c.want) || lo != c.want[0] || hi != c.want[len(c.want)-1] {
			t.Errorf("niceTicks(%g, %g) = %v [%g, %g], want %v", c.lo, c.hi, got, lo, hi, c.want)
		}
	}
}

// TestChartLayout: the y labels are round in the unit they are written in,
// the warm-up band runs from the canary's first sample to its end, and
// only the looks inside the window are marked.
func TestChartLayout(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 11, 30, 0, 0, time.UTC)
	end := start.Add(30 * time.Minute)
	ms := func(m int) int64 { return start.Add(time.Duration(m) * time.Minute).UnixMilli() }
	const mib = 1 << 20
	warm := start.Add(19 * time.Minute)
	c := newChart(chartInput{
		metric: "memory", start: start, end: end, step: time.Minute, scale: scale{unit: "bytes"}, warmupEnd: &warm,
		looks: []time.Time{start.Add(-time.Minute), start.Add(20 * time.Minute), end.Add(time.Minute)},
		series: &wire.Series{
			Canary: []wire.PodSeries{{Pod: "web-c", T: []int64{ms(16), ms(17), ms(30)}, V: []wire.Float{190 * mib, 200 * mib, 230 * mib}}},
			Stable: []wire.PodSeries{{Pod: "web-s", T: []int64{ms(0), ms(30)}, V: []wire.Float{260 * mib, 286 * mib}}},
		},
	})
	var labels []string
	for _, tk := range c.YTicks {
		labels = append(labels, tk.Label)
	}
	if want := "175 MiB,200 MiB,225 MiB,250 MiB,275 MiB,300 MiB"; strings.Join(labels, ",") != want {
		t.Errorf("y labels %v, want %s", labels, want)
	}
	x := func(m float64) float64 { return round1(c.Plot.X + c.Plot.W*m/30) }
	if c.Warmup == nil || c.Warmup.X != x(16) || c.Warmup.W != round1(x(19)-x(16)) {
		t.Errorf("warm-up band %+v, want from x %g to %g", c.Warmup, x(16), x(19))
	}
	if len(c.Looks) != 1 || c.Looks[0].Label != "look 2" || c.Looks[0].Pos != x(20) {
		t.Errorf("looks %+v, want look 2 alone at x %g", c.Looks, x(20))
	}
	if len(c.Canary) != 1 || !strings.HasPrefix(c.Canary[0].D, "M") || strings.Count(c.Canary[0].D, "M") != 2 {
		t.Errorf("canary path %+v, want two subpaths (a gap after 11:47)", c.Canary)
	}
}

// TestBackendLinks: the Prometheus graph page and Grafana's Explore open
// the query over the judged window.
func TestBackendLinks(t *testing.T) {
	t.Parallel()
	o := Options{PrometheusURL: "http://prom.example:9090/", GrafanaURL: "https://grafana.example/", GrafanaPrometheus: "P1"}
	end := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	expr := `sum by (pod) (rate(x{pod=~"web-.*"}[1m]))`

	u, err := url.Parse(o.prometheusGraph(expr, end, 30*time.Minute, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/graph" || q.Get("g0.expr") != expr || q.Get("g0.range_input") != "30m" ||
		q.Get("g0.end_input") != "2026-11-01 12:00:00" || q.Get("g0.step_input") != "60" || q.Get("g0.tab") != "0" {
		t.Errorf("Prometheus link %s", u)
	}

	u, err = url.Parse(o.grafanaExplore("prometheus", expr, end.Add(-30*time.Minute), end))
	if err != nil {
		t.Fatal(err)
	}
	var panes map[string]struct {
		Datasource string `json:"datasource"`
		Queries    []struct {
			Expr       string `json:"expr"`
			Datasource struct{ Type, UID string }
		} `json:"queries"`
		Range struct{ From, To string } `json:"range"`
	}
	if err := json.Unmarshal([]byte(u.Query().Get("panes")), &panes); err != nil {
		t.Fatalf("Grafana link %s: %v", u, err)
	}
	p := panes["a"]
	if u.Path != "/explore" || p.Datasource != "P1" || len(p.Queries) != 1 || p.Queries[0].Expr != expr ||
		p.Queries[0].Datasource.UID != "P1" || p.Range.From != "1793532600000" || p.Range.To != "1793534400000" {
		t.Errorf("Grafana link %s: %+v", u, panes)
	}
	if l := o.grafanaExplore("loki", expr, end, end); l != "" {
		t.Errorf("a Loki query links to Grafana without a Loki data source: %s", l)
	}
}
