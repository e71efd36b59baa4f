package promtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// QueryLogEntry is one query Prometheus executed, read from its query log.
type QueryLogEntry struct {
	// Query is the PromQL expression.
	Query string
	// Start and End bound a range query; for an instant query both are the
	// evaluation time.
	Start, End time.Time
	// Step is the resolution of a range query, zero for an instant query.
	Step time.Duration
}

// queryLogLine is the JSON Prometheus writes per executed query.
type queryLogLine struct {
	Params struct {
		Query string    `json:"query"`
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
		Step  float64   `json:"step"` // seconds
	} `json:"params"`
}

// QueryLog returns the expressions of the queries Prometheus has executed, in
// order. A query is logged before its answer is sent, so a caller that has
// read the answer finds it here. It panics if the log cannot be read or
// parsed; use QueryLogEntries for the error.
func (s *Server) QueryLog() []string {
	entries, err := s.QueryLogEntries()
	if err != nil {
		panic(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Query
	}
	return out
}

// QueryLogEntries returns the queries Prometheus has executed, in order, with
// their time ranges.
func (s *Server) QueryLogEntries() ([]QueryLogEntry, error) {
	f, err := os.Open(s.queryLog)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("promtest: reading query log: %w", err)
	}
	defer f.Close()
	var out []QueryLogEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		var l queryLogLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("promtest: %s:%d: %w", s.queryLog, n, err)
		}
		out = append(out, QueryLogEntry{
			Query: l.Params.Query,
			Start: l.Params.Start,
			End:   l.Params.End,
			Step:  time.Duration(l.Params.Step * float64(time.Second)),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("promtest: reading query log: %w", err)
	}
	return out, nil
}
