package loki

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// canaryErrorLabels are the labels of the canary's error stream as Loki
// returns them: the pushed labels plus service_name and detected_level.
var canaryErrorLabels = model.LabelSet{
	"namespace": "shop", "pod": canaryPod, "container": "httpd", "stream": "error",
	"service_name": "httpd", "detected_level": "unknown",
}

// streamsCase replays one recorded log query through Streams.
type streamsCase struct {
	name  string
	check func(t *testing.T, r StreamsResult)
}

// fixtureName implements named.
func (c streamsCase) fixtureName() string { return c.name }

// streamsCases cover single log requests in both directions and encodings.
var streamsCases = []streamsCase{
	{"query_range_log_canary_errors_backward", func(t *testing.T, r StreamsResult) {
		if len(r.Streams) != 1 {
			t.Fatalf("%d streams, want 1", len(r.Streams))
		}
		s := r.Streams[0]
		if !s.Labels.Equal(canaryErrorLabels) {
			t.Errorf("stream labels %s, want %s", s.Labels, canaryErrorLabels)
		}
		if len(s.Entries) != 32 {
			t.Fatalf("%d entries, want all 32", len(s.Entries))
		}
		// Backward: Loki sends the newest first.
		for i := 1; i < len(s.Entries); i++ {
			if !s.Entries[i].Time.Before(s.Entries[i-1].Time) {
				t.Fatalf("entry %d is not older than entry %d", i, i-1)
			}
		}
		// LogEntries turns it round; the lines are exactly those pushed.
		wantPushed(t, r.LogEntries(), pushLines(t, canaryPod, "error"), canaryErrorLabels)
	}},
	{"query_range_log_categorize_labels", func(t *testing.T, r StreamsResult) {
		if !reflect.DeepEqual(r.EncodingFlags, []string{"categorize-labels"}) {
			t.Errorf("encoding flags %q, want [categorize-labels]", r.EncodingFlags)
		}
		if len(r.Streams) != 1 {
			t.Fatalf("%d streams, want 1", len(r.Streams))
		}
		s := r.Streams[0]
		if _, ok := s.Labels["detected_level"]; ok {
			t.Errorf("stream labels %s still hold detected_level", s.Labels)
		}
		for i, e := range s.Entries {
			if want := (model.LabelSet{"detected_level": "unknown"}); !e.StructuredMetadata.Equal(want) {
				t.Errorf("entry %d: structured metadata %s, want %s", i, e.StructuredMetadata, want)
			}
		}
		// With the metadata merged back, the labels are those of the
		// default encoding; the lines are the 5 newest pushed.
		pushed := pushLines(t, canaryPod, "error")
		wantPushed(t, r.LogEntries(), pushed[len(pushed)-5:], canaryErrorLabels)
	}},
	{"query_range_log_limit_truncated", func(t *testing.T, r StreamsResult) {
		var counts []int
		pods := map[string]int{}
		for _, s := range r.Streams {
			counts = append(counts, len(s.Entries))
			pods[string(s.Labels["pod"])] = len(s.Entries)
		}
		slices.Sort(counts)
		if !reflect.DeepEqual(counts, []int{1, 1, 3}) {
			t.Errorf("entries per stream %v, want [1 1 3]", counts)
		}
		if !reflect.DeepEqual(pods, map[string]int{canaryPod: 1, podA: 1, podC: 3}) {
			t.Errorf("entries per pod %v, want canary 1, aaaaa 1, ccccc 3", pods)
		}
		// Backward keeps the newest: the canary's entry is its last access
		// line.
		canary := pushLines(t, canaryPod, "access")
		for _, e := range r.LogEntries() {
			if string(e.Labels["pod"]) == canaryPod && e.Time.UnixNano() != canary[len(canary)-1].ns {
				t.Errorf("canary entry at %d, want its newest line %d", e.Time.UnixNano(), canary[len(canary)-1].ns)
			}
		}
	}},
	{"query_range_log_empty_unknown_pod", func(t *testing.T, r StreamsResult) {
		if len(r.Streams) != 0 || len(r.LogEntries()) != 0 {
			t.Errorf("got %d streams, want none", len(r.Streams))
		}
	}},
}

func TestStreamsFixtures(t *testing.T) {
	for _, tc := range streamsCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := newReplay(t, f)
			r, err := clientFor(t, f, srv).Streams(context.Background(), streamsQueryFrom(t, f))
			if err != nil {
				t.Fatalf("Streams: %v", err)
			}
			checkStats(t, f, r.Stats)
			tc.check(t, r)
		})
	}
}

// logsCase replays one recorded forward log query through QueryLogs, whose
// first page is exactly that request.
type logsCase struct {
	name     string
	pageSize int
	limit    int
	check    func(t *testing.T, r providers.LogResult)
}

// fixtureName implements named.
func (c logsCase) fixtureName() string { return c.name }

// logsCases cover QueryLogs against a recorded forward query.
var logsCases = []logsCase{
	{"query_range_log_canary_errors_forward", 100, 100, func(t *testing.T, r providers.LogResult) {
		if r.Truncated {
			t.Errorf("truncated, but all 32 lines fit in the limit")
		}
		wantPushed(t, r.Entries, pushLines(t, canaryPod, "error"), canaryErrorLabels)
		first := r.Entries[0]
		if first.Time.UnixNano() != 1795634220412345000 || !strings.Contains(first.Line, ":notice]") {
			t.Errorf("first entry %d %q, want the start-up notice at 1795634220412345000", first.Time.UnixNano(), first.Line)
		}
	}},
}

func TestQueryLogsFixtures(t *testing.T) {
	for _, tc := range logsCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := newReplay(t, f)
			c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), PageSize: tc.pageSize})
			if err != nil {
				t.Fatal(err)
			}
			sq := streamsQueryFrom(t, f)
			r, err := c.QueryLogs(context.Background(), providers.LogQuery{
				Expr: sq.Expr, Start: sq.Start, End: sq.End, Limit: tc.limit,
			})
			if err != nil {
				t.Fatalf("QueryLogs: %v", err)
			}
			// A short first page ends the paging.
			if n := srv.hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			tc.check(t, r)
		})
	}
}

// wantPushed asserts that entries are exactly the pushed lines, oldest first,
// each with the given labels.
func wantPushed(t *testing.T, entries []providers.LogEntry, pushed []pushEntry, labels model.LabelSet) {
	t.Helper()
	if len(entries) != len(pushed) {
		t.Fatalf("%d entries, want %d", len(entries), len(pushed))
	}
	for i, e := range entries {
		if !e.Time.Equal(time.Unix(0, pushed[i].ns)) || e.Line != pushed[i].line {
			t.Errorf("entry %d = %d %q, want %d %q", i, e.Time.UnixNano(), e.Line, pushed[i].ns, pushed[i].line)
		}
		if !e.Labels.Equal(labels) {
			t.Errorf("entry %d labels %s, want %s", i, e.Labels, labels)
		}
	}
}

func TestStreamEntryDecoding(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Entry
		wantErr bool
	}{
		{name: "plain", in: `["1795636013618512000", "a line"]`,
			want: Entry{Time: time.Unix(0, 1795636013618512000).UTC(), Line: "a line"}},
		{name: "categorized", in: `["5", "x", {"structuredMetadata": {"trace_id": "abc"}, "parsed": {"status": "500"}}]`,
			want: Entry{Time: time.Unix(0, 5).UTC(), Line: "x",
				StructuredMetadata: model.LabelSet{"trace_id": "abc"}, Parsed: model.LabelSet{"status": "500"}}},
		{name: "categorized empty", in: `["5", "x", {}]`, want: Entry{Time: time.Unix(0, 5).UTC(), Line: "x"}},
		{name: "numeric timestamp", in: `[5, "x"]`, wantErr: true},
		{name: "seconds string", in: `["1795636013.6", "x"]`, wantErr: true},
		{name: "one element", in: `["5"]`, wantErr: true},
		{name: "four elements", in: `["5", "x", {}, {}]`, wantErr: true},
		{name: "line not a string", in: `["5", 7]`, wantErr: true},
		{name: "bad metadata", in: `["5", "x", {"structuredMetadata": ["a"]}]`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e streamEntry
			err := e.UnmarshalJSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("decoded %+v, want an error", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(Entry(e), tc.want) {
				t.Errorf("got %+v, want %+v", Entry(e), tc.want)
			}
		})
	}
}
