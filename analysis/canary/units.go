package canary

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// fmtBound formats an absolute bound of metric m: as fmtValue, but a
// ratio's bound as exactly as it was written ("5%", "0.5%").
func fmtBound(m analysis.Metric, b float64) string {
	if m.Kind == analysis.KindRatio && !math.IsNaN(b) && !math.IsInf(b, 0) {
		return strconv.FormatFloat(100*b, 'g', 4, 64) + "%"
	}
	return fmtValue(m, b)
}

// fmtValue formats a value of metric m for a sentence: a ratio as a
// percentage, a rate (events per second) per hour, a value in its unit.
func fmtValue(m analysis.Metric, v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	switch m.Kind {
	case analysis.KindRatio:
		return fmtPercent(v)
	case analysis.KindRate:
		return fmtPerHour(v)
	}
	return fmtUnit(v, m.Unit)
}

// fmtUnit formats v in unit: seconds as ms below one second, bytes in kB,
// MB or GB (powers of 1000), any other unit after the number.
func fmtUnit(v float64, unit string) string {
	if math.IsInf(v, 0) {
		return "unbounded"
	}
	switch unit {
	case "s", "seconds":
		if math.Abs(v) < 1 {
			return fmt.Sprintf("%.3g ms", 1000*v)
		}
		return fmt.Sprintf("%.3g s", v)
	case "bytes":
		for _, u := range []struct {
			scale float64
			name  string
		}{{1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}} {
			if math.Abs(v) >= u.scale {
				return fmt.Sprintf("%.3g %s", v/u.scale, u.name)
			}
		}
		return fmt.Sprintf("%.3g bytes", v)
	case "":
		return fmtNum(v)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

// fmtPercent formats a ratio as "0.80%", "12.5%", "0.012%" or "0%".
func fmtPercent(v float64) string {
	p := 100 * v
	switch {
	case math.IsNaN(p) || math.IsInf(p, 0):
		return "n/a"
	case p == 0:
		return "0%"
	case math.Abs(p) >= 10:
		return fmt.Sprintf("%.1f%%", p)
	case math.Abs(p) >= 0.1:
		return fmt.Sprintf("%.2f%%", p)
	}
	return fmt.Sprintf("%.2g%%", p)
}

// fmtPerHour formats a rate per second as events per hour.
func fmtPerHour(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.3g per hour", 3600*v)
}

// fmtCount formats a count with thousands separators: "41,300"; a count
// that is not whole (an extrapolated increase) keeps one decimal.
func fmtCount(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', 1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if frac == "0" {
		frac = ""
	}
	var b strings.Builder
	if x < 0 {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// fmtExposure formats seconds of exposure as "15m", "1h30m" or "45s".
func fmtExposure(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return "n/a"
	}
	s := (time.Duration(math.Round(sec)) * time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// countWords names a count metric's trials and events in reasons.
func countWords(k analysis.Kind) (trials, rate string) {
	if k == analysis.KindRate {
		return "seconds of exposure", "rate"
	}
	return "trials", "ratio"
}

// countSide says one side's counts: "0.80% (58 of 7,250)" for a ratio,
// "4 per hour (1 in 15m)" for a rate.
func countSide(k analysis.Kind, x, e float64) string {
	if k == analysis.KindRate {
		return fmt.Sprintf("%s (%s in %s)", fmtPerHour(ratioOf(x, e)), fmtCount(x), fmtExposure(e))
	}
	return fmt.Sprintf("%s (%s of %s)", fmtPercent(ratioOf(x, e)), fmtCount(x), fmtCount(e))
}

// rateRatioClause says the rate ratio, or that only the canary had events;
// nothing when neither side had any.
func rateRatioClause(rr float64) string {
	switch {
	case math.IsNaN(rr):
		return ""
	case math.IsInf(rr, 1):
		return "events only in the canary"
	}
	return "rate ratio " + fmtNum(rr)
}

// fmtTimes formats a rate ratio as "5x".
func fmtTimes(r float64) string {
	if math.IsInf(r, 1) {
		return "unbounded"
	}
	return fmt.Sprintf("%.3gx", r)
}

// exposureText says a side's exposure: "8,502 trials", or "15m of
// exposure" for a rate.
func exposureText(k analysis.Kind, e float64) string {
	if k == analysis.KindRate {
		return fmtExposure(e) + " of exposure"
	}
	return fmtCount(e) + " trials"
}

// medians says the canary's and the stable pods' medians in the metric's
// unit, " (median 280 MB vs 256 MB)", or nothing when one is undefined.
func medians(m analysis.Metric, canary, stable analysis.SideStats) string {
	c, s := canary.Median, stable.Median
	if math.IsNaN(c) || math.IsNaN(s) || math.IsInf(c, 0) || math.IsInf(s, 0) {
		return ""
	}
	return fmt.Sprintf(" (median %s vs %s)", fmtValue(m, c), fmtValue(m, s))
}

// fmtP formats a p-value or level compactly.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p == 0:
		return "0"
	case p < 1e-3:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3g", p)
}

// fmtPct formats a relative change as a signed percentage.
func fmtPct(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "unbounded"
	}
	return fmt.Sprintf("%+.1f%%", 100*x)
}

// fmtSpread formats a spread as "±6.6%".
func fmtSpread(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("±%.1f%%", 100*x)
}

// fmtNum formats a value with four significant digits; an undefined
// value is "n/a" and an infinite one "unbounded", never NaN or Inf.
func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "unbounded"
	}
	return fmt.Sprintf("%.4g", x)
}
