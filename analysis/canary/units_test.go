package canary

import (
	"math"
	"testing"

	"github.com/canary-analyzer/canary-analyzer/analysis"
)

// TestSentenceNumbers: numbers in sentences carry their unit, counts their
// thousands separators, and nothing undefined prints as NaN or Inf.
func TestSentenceNumbers(t *testing.T) {
	t.Parallel()
	value := func(unit string) analysis.Metric { return analysis.Metric{Kind: analysis.KindValue, Unit: unit} }
	ratio := analysis.Metric{Kind: analysis.KindRatio}
	rate := analysis.Metric{Kind: analysis.KindRate}
	cases := []struct {
		name, got, want string
	}{
		{"latency below a second", fmtValue(value("s"), 0.2019), "202 ms"},
		{"latency in seconds", fmtValue(value("s"), 1.5), "1.5 s"},
		{"memory", fmtValue(value("bytes"), 256e6), "256 MB"},
		{"memory in GB", fmtValue(value("bytes"), 1.25e9), "1.25 GB"},
		{"small memory", fmtValue(value("bytes"), 512), "512 bytes"},
		{"cpu", fmtValue(value("cores"), 0.125), "0.125 cores"},
		{"no unit", fmtValue(value(""), 12.5), "12.5"},
		{"ratio", fmtValue(ratio, 0.008), "0.80%"},
		{"large ratio", fmtValue(ratio, 0.125), "12.5%"},
		{"tiny ratio", fmtValue(ratio, 0.00012), "0.012%"},
		{"zero ratio", fmtValue(ratio, 0), "0%"},
		{"rate", fmtValue(rate, 1.0/900), "4 per hour"},
		{"ratio bound as written", fmtBound(ratio, 0.05), "5%"},
		{"small ratio bound", fmtBound(ratio, 0.005), "0.5%"},
		{"latency bound", fmtBound(value("s"), 1), "1 s"},
		{"count", fmtCount(41300), "41,300"},
		{"million", fmtCount(1234567), "1,234,567"},
		{"small count", fmtCount(58), "58"},
		{"extrapolated count", fmtCount(1234.56), "1,234.6"},
		{"exposure", fmtExposure(900), "15m"},
		{"hour of exposure", fmtExposure(3600), "1h"},
		{"odd exposure", fmtExposure(5430), "1h30m30s"},
		{"ratio side", countSide(analysis.KindRatio, 58, 7250), "0.80% (58 of 7,250)"},
		{"stable side without events", countSide(analysis.KindRatio, 0, 41300), "0% (0 of 41,300)"},
		{"rate side", countSide(analysis.KindRate, 1, 900), "4 per hour (1 in 15m)"},
		{"no trials", countSide(analysis.KindRatio, 0, 0), "n/a (0 of 0)"},
		{"undefined value", fmtValue(value("s"), math.NaN()), "n/a"},
		{"infinite value", fmtValue(value("s"), math.Inf(1)), "unbounded"},
		{"undefined number", fmtNum(math.NaN()), "n/a"},
		{"infinite change", fmtPct(math.Inf(1)), "unbounded"},
		{"undefined p", fmtP(math.NaN()), "n/a"},
		{"rate ratio", rateRatioClause(1.404), "rate ratio 1.404"},
		{"events only in the canary", rateRatioClause(math.Inf(1)), "events only in the canary"},
		{"no events anywhere", rateRatioClause(math.NaN()), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
