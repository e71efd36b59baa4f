// Package verify checks what deploy/ ships with the upstream code that will
// consume it: kustomize's own Go API renders the overlays, every object is
// decoded strictly into its upstream Go type (k8s.io/api, Argo Rollouts,
// prometheus-operator), Pod Security Admission's own checks judge the pod
// spec, Argo Rollouts' own analysis code validates the templates and resolves
// their arguments, and Argo's own web metric provider drives the real
// analyzer against a real Prometheus.
//
// It is a module of its own (deploy/verify/go.mod) so that these heavy
// dependencies stay out of the service's module. Run it with
//
//	cd deploy/verify && go test ./...
package verify
