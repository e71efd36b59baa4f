package verify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestMonitoringRendersStrictly renders deploy/monitoring: the
// PrometheusRule decodes strictly into prometheus-operator's type with
// every rule an alert, and the dashboard ConfigMap holds dashboard.json as
// it is, labelled for Grafana's sidecar, in the analyzer's namespace. The
// main module's app/monitoring_test.go checks the queries themselves.
func TestMonitoringRendersStrictly(t *testing.T) {
	t.Parallel()
	objs, err := Render("monitoring")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(DeployDir(), "monitoring", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rules, dashboards int
	for _, o := range objs {
		if o.Namespace != serviceNamespace {
			t.Errorf("%s: namespace %q, want %q", o.ID(), o.Namespace, serviceNamespace)
		}
		switch v := o.Typed.(type) {
		case *monitoringv1.PrometheusRule:
			rules++
			for _, g := range v.Spec.Groups {
				for _, r := range g.Rules {
					if r.Alert == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
						t.Errorf("%s: rule %q needs an alert name, a severity and a summary", o.ID(), r.Expr.String())
					}
				}
			}
		case *corev1.ConfigMap:
			dashboards++
			if v.Labels["grafana_dashboard"] != "1" {
				t.Errorf("%s: no grafana_dashboard label", o.ID())
			}
			got := v.Data["canary-analyzer.json"]
			if got != string(want) || !json.Valid([]byte(got)) {
				t.Errorf("%s does not hold dashboard.json as it is", o.ID())
			}
		default:
			t.Errorf("unexpected %s", o.ID())
		}
	}
	if rules != 1 || dashboards != 1 {
		t.Errorf("%d PrometheusRules and %d dashboards, want one of each", rules, dashboards)
	}
}
