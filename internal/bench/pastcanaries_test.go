package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/internal/scenario"
)

// TestPastCanariesWhatIf is a what-if measurement, not part of the suite
// (CANARY_PAST_WHATIF=1; docs/judge.md, "Limits", on learning a service's
// canary-age effect from its past canaries). Every service (a healthy
// family at a seed) gets PAST_N earlier canaries: the same scenario drawn
// with other instance seeds (other pods, nodes, noise and spikes, the same
// physics and traffic share), judged by the canary judge at the template's
// looks. The healthy canary and its regressed twin are then judged at four
// alignments, and each level High of latency or CPU is confirmed or not by
// a gate against the past canaries' level estimates at the same look (log
// scale): a gate only turns Highs into Passes, so replaying the recorded
// looks through the template's limits gives each run's phase with it.
//
//	CANARY_PAST_WHATIF=1 PAST_FIRST=53 PAST_SEEDS=20 PAST_N=8 \
//	  go test -count=1 -timeout 3h -run TestPastCanariesWhatIf -v ./internal/bench/
//
// (about 35 minutes on two cores; PAST_PAIRS=world,bimodal selects pairs,
// PAST_JSON=file keeps every look's estimates.)
func TestPastCanariesWhatIf(t *testing.T) {
	if os.Getenv("CANARY_PAST_WHATIF") == "" {
		t.Skip("a what-if measurement: set CANARY_PAST_WHATIF=1")
	}
	first, seeds, npast := uint64(envInt("PAST_FIRST", 53)), envInt("PAST_SEEDS", 20), envInt("PAST_N", 8)
	pairs := pastPairs(os.Getenv("PAST_PAIRS"))
	l := shippedLimits(t)
	ages := l.Ages()
	instances := pastInstances(t, pairs, first, seeds, npast, ages[len(ages)-1]+time.Minute)

	sets, err := ruleSets("../../deploy/base/rules/http-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	delete(sets, JudgeBaseline)
	var mu sync.Mutex
	looks := map[string]map[string]pastLook{} // namespace@end -> metric -> look
	cfg := Config{Limits: l, Parallel: 4, Inspect: func(r *wire.Response) {
		m := map[string]pastLook{}
		for _, x := range r.Metrics {
			m[x.Name] = levelLook(x)
		}
		mu.Lock()
		looks[r.Target.Namespace+"@"+r.Window.End.UTC().Format(time.RFC3339)] = m
		mu.Unlock()
	}}
	var results []Result
	for lo := 0; lo < len(instances); lo += 96 {
		hi := min(lo+96, len(instances))
		dir := filepath.Join(t.TempDir(), strconv.Itoa(lo))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		rs, err := runBatch(t.Context(), cfg, sets, dir, instances[lo:hi])
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, rs...)
		t.Logf("judged %d of %d", hi, len(instances))
	}
	lookOf := func(r Result, i int) map[string]pastLook {
		end := r.Truth.CanaryStart.Add(ages[i]).UTC().Truncate(time.Second)
		return looks[r.Truth.Namespace+"@"+end.Format(time.RFC3339)]
	}

	// The past canaries' level estimates, log(1+d), per service, metric and look.
	past := map[pastKey][]float64{}
	for _, r := range results {
		svc, ok := pastService(r.Truth.Namespace)
		if !ok {
			continue
		}
		for i := range ages {
			for name, pl := range lookOf(r, i) {
				if pl.Estimate > -1 {
					k := pastKey{svc, name, i}
					past[k] = append(past[k], math.Log1p(pl.Estimate))
				}
			}
		}
	}
	twin := map[string]string{}
	for _, p := range pairs {
		twin[p[0]], twin[p[1]] = p[0], p[0]
	}
	for _, g := range pastGates {
		fmt.Printf("\n## %s (%d past canaries per service, seeds %d-%d)\n\n", g.name, npast, first, first+uint64(seeds)-1)
		fmt.Println("| family | runs | Failed / Inconclusive / Successful without | with |")
		fmt.Println("|---|---:|---:|---:|")
		tab := map[string]*[7]int{}
		var order, changes []string
		for _, r := range results {
			if _, isPast := pastService(r.Truth.Namespace); isPast {
				continue
			}
			svc := fmt.Sprintf("%s %d", twin[r.Truth.Name], r.Truth.Seed)
			after := make([]string, len(r.Verdicts))
			for i, v := range r.Verdicts {
				after[i] = v
				m := lookOf(r, i)
				want, gated := gatedVerdict(m, func(name string, pl pastLook) bool {
					return g.confirms(past[pastKey{svc, name, i}], pl)
				})
				// Without a gated High the classifications must give the
				// recorded verdict (an Inconclusive may also come from the
				// score), or the replay above means nothing.
				if m == nil || (!gated && want != v && !(v == "Inconclusive" && want == "Successful")) {
					t.Errorf("%s look %d: verdict %s, classifications say %s", r.Truth.Namespace, i, v, want)
				}
				if gated {
					after[i] = want
				}
			}
			ra := Replay(after, l)
			x := tab[r.Truth.Name]
			if x == nil {
				x = &[7]int{}
				tab[r.Truth.Name] = x
				order = append(order, r.Truth.Name)
			}
			x[0]++
			x[1+phaseIndex(string(r.Run.Phase))]++
			x[4+phaseIndex(string(ra.Phase))]++
			if ra.Phase != r.Run.Phase {
				changes = append(changes, fmt.Sprintf("%s: %s -> %s %v -> %v", r.Truth.Namespace, r.Run.Phase, ra.Phase, r.Verdicts, after))
			}
		}
		for _, n := range order {
			x := tab[n]
			fmt.Printf("| %s | %d | %d / %d / %d | %d / %d / %d |\n", n, x[0], x[1], x[2], x[3], x[4], x[5], x[6])
		}
		sort.Strings(changes)
		fmt.Println()
		for _, c := range changes {
			fmt.Println(c)
		}
	}
	if out := os.Getenv("PAST_JSON"); out != "" {
		b, err := json.Marshal(struct {
			Looks   map[string]map[string]pastLook
			Results []Result
		}{looks, results})
		if err == nil {
			err = os.WriteFile(out, b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// pastLook is what the what-if keeps of one metric at one look: its
// classification and its level test (NaN-free for JSON: -999 where the
// metric has no level test).
type pastLook struct {
	Class    string
	Estimate float64 // relative change
	Alpha    float64 // the level it was compared with
	Stat, DF float64
	LevelHi  bool // the level test rejected and passed the effect gate
}

func levelLook(x wire.MetricResult) pastLook {
	pl := pastLook{Class: string(x.Classification), Estimate: -999, Alpha: -999, Stat: -999, DF: -999}
	if x.Evidence == nil {
		return pl
	}
	num := func(f wire.Float) float64 {
		if v := float64(f); !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		return -999
	}
	for _, te := range x.Evidence.Tests {
		if te.Name == "level" {
			pl.Estimate, pl.Alpha, pl.Stat, pl.DF = num(te.Estimate), num(te.Alpha), num(te.Statistic), num(te.DF)
			pl.LevelHi = te.Significant && te.Gate
		}
	}
	return pl
}

type pastKey struct {
	svc, metric string
	look        int
}

// pastGates are the gates measured: each says whether a level High
// stands against the past canaries' estimates x at its look.
var pastGates = []struct {
	name     string
	confirms func(x []float64, pl pastLook) bool
}{
	{"prediction interval: the canary beyond the past canaries at the level test's level (t with N-1 df)", predictionGate},
	{"shifted null: the level test against the past canaries' mean excess, its variance sd²/N added", func(x []float64, pl pastLook) bool { return shiftGate(x, pl, false) }},
	{"shifted null only where the past canaries' mean excess is above zero at one-sided 1%", func(x []float64, pl pastLook) bool { return shiftGate(x, pl, true) }},
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

func predictionGate(x []float64, pl pastLook) bool {
	n := float64(len(x))
	if n < 3 || !(pl.Alpha > 0) {
		return true
	}
	mean, sd := meanSD(x)
	t := (math.Log1p(pl.Estimate) - mean) / (sd * math.Sqrt(1+1/n))
	return t > distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1-pl.Alpha)
}

func shiftGate(x []float64, pl pastLook, onlySignificant bool) bool {
	n := float64(len(x))
	est := math.Log1p(pl.Estimate)
	if n < 3 || !(pl.Alpha > 0) || !(pl.Stat > 0) || !(pl.DF > 0) {
		return true
	}
	mean, sd := meanSD(x)
	if onlySignificant && !(mean/(sd/math.Sqrt(n)) > (distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}).Quantile(0.99)) {
		return true
	}
	mean = math.Max(mean, 0) // past canaries better than their stable pods excuse nothing
	se := est / pl.Stat      // the level test's standard error
	t := (est - mean) / math.Sqrt(se*se+sd*sd/n)
	return t > distuv.StudentsT{Mu: 0, Sigma: 1, Nu: pl.DF}.Quantile(1-pl.Alpha)
}

// gatedVerdict recomputes a look's verdict with the latency and CPU level
// Highs that confirm rejects turned into Passes: Failed while any metric
// is High or Low, else Inconclusive while any is NotEnoughData, else
// Successful; gated says whether any High was turned.
func gatedVerdict(m map[string]pastLook, confirm func(string, pastLook) bool) (verdict string, gated bool) {
	high, ned := false, false
	for name, pl := range m {
		switch pl.Class {
		case "High", "Low":
			if pl.LevelHi && (name == "latency" || name == "cpu") && !confirm(name, pl) {
				gated = true
				continue
			}
			high = true
		case "NotEnoughData":
			ned = true
		}
	}
	switch {
	case high:
		verdict = "Failed"
	case ned:
		verdict = "Inconclusive"
	default:
		verdict = "Successful"
	}
	return verdict, gated
}

func phaseIndex(p string) int {
	switch p {
	case "Failed":
		return 0
	case "Inconclusive":
		return 1
	}
	return 2
}

// pastPairs returns the healthy families and their regressed twins the
// what-if runs, all of them or those whose healthy family only names.
func pastPairs(only string) [][2]string {
	all := [][2]string{{"world", "world-latency-50"}, {"warmup", "warmup-latency-50"}, {"bimodal", "bimodal-slow-dynamic"},
		{"cpu-nonlinear", "cpu-nonlinear-cpu-x2"}, {"pareto", "pareto-latency-50"}, {"spike-lag", "spike-lag-latency-50"},
		{"heavy-canary", "heavy-canary-cpu-x2"}}
	if only == "" {
		return all
	}
	var out [][2]string
	for _, p := range all {
		if strings.Contains(","+only+",", ","+p[0]+",") {
			out = append(out, p)
		}
	}
	return out
}

// pastInstances returns, for every pair and seed, the healthy canary and
// its twin at four alignments and npast earlier canaries of the healthy
// service (namespace past-<family>-<seed>-<k>, instance seed 1000·seed+k).
func pastInstances(t *testing.T, pairs [][2]string, first uint64, seeds, npast int, age time.Duration) []scenario.Instance {
	prep := func(s scenario.Scenario) scenario.Scenario {
		s.CanaryAge = age
		s.History = 130 * time.Minute
		return s
	}
	var out []scenario.Instance
	for _, p := range pairs {
		fams := lookupFamilies(t, p[0], p[1])
		for i := range seeds {
			seed := first + uint64(i)
			for _, f := range fams {
				for _, a := range []int{0, 15, 30, 45} {
					s := prep(f.Scenario(seed))
					s.Aligned, s.Alignment = true, a
					out = append(out, scenario.Instance{Scenario: s, Seed: seed})
				}
			}
			for k := 1; k <= npast; k++ {
				s := prep(fams[0].Scenario(seed))
				s.Namespace = fmt.Sprintf("past-%s-%d-%d", p[0], seed, k)
				out = append(out, scenario.Instance{Scenario: s, Seed: 1000*seed + uint64(k)})
			}
		}
	}
	return out
}

// pastService returns "family seed" of a past canary's namespace.
func pastService(ns string) (string, bool) {
	rest, ok := strings.CutPrefix(ns, "past-")
	if !ok {
		return "", false
	}
	rest = rest[:strings.LastIndexByte(rest, '-')] // drop -k
	i := strings.LastIndexByte(rest, '-')
	return rest[:i] + " " + rest[i+1:], true
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}
