package replay

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

func presence(t *testing.T, pm rules.PodMatching) Presence {
	t.Helper()
	tmpl, err := rules.ParseTemplate("presence", `sum by (pod) (up{namespace="{{.Namespace}}", {{.Pods}}})`)
	if err != nil {
		t.Fatal(err)
	}
	return Presence{Template: tmpl, Pods: pm, Step: time.Minute}
}

var byName = rules.PodMatching{By: rules.ByName, PodLabel: "pod"}

// TestRollouts finds rollouts in pod lives as they look in Prometheus and
// tells how each ended.
func TestRollouts(t *testing.T) {
	t.Parallel()
	to := 300 // the range is minutes 0 to 300
	cases := []struct {
		name  string
		lives []life
		want  []string // "canary<-stable start history"
	}{
		{"promoted: the stable pods go, the canary's hash scales up", []life{
			live("web-aaa-1", 0, 100), live("web-aaa-2", 0, 105),
			live("web-bbb-1", 60, 300), live("web-bbb-2", 75, 300),
		}, []string{"bbb<-aaa 60 promoted"}},
		{"rolled back: the canary goes", []life{
			live("web-aaa-1", 0, 300), live("web-aaa-2", 0, 300),
			live("web-bbb-1", 60, 72),
		}, []string{"bbb<-aaa 60 rolled back"}},
		{"running at the end of the range", []life{
			live("web-aaa-1", 0, 300), live("web-bbb-1", 290, 300),
		}, []string{"bbb<-aaa 290 running"}},
		{"both gone at once", []life{
			live("web-aaa-1", 0, 200), live("web-bbb-1", 100, 205),
		}, []string{"bbb<-aaa 100 unknown"}},
		{"there from the start: no rollout", []life{
			live("web-aaa-1", 0, 300), live("web-bbb-1", 0, 300),
		}, nil},
		{"nothing serving: a first deployment, no rollout", []life{
			live("web-aaa-1", 100, 300),
		}, nil},
		{"two rollouts in a row, and a rollback to the old hash", []life{
			live("web-aaa-1", 0, 100), live("web-aaa-2", 0, 100),
			live("web-bbb-1", 60, 200), live("web-bbb-2", 90, 200),
			live("web-aaa-3", 150, 300), live("web-aaa-4", 170, 300),
		}, []string{"bbb<-aaa 60 promoted", "aaa<-bbb 150 promoted"}},
		{"the stable side is the hash with the most pods", []life{
			live("web-aaa-1", 0, 300),
			live("web-ccc-1", 0, 300), live("web-ccc-2", 0, 300),
			live("web-bbb-1", 100, 300),
		}, []string{"bbb<-ccc 100 running"}},
		{"rollouts are not mixed up", []life{
			live("web-aaa-1", 0, 300), live("api-ccc-1", 0, 300),
			live("web-bbb-1", 100, 300), live("api-ddd-1", 120, 130),
		}, []string{"ddd<-ccc 120 rolled back", "bbb<-aaa 100 running"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeProm{lives: c.lives}
			eps, err := presence(t, byName).Find(context.Background(), f, "shop", "", at(0), at(to))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range Rollouts(eps.Episodes, at(0), at(to)) {
				got = append(got, fmt.Sprintf("%s<-%s %d %s", r.CanaryHash, r.StableHash, minutes(r.Start), r.History))
			}
			if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestFindQueries checks the presence query: one series per pod, every pod
// of the rollout, and a long range asked in pieces that meet without
// overlapping.
func TestFindQueries(t *testing.T) {
	t.Parallel()
	f := &fakeProm{lives: []life{live("web-aaa-1", 0, 30000)}}
	eps, err := presence(t, byName).Find(context.Background(), f, "shop", "web", at(0), at(25000))
	if err != nil {
		t.Fatal(err)
	}
	if len(eps.Episodes) != 1 || !eps.Episodes[0].First.Equal(at(0)) || !eps.Episodes[0].Last.Equal(at(25000)) {
		t.Errorf("episodes %+v", eps)
	}
	if len(f.queries) != 3 {
		t.Fatalf("%d queries for 25,001 points, want 3", len(f.queries))
	}
	for i, q := range f.queries {
		want := `group by (pod) (sum by (pod) (up{namespace="shop", pod=~"web-[a-z0-9]+-(?:[0-9]+-[0-9]+-[-a-z0-9.]*)?[a-z0-9]+"}))`
		if q.Expr != want {
			t.Errorf("query %q, want %q", q.Expr, want)
		}
		if n := q.End.Sub(q.Start)/q.Step + 1; n > maxPoints {
			t.Errorf("query %d asks %d points", i, n)
		}
		if i > 0 && !q.Start.Equal(f.queries[i-1].End.Add(q.Step)) {
			t.Errorf("query %d starts at %s, the previous ended at %s", i, q.Start, f.queries[i-1].End)
		}
	}
	if last := f.queries[2]; !last.End.Equal(at(25000)) {
		t.Errorf("the last piece ends at %s", last.End)
	}
}

// TestFindByLabel reads the hash from the label and the rollout from the
// pod's name.
func TestFindByLabel(t *testing.T) {
	t.Parallel()
	pm := rules.PodMatching{By: rules.ByLabel, Label: "rollouts_pod_template_hash", PodLabel: "pod"}
	f := &fakeProm{lives: []life{
		{"web-aaa-1", at(0), at(300), model.LabelSet{"rollouts_pod_template_hash": "aaa"}},
		{"web-bbb-1", at(100), at(300), model.LabelSet{"rollouts_pod_template_hash": "bbb"}},
		live("odd-name", 100, 300), // no hash label: not a rollout's pod
	}}
	eps, err := presence(t, pm).Find(context.Background(), f, "shop", "", at(0), at(300))
	if err != nil {
		t.Fatal(err)
	}
	rs := Rollouts(eps.Episodes, at(0), at(300))
	if len(rs) != 1 || rs[0].Rollout != "web" || rs[0].CanaryHash != "bbb" || rs[0].StableHash != "aaa" {
		t.Errorf("rollouts %+v", rs)
	}
	if q := f.queries[0].Expr; !strings.Contains(q, `group by (pod, rollouts_pod_template_hash)`) || !strings.Contains(q, `rollouts_pod_template_hash=~".+"`) {
		t.Errorf("query %q", q)
	}
}

// TestFirstSample refines a start known to the step to the second.
func TestFirstSample(t *testing.T) {
	t.Parallel()
	first := at(100).Add(-20 * time.Second)
	f := &fakeProm{lives: []life{{pod: "web-bbb-1", first: first, last: at(300)}, {pod: "web-ccc-1", first: at(50), last: at(300)}}}
	r := Rollout{Namespace: "shop", Rollout: "web", CanaryHash: "bbb", CanaryPods: []string{"web-bbb-1"}, Start: at(100)}
	if err := presence(t, byName).FirstSample(context.Background(), f, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Start.Equal(first) {
		t.Errorf("start %s, want %s (another pod's earlier samples do not count)", r.Start, first)
	}
	if q := f.queries[0]; q.Step != time.Second || !q.End.Equal(at(100)) || !q.Start.Equal(at(99)) {
		t.Errorf("query %+v", q)
	}
}

// TestPresenceCounterHelpers renders a presence query that uses the rule
// files' counter helper with the pod matcher's own labels: matching by
// label, the pods' earlier series are found by the hash label too.
func TestPresenceCounterHelpers(t *testing.T) {
	t.Parallel()
	tmpl, err := rules.ParseTemplate("presence", "sum by (pod, h) ({{.Increase `x_total{namespace=\"{{.Namespace}}\", {{.Pods}}}`}})")
	if err != nil {
		t.Fatal(err)
	}
	p := Presence{Template: tmpl, Pods: rules.PodMatching{By: rules.ByLabel, Label: "h", PodLabel: "pod"}, Step: time.Minute}
	expr, err := p.expr("shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	if want := `group by (pod) ({namespace="shop", h=~".+", __name__="x_total"} offset 1m)`; !strings.Contains(expr, want) {
		t.Errorf("query %s lacks %s", expr, want)
	}
}
