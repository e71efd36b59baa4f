package report

import (
	"math"
	"strconv"
	"strings"
)

// scale turns a metric's numbers into words: its unit ("s", "bytes", "%",
// or none) and whether the numbers are shares (ratio metrics, drawn in %).
type scale struct {
	unit  string
	share bool
}

// format writes v with its unit for a reader: 3 significant digits, ms
// under a second, KiB to GiB for bytes, % for shares.
func (s scale) format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	a := math.Abs(v)
	switch {
	case s.share:
		return sig(100*v) + "%"
	case s.unit == "s" && a != 0 && a < 1:
		return sig(1000*v) + " ms"
	case s.unit == "bytes":
		for _, u := range []struct {
			size float64
			name string
		}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
			if a >= u.size {
				return sig(v/u.size) + " " + u.name
			}
		}
		return sig(v) + " B"
	case s.unit == "%":
		return sig(v) + "%"
	case s.unit != "":
		return sig(v) + " " + s.unit
	}
	return sig(v)
}

// factor is what format divides values near v by: its unit's multiple.
func (s scale) factor(v float64) float64 {
	switch {
	case s.share:
		return 0.01
	case s.unit == "s" && v < 1:
		return 0.001
	case s.unit == "bytes":
		for _, u := range []float64{1 << 30, 1 << 20, 1 << 10} {
			if v >= u {
				return u
			}
		}
	}
	return 1
}

// sig writes v with three significant digits, without an exponent between
// 1e-4 and 1e6.
func sig(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e6 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	digits := 2 - int(math.Floor(math.Log10(a)))
	if digits < 0 {
		digits = 0
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// pValue writes a p-value: two significant digits, "< 1e-12" below it.
func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return "–"
	case p < 1e-12:
		return "< 1e-12"
	case p < 1e-4:
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// pEquals writes "p = 0.0031", or "p < 1e-12".
func pEquals(p float64) string {
	s := pValue(p)
	if strings.HasPrefix(s, "<") {
		return "p " + s
	}
	return "p = " + s
}
