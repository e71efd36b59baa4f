package verify

import (
	"fmt"
	"path/filepath"
	"runtime"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Object is one rendered manifest: its identity, its JSON form and the
// upstream Go value it decoded into.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	JSON       []byte
	// Typed is a pointer to the upstream type (*appsv1.Deployment,
	// *v1alpha1.ClusterAnalysisTemplate, ...), decoded strictly.
	Typed any
}

// ID names the object for messages, as kind/namespace/name.
func (o Object) ID() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// DeployDir is the absolute path of the repository's deploy/ directory.
func DeployDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("verify: cannot locate the source file")
	}
	return filepath.Dir(filepath.Dir(file))
}

// RepoRoot is the absolute path of the repository (the service's module).
func RepoRoot() string { return filepath.Dir(DeployDir()) }

// Render runs kustomize (its Go API, as kubectl and ArgoCD do) on the
// kustomization in dir and decodes every resulting object strictly into its
// upstream Go type. dir is relative to deploy/ unless absolute.
func Render(dir string) ([]Object, error) {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(DeployDir(), dir)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var objs []Object
	for _, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: encoding as JSON: %w", r.CurId(), err)
		}
		o := Object{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Name:       r.GetName(),
			Namespace:  r.GetNamespace(),
			JSON:       data,
		}
		o.Typed, err = DecodeStrict(o.APIVersion, o.Kind, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		objs = append(objs, o)
	}
	return objs, nil
}
