package wire

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestNewSeries: values, counts and log lines come out per pod, as the
// judge got them; log lines are counted per step.
func TestNewSeries(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	t0 := start.UnixMilli()
	const min = 60_000
	cases := []struct {
		name   string
		d      analysis.Data
		canary string // JSON of Series.Canary
		stable string
	}{
		{"values", analysis.Data{
			Canary: []analysis.Series{{Pod: "web-c-1", Points: []analysis.Point{{T: t0 + min, V: 0.5}, {T: t0 + 2*min, V: math.NaN()}}}},
			Stable: []analysis.Series{{Pod: "web-s-1", Points: []analysis.Point{{T: t0, V: 1}}}, {Pod: "web-s-2"}},
		}, `[{"pod":"web-c-1","t":[1793534460000,1793534520000],"v":[0.5,null]}]`,
			`[{"pod":"web-s-1","t":[1793534400000],"v":[1]},{"pod":"web-s-2","t":[]}]`},
		{"counts", analysis.Data{
			CanaryCounts: []analysis.CountSeries{{Pod: "web-c-1", Points: []analysis.CountPoint{{T: t0, Events: 2, Trials: 100}}}},
		}, `[{"pod":"web-c-1","t":[1793534400000],"events":[2],"trials":[100]}]`, `[]`},
		{"log lines without exposure", analysis.Data{Logs: analysis.LogData{
			// A line at a step boundary counts there; one just after it,
			// at the next.
			Canary: []analysis.LogLine{{Pod: "web-c-1", T: t0 + min}, {Pod: "web-c-1", T: t0 + min + 1}, {Pod: "web-c-1", T: t0 + 2*min}},
			Stable: []analysis.LogLine{{Pod: "web-s-2", T: t0 + 30_000}, {Pod: "web-s-1", T: t0 + 30_000}},
		}}, `[{"pod":"web-c-1","t":[1793534460000,1793534520000],"events":[1,2]}]`,
			`[{"pod":"web-s-1","t":[1793534460000],"events":[1]},{"pod":"web-s-2","t":[1793534460000],"events":[1]}]`},
		{"log lines with exposure", analysis.Data{Logs: analysis.LogData{
			Canary:         []analysis.LogLine{{Pod: "web-c-1", T: t0 + 10}},
			Stable:         []analysis.LogLine{{Pod: "web-s-1", T: t0 + 10}},
			Exposure:       true,
			CanaryExposure: []analysis.Series{{Pod: "web-c-1", Points: []analysis.Point{{T: t0 + min, V: 50}, {T: t0 + 2*min, V: 60}}}},
			StableExposure: []analysis.Series{{Pod: "web-s-9", Points: []analysis.Point{{T: t0 + min, V: 70}}}},
		}}, `[{"pod":"web-c-1","t":[1793534460000,1793534520000],"events":[1,0],"trials":[50,60]}]`,
			`[{"pod":"web-s-9","t":[1793534460000],"events":[0],"trials":[70]}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSeries(c.d, start, time.Minute)
			for _, side := range []struct {
				name string
				got  []PodSeries
				want string
			}{{"canary", s.Canary, c.canary}, {"stable", s.Stable, c.stable}} {
				b, err := json.Marshal(side.got)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != side.want {
					t.Errorf("%s:\n got %s\nwant %s", side.name, b, side.want)
				}
			}
		})
	}
}

// TestSummaryReason: the summary's reason is the verdict's, cut to
// MaxSummaryReason characters at a space, with an ellipsis.
func TestSummaryReason(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60) // 300 characters
	cases := []struct {
		name, in, want string
	}{
		{"short", "score 100.0 reaches the pass threshold 90", "score 100.0 reaches the pass threshold 90"},
		{"exactly the bound", strings.Repeat("x", MaxSummaryReason), strings.Repeat("x", MaxSummaryReason)},
		{"cut at a space", long, long[:MaxSummaryReason-1] + "…"}, // a space at the 240th character: 48 whole words
		{"cut at an earlier space", "x" + long, "x" + long[:MaxSummaryReason-6] + "…"},
		{"no space to cut at", strings.Repeat("é", 300), strings.Repeat("é", MaxSummaryReason-1) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r Response
			r.SetReport(analysis.Report{Verdict: analysis.Inconclusive, Reason: c.in}, nil)
			got := r.Summary.Reason
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxSummaryReason {
				t.Errorf("%d characters", n)
			}
			if r.Reason != c.in {
				t.Errorf("the full reason changed")
			}
		})
	}
}
