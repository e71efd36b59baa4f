package scenario

import (
	"fmt"
	"math/rand/v2"
	"regexp"
)

// hashAlphabet is the alphabet Kubernetes uses for pod-template hashes and
// generated name suffixes: no vowels (no accidental words) and no characters
// that are easily confused (0, 1, 3).
const hashAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// Lengths of generated names.
const (
	hashLen   = 10
	suffixLen = 5
)

var (
	dnsLabel   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	hashSyntax = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
)

// randomString draws n characters of hashAlphabet.
func randomString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hashAlphabet[r.IntN(len(hashAlphabet))]
	}
	return string(b)
}

// podNames draws a template hash (unless given) and returns n pod names
// <rollout>-<hash>-<suffix> whose suffixes are distinct.
func podNames(r *rand.Rand, rollout, hash string, n int, taken map[string]bool) []string {
	names := make([]string, 0, n)
	for len(names) < n {
		name := fmt.Sprintf("%s-%s-%s", rollout, hash, randomString(r, suffixLen))
		if taken[name] {
			continue
		}
		taken[name] = true
		names = append(names, name)
	}
	return names
}
