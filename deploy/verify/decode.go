package verify

import (
	"errors"
	"fmt"

	rolloutsv1alpha1 "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// ErrUnknownKind is returned for an object whose type verify does not know:
// every shipped kind must be checked against its upstream type.
var ErrUnknownKind = errors.New("no upstream Go type registered")

// newTyped returns a new zero value of the upstream type of apiVersion/kind.
func newTyped(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}, true
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, true
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "networking.k8s.io/v1/NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}, true
	case "monitoring.coreos.com/v1/PrometheusRule":
		return &monitoringv1.PrometheusRule{}, true
	case "argoproj.io/v1alpha1/ClusterAnalysisTemplate":
		return &rolloutsv1alpha1.ClusterAnalysisTemplate{}, true
	case "argoproj.io/v1alpha1/AnalysisTemplate":
		return &rolloutsv1alpha1.AnalysisTemplate{}, true
	case "argoproj.io/v1alpha1/Rollout":
		return &rolloutsv1alpha1.Rollout{}, true
	}
	return nil, false
}

// DecodeStrict decodes the JSON form of one object into its upstream Go type
// the way the API server's strict field validation does (sigs.k8s.io/json):
// an unknown field, a field spelled in another case (JSONBody for jsonBody)
// or a duplicate field is an error, not silently dropped.
func DecodeStrict(apiVersion, kind string, data []byte) (any, error) {
	v, ok := newTyped(apiVersion, kind)
	if !ok {
		return nil, fmt.Errorf("%s %s: %w", apiVersion, kind, ErrUnknownKind)
	}
	strict, err := json.UnmarshalStrict(data, v, json.DisallowDuplicateFields, json.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("decoding into %T: %w", v, err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("decoding into %T: %w", v, errors.Join(strict...))
	}
	return v, nil
}

// DecodeYAMLStrict is DecodeStrict for one YAML document.
func DecodeYAMLStrict(apiVersion, kind string, doc []byte) (any, error) {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("converting YAML to JSON: %w", err)
	}
	return DecodeStrict(apiVersion, kind, data)
}
