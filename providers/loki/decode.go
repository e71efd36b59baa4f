package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers/internal/promjson"
)

// resultStreams is the result type of log queries.
const resultStreams = "streams"

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
		var cat *struct {
			StructuredMetadata labelMap `json:"structuredMetadata"`
			Parsed             labelMap `json:"parsed"`
		}
		if err := json.Unmarshal(raw[2], &cat); err != nil {
			return fmt.Errorf("stream entry categorized labels: %w", err)
		}
		if cat == nil {
			return errors.New("stream entry categorized labels are null")
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

// decodeStreams returns a decoder of a "streams" result into *out, for
// promjson.Decode: one stream at a time, checking ctx between streams.
func decodeStreams(ctx context.Context, out *[]Stream) func(*json.Decoder) error {
	return func(dec *json.Decoder) error {
		streams := []Stream{}
		err := promjson.Array(ctx, dec, func(i int) error {
			var s *struct {
				Stream labelMap      `json:"stream"`
				Values []streamEntry `json:"values"`
			}
			if err := dec.Decode(&s); err != nil {
				return fmt.Errorf("stream %d: %w", i, err)
			}
			if s == nil {
				return fmt.Errorf("stream %d is null", i)
			}
			st := Stream{Labels: s.Stream.labelSet(), Entries: make([]Entry, len(s.Values))}
			for j, e := range s.Values {
				st.Entries[j] = Entry(e)
			}
			streams = append(streams, st)
			return nil
		})
		if err != nil {
			return err
		}
		*out = streams
		return nil
	}
}
