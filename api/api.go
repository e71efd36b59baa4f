// Package api serves the judgement over HTTP: it reads requests (package
// request holds their contract), bounds the judgements that run at once,
// checks bearer tokens, guards the lifecycle endpoint, answers with the JSON
// contract (package wire), and maps errors to status codes (errors.go, the
// only place that chooses a status).
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/report"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Judger answers a judgement request.
type Judger interface {
	Judge(ctx context.Context, req request.Request) (*wire.Response, error)
}

// RuleLister lists the loaded rule sets (nil before the first load).
type RuleLister interface {
	RuleSets() map[string]*rules.RuleSet
}

// Options are what the API needs.
type Options struct {
	Judger Judger
	Rules  RuleLister
	// Reload reloads the rules; POST /-/reload calls it when
	// EnableLifecycle is set.
	Reload          func() error
	EnableLifecycle bool
	// Ready, if set, says why the service should take no traffic (rules
	// that failed to reload, a shutdown under way); /readyz answers 503
	// with its error.
	Ready func() error
	// Tokens, if set, are the bearer tokens the API and /-/reload demand;
	// /healthz, /readyz and /metrics stay open.
	Tokens *TokenFile
	// Timeout bounds one judgement request, including its wait for a slot
	// (Argo's default timeoutSeconds is 10).
	Timeout time.Duration
	// MaxConcurrent bounds the judgements that run at once (0: no bound);
	// a request beyond it waits at most QueueWait for a slot, then gets a
	// 503 "overloaded".
	MaxConcurrent int
	QueueWait     time.Duration
	Logger        *zap.Logger
	Registry      prometheus.Registerer
	Gatherer      prometheus.Gatherer
	// Reports, if set, serves the HTML pages (report.IndexPath,
	// report.PagePath) and puts each judgement's report link in its
	// summary.
	Reports *report.Reports
}

// API holds the handlers.
type API struct {
	o       Options
	metrics *metrics
	slots   *limiter
}

// New builds the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &API{o: o, metrics: newMetrics(o.Registry), slots: newLimiter(o.MaxConcurrent, o.QueueWait)}
}

// result is what a handler produces; wrap writes it.
type result struct {
	status int
	data   any
	err    error
}

type handler func(c *gin.Context) result

// wrap writes a handler's result as JSON: the data with its status, or the
// error body with the status statusFor chooses. The body is encoded before
// any status is sent, so that an answer that cannot be encoded becomes a 500
// error, never a 200 with an empty body.
func (a *API) wrap(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		status, body := a.render(c, h(c))
		c.Data(status, "application/json; charset=utf-8", body)
	}
}

func (a *API) render(c *gin.Context, r result) (int, []byte) {
	if r.err == nil {
		b, err := json.Marshal(r.data)
		if err == nil {
			return r.status, b
		}
		r.err = fmt.Errorf("encoding the answer: %w", err)
	}
	ae, status := a.failed(c, "request failed", r.err)
	a.metrics.errors.WithLabelValues(string(ae.typ)).Inc()
	b, _ := json.Marshal(errorBody{Status: "error", ErrorType: ae.typ, Error: r.err.Error(), Field: ae.field}) // strings: always encodes
	return status, b
}

// failed classifies err, logs it with msg (as an error when the status
// is 5xx) and returns its type and status.
func (a *API) failed(c *gin.Context, msg string, err error) (*apiError, int) {
	ae := classify(err)
	status := statusFor(ae.typ)
	log := a.o.Logger.Warn
	if status >= 500 {
		log = a.o.Logger.Error
	}
	log(msg, zap.String("path", c.FullPath()), zap.Int("status", status),
		zap.String("errorType", string(ae.typ)), zap.String("field", ae.field), zap.Error(err))
	return ae, status
}

// Register adds the routes to r.
func (a *API) Register(r *gin.Engine) {
	r.HandleMethodNotAllowed = true
	guarded := r.Group("", a.authenticate)
	guarded.GET(request.Path, a.wrap(a.judgeGet))
	guarded.POST(request.Path, a.wrap(a.judgePost))
	guarded.GET("/api/v1/rulesets", a.wrap(a.ruleSets))
	guarded.POST("/-/reload", a.wrap(a.reload))
	a.registerReports(guarded)
	r.GET(OpenAPIPath, serveOpenAPI)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, statusBody{Status: "ok"}) })
	r.GET("/readyz", a.ready)
	if a.o.Gatherer != nil {
		r.GET("/metrics", gin.WrapH(promhttpHandler(a.o.Gatherer)))
	}
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, errorBody{Status: "error", ErrorType: errNotFound, Error: "no such endpoint: " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, errorBody{Status: "error", ErrorType: errBadData, Error: "method " + c.Request.Method + " is not allowed here"})
	})
}

func (a *API) judgeGet(c *gin.Context) result {
	req, err := requestFromQuery(c.Request)
	if err != nil {
		return result{err: err}
	}
	return a.judge(c, req)
}

func (a *API) judgePost(c *gin.Context) result {
	if len(c.Request.URL.RawQuery) > 0 {
		return result{err: badData("query", errBodyAndQuery)}
	}
	req, err := requestFromBody(c.Request)
	if err != nil {
		return result{err: err}
	}
	return a.judge(c, req)
}

// slot bounds ctx by the request timeout and waits, within it, for a
// judgement slot for each of n judgements. The caller judges with the
// returned context and calls done afterwards.
func (a *API) slot(ctx context.Context, n int) (_ context.Context, done func(), _ error) {
	cancel := context.CancelFunc(func() {})
	if a.o.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, a.o.Timeout)
	}
	release, err := a.slots.acquire(ctx, n)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return ctx, func() { release(); cancel() }, nil
}

func (a *API) judge(c *gin.Context, req request.Request) result {
	n := judgements(req)
	ctx, done, err := a.slot(c.Request.Context(), n)
	if err != nil {
		return result{err: err}
	}
	defer done()
	a.metrics.inFlight.Add(float64(n))
	defer a.metrics.inFlight.Sub(float64(n))
	start := time.Now()
	resp, err := a.o.Judger.Judge(ctx, req)
	took := time.Since(start)
	a.metrics.duration.Observe(took.Seconds())
	if err != nil {
		return result{err: err}
	}
	if a.o.Reports != nil {
		resp.Summary.Report = a.o.Reports.Record(req, resp)
	}
	a.metrics.verdicts.WithLabelValues(resp.RuleSet, resp.Environment, string(resp.Verdict)).Inc()
	for _, m := range resp.Metrics {
		a.metrics.classifications.WithLabelValues(resp.RuleSet, resp.Environment, m.Name, string(m.Classification)).Inc()
	}
	a.o.Logger.Info("judged", zap.String("verdict", string(resp.Verdict)), zap.Float64("score", resp.Score),
		zap.String("reason", resp.Reason), zap.Strings("failed", resp.Summary.Failed),
		zap.String("ruleSet", resp.RuleSet), zap.String("namespace", req.Namespace), zap.String("rollout", req.Rollout),
		zap.String("canaryHash", req.CanaryHash), zap.String("stableHash", req.StableHash),
		zap.String("canaryReplicaSet", req.CanaryReplicaSet), zap.String("stableReplicaSet", req.StableReplicaSet),
		zap.Time("start", resp.Window.Start), zap.Time("end", resp.Window.End), zap.Duration("took", took),
		zap.String("report", resp.Summary.Report))
	return result{status: http.StatusOK, data: resp}
}

// judgements is how many judgements req is: three for both references
// (against the baseline, against the stable pods, and the age check),
// else one.
func judgements(req request.Request) int {
	if req.BothReferences() {
		return 3
	}
	return 1
}

// ruleSetsBody is the answer of GET /api/v1/rulesets.
type ruleSetsBody struct {
	Status string        `json:"status"`
	Data   []ruleSetInfo `json:"data"`
}

// ruleSetInfo describes one loaded rule set.
type ruleSetInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	File        string   `json:"file"`
	Environment string   `json:"environment,omitempty"`
	Judge       string   `json:"judge"`
	Metrics     []string `json:"metrics"`
}

func (a *API) ruleSets(_ *gin.Context) result {
	sets := a.o.Rules.RuleSets()
	out := []ruleSetInfo{}
	for _, name := range rules.Names(sets) {
		rs := sets[name]
		info := ruleSetInfo{Name: rs.Name, Description: rs.Description, File: rs.File, Environment: rs.Environment, Judge: string(rs.Judge)}
		for _, m := range rs.Metrics {
			info.Metrics = append(info.Metrics, m.Name)
		}
		out = append(out, info)
	}
	return result{status: http.StatusOK, data: ruleSetsBody{Status: "success", Data: out}}
}

// statusBody is the answer of /healthz and of a reload.
type statusBody struct {
	Status string `json:"status"`
}

// readiness is the answer of /readyz.
type readiness struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// ready answers 200 once rules are loaded, unless Ready says otherwise.
func (a *API) ready(c *gin.Context) {
	if a.o.Rules.RuleSets() == nil {
		c.JSON(http.StatusServiceUnavailable, readiness{Status: "not ready", Reason: "no rules loaded yet"})
		return
	}
	if a.o.Ready != nil {
		if err := a.o.Ready(); err != nil {
			c.JSON(http.StatusServiceUnavailable, readiness{Status: "not ready", Reason: err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, readiness{Status: "ready"})
}
