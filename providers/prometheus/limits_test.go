package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/hostile"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// TestResponseSizeLimit: an answer over the limit is refused as a query that
// asks for too much, naming the flag; one under it is read.
func TestResponseSizeLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int64
		limit   int64
		refused bool
	}{
		{"10 MiB over the default 8 MiB", 10 << 20, 0, true},
		{"2 MiB over a 1 MiB limit", 2 << 20, 1 << 20, true},
		{"100 KiB under a 1 MiB limit", 100 << 10, 1 << 20, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cl := serveAnswer(t, hostile.Answer{Status: 200, ContentType: hostile.JSON, Size: tc.size},
				providers.ClientOptions{MaxResponseBytes: tc.limit})
			if !tc.refused {
				want := seriesIn(t, tc.size)
				m, err := cl.QueryRange(context.Background(), query())
				if err != nil || len(m) != want || len(m[0].Values) != 1000 {
					t.Fatalf("QueryRange = %d series, %v; want %d of 1000 points", len(m), err, want)
				}
				return
			}
			pe := queryError(t, context.Background(), cl)
			var tooLarge *providers.TooLargeError
			if pe.Kind != providers.BadQuery || !errors.As(pe, &tooLarge) ||
				!strings.Contains(pe.Msg, "larger than the limit") || !strings.Contains(pe.Msg, "--prometheus.max-response-bytes") {
				t.Errorf("error %q of kind %s, want a bad query over the size limit", pe, pe.Kind)
			}
		})
	}
}

// TestDeadlineWhileReading: an answer that never ends, or never starts,
// gives up at the deadline as a timeout, and a caller that goes away is
// canceled.
func TestDeadlineWhileReading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer hostile.Answer
		cancel bool
		kind   providers.ErrorKind
	}{
		{"trickling answer", hostile.Answer{Status: 200, ContentType: hostile.JSON, Trickle: 5 * time.Millisecond}, false, providers.Timeout},
		{"no answer at all", hostile.Answer{Silent: true}, false, providers.Timeout},
		{"trickling answer, caller gone", hostile.Answer{Status: 200, ContentType: hostile.JSON, Trickle: 5 * time.Millisecond}, true, providers.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cl := serveAnswer(t, tc.answer, providers.ClientOptions{})
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			if tc.cancel {
				ctx, cancel = context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			if pe := queryError(t, ctx, cl); pe.Kind != tc.kind {
				t.Errorf("error %q of kind %s, want %s", pe, pe.Kind, tc.kind)
			}
		})
	}
}

// seriesIn counts the series of hostile.WriteMatrix's answer of size bytes,
// decoded with encoding/json alone.
func seriesIn(t *testing.T, size int64) int {
	t.Helper()
	var b bytes.Buffer
	if err := hostile.WriteMatrix(&b, size); err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	return len(answer.Data.Result)
}
