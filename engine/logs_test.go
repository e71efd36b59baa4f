package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// logsFake is a Loki stand-in: metric queries get the exposure answer, log
// queries the lines of the pods their {{.Pods}} matcher selects.
type logsFake struct {
	mu       sync.Mutex
	logAsked []providers.LogQuery
	// lines are every pod's lines; a log query gets those whose pod its
	// matcher's hash names.
	lines []providers.LogEntry
	// exposure answers metric queries.
	exposure model.Matrix
	// logErr and metricErr, when set, fail those queries.
	logErr, metricErr error
	// truncate marks the canary's answer truncated.
	truncate bool
}

func (f *logsFake) QueryRange(ctx context.Context, q providers.RangeQuery) (model.Matrix, error) {
	if f.metricErr != nil {
		return nil, f.metricErr
	}
	select {
	case <-ctx.Done():
		return nil, &providers.Error{Kind: providers.Canceled, Err: ctx.Err()}
	case <-time.After(time.Millisecond):
	}
	return f.exposure, nil
}

func (f *logsFake) QueryLogs(ctx context.Context, q providers.LogQuery) (providers.LogResult, error) {
	f.mu.Lock()
	f.logAsked = append(f.logAsked, q)
	f.mu.Unlock()
	if f.logErr != nil {
		return providers.LogResult{}, f.logErr
	}
	var out providers.LogResult
	for _, e := range f.lines {
		if e.Time.Before(q.Start) || !e.Time.Before(q.End) {
			continue
		}
		hash := strings.Split(string(e.Labels["pod"]), "-")[1]
		// Both sides' queries may return a stray line of the other side,
		// as a template that selects more than {{.Pods}} would.
		if strings.Contains(q.Expr, "-"+hash+"-") || strings.Contains(e.Line, "stray") {
			out.Entries = append(out.Entries, e)
		}
	}
	if len(out.Entries) > q.Limit {
		out.Entries, out.Truncated = out.Entries[:q.Limit], true
	}
	if f.truncate && strings.Contains(q.Expr, "-c1-") {
		out.Truncated = true
	}
	return out, nil
}

func logsRuleSet(t *testing.T, exposure bool) *rules.RuleSet {
	t.Helper()
	text := `
name: logs
thresholds: {pass: 90, marginal: 60}
step: 1m
lookback: 30m
metrics:
  - name: new-errors
    kind: signatures
    query: '{namespace="{{.Namespace}}", {{.Pods}}, stream="error"}'
    critical: true
    signatures: {lineLimit: 100, exampleLength: 40}
`
	if exposure {
		text += `    exposure: 'sum by (pod) (count_over_time({namespace="{{.Namespace}}", {{.Pods}}, stream="access"} [{{.Step}}]))'` + "\n"
	}
	rs, err := rules.Load([]byte(text), "logs.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

var logsNow = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

// logsData has a canary c1 that logs a new error 12 times, stable pods s1
// and s2 that share one common error with it.
func logsData() []providers.LogEntry {
	var out []providers.LogEntry
	add := func(pod string, minute int, line string) {
		out = append(out, providers.LogEntry{
			Time:   logsNow.Add(time.Duration(-30+minute) * time.Minute).Add(17 * time.Second),
			Line:   line,
			Labels: model.LabelSet{"namespace": "shop", "pod": model.LabelValue(pod), "stream": "error"},
		})
	}
	for m := range 29 {
		add("web-s1-aaaaa", m, fmt.Sprintf("[core:error] [pid %d] AH00037: symlink refused", m))
		add("web-s1-bbbbb", m, fmt.Sprintf("[core:error] [pid %d] AH00037: symlink refused", m))
		if m%2 == 0 {
			add("web-c1-zzzzz", m, fmt.Sprintf("[core:error] [pid %d] AH00037: symlink refused", m))
		}
		if m >= 10 && m < 22 {
			add("web-c1-zzzzz", m, fmt.Sprintf("[authz_core:error] [pid %d] AH01630: client denied\tby server configuration: /var/www/html/config.json", m))
		}
	}
	return out
}

func logsExposure(perStep float64) model.Matrix {
	var m model.Matrix
	for _, pod := range []string{"web-c1-zzzzz", "web-s1-aaaaa", "web-s1-bbbbb"} {
		s := &model.SampleStream{Metric: model.Metric{"pod": model.LabelValue(pod)}}
		for k := 0; k <= 30; k++ {
			ts := logsNow.Add(time.Duration(-30+k) * time.Minute)
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(ts.UnixNano()), Value: model.SampleValue(perStep)})
		}
		m = append(m, s)
	}
	return m
}

func logsService(rs *rules.RuleSet, f *logsFake) *Service {
	return &Service{
		Rules:    oneRuleSet{rs},
		Backends: map[providers.Type]providers.MetricQuerier{providers.TypeLoki: f},
		Logs:     map[providers.Type]providers.LogQuerier{providers.TypeLoki: f},
		Now:      func() time.Time { return logsNow },
	}
}

var logsTarget = request.Target{Namespace: "shop", Rollout: "web", CanaryHash: "c1", StableHash: "s1"}

func TestSignaturesJudged(t *testing.T) {
	t.Parallel()
	for _, exposure := range []bool{false, true} {
		t.Run(fmt.Sprintf("exposure %v", exposure), func(t *testing.T) {
			f := &logsFake{lines: logsData(), exposure: logsExposure(20)}
			resp, err := logsService(logsRuleSet(t, exposure), f).Judge(context.Background(), request.Request{Target: logsTarget, RuleSet: "logs"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Verdict != analysis.Failed || len(resp.Metrics) != 1 {
				t.Fatalf("verdict %s (%s), %d metrics", resp.Verdict, resp.Reason, len(resp.Metrics))
			}
			m := resp.Metrics[0]
			if m.Classification != analysis.High || len(m.Signatures) != 1 {
				t.Fatalf("new-errors %s (%s): %+v", m.Classification, m.Reason, m.Signatures)
			}
			s := m.Signatures[0]
			if s.Canary != 12 || s.Stable != 0 || !strings.Contains(s.Signature, "AH01630") {
				t.Errorf("finding %+v", s)
			}
			if s.Example != "[authz_core:error] [pid 10] AH01630: cl…" {
				t.Errorf("example %q: not the first line, cleaned and cut to 40", s.Example)
			}
			if want := float64(12 + 15); float64(m.Canary.Events) != want {
				t.Errorf("canary lines %v, want %v", m.Canary.Events, want)
			}
			if exposure {
				// 30 steps in (start, end] at 20 requests each; the point at
				// the window's start covers time before it.
				if float64(m.Canary.Trials) != 600 || float64(m.Stable.Trials) != 1200 {
					t.Errorf("exposure %v / %v, want 600 / 1200", m.Canary.Trials, m.Stable.Trials)
				}
			} else if float64(m.Canary.Trials) != 1 || float64(m.Stable.Trials) != 2 {
				t.Errorf("pods %v / %v, want 1 / 2", m.Canary.Trials, m.Stable.Trials)
			}
			if len(resp.Canary.Pods) != 1 || len(resp.Stable.Pods) != 2 {
				t.Errorf("pods seen %v / %v", resp.Canary.Pods, resp.Stable.Pods)
			}
			if !strings.Contains(m.Query, `pod=~"web-c1-[a-z0-9]+"`) || !strings.Contains(m.Query, `pod=~"web-s1-[a-z0-9]+"`) {
				t.Errorf("query %q does not show both sides' log queries", m.Query)
			}
			if len(f.logAsked) != 2 {
				t.Fatalf("%d log queries, want one per side", len(f.logAsked))
			}
			for _, q := range f.logAsked {
				if q.Limit != 100 || !q.End.Equal(logsNow) || !q.Start.Equal(logsNow.Add(-30*time.Minute)) {
					t.Errorf("log query %+v: want limit 100 over the lookback", q)
				}
			}
		})
	}
}

func TestSignaturesStrayLinesLeftOut(t *testing.T) {
	t.Parallel()
	lines := append(logsData(), providers.LogEntry{
		Time: logsNow.Add(-time.Minute), Line: "stray line of another rollout",
		Labels: model.LabelSet{"namespace": "shop", "pod": "other-c1-qqqqq", "stream": "error"},
	})
	f := &logsFake{lines: lines}
	resp, err := logsService(logsRuleSet(t, false), f).Judge(context.Background(), request.Request{Target: logsTarget, RuleSet: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	m := resp.Metrics[0]
	if !strings.Contains(m.Reason, "2 lines of pods outside their side were left out") {
		t.Errorf("reason %q does not report the stray lines", m.Reason)
	}
	for _, s := range m.Signatures {
		if strings.Contains(s.Signature, "stray") {
			t.Errorf("stray line judged: %+v", s)
		}
	}
}

func TestSignaturesTruncatedIsReported(t *testing.T) {
	t.Parallel()
	f := &logsFake{lines: logsData(), truncate: true}
	resp, err := logsService(logsRuleSet(t, false), f).Judge(context.Background(), request.Request{Target: logsTarget, RuleSet: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Metrics[0].Reason; !strings.Contains(r, "more lines matched than the limit") {
		t.Errorf("reason %q does not say the lines were cut", r)
	}
}

// TestSignaturesReadInParts: a canary that logs more lines than its limit
// is read in parts across the window, not only its oldest lines, so a new
// error of its later minutes is seen; both sides are read in the same
// parts, and the comparison leaves out the times whose lines were not all
// read.
func TestSignaturesReadInParts(t *testing.T) {
	t.Parallel()
	var lines []providers.LogEntry
	add := func(pod string, at time.Time, line string) {
		lines = append(lines, providers.LogEntry{Time: at, Line: line,
			Labels: model.LabelSet{"namespace": "shop", "pod": model.LabelValue(pod), "stream": "error"}})
	}
	// Every pod logs 12 lines a minute (for 20 requests); from minute 16 on,
	// 4 of the canary's are a new error.
	for m := range 30 {
		minute := logsNow.Add(time.Duration(-30+m) * time.Minute)
		for i := range 12 {
			at := minute.Add(time.Duration(2+4*i) * time.Second)
			common := fmt.Sprintf("[core:error] [pid %d] AH00037: symlink refused", i)
			line := common
			if m >= 16 && i%3 == 0 {
				line = fmt.Sprintf("[authz_core:error] [pid %d] AH01630: client denied", i)
			}
			add("web-c1-zzzzz", at, line)
			add("web-s1-aaaaa", at, common)
			add("web-s1-bbbbb", at, common)
		}
	}
	f := &logsFake{lines: lines, exposure: logsExposure(20)}
	resp, err := logsService(logsRuleSet(t, true), f).Judge(context.Background(), request.Request{Target: logsTarget, RuleSet: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	m := resp.Metrics[0]
	// The limit (100) holds the canary's first 8 minutes and the stable
	// pods' first 4 (24 lines a minute): both are read again in 4 parts of
	// 8 minutes, 25 lines each, which hold the first minute of every part
	// on both sides: minutes 0, 8, 16 and 24 are compared.
	var parts []string
	for _, q := range f.logAsked {
		if q.Limit != 100 {
			parts = append(parts, fmt.Sprintf("%v+%v/%d", q.Start.Sub(logsNow), q.End.Sub(q.Start), q.Limit))
		}
	}
	sort.Strings(parts)
	if want := "[-14m0s+8m0s/25 -14m0s+8m0s/25 -22m0s+8m0s/25 -22m0s+8m0s/25 -30m0s+8m0s/25 -30m0s+8m0s/25 -6m0s+6m0s/25 -6m0s+6m0s/25]"; fmt.Sprint(parts) != want {
		t.Errorf("read in parts %v, want %s", parts, want)
	}
	// 4 minutes of 20 requests per pod; minutes 16 and 24 have 4 new lines.
	if m.Classification != analysis.High || m.Canary.Count != 48 || float64(m.Canary.Trials) != 80 || float64(m.Stable.Trials) != 160 {
		t.Errorf("new-errors %s on %d canary lines and %v/%v requests (%s); want High on 4 whole minutes",
			m.Classification, m.Canary.Count, m.Canary.Trials, m.Stable.Trials, m.Reason)
	}
	if len(m.Signatures) == 0 || m.Signatures[0].Canary != 8 || !strings.Contains(m.Signatures[0].Signature, "AH01630") {
		t.Errorf("findings %+v, want AH01630 with 8 lines", m.Signatures)
	}
	if !strings.Contains(m.Reason, "read in parts") || !strings.Contains(m.Reason, "(4m0s of 30m0s)") {
		t.Errorf("reason %q does not say the window was read in parts and what was compared", m.Reason)
	}
}

func TestSignaturesErrors(t *testing.T) {
	t.Parallel()
	refused := &providers.Error{Backend: providers.TypeLoki, Kind: providers.BadQuery, Status: 400, Msg: "parse error at line 1"}
	cases := []struct {
		name  string
		setup func(*Service, *logsFake)
		check func(error) bool
	}{
		{"a refused log query names the metric and role", func(_ *Service, f *logsFake) { f.logErr = refused },
			func(err error) bool {
				var q *QueryError
				var p *providers.Error
				return errors.As(err, &q) && q.Metric == "new-errors" && q.Role == rules.RoleLogs &&
					strings.HasPrefix(q.Query, `{namespace="shop", pod=~"web-`) && errors.As(err, &p) && p.Kind == providers.BadQuery
			}},
		{"a failed exposure query wins over the cancellations it causes", func(_ *Service, f *logsFake) {
			f.metricErr = &providers.Error{Kind: providers.Unavailable, Msg: "down"}
		},
			func(err error) bool {
				var q *QueryError
				var p *providers.Error
				return errors.As(err, &q) && q.Role == rules.RoleExposure && errors.As(err, &p) && p.Kind == providers.Unavailable
			}},
		{"no log querier for the source", func(s *Service, _ *logsFake) { s.Logs = nil },
			func(err error) bool {
				var c *ConfigError
				return errors.As(err, &c) && strings.Contains(c.Msg, "cannot fetch log lines")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &logsFake{lines: logsData(), exposure: logsExposure(20)}
			s := logsService(logsRuleSet(t, true), f)
			c.setup(s, f)
			resp, err := s.Judge(context.Background(), request.Request{Target: logsTarget, RuleSet: "logs"})
			if err == nil || !c.check(err) {
				t.Errorf("got %v, %v", resp, err)
			}
		})
	}
}
