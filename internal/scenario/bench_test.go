package scenario

import (
	"io"
	"testing"
)

// benchInstances returns n instances cycling through the families, each
// with the families' default sizes (1 h of history, a 15-minute canary).
func benchInstances(n int) []Instance {
	fams := Families()
	out := make([]Instance, n)
	for i := range out {
		seed := uint64(i)
		out[i] = Instance{Scenario: fams[i%len(fams)].Scenario(seed), Seed: seed}
	}
	return out
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkGenerateMany60 generates the benchmark-sized data set: 60
// instances in one file.
func BenchmarkGenerateMany60(b *testing.B) {
	instances := benchInstances(60)
	var size int64
	for b.Loop() {
		w := &countingWriter{}
		if _, err := GenerateMany(w, instances); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size)/1e6, "MB/file")
}

// BenchmarkGenerateLarge generates 8 stable pods and a canary over 3 hours.
func BenchmarkGenerateLarge(b *testing.B) {
	s := Default()
	s.StablePods = 8
	s.History = 3 * 3600e9
	var size int64
	for b.Loop() {
		w := &countingWriter{}
		if _, err := Generate(w, s, 1); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.ReportMetric(float64(size)/1e6, "MB/file")
}
