package replay

import (
	"strings"
	"testing"
)

// TestSpreadAdvice checks the advice against the interval.
func TestSpreadAdvice(t *testing.T) {
	base := SpreadEstimate{Estimate: 0.1, Lower: 0.08, Upper: 0.13, DF: 40}
	for _, c := range []struct {
		name  string
		prior float64
		df    int
		want  string
	}{
		{"below", 0.066, 40, "below the measured spread"},
		{"above", 0.2, 40, "above the measured spread"},
		{"within", 0.1, 40, "within the measured interval"},
		{"too few", 0.066, 9, "too few stable pods"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := base
			e.Prior, e.DF = c.prior, c.df
			if a := e.advice(); !strings.Contains(a, c.want) {
				t.Errorf("advice %q, want %q", a, c.want)
			}
		})
	}
}
