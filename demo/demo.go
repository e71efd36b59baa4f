// Package demo is the embedded demo data set: real Prometheus answers,
// recorded for the http-service rule set's queries about two canaries (one
// healthy, one with a latency and error regression), replayed without a
// Prometheus. "analyzer demo" serves it.
//
// The recording is made by "go run ./demo/record" from the scenario
// generator's data on a real Prometheus; TestDemoVerdicts fails when the
// rule set's queries change and the recording no longer answers them.
package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/deploy"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// RuleSet is the rule set the demo answers for.
const RuleSet = "http-service"

// Case is one demo canary.
type Case struct {
	Name   string         `json:"name"`
	Target request.Target `json:"target"`
	// Expect is the verdict the recording was made to show.
	Expect analysis.Verdict `json:"expect"`
}

// Request is the judgement request of the case.
func (c Case) Request() request.Request {
	return request.Request{Target: c.Target, RuleSet: RuleSet}
}

// Recording is the demo data: the answer to each query over the whole
// recorded window.
type Recording struct {
	// End is the time the demo treats as now.
	End   time.Time               `json:"end"`
	Step  model.Duration          `json:"step"`
	Cases []Case                  `json:"cases"`
	Data  map[string]model.Matrix `json:"data"`
}

//go:embed recording.json.gz
var recordingGz []byte

// Load decodes the embedded recording.
func Load() (*Recording, error) {
	return Decode(bytes.NewReader(recordingGz))
}

// Decode reads a gzipped recording.
func Decode(r io.Reader) (*Recording, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("demo recording: %w", err)
	}
	var rec Recording
	if err := json.NewDecoder(zr).Decode(&rec); err != nil {
		return nil, fmt.Errorf("demo recording: %w", err)
	}
	return &rec, nil
}

// Encode writes a gzipped recording.
func (rec *Recording) Encode(w io.Writer) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(rec); err != nil {
		return err
	}
	return zw.Close()
}

// QueryRange implements providers.MetricQuerier by replaying the recorded
// answer to the same query, cut to the asked window.
func (rec *Recording) QueryRange(_ context.Context, q providers.RangeQuery) (model.Matrix, error) {
	m, ok := rec.Data[q.Expr]
	if !ok {
		return nil, &providers.Error{Backend: providers.TypePrometheus, Kind: providers.BadQuery,
			Msg: fmt.Sprintf("the demo data set has no recording of this query; it answers the %s rule set's queries for its demo canaries (re-record with go run ./demo/record if the rule set changed)", RuleSet)}
	}
	from, to := model.TimeFromUnixNano(q.Start.UnixNano()), model.TimeFromUnixNano(q.End.UnixNano())
	var out model.Matrix
	for _, ss := range m {
		var vals []model.SamplePair
		for _, v := range ss.Values {
			if v.Timestamp >= from && v.Timestamp <= to {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			out = append(out, &model.SampleStream{Metric: ss.Metric, Values: vals})
		}
	}
	return out, nil
}

// Store returns a rule store holding the shipped example rule set the demo
// was recorded with.
func Store(reg prometheus.Registerer) *rules.Store {
	return rules.NewStore(func() (map[string]*rules.RuleSet, error) {
		file, b, err := deploy.RuleFile(RuleSet)
		if err != nil {
			return nil, err
		}
		rs, err := rules.Load(b, file, "")
		if err != nil {
			return nil, err
		}
		return map[string]*rules.RuleSet{rs.Name: rs}, nil
	}, reg)
}
