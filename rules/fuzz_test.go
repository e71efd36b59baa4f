package rules

import (
	"errors"
	"testing"
	"time"
)

// FuzzLoad loads arbitrary rule files: loading must never panic nor hang,
// every problem must be an *Error naming the file, and a rule set that
// loads must render and judge-convert every metric. The seed corpus in
// testdata/fuzz/FuzzLoad holds the test and shipped rule files.
//
//	go test ./rules -run '^$' -fuzz FuzzLoad -fuzztime 30s
func FuzzLoad(f *testing.F) {
	f.Add([]byte("name: x\nthresholds: {pass: 90, marginal: 60}\nmetrics: [{name: a, query: 'up{ {{.Pods}} }'}]\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		rs, err := Load(content, "fuzz.yaml", "live")
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v is not a non-empty rules.Errors", err)
			}
			last := 0
			for _, e := range es {
				var pe *Error
				if !errors.As(e, &pe) || pe.File != "fuzz.yaml" || pe.Line < 0 || pe.Col < 0 || pe.Msg == "" {
					t.Fatalf("error %#v does not name the file and a position", e)
				}
				if pe.Line < last {
					t.Fatalf("errors out of order: %v", err)
				}
				last = pe.Line
			}
			return
		}
		if rs.WithDefaults().Name != rs.Name {
			t.Fatal("WithDefaults changed the name")
		}
		p := SampleParams(rs)
		for i := range rs.Metrics {
			m := &rs.Metrics[i]
			_ = m.Analysis()
			for _, r := range append(m.Roles(), RoleLogs) {
				if tp := m.Template(r); tp != nil {
					if _, err := tp.Render(p); err != nil {
						t.Fatalf("metric %s, %s: a loaded template does not render: %v", m.Name, r, err)
					}
				}
			}
		}
		_ = rs.Settings(time.Time{})
	})
}
