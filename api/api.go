// Package api serves the judgement over HTTP: request parsing and
// validation, the JSON contract, and the mapping of errors to status codes
// (errors.go, the only place that chooses a status).
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
	// Reload reloads the rules; POST /-/reload calls it.
	Reload func() error
	// Timeout bounds one judgement (Argo's default timeoutSeconds is 10).
	Timeout  time.Duration
	Logger   *zap.Logger
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
}

// API holds the handlers.
type API struct {
	o       Options
	metrics *metrics
}

// New builds the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &API{o: o, metrics: newMetrics(o.Registry)}
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
	ae := classify(r.err)
	status := statusFor(ae.typ)
	a.metrics.errors.WithLabelValues(string(ae.typ)).Inc()
	log := a.o.Logger.Warn
	if status >= 500 {
		log = a.o.Logger.Error
	}
	log("request failed", zap.String("path", c.FullPath()), zap.Int("status", status),
		zap.String("errorType", string(ae.typ)), zap.String("field", ae.field), zap.Error(r.err))
	b, _ := json.Marshal(errorBody{Status: "error", ErrorType: ae.typ, Error: r.err.Error(), Field: ae.field}) // strings: always encodes
	return status, b
}

// Register adds the routes to r.
func (a *API) Register(r *gin.Engine) {
	r.HandleMethodNotAllowed = true
	r.GET(request.Path, a.wrap(a.judgeGet))
	r.POST(request.Path, a.wrap(a.judgePost))
	r.GET("/api/v1/rulesets", a.wrap(a.ruleSets))
	r.POST("/-/reload", a.wrap(a.reload))
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
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

func (a *API) judge(c *gin.Context, req request.Request) result {
	ctx := c.Request.Context()
	if a.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.o.Timeout)
		defer cancel()
	}
	start := time.Now()
	resp, err := a.o.Judger.Judge(ctx, req)
	a.metrics.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		return result{err: err}
	}
	a.metrics.verdicts.WithLabelValues(resp.RuleSet, resp.Environment, string(resp.Verdict)).Inc()
	for _, m := range resp.Metrics {
		a.metrics.classifications.WithLabelValues(resp.RuleSet, resp.Environment, m.Name, string(m.Classification)).Inc()
	}
	a.o.Logger.Info("judged", zap.String("ruleSet", resp.RuleSet), zap.String("namespace", req.Namespace),
		zap.String("canaryHash", req.CanaryHash), zap.String("verdict", string(resp.Verdict)),
		zap.Float64("score", resp.Score), zap.Strings("failed", resp.Summary.Failed))
	return result{status: http.StatusOK, data: resp}
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
	return result{status: http.StatusOK, data: gin.H{"status": "success", "data": out}}
}

func (a *API) reload(_ *gin.Context) result {
	if a.o.Reload == nil {
		return result{err: errNoReload}
	}
	if err := a.o.Reload(); err != nil {
		return result{err: err}
	}
	return result{status: http.StatusOK, data: gin.H{"status": "success"}}
}

func (a *API) ready(c *gin.Context) {
	if a.o.Rules.RuleSets() == nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": "no rules loaded yet"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
