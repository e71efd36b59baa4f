package lokitest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// Loki's limits that the emulator enforces, with Loki's own messages.
const (
	defaultMaxEntries = 5000
	maxPoints         = 11000
	maxQueryLength    = 30*24*time.Hour + time.Hour
)

// Request is one request the server received, decoded.
type Request struct {
	Path   string
	Query  string
	Params url.Values
	// Start and End are the decoded start and end; Step is zero for log
	// queries.
	Start, End time.Time
	Step       time.Duration
	Tenant     string
	// Cost is what the emulator did to answer the request (zero for a
	// replayed, refused or faulted one).
	Cost Cost
}

// Server is an httptest server that speaks Loki's query_range API (see the
// package documentation). Its behaviour is changed with its Set methods,
// which may be called while it serves: a request sees the settings of the
// moment it arrives.
type Server struct {
	*httptest.Server
	// Store holds the data of every tenant when auth is off. Set it before
	// the first request only.
	Store *Store

	mu       sync.Mutex
	requests []Request
	cfg      serverConfig
}

// serverConfig is what the Set methods change.
type serverConfig struct {
	// authEnabled makes the server ask for X-Scope-OrgID (401 "no org id"
	// without it) and answer from tenants[tenant], nothing for an unknown
	// tenant (as Loki does).
	authEnabled bool
	tenants     map[string]*Store
	// replay lists the recorded cases answered byte for byte when a
	// request matches them.
	replay []Case
	// fault, when set, is asked first: a case it returns is answered
	// instead of anything else.
	fault func(Request) (Case, bool)
	// maxEntries is max_entries_limit_per_query; zero means Loki's default.
	maxEntries int
}

// SetAuth turns auth on (tenants non-nil: each tenant's data, nothing for
// any other tenant, 401 "no org id" without one) or off (nil: Store for
// every request).
func (s *Server) SetAuth(tenants map[string]*Store) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.authEnabled, s.cfg.tenants = tenants != nil, tenants
}

// SetReplay sets the recorded cases answered byte for byte when a request
// matches them; NewServer and Start set every recorded case, nil answers
// from the data only.
func (s *Server) SetReplay(cases []Case) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.replay = cases
}

// SetFault sets the hook asked first for every request: a case it returns
// is answered instead of anything else, to play a Loki failure. nil
// removes it.
func (s *Server) SetFault(fault func(Request) (Case, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.fault = fault
}

// SetMaxEntries sets the server's max_entries_limit_per_query: a log query
// asking for more lines is refused with Loki's 400 and message. Zero means
// Loki's default, 5000.
func (s *Server) SetMaxEntries(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.maxEntries = n
}

// NewServer starts a Server over store with every recorded case to replay.
// It is closed when the test ends.
func NewServer(t testing.TB, store *Store) *Server {
	t.Helper()
	s, err := Start(store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a Server over store with every recorded case to replay,
// outside a test (a benchmark program); the caller closes it.
func Start(store *Store) (*Server, error) {
	cases, err := Cases()
	if err != nil {
		return nil, err
	}
	s := &Server{Store: store}
	for _, n := range sortedNames(cases) {
		s.cfg.replay = append(s.cfg.replay, cases[n])
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

func sortedNames(cs map[string]Case) []string {
	var out []string
	for n := range cs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// setCost records the cost of the request at index i of s.requests.
func (s *Server) setCost(i int, c Cost) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[i].Cost = c
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	req := Request{Path: r.URL.Path, Query: params.Get("query"), Params: params, Tenant: r.Header.Get("X-Scope-OrgID")}
	end, errEnd := parseTime(params.Get("end"), time.Now())
	start, errStart := parseTime(params.Get("start"), end.Add(-time.Hour))
	req.Start, req.End = start, end
	step, errStep := parseStep(params.Get("step"))
	req.Step = step
	s.mu.Lock()
	s.requests = append(s.requests, req)
	idx := len(s.requests) - 1
	cfg := s.cfg
	s.mu.Unlock()

	if cfg.fault != nil {
		if c, ok := cfg.fault(req); ok {
			writeCase(w, c)
			return
		}
	}
	if cfg.authEnabled && req.Tenant == "" {
		text(w, http.StatusUnauthorized, "no org id\n")
		return
	}
	for _, c := range cfg.replay {
		if matches(c, req, cfg.authEnabled) {
			writeCase(w, c)
			return
		}
	}
	switch r.URL.Path {
	case "/loki/api/v1/query_range":
	case "/loki/api/v1/query":
		if strings.HasPrefix(strings.TrimSpace(req.Query), "{") {
			text(w, http.StatusBadRequest, "log queries are not supported as an instant query type, please change your query to a range query type")
			return
		}
		text(w, http.StatusBadRequest, "lokitest: instant queries are not emulated")
		return
	default:
		text(w, http.StatusNotFound, "404 page not found\n")
		return
	}
	switch {
	case errStart != nil:
		text(w, http.StatusBadRequest, fmt.Sprintf("could not parse 'start' parameter: %v", errStart))
		return
	case errEnd != nil:
		text(w, http.StatusBadRequest, fmt.Sprintf("could not parse 'end' parameter: %v", errEnd))
		return
	case errStep != nil:
		text(w, http.StatusBadRequest, fmt.Sprintf("invalid step: %v", errStep))
		return
	case end.Before(start):
		// Loki's words; start == end is accepted (one point for a metric
		// query, nothing for a log query: testdata/README.md).
		text(w, http.StatusBadRequest, "end timestamp must not be before or equal to start time")
		return
	case end.Sub(start) > maxQueryLength:
		text(w, http.StatusBadRequest, fmt.Sprintf("the query time range exceeds the limit (query length: %s, limit: 30d1h)", end.Sub(start)))
		return
	}
	store := s.Store
	if cfg.authEnabled {
		store = cfg.tenants[req.Tenant]
	}
	if store == nil {
		store = &Store{}
	}
	logQ, metric, err := parseQuery(req.Query)
	if err != nil {
		text(w, http.StatusBadRequest, err.Error())
		return
	}
	var cost Cost
	if logQ != nil {
		cost = serveLogs(w, store, logQ, req, cfg.maxEntriesLimit())
	} else {
		cost = serveMetric(w, store, metric, req)
	}
	s.setCost(idx, cost)
}

// maxEntriesLimit is the server's max_entries_limit_per_query.
func (c serverConfig) maxEntriesLimit() int {
	if c.maxEntries == 0 {
		return defaultMaxEntries
	}
	return c.maxEntries
}

// serveLogs answers a log query, refusing a limit above maxEntries as Loki
// does, and returns what it cost.
func serveLogs(w http.ResponseWriter, store *Store, q *logQuery, req Request, maxEntries int) Cost {
	limit := 100
	if v := req.Params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			text(w, http.StatusBadRequest, fmt.Sprintf("invalid limit %q", v))
			return Cost{}
		}
		limit = n
	}
	if limit > maxEntries {
		text(w, http.StatusBadRequest, fmt.Sprintf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, maxEntries))
		return Cost{}
	}
	forward := false
	switch d := strings.ToLower(req.Params.Get("direction")); d {
	case "forward":
		forward = true
	case "", "backward":
	default:
		text(w, http.StatusBadRequest, fmt.Sprintf("invalid direction %q", d))
		return Cost{}
	}
	entries, cost := runLogQuery(store, q, req.Start.UnixNano(), req.End.UnixNano(), limit, forward)
	type stream struct {
		Stream model.LabelSet `json:"stream"`
		Values [][2]string    `json:"values"`
	}
	byLabels := map[model.Fingerprint]*stream{}
	var order []*stream
	for _, e := range entries {
		fp := e.labels.Fingerprint()
		st := byLabels[fp]
		if st == nil {
			st = &stream{Stream: e.labels}
			byLabels[fp] = st
			order = append(order, st)
		}
		st.Values = append(st.Values, [2]string{strconv.FormatInt(e.t, 10), e.line})
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Stream.Before(order[j].Stream) })
	result := make([]*stream, len(order))
	copy(result, order)
	writeJSON(w, map[string]any{"status": "success", "data": map[string]any{
		"resultType": "streams", "result": result, "stats": map[string]any{"summary": cost.summary()},
	}})
	return cost
}

// serveMetric answers a metric query and returns what it cost.
func serveMetric(w http.ResponseWriter, store *Store, e expr, req Request) Cost {
	if req.Step <= 0 {
		text(w, http.StatusBadRequest, "zero or negative query resolution step widths are not accepted. Try a positive integer")
		return Cost{}
	}
	stepMs := req.Step.Milliseconds()
	if stepMs <= 0 {
		text(w, http.StatusBadRequest, "lokitest: steps below 1ms are not supported")
		return Cost{}
	}
	first := floorTo(req.Start.UnixMilli(), stepMs)
	last := -floorTo(-req.End.UnixMilli(), stepMs)
	if (last-first)/stepMs+1 > maxPoints {
		text(w, http.StatusBadRequest, "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter")
		return Cost{}
	}
	ev := &evaluator{store: store}
	for t := first; t <= last; t += stepMs {
		ev.steps = append(ev.steps, t)
	}
	out, err := ev.eval(e)
	if err != nil {
		text(w, http.StatusBadRequest, err.Error())
		return ev.cost
	}
	type sample [2]any
	type matrixSeries struct {
		Metric model.LabelSet `json:"metric"`
		Values []sample       `json:"values"`
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels.Before(out[j].labels) })
	result := []matrixSeries{}
	for _, ser := range out {
		var ts []int64
		for t := range ser.points {
			ts = append(ts, t)
		}
		if len(ts) == 0 {
			continue
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		ms := matrixSeries{Metric: ser.labels}
		for _, t := range ts {
			ms.Values = append(ms.Values, sample{json.Number(formatSeconds(t)), formatValue(ser.points[t])})
		}
		result = append(result, ms)
	}
	ev.cost.EntriesReturned = int64(len(result))
	writeJSON(w, map[string]any{"status": "success", "data": map[string]any{
		"resultType": "matrix", "result": result, "stats": map[string]any{"summary": ev.cost.summary()},
	}})
	return ev.cost
}

func floorTo(v, step int64) int64 {
	q := v / step
	if v%step != 0 && v < 0 {
		q--
	}
	return q * step
}

func formatSeconds(ms int64) string {
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

var digitsOnly = regexp.MustCompile(`^-?\d+$`)

// parseTime reads a start, end or time parameter as Loki does: a value with
// a '.' is float seconds (rounded to milliseconds), an integer of up to 10
// digits is seconds, a longer one nanoseconds, anything else RFC 3339.
func parseTime(v string, def time.Time) (time.Time, error) {
	switch {
	case v == "":
		return def, nil
	case strings.Contains(v, "."):
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return time.Time{}, err
		}
		return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), nil
	case digitsOnly.MatchString(v):
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, err
		}
		if len(strings.TrimPrefix(v, "-")) <= 10 {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.Unix(0, n).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		_, perr := strconv.ParseInt(v, 10, 64)
		return time.Time{}, perr
	}
	return t, nil
}

// parseStep reads a step: float seconds or a duration such as 1m.
func parseStep(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := model.ParseDuration(v)
	return time.Duration(d), err
}

// matches reports whether a request is the recorded one: same path, query,
// times and other parameters. The auth_* cases were recorded on a Loki with
// auth_enabled: true (testdata/README.md): they match only when auth is on,
// and only the same tenant (none for auth_missing_org_id).
func matches(c Case, req Request, authEnabled bool) bool {
	if c.Request.Path != req.Path {
		return false
	}
	if strings.HasPrefix(c.Name, "auth_") {
		if !authEnabled || c.Request.Headers["X-Scope-OrgID"] != req.Tenant {
			return false
		}
	}
	keys := map[string]bool{}
	for k := range c.Request.Query {
		keys[k] = true
	}
	for k := range req.Params {
		keys[k] = true
	}
	for k := range keys {
		want, ok := c.Request.Query[k]
		got := req.Params.Get(k)
		if !ok || (k != "query" && got == "" && len(req.Params[k]) == 0) {
			return false
		}
		switch k {
		case "start", "end", "time":
			a, err1 := parseTime(want, time.Time{})
			b, err2 := parseTime(got, time.Time{})
			if err1 != nil || err2 != nil || !a.Equal(b) {
				return false
			}
		case "step":
			a, err1 := parseStep(want)
			b, err2 := parseStep(got)
			if err1 != nil || err2 != nil || a != b {
				return false
			}
		default:
			if want != got {
				return false
			}
		}
	}
	return true
}

func writeCase(w http.ResponseWriter, c Case) {
	for k, v := range c.Response.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(c.Response.Status)
	_, _ = w.Write([]byte(c.Response.Body))
}

func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		text(w, http.StatusInternalServerError, "lokitest: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(b)
}
