package rules

import (
	"reflect"
	"testing"
)

// TestInEnvironment: whatever environment a rule set was loaded for, its
// values in another environment are those Load gives for that one.
func TestInEnvironment(t *testing.T) {
	t.Parallel()
	content := []byte(`
name: envs
thresholds: {pass: 90, marginal: 60}
metrics:
  - name: p95
    query: 'x{ {{.Pods}} }'
    max: 1.0
environments:
  live:
    thresholds: {pass: 95, marginal: 80}
    alpha: 0.005
    metrics:
      p95: {max: 0.5, critical: true}
  alpha:
    warmup: 1m
    metrics:
      p95: {weight: 3}
`)
	envs := []string{"", "live", "alpha", "beta"}
	for _, from := range envs {
		loaded, err := Load(content, "envs.yaml", from)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range envs {
			t.Run(from+"->"+to, func(t *testing.T) {
				want, err := Load(content, "envs.yaml", to)
				if err != nil {
					t.Fatal(err)
				}
				got := loaded.InEnvironment(to)
				got.base, want.base = nil, nil
				if !reflect.DeepEqual(got, want) {
					t.Errorf("InEnvironment(%q) of the rule set loaded for %q:\n got %+v\nwant %+v", to, from, got, want)
				}
			})
		}
		if loaded.Environment != from && from != "beta" {
			t.Errorf("loaded for %q, Environment %q", from, loaded.Environment)
		}
	}
}

// TestRevision: the revision names the file's content, whatever the
// environment.
func TestRevision(t *testing.T) {
	t.Parallel()
	a := []byte("name: a\nthresholds: {pass: 90, marginal: 60}\nmetrics:\n  - name: m\n    query: 'x{ {{.Pods}} }'\n")
	b := append(append([]byte{}, a...), []byte("description: changed\n")...)
	ra, err := Load(a, "a.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Load(b, "a.yaml", "live")
	if err != nil {
		t.Fatal(err)
	}
	ra2, err := Load(a, "elsewhere.yaml", "live")
	if err != nil {
		t.Fatal(err)
	}
	if len(ra.Revision) != 12 || ra.Revision == rb.Revision || ra.Revision != ra2.Revision {
		t.Errorf("revisions %q, %q (changed content), %q (same content): want 12 hex digits, differing only with the content", ra.Revision, rb.Revision, ra2.Revision)
	}
	// sha256sum of the content of a, by coreutils: 20705168b020dc99...
	if want := "20705168b020"; ra.Revision != want {
		t.Errorf("revision %s, want %s (the first 12 digits of the SHA-256)", ra.Revision, want)
	}
}
