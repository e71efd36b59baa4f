package loki

import (
	"context"
	"reflect"
	"testing"

	"github.com/prometheus/common/model"
)

// metadataCase replays one recorded label or series request.
type metadataCase struct {
	name string
	run  func(t *testing.T, c *Client, f fixture)
}

// fixtureName implements named.
func (c metadataCase) fixtureName() string { return c.name }

// metadataCases cover the label and series endpoints.
var metadataCases = []metadataCase{
	{"labels", func(t *testing.T, c *Client, f fixture) {
		got, err := c.Labels(context.Background(), mustTime(t, f.Request.Query["start"]), mustTime(t, f.Request.Query["end"]))
		if err != nil {
			t.Fatal(err)
		}
		// service_name is added by Loki.
		want := []string{"container", "namespace", "pod", "service_name", "stream"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("labels %q, want %q", got, want)
		}
	}},
	{"label_pod_values", func(t *testing.T, c *Client, f fixture) {
		got, err := c.LabelValues(context.Background(), "pod", mustTime(t, f.Request.Query["start"]), mustTime(t, f.Request.Query["end"]))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{canaryPod, podA, podB, podC}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pods %q, want %q", got, want)
		}
	}},
	{"series_shop", func(t *testing.T, c *Client, f fixture) {
		got, err := c.Series(context.Background(), []string{f.Request.Query["match[]"]},
			mustTime(t, f.Request.Query["start"]), mustTime(t, f.Request.Query["end"]))
		if err != nil {
			t.Fatal(err)
		}
		// 4 pods x 2 streams, each with the pushed labels plus service_name;
		// key order varies in the JSON, which must not matter.
		seen := map[string]bool{}
		for _, pod := range []string{canaryPod, podA, podB, podC} {
			for _, stream := range []string{"access", "error"} {
				seen[model.LabelSet{
					"namespace": "shop", "pod": model.LabelValue(pod), "container": "httpd",
					"stream": model.LabelValue(stream), "service_name": "httpd",
				}.String()] = false
			}
		}
		if len(got) != len(seen) {
			t.Fatalf("%d series, want %d", len(got), len(seen))
		}
		for _, ls := range got {
			done, ok := seen[ls.String()]
			if !ok || done {
				t.Errorf("unexpected or repeated series %s", ls)
			}
			seen[ls.String()] = true
		}
	}},
}

func TestMetadataFixtures(t *testing.T) {
	for _, tc := range metadataCases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.name)
			srv := newReplay(t, f)
			tc.run(t, clientFor(t, f, srv), f)
			if n := srv.hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
