package replay

import (
	"strconv"
	"strings"
	"testing"
)

// TestParseExperimentPod reads experiment pods' names: rollouts with
// dashes, the longest known rollout that fits, names Kubernetes cut to 58
// characters and 5 random ones, and names that are no experiment's.
func TestParseExperimentPod(t *testing.T) {
	t.Parallel()
	// long is 38 characters: <long>-6d4f9c7b8-2-0-canary- is 60, cut to
	// 58 ("...-2-0-canar"); the baseline's to "...-2-0-basel".
	long := "checkout-frontend-service-for-the-shop"
	// longer is 46: <longer>-6d4f9c7b8-2- is 59, so the cut leaves no step.
	longer := "checkout-frontend-service-for-the-shop-eu-west"
	// exact is 43: <exact>-6d4f9c7b8-2-0- is exactly 58, so both templates'
	// pods are <exact>-6d4f9c7b8-2-0-<5 random>: no template can be told.
	exact := "checkout-frontend-service-for-the-shop-abcd"
	// cut names a pod of ReplicaSet rs as Kubernetes does, cut or not.
	cut := func(rs string) string { return (rs + "-")[:min(58, len(rs)+1)] + "q6ls6" }
	known := map[string]bool{"web": true, "web-api": true, "shop-web": true, long: true, longer: true, exact: true}
	cases := []struct {
		pod  string
		want string // "rollout hash revision step template [cut]", "" for none
	}{
		{"web-6d4f9c7b8-2-0-canary-abcde", "web 6d4f9c7b8 2 0 canary"},
		{"web-6d4f9c7b8-2-0-baseline-x7k2p", "web 6d4f9c7b8 2 0 baseline"},
		{"web-6d4f9c7b8-12-3-canary-v2-abcde", "web 6d4f9c7b8 12 3 canary-v2"},
		{"web-api-6d4f9c7b8-2-0-canary-abcde", "web-api 6d4f9c7b8 2 0 canary"},
		{"shop-web-5f6b7c8d9e-7-1-baseline-b4qgb", "shop-web 5f6b7c8d9e 7 1 baseline"},
		{"other-6d4f9c7b8-2-0-canary-abcde", ""}, // no known rollout
		{"web-6d4f9c7b8-abcde", ""},              // a hash pod
		{"web-api-6d4f9c7b8-abcde", ""},          // a hash pod of web-api, not an experiment of web
		{"web-6d4f9c7b8-2-0-canary", ""},         // no suffix: canary would be the suffix
		{"web-6d4f9c7b8-x-0-canary-abcde", ""},   // the revision is a number
		{cut(long + "-6d4f9c7b8-2-0-canary"), long + " 6d4f9c7b8 2 0 canary cut"},
		{cut(long + "-6d4f9c7b8-2-0-baseline"), long + " 6d4f9c7b8 2 0 baseline cut"},
		{cut(long + "-6d4f9c7b8-2-0-smoke-test"), long + " 6d4f9c7b8 2 0 smoke cut"}, // another template, cut
		{cut(long + "-6d4f9c7b8-2-0-ca"), long + " 6d4f9c7b8 2 0 ca"},                // a short one is whole
		{cut(longer + "-6d4f9c7b8-2-0-canary"), ""},                                  // cut before the step: not told
		{cut(exact + "-6d4f9c7b8-2-0-canary"), exact + " 6d4f9c7b8 2 0  cut"},        // cut at the template: ambiguous
	}
	for _, c := range cases {
		t.Run(c.pod, func(t *testing.T) {
			if len(c.pod) > maxGeneratedName {
				t.Fatalf("%s: %d characters, more than Kubernetes makes", c.pod, len(c.pod))
			}
			e, ok := parseExperimentPod(c.pod, known, DefaultTemplates)
			got := ""
			if ok {
				got = strings.Join([]string{e.Rollout, e.Hash, itoa(e.Revision), itoa(e.Step), e.Template}, " ")
				if e.Cut {
					got += " cut"
				}
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
