package loki

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// Loki's result types.
const (
	resultMatrix  = "matrix"
	resultStreams = "streams"
)

// queryData is the "data" member of /query and /query_range answers. The
// large "stats" member is not decoded.
type queryData struct {
	ResultType    string          `json:"resultType"`
	Result        json.RawMessage `json:"result"`
	EncodingFlags []string        `json:"encodingFlags"`
}

// samplePoint is one [seconds, "value"] pair of a matrix or vector. Seconds
// are a JSON number that may be fractional; the value is a string.
type samplePoint model.SamplePair

// UnmarshalJSON decodes a [seconds, "value"] pair.
func (p *samplePoint) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if len(raw) != 2 {
		return fmt.Errorf("sample has %d elements, want 2", len(raw))
	}
	var ts json.Number
	if err := json.Unmarshal(raw[0], &ts); err != nil {
		return fmt.Errorf("sample timestamp: %w", err)
	}
	secs, err := strconv.ParseFloat(string(ts), 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
		return fmt.Errorf("sample timestamp %s is not a number of seconds", ts)
	}
	var v string
	if err := json.Unmarshal(raw[1], &v); err != nil {
		return fmt.Errorf("sample value: %w", err)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("sample value %q: %w", v, err)
	}
	// Rounding to milliseconds is exact for seconds with up to three
	// decimals: float64 keeps about 2e-7 s of precision at today's epoch.
	p.Timestamp = model.Time(math.Round(secs * 1000))
	p.Value = model.SampleValue(f)
	return nil
}

// isNull reports whether a JSON member was missing or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// labelMap decodes a JSON object of label names to values.
type labelMap map[string]string

// labelSet copies m into a model.LabelSet.
func (m labelMap) labelSet() model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// decodeMatrix decodes a "matrix" result.
func decodeMatrix(raw json.RawMessage) (model.Matrix, error) {
	var series []struct {
		Metric labelMap      `json:"metric"`
		Values []samplePoint `json:"values"`
	}
	if err := json.Unmarshal(raw, &series); err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	m := make(model.Matrix, 0, len(series))
	for _, s := range series {
		ss := &model.SampleStream{Metric: model.Metric(s.Metric.labelSet())}
		ss.Values = make([]model.SamplePair, len(s.Values))
		for i, p := range s.Values {
			ss.Values[i] = model.SamplePair(p)
		}
		m = append(m, ss)
	}
	return m, nil
}

// streamEntry is one ["<ns>", "line"] entry, or with the categorize-labels
// encoding ["<ns>", "line", {"structuredMetadata": {...}, "parsed": {...}}].
type streamEntry Entry

// UnmarshalJSON decodes a 2- or 3-element stream entry.
func (e *streamEntry) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("stream entry: %w", err)
	}
	if len(raw) != 2 && len(raw) != 3 {
		return fmt.Errorf("stream entry has %d elements, want 2 or 3", len(raw))
	}
	var ns string
	if err := json.Unmarshal(raw[0], &ns); err != nil {
		return fmt.Errorf("stream entry timestamp: %w", err)
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return fmt.Errorf("stream entry timestamp %q is not Unix nanoseconds", ns)
	}
	var line string
	if err := json.Unmarshal(raw[1], &line); err != nil {
		return fmt.Errorf("stream entry line: %w", err)
	}
	*e = streamEntry{Time: time.Unix(0, n).UTC(), Line: line}
	if len(raw) == 3 {
		var cat struct {
			StructuredMetadata labelMap `json:"structuredMetadata"`
			Parsed             labelMap `json:"parsed"`
		}
		if err := json.Unmarshal(raw[2], &cat); err != nil {
			return fmt.Errorf("stream entry categorized labels: %w", err)
		}
		if len(cat.StructuredMetadata) > 0 {
			e.StructuredMetadata = cat.StructuredMetadata.labelSet()
		}
		if len(cat.Parsed) > 0 {
			e.Parsed = cat.Parsed.labelSet()
		}
	}
	return nil
}

// decodeStreams decodes a "streams" result.
func decodeStreams(raw json.RawMessage) ([]Stream, error) {
	var streams []struct {
		Stream labelMap      `json:"stream"`
		Values []streamEntry `json:"values"`
	}
	if err := json.Unmarshal(raw, &streams); err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	out := make([]Stream, 0, len(streams))
	for _, s := range streams {
		st := Stream{Labels: s.Stream.labelSet(), Entries: make([]Entry, len(s.Values))}
		for i, e := range s.Values {
			st.Entries[i] = Entry(e)
		}
		out = append(out, st)
	}
	return out, nil
}
