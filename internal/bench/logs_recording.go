package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// RecordingRules is a Loki ruler rule file of recording rules (the
// Prometheus rule-file format with LogQL expressions), such as
// deploy/loki-recording/loki-ruler-rules.yaml.
type RecordingRules struct {
	Groups []RecordingGroup `yaml:"groups"`
}

// RecordingGroup is one rule group: its rules are evaluated every
// Interval.
type RecordingGroup struct {
	Name     string         `yaml:"name"`
	Interval model.Duration `yaml:"interval"`
	Rules    []struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	} `yaml:"rules"`
}

// LoadRecordingRules reads a Loki ruler rule file strictly: recording rules
// only, each group with an interval.
func LoadRecordingRules(path string) (RecordingRules, error) {
	var rr RecordingRules
	b, err := os.ReadFile(path)
	if err != nil {
		return rr, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rr); err != nil {
		return rr, fmt.Errorf("%s: %w", path, err)
	}
	for _, g := range rr.Groups {
		if g.Interval <= 0 {
			return rr, fmt.Errorf("%s: group %s has no interval", path, g.Name)
		}
		for _, r := range g.Rules {
			if !model.LegacyValidation.IsValidMetricName(r.Record) || strings.TrimSpace(r.Expr) == "" {
				return rr, fmt.Errorf("%s: group %s: rule %q needs a metric name and an expression", path, g.Name, r.Record)
			}
		}
	}
	return rr, nil
}

// WriteOpenMetrics evaluates every rule as Loki's ruler would, at each
// multiple of its group's interval in (start, end], against the Loki
// behind lk, and writes the series it records as OpenMetrics families,
// without the closing "# EOF": the rule's name, the result's labels, one
// sample per evaluation at which the result has the series. A query_range
// at step = interval gives exactly the ruler's instant evaluations at those
// times.
func (rr RecordingRules) WriteOpenMetrics(ctx context.Context, w io.Writer, lk providers.MetricQuerier, start, end time.Time) error {
	for _, g := range rr.Groups {
		step := time.Duration(g.Interval)
		first := start.Truncate(step).Add(step)
		for _, r := range g.Rules {
			m, err := lk.QueryRange(ctx, providers.RangeQuery{Expr: r.Expr, Start: first, End: end, Step: step})
			if err != nil {
				return fmt.Errorf("recording rule %s: %w", r.Record, err)
			}
			sort.Sort(m)
			if _, err := fmt.Fprintf(w, "# TYPE %s gauge\n", r.Record); err != nil {
				return err
			}
			for _, s := range m {
				ls := s.Metric.Clone()
				ls[model.MetricNameLabel] = model.LabelValue(r.Record)
				name := openMetricsSeries(ls)
				for _, p := range s.Values {
					if _, err := fmt.Fprintf(w, "%s %s %d\n", name, strconv.FormatFloat(float64(p.Value), 'g', -1, 64), p.Timestamp.Unix()); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// openMetricsSeries writes a series' name and labels in OpenMetrics text.
func openMetricsSeries(m model.Metric) string {
	names := make([]string, 0, len(m))
	for k := range m {
		if k != model.MetricNameLabel {
			names = append(names, string(k))
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(string(m[model.MetricNameLabel]))
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n + "=" + strconv.Quote(string(m[model.LabelName(n)])))
	}
	b.WriteByte('}')
	return b.String()
}
