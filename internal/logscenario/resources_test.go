package logscenario

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/internal/promtest"
)

// TestWriteResourcesLoads backfills the written OpenMetrics into a real
// Prometheus and reads each family back.
func TestWriteResourcesLoads(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 19, 0, 0, 0, time.UTC)
	end := start.Add(20 * time.Minute)
	pods := []ResourcePod{
		{Namespace: "shop", Pod: "web-5f6b7c8d9e-zzzzz", Start: start.Add(10 * time.Minute), Restarts: []time.Time{start.Add(15 * time.Minute)}},
		{Namespace: "shop", Pod: "web-7c9d5b6f4d-aaaaa"},
	}
	var a, b bytes.Buffer
	if err := WriteResources(&a, pods, start, end, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteResources(&b, pods, start, end, 1); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed wrote different text")
	}
	if !strings.HasSuffix(a.String(), "# EOF\n") {
		t.Fatal("no # EOF")
	}
	srv := promtest.Start(t, &a)
	for _, c := range []struct{ query, want string }{
		{`count(container_cpu_usage_seconds_total{namespace="shop"})`, "2"},
		{`count(container_memory_working_set_bytes{namespace="shop", container="httpd"})`, "2"},
		{`kube_pod_container_status_restarts_total{pod="web-5f6b7c8d9e-zzzzz"}`, "1"},
		{`kube_pod_container_status_restarts_total{pod="web-7c9d5b6f4d-aaaaa"}`, "0"},
		{`round(sum(rate(container_cpu_usage_seconds_total[5m])) * 100)`, "4"},
	} {
		got := instant(t, srv.URL, c.query, end)
		if got != c.want {
			t.Errorf("%s = %s, want %s", c.query, got, c.want)
		}
	}
}

// instant evaluates a PromQL query at t and returns the single value.
func instant(t *testing.T, base, query string, at time.Time) string {
	t.Helper()
	v := url.Values{"query": {query}, "time": {strconv.FormatInt(at.Unix(), 10)}}
	resp, err := http.Get(base + "/api/v1/query?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Status != "success" || len(r.Data.Result) != 1 {
		t.Fatalf("%s: %+v", query, r)
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return s
}
