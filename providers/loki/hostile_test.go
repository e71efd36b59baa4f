package loki

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/hostile"
	"github.com/canary-analyzer/canary-analyzer/providers"
)

// hostileClient starts a server that gives a to every request, and a client
// for it.
func hostileClient(t *testing.T, a hostile.Answer, cfg Config) *Client {
	t.Helper()
	srv := httptest.NewServer(hostile.Handler(a))
	t.Cleanup(srv.Close)
	cfg.URL, cfg.HTTPClient = srv.URL, srv.Client()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrokenMatrixAnswers: the answers a metric query must refuse as broken,
// the same for Loki as for Prometheus.
func TestBrokenMatrixAnswers(t *testing.T) {
	t.Parallel()
	for _, a := range hostile.BrokenMatrixAnswers {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			err := queryRange(hostileClient(t, a, Config{}))
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
				t.Errorf("error %v, want a broken answer (unavailable)", err)
			}
		})
	}
}

// TestBrokenStreamsAnswers: log pages that are not well-formed streams.
func TestBrokenStreamsAnswers(t *testing.T) {
	t.Parallel()
	streams := func(result string) string {
		return `{"status":"success","data":{"resultType":"streams","result":` + result + `}}`
	}
	bodies := map[string]string{
		"result null":          streams(`null`),
		"stream null":          streams(`[null]`),
		"stream a number":      streams(`[1]`),
		"labels not strings":   streams(`[{"stream":{"a":1},"values":[]}]`),
		"values a string":      streams(`[{"stream":{},"values":"x"}]`),
		"entry of one":         streams(`[{"stream":{},"values":[["1795634221000000000"]]}]`),
		"entry time a number":  streams(`[{"stream":{},"values":[[1795634221000000000,"x"]]}]`),
		"entry time not ns":    streams(`[{"stream":{},"values":[["yesterday","x"]]}]`),
		"entry line a number":  streams(`[{"stream":{},"values":[["1795634221000000000",5]]}]`),
		"metadata null":        streams(`[{"stream":{},"values":[["1795634221000000000","x",null]]}]`),
		"metadata not strings": streams(`[{"stream":{},"values":[["1795634221000000000","x",{"structuredMetadata":{"a":1}}]]}]`),
		"data null":            `{"status":"success","data":null}`,
		"no resultType":        `{"status":"success","data":{"result":[]}}`,
		"vector":               `{"status":"success","data":{"resultType":"vector","result":[]}}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := queryLogs(hostileClient(t, hostile.Answer{Status: 200, ContentType: hostile.JSON, Body: body}, Config{}))
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != providers.Unavailable {
				t.Errorf("error %v, want a broken answer (unavailable)", err)
			}
		})
	}
}

// TestAnswerLimits: an answer over the size limit is refused naming the
// flag; one that never ends gives up at the deadline.
func TestAnswerLimits(t *testing.T) {
	t.Parallel()
	t.Run("over the size limit", func(t *testing.T) {
		t.Parallel()
		c := hostileClient(t, hostile.Answer{Status: 200, ContentType: hostile.JSON, Size: 2 << 20}, Config{MaxResponseBytes: 1 << 20})
		err := queryRange(c)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.BadQuery || !strings.Contains(pe.Msg, "--loki.max-response-bytes") {
			t.Errorf("error %v, want a bad query over the size limit", err)
		}
	})
	t.Run("trickling answer", func(t *testing.T) {
		t.Parallel()
		c := hostileClient(t, hostile.Answer{Status: 200, ContentType: hostile.JSON, Trickle: 5 * time.Millisecond}, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := c.QueryRange(ctx, aRange)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.Timeout {
			t.Errorf("error %v, want a timeout", err)
		}
	})
	t.Run("5 MB error message", func(t *testing.T) {
		t.Parallel()
		c := hostileClient(t, hostile.Answer{Status: 500, ContentType: hostile.TextPlain, Body: strings.Repeat("e", 5_000_000)}, Config{})
		err := queryRange(c)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.Unavailable || !strings.HasSuffix(pe.Msg, "... (5000000 bytes)") || len(pe.Error()) > 1200 {
			t.Errorf("error of %d bytes, want the message cut and its size given", len(err.Error()))
		}
	})
}
