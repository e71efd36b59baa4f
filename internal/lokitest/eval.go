package lokitest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
)

// queryError is a query Loki would refuse; it is answered with 400 and msg.
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

// processed is one log line after a pipeline.
type processed struct {
	labels model.LabelSet
	value  float64
}

// selects reports whether a stream's labels match the selector.
func (q *logQuery) selects(ls model.LabelSet) bool {
	for _, m := range q.matchers {
		if !m.matches(string(ls[m.name])) {
			return false
		}
	}
	return true
}

// process runs a line through the pipeline, counting in c the lines that
// reach each parser and label_format stage. ok is false when the line is
// filtered out (or, for a metric query, skipped by unwrap).
func (q *logQuery) process(stream model.LabelSet, line string, c *Cost) (processed, bool) {
	ls := stream.Clone()
	ls["detected_level"] = "unknown"
	set := func(name, v string) {
		ln := model.LabelName(name)
		if _, clash := stream[ln]; clash {
			ln += "_extracted"
		}
		ls[ln] = model.LabelValue(v)
	}
	value := 1.0
	for _, s := range q.stages {
		switch s.kind {
		case "line":
			var keep bool
			switch s.op {
			case "|=":
				keep = strings.Contains(line, s.text)
			case "!=":
				keep = !strings.Contains(line, s.text)
			case "|~":
				keep = s.re.MatchString(line)
			default:
				keep = !s.re.MatchString(line)
			}
			if !keep {
				return processed{}, false
			}
		case "pattern":
			c.PatternLines++
			for name, v := range matchPattern(s.pattern, line) {
				set(name, v)
			}
		case "format":
			c.FormatLines++
			formatLabels(ls, s.formats)
		case "regexp":
			c.RegexpLines++
			if m := s.re.FindStringSubmatch(line); m != nil {
				for i, name := range s.re.SubexpNames() {
					if name != "" {
						set(name, m[i])
					}
				}
			}
		case "label":
			v := string(ls[s.label])
			var keep bool
			switch s.op {
			case "=":
				keep = v == s.text
			case "!=":
				keep = v != s.text
			case "=~":
				keep = s.re.MatchString(v)
			default:
				keep = !s.re.MatchString(v)
			}
			if !keep {
				return processed{}, false
			}
		case "number":
			if ls["__error__"] != "" {
				continue // Loki's numeric filters let lines with errors through
			}
			v, ok := ls[s.label]
			if !ok {
				return processed{}, false
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				ls["__error__"] = "LabelFilterErr"
				ls["__error_details__"] = model.LabelValue(err.Error())
				continue
			}
			if !compare(s.op, f, s.num) {
				return processed{}, false
			}
		case "unwrap":
			v, ok := ls[s.label]
			if !ok {
				return processed{}, false
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				ls["__error__"] = "SampleExtractionErr"
				ls["__error_details__"] = model.LabelValue(err.Error())
				continue
			}
			value = f
		}
	}
	return processed{labels: ls, value: value}, true
}

// formatLabels applies a label_format stage: every template sees the labels
// as they were before the stage. A template that fails sets __error__, as
// Loki's TemplateFormatErr does; an empty result drops the label.
func formatLabels(ls model.LabelSet, fs []labelFormat) {
	data := make(map[string]string, len(ls))
	for k, v := range ls {
		data[string(k)] = string(v)
	}
	var b strings.Builder
	for _, f := range fs {
		if f.tmpl == nil {
			ls[f.dst] = model.LabelValue(data[string(f.src)])
			if f.src != f.dst {
				delete(ls, f.src)
			}
			continue
		}
		b.Reset()
		if err := f.tmpl.Execute(&b, data); err != nil {
			ls["__error__"] = "TemplateFormatErr"
			ls["__error_details__"] = model.LabelValue(err.Error())
			continue
		}
		ls[f.dst] = model.LabelValue(b.String())
	}
}

func compare(op string, a, b float64) bool {
	switch op {
	case "=", "==":
		return a == b
	case "!=":
		return a != b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	default:
		return a <= b
	}
}

// matchPattern matches a pattern expression as Loki's pattern parser does:
// a leading literal must start the line; each capture runs to the next
// literal; when a literal is missing, the capture takes the rest of the line
// and matching stops.
func matchPattern(nodes []patternNode, line string) map[string]string {
	out := map[string]string{}
	if line == "" {
		return out
	}
	in := line
	if nodes[0].capture == "" {
		if !strings.HasPrefix(in, nodes[0].literal) {
			return out
		}
		in = in[len(nodes[0].literal):]
		nodes = nodes[1:]
	}
	for len(nodes) > 0 {
		c := nodes[0].capture
		if len(nodes) == 1 {
			if c != "_" {
				out[c] = in
			}
			return out
		}
		lit := nodes[1].literal
		nodes = nodes[2:]
		i := strings.Index(in, lit)
		if i < 0 {
			if c != "_" {
				out[c] = in
			}
			return out
		}
		if c != "_" {
			out[c] = in[:i]
		}
		in = in[i+len(lit):]
	}
	return out
}

// logEntry is one result line of a log query.
type logEntry struct {
	t      int64
	line   string
	labels model.LabelSet
}

// runLogQuery returns the entries of [start, end) that pass q, at most limit
// of them, the oldest (forward) or the newest (backward) first, and what
// the query cost. Every line of the selected streams in [start, end) is
// read, whatever the limit (the recorded log query with limit 5 read 2948
// lines).
func runLogQuery(s *Store, q *logQuery, start, end int64, limit int, forward bool) ([]logEntry, Cost) {
	var (
		out []logEntry
		c   Cost
	)
	for _, st := range s.Streams() {
		if !q.selects(st.Labels) {
			continue
		}
		for _, e := range st.between(start-1, end-1) {
			c.read(e.Line)
			if p, ok := q.process(st.Labels, e.Line, &c); ok {
				c.PostFilterLines++
				out = append(out, logEntry{t: e.T, line: e.Line, labels: dropEmpty(p.labels)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if forward {
			return out[i].t < out[j].t
		}
		return out[i].t > out[j].t
	})
	if len(out) > limit {
		out = out[:limit]
	}
	c.EntriesReturned = int64(len(out))
	return out, c
}

func dropEmpty(ls model.LabelSet) model.LabelSet {
	for k, v := range ls {
		if v == "" {
			delete(ls, k)
		}
	}
	return ls
}

// series is one result series of a metric query: values by step time (ms).
type series struct {
	labels model.LabelSet
	points map[int64]float64
}

// evaluator evaluates a metric expression at the steps of a range query
// and adds up what it cost.
type evaluator struct {
	store *Store
	steps []int64 // Unix ms
	cost  Cost
}

func (ev *evaluator) eval(e expr) ([]*series, error) {
	switch e := e.(type) {
	case rangeAgg:
		return ev.rangeAgg(e)
	case vectorAgg:
		return ev.vectorAgg(e)
	case binaryExpr:
		return ev.binary(e)
	case numberLit:
		return nil, &parseError{"a bare number is not a query"}
	}
	return nil, &parseError{fmt.Sprintf("unknown expression %T", e)}
}

// sampleAt is one extracted sample.
type sampleAt struct {
	t int64 // ns
	v float64
}

func (ev *evaluator) rangeAgg(a rangeAgg) ([]*series, error) {
	unwrapped := model.LabelName("")
	for _, s := range a.query.stages {
		if s.kind == "unwrap" {
			unwrapped = s.label
		}
	}
	type group struct {
		labels  model.LabelSet
		samples []sampleAt
	}
	groups := map[model.Fingerprint]*group{}
	rng := a.rng.Nanoseconds()
	// The lines any step's window (t − range, t] holds: Loki reads them all.
	from, through := ev.steps[0]*1e6-rng, ev.steps[len(ev.steps)-1]*1e6
	for _, st := range ev.store.Streams() {
		if !a.query.selects(st.Labels) {
			continue
		}
		for _, e := range st.between(from, through) {
			ev.cost.read(e.Line)
			p, ok := a.query.process(st.Labels, e.Line, &ev.cost)
			if !ok {
				continue
			}
			if p.labels["__error__"] != "" {
				return nil, &queryError{fmt.Sprintf("pipeline error: '%s' for series: '%s'.\n"+
					"Use a label filter to intentionally skip this error. (e.g | __error__!=\"%s\").\n"+
					"To skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"+
					"The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n",
					p.labels["__error__"], dropEmpty(p.labels), p.labels["__error__"])}
			}
			ls := model.LabelSet{}
			if a.grouped {
				for _, n := range a.grouping {
					if v := p.labels[n]; v != "" {
						ls[n] = v
					}
				}
			} else {
				ls = dropEmpty(p.labels)
				delete(ls, unwrapped)
			}
			v := p.value
			if a.op == "bytes_over_time" {
				v = float64(len(e.Line))
			}
			fp := ls.Fingerprint()
			g := groups[fp]
			if g == nil {
				g = &group{labels: ls}
				groups[fp] = g
			}
			g.samples = append(g.samples, sampleAt{t: e.T, v: v})
			ev.cost.PostFilterLines++
		}
	}
	var out []*series
	for _, g := range groups {
		sort.SliceStable(g.samples, func(i, j int) bool { return g.samples[i].t < g.samples[j].t })
		s := &series{labels: g.labels, points: map[int64]float64{}}
		for _, t := range ev.steps {
			end := t * 1e6
			lo := sort.Search(len(g.samples), func(i int) bool { return g.samples[i].t > end-rng })
			hi := sort.Search(len(g.samples), func(i int) bool { return g.samples[i].t > end })
			if lo >= hi {
				continue
			}
			s.points[t] = rangeValue(a, g.samples[lo:hi])
		}
		if len(s.points) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// rangeValue applies a range aggregation to the samples of one window.
func rangeValue(a rangeAgg, w []sampleAt) float64 {
	sum := 0.0
	for _, s := range w {
		sum += s.v
	}
	switch a.op {
	case "count_over_time":
		return float64(len(w))
	case "rate":
		return sum / a.rng.Seconds()
	case "bytes_over_time", "sum_over_time":
		return sum
	case "avg_over_time":
		return sum / float64(len(w))
	case "min_over_time", "max_over_time":
		m := w[0].v
		for _, s := range w[1:] {
			if a.op == "min_over_time" {
				m = math.Min(m, s.v)
			} else {
				m = math.Max(m, s.v)
			}
		}
		return m
	default: // quantile_over_time, as Loki's quantile
		vs := make([]float64, len(w))
		for i, s := range w {
			vs[i] = s.v
		}
		return quantile(a.param, vs)
	}
}

// quantile is Loki's (and Prometheus') quantile: linear interpolation
// between the closest ranks, rank = q·(n − 1).
func quantile(q float64, vs []float64) float64 {
	switch {
	case len(vs) == 0:
		return math.NaN()
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(1)
	}
	sort.Float64s(vs)
	n := float64(len(vs))
	rank := q * (n - 1)
	lower := math.Max(0, math.Floor(rank))
	upper := math.Min(n-1, lower+1)
	weight := rank - math.Floor(rank)
	return vs[int(lower)]*(1-weight) + vs[int(upper)]*weight
}

func (ev *evaluator) vectorAgg(a vectorAgg) ([]*series, error) {
	in, err := ev.eval(a.arg)
	if err != nil {
		return nil, err
	}
	type acc struct {
		labels model.LabelSet
		vals   map[int64][]float64
	}
	groups := map[model.Fingerprint]*acc{}
	for _, s := range in {
		ls := model.LabelSet{}
		for _, n := range a.grouping {
			if v := s.labels[n]; v != "" {
				ls[n] = v
			}
		}
		fp := ls.Fingerprint()
		g := groups[fp]
		if g == nil {
			g = &acc{labels: ls, vals: map[int64][]float64{}}
			groups[fp] = g
		}
		for t, v := range s.points {
			g.vals[t] = append(g.vals[t], v)
		}
	}
	var out []*series
	for _, g := range groups {
		s := &series{labels: g.labels, points: map[int64]float64{}}
		for t, vs := range g.vals {
			s.points[t] = aggregate(a.op, vs)
		}
		out = append(out, s)
	}
	return out, nil
}

func aggregate(op string, vs []float64) float64 {
	switch op {
	case "count":
		return float64(len(vs))
	case "min", "max":
		m := vs[0]
		for _, v := range vs[1:] {
			if op == "min" {
				m = math.Min(m, v)
			} else {
				m = math.Max(m, v)
			}
		}
		return m
	}
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	if op == "avg" {
		return sum / float64(len(vs))
	}
	return sum
}

func (ev *evaluator) binary(b binaryExpr) ([]*series, error) {
	ln, lIsNum := b.left.(numberLit)
	rn, rIsNum := b.right.(numberLit)
	switch {
	case lIsNum && rIsNum:
		return nil, &parseError{"arithmetic between two numbers is not supported"}
	case lIsNum || rIsNum:
		vec := b.left
		if lIsNum {
			vec = b.right
		}
		in, err := ev.eval(vec)
		if err != nil {
			return nil, err
		}
		for _, s := range in {
			for t, v := range s.points {
				if lIsNum {
					s.points[t] = arith(b.op, ln.v, v)
				} else {
					s.points[t] = arith(b.op, v, rn.v)
				}
			}
		}
		return in, nil
	}
	left, err := ev.eval(b.left)
	if err != nil {
		return nil, err
	}
	right, err := ev.eval(b.right)
	if err != nil {
		return nil, err
	}
	byLabels := map[model.Fingerprint]*series{}
	for _, s := range right {
		byLabels[s.labels.Fingerprint()] = s
	}
	var out []*series
	for _, l := range left {
		r := byLabels[l.labels.Fingerprint()]
		if r == nil {
			continue
		}
		s := &series{labels: l.labels, points: map[int64]float64{}}
		for t, v := range l.points {
			if w, ok := r.points[t]; ok {
				s.points[t] = arith(b.op, v, w)
			}
		}
		if len(s.points) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

func arith(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	default:
		return a / b
	}
}
