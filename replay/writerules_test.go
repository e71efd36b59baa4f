package replay

import (
	"flag"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/writerules.golden.yaml and testdata/writerules.golden.txt")

// writeDate is the date the tests' spreads were measured on.
var writeDate = time.Date(2026, 12, 7, 15, 4, 5, 0, time.UTC)

// spreadOf is an estimate of metric with prior, as a replay reports it.
func spreadOf(metric string, prior, est, lo, hi float64, df int) SpreadEstimate {
	return SpreadEstimate{Metric: metric, Prior: prior, Estimate: est, Lower: lo, Upper: hi, DF: df, Groups: 21, Runs: 200}
}

// readFixture reads testdata/writerules.yaml.
func readFixture(t *testing.T) []byte {
	t.Helper()
	in, err := os.ReadFile("testdata/writerules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// podSpreads loads a rule file and returns each metric's podSpread.
func podSpreads(t *testing.T, content []byte) map[string]float64 {
	t.Helper()
	rs, err := rules.Load(content, "written.yaml", "")
	if err != nil {
		t.Fatalf("the written rule file does not load: %v\n%s", err, content)
	}
	out := map[string]float64{}
	for _, m := range rs.Metrics {
		out[m.Name] = m.PodSpread
	}
	return out
}

// TestWriteSpreads writes one metric's measured spread at a time and
// checks what was written (or why not), that the result loads, and that
// only that metric's podSpread changed.
func TestWriteSpreads(t *testing.T) {
	t.Parallel()
	in := readFixture(t)
	// A metric other metrics merge: writing into it would change them too.
	anchored := strings.Replace(string(in), "  - name: latency\n", "  - &latency\n    name: latency\n", 1)
	// A metric whose query comes from a merge key, last in a file without
	// a final line end: podSpread goes at the end of its own mapping.
	merged := "name: merged\nthresholds: {pass: 90, marginal: 60}\nmetrics:\n" +
		"  - &latency\n    name: latency\n    query: 'x{ {{.Pods}} }'\n    podSpread: 0.066\n" +
		"  - <<: *latency\n    name: latency-mean\n    tolerance: 0.5"
	for _, c := range []struct {
		name     string
		content  string // "" for the fixture
		spread   SpreadEstimate
		want     string // the value written, "" when left
		inserted bool
		why      string // in SpreadWrite.Why
		warning  bool
	}{
		{name: "raised", spread: spreadOf("latency", 0.066, 0.138, 0.12, 0.16, 84), want: "0.14"},
		{name: "lowered", spread: spreadOf("cpu", 0.1, 0.0613, 0.052, 0.071, 84), want: "0.062"},
		{name: "within the interval", spread: spreadOf("latency", 0.066, 0.07, 0.055, 0.09, 84), why: "within the measured interval 0.055-0.09"},
		{name: "too few df", spread: spreadOf("latency", 0.066, 0.138, 0.1, 0.2, 29), why: "too few degrees of freedom: 29"},
		{name: "df at the limit", spread: spreadOf("latency", 0.066, 0.138, 0.1, 0.2, 30), want: "0.14"},
		{name: "estimate 0 writes the upper bound", spread: spreadOf("latency", 0.066, 0, 0, 0.0301, 40), want: "0.031", why: "0-0.0301, 40 df: the noise explains all the spread, so the upper bound is written"},
		{name: "estimate and upper bound 0", spread: spreadOf("latency", 0.066, 0, 0, 0, 40), why: "nothing to write"},
		{name: "rounds up to the current value", spread: spreadOf("cpu", 0.062, 0.0613, 0.052, 0.0619, 84), why: "rounds up to the current value"},
		{name: "not compared", spread: spreadOf("latency", 0.066, math.NaN(), math.NaN(), math.NaN(), 84), why: "nothing to compare"},
		{name: "inserted", spread: spreadOf("memory", 0.08, 0.0613, 0.052, 0.071, 40), want: "0.062", inserted: true},
		{name: "inserted at the end of the mapping", content: merged, spread: spreadOf("latency-mean", 0.066, 0.138, 0.12, 0.16, 40), want: "0.14", inserted: true},
		{name: "anchored metric", content: anchored, spread: spreadOf("latency", 0.066, 0.138, 0.12, 0.16, 84), why: "merge its mapping (&latency): edit it by hand", warning: true},
		{name: "not a metric of the file", spread: spreadOf("queue-depth", 0.08, 0.2, 0.15, 0.3, 84), why: "not among the file's metrics"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			content := in
			if c.content != "" {
				content = []byte(c.content)
			}
			out, writes, err := WriteSpreads(content, []SpreadEstimate{c.spread}, WriteOptions{Date: writeDate})
			if err != nil {
				t.Fatal(err)
			}
			var w *SpreadWrite
			for i := range writes {
				if writes[i].Metric == c.spread.Metric {
					w = &writes[i]
				} else if writes[i].New != "" || writes[i].Why != "not measured" {
					t.Errorf("%s: %s, want it not measured", writes[i].Metric, writes[i])
				}
			}
			if w == nil {
				t.Fatalf("nothing said about %s: %v", c.spread.Metric, writes)
			}
			if w.New != c.want || w.Inserted != c.inserted || w.Warning != c.warning || !strings.Contains(w.Why, c.why) {
				t.Errorf("got %+v (%s), want value %q, inserted %v, warning %v, why %q", *w, w, c.want, c.inserted, c.warning, c.why)
			}
			if c.want != "" && !regexp.MustCompile(`podSpread: `+regexp.QuoteMeta(c.want)+` +# measured by analyzer replay 2026-12-07: `).Match(out) {
				t.Errorf("no podSpread %s with its comment written:\n%s", c.want, out)
			}
			before, after := podSpreads(t, content), podSpreads(t, out)
			if c.want != "" {
				before[c.spread.Metric], _ = strconv.ParseFloat(c.want, 64)
			}
			for m, v := range before {
				if after[m] != v {
					t.Errorf("%s: podSpread %g, want %g", m, after[m], v)
				}
			}
		})
	}
}

// TestNoEnvironmentPodSpread checks the premise WriteSpreads rests on: an
// environment cannot override a metric's podSpread, so the base value it
// writes is the one every environment judges with. Should the language
// allow it, WriteSpreads must leave such a metric alone (or write the
// override) and this test says so.
func TestNoEnvironmentPodSpread(t *testing.T) {
	t.Parallel()
	shadowed := strings.Replace(string(readFixture(t)), "latency: {max: 0.5}", "latency: {max: 0.5, podSpread: 0.2}", 1)
	if !strings.Contains(shadowed, "podSpread: 0.2}") {
		t.Fatal("the fixture has no environment override of latency to extend")
	}
	if _, err := rules.Load([]byte(shadowed), "shadowed.yaml", ""); err == nil || !strings.Contains(err.Error(), `unknown field "podSpread"`) {
		t.Errorf("an environment override of podSpread loads (%v): WriteSpreads must now leave a metric it shadows alone", err)
	}
}

// TestWriteSpreadsGolden writes a raised, a lowered and an inserted
// podSpread into the fixture and compares the file and the progress lines
// with testdata/writerules.golden.yaml and .txt: every comment and the
// layout stay, and only the written lines change.
func TestWriteSpreadsGolden(t *testing.T) {
	t.Parallel()
	in := readFixture(t)
	spreads := []SpreadEstimate{
		spreadOf("latency", 0.066, 0.138, 0.12, 0.16, 84),
		spreadOf("cpu", 0.1, 0.0613, 0.052, 0.071, 84),
		spreadOf("memory", 0.08, 0, 0, 0.0301, 40),
	}
	out, writes, err := WriteSpreads(in, spreads, WriteOptions{Date: writeDate})
	if err != nil {
		t.Fatal(err)
	}
	var txt strings.Builder
	for _, w := range writes {
		txt.WriteString(w.String() + "\n")
	}
	for _, g := range []struct {
		file string
		got  string
	}{{"testdata/writerules.golden.yaml", string(out)}, {"testdata/writerules.golden.txt", txt.String()}} {
		if *update {
			if err := os.WriteFile(g.file, []byte(g.got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(g.file)
		if err != nil {
			t.Fatalf("%v (run 'go test ./replay -run TestWriteSpreadsGolden -update' to create it, then read it)", err)
		}
		if g.got != string(want) {
			t.Errorf("got:\n%s\nwant (%s):\n%s\nRun 'go test ./replay -run TestWriteSpreadsGolden -update' if the change is right.", g.got, g.file, want)
		}
	}
	// Every comment of the input is still there, and every line of the
	// input but the two podSpreads replaced.
	comment := regexp.MustCompile(`#.*`)
	for _, c := range comment.FindAllString(string(in), -1) {
		if !strings.Contains(string(out), c) {
			t.Errorf("comment %q lost", c)
		}
	}
	outLines := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		outLines[l] = true
	}
	missing := 0
	for _, l := range strings.Split(string(in), "\n") {
		if !outLines[l] {
			missing++
		}
	}
	if missing != 2 {
		t.Errorf("%d lines of the input changed, want 2 (the podSpreads replaced)", missing)
	}
	got := podSpreads(t, out)
	if got["latency"] != 0.14 || got["cpu"] != 0.062 || got["memory"] != 0.031 || got["error-ratio"] != 0 {
		t.Errorf("podSpreads written %v", got)
	}
}

// TestWriteSpreadsCRLF keeps a file's CRLF line ends, in the lines
// written too.
func TestWriteSpreadsCRLF(t *testing.T) {
	t.Parallel()
	in := []byte(strings.ReplaceAll(string(readFixture(t)), "\n", "\r\n"))
	out, _, err := WriteSpreads(in, []SpreadEstimate{spreadOf("cpu", 0.1, 0.0613, 0.052, 0.071, 84), spreadOf("memory", 0.08, 0.0613, 0.052, 0.071, 84)},
		WriteOptions{Date: writeDate})
	if err != nil {
		t.Fatal(err)
	}
	if n, crlf := strings.Count(string(out), "\n"), strings.Count(string(out), "\r\n"); n != crlf || n != strings.Count(string(in), "\n")+2 {
		t.Errorf("%d line ends, %d of them CRLF; the input had %d", n, crlf, strings.Count(string(in), "\n"))
	}
	if got := podSpreads(t, out); got["cpu"] != 0.062 || got["memory"] != 0.062 {
		t.Errorf("podSpreads written %v", got)
	}
}

// TestRoundUp2 rounds up to two significant digits, in decimal.
func TestRoundUp2(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		x    float64
		want string
	}{
		{0.0613, "0.062"},
		{0.138, "0.14"},
		{0.14, "0.14"}, // exact in decimal: not raised by the float's binary error
		{0.1, "0.1"},
		{0.06, "0.06"},
		{0.0600001, "0.061"},
		{0.145, "0.15"},
		{0.0995, "0.1"}, // carries into the next power of ten
		{0.991, "1"},    // and to a whole number
		{0.000123, "0.00013"},
		{1.21e-5, "1.3e-05"}, // YAML reads it as a float
		{12.3, "13"},
		{5, "5"},
	} {
		t.Run(strconv.FormatFloat(c.x, 'g', -1, 64), func(t *testing.T) {
			t.Parallel()
			if got := roundUp2(c.x); got != c.want {
				t.Errorf("roundUp2(%g) = %s, want %s", c.x, got, c.want)
			}
		})
	}
}
