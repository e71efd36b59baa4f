// Package app wires canary-analyzer together: backends, rule store, judge
// service and HTTP server. It never touches signals, so tests can run it.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/api"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/loki"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/report"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Options configure a running service.
type Options struct {
	ListenAddress string
	RulesDir      string
	Environment   string
	Prometheus    providers.ClientOptions
	Loki          providers.ClientOptions
	// QueryTimeout bounds one judgement request, its wait for a slot
	// included; below Argo's 10 s default. It must be positive.
	QueryTimeout time.Duration
	// MaxConcurrent bounds the judgements that run at once (0: no bound);
	// QueueWait is how long a request beyond it waits for a slot before a
	// 503 "overloaded".
	MaxConcurrent int
	QueueWait     time.Duration
	Logger        *zap.Logger
	// Reload receives a value for every SIGHUP.
	Reload <-chan struct{}
	// Listening, if set, receives the bound address once the server
	// listens (tests use port 0).
	Listening chan<- string
	// Report configures the HTML pages and the report links.
	Report report.Options

	// Web is how the service meets its callers.
	Web Web

	// Backends and Store replace the ones built from the options (demo).
	Backends map[providers.Type]providers.MetricQuerier
	Store    *rules.Store
	// Now replaces the clock (demo).
	Now func() time.Time
}

// Web configures the HTTP side: lifecycle API, authentication, TLS,
// proxies, timeouts and the drain on shutdown.
type Web struct {
	// EnableLifecycle turns on POST /-/reload.
	EnableLifecycle bool
	// BearerTokenFile, if set, holds the tokens the API demands (one per
	// line, re-read when it changes).
	BearerTokenFile string
	// TLSCertFile and TLSKeyFile, if set, serve HTTPS (re-read when they
	// change).
	TLSCertFile, TLSKeyFile string
	// TrustedProxies are the addresses (IPs or CIDRs) whose
	// X-Forwarded-For the access log believes; none by default.
	TrustedProxies []string
	// ShutdownDelay is how long the service keeps serving, with /readyz
	// failing, once asked to stop; ShutdownTimeout bounds the wait for
	// in-flight requests after that.
	ShutdownDelay, ShutdownTimeout time.Duration
	// ReadTimeout bounds reading a request, body included; IdleTimeout
	// closes an idle kept-alive connection. Zero takes the defaults.
	ReadTimeout, IdleTimeout time.Duration
}

// Run serves until ctx is done, then drains: /readyz fails at once, the
// service keeps serving for Web.ShutdownDelay, then stops accepting and
// waits at most Web.ShutdownTimeout for in-flight requests.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if o.QueryTimeout <= 0 {
		return fmt.Errorf("the query timeout must be positive, not %s", o.QueryTimeout)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	svc, store, err := newService(o, reg, log)
	if err != nil {
		return err
	}
	state := &readiness{}
	rl := &reloader{store: store, backends: svc.Backends, state: state, log: log}
	var watcher *rulesWatcher
	if o.RulesDir != "" && o.Store == nil {
		if watcher = watchRules(o.RulesDir, state, log); watcher != nil {
			defer watcher.w.Close()
		}
	}
	if err := rl.reload(); err != nil {
		return fmt.Errorf("loading rules: %w", err)
	}
	var tokens *api.TokenFile
	if o.Web.BearerTokenFile != "" {
		if tokens, err = api.NewTokenFile(o.Web.BearerTokenFile); err != nil {
			return err
		}
	}
	ro := o.Report
	ro.Environment = o.Environment
	reports, err := report.New(ro, Version)
	if err != nil {
		return err
	}
	a := api.New(api.Options{
		Judger: svc, Rules: store, Reload: rl.reload, EnableLifecycle: o.Web.EnableLifecycle,
		Ready: state.err, Tokens: tokens,
		Timeout: o.QueryTimeout, MaxConcurrent: o.MaxConcurrent, QueueWait: o.QueueWait,
		Logger: log, Registry: reg, Gatherer: reg, Reports: reports,
	})
	engine, err := newEngine(log, o.Web.TrustedProxies)
	if err != nil {
		return err
	}
	a.Register(engine)
	srv, err := newServer(engine, o.Web, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.ListenAddress)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.ListenAddress, err)
	}
	log.Info("serving", zap.String("address", ln.Addr().String()), zap.Bool("tls", srv.TLSConfig != nil),
		zap.Bool("auth", tokens != nil), zap.Bool("lifecycle", o.Web.EnableLifecycle), zap.String("version", Version))
	if o.Listening != nil {
		o.Listening <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- serve(srv, ln) }()
	if watcher != nil {
		go watcher.run(ctx, rl.reload)
	}
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("serving: %w", err)
		case <-o.Reload:
			_ = rl.reload()
		case <-ctx.Done():
			return drain(srv, errc, state, o.Web, log)
		}
	}
}

// NewService builds the judge service of o with its rules loaded, for
// one-off judgements without a server (the judge command).
func NewService(o Options) (*engine.Service, error) {
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	svc, store, err := newService(o, prometheus.NewRegistry(), log)
	if err != nil {
		return nil, err
	}
	// No warning about rule sets that need a backend without a URL: the
	// one judgement asked for says so if it needs one.
	if err := store.Reload(); err != nil {
		return nil, fmt.Errorf("loading rules: %w", err)
	}
	return svc, nil
}

// newService builds backends, rule store and service, without loading the
// rules.
func newService(o Options, reg prometheus.Registerer, log *zap.Logger) (*engine.Service, *rules.Store, error) {
	backends := o.Backends
	if backends == nil {
		var err error
		if backends, err = Backends(o.Prometheus, o.Loki); err != nil {
			return nil, nil, err
		}
	}
	backends = providers.NewMetrics(reg).InstrumentAll(backends)
	store := o.Store
	if store == nil {
		if o.RulesDir == "" {
			return nil, nil, errors.New("no rules directory: set --rules.dir")
		}
		store = rules.DirStore(o.RulesDir, o.Environment, reg)
	}
	return &engine.Service{Rules: store, Backends: backends, Logs: LogQueriers(backends), Now: o.Now, Logger: log, Metrics: engine.NewMetrics(reg)}, store, nil
}

// reloader reloads the rules, one reload at a time, and keeps the
// readiness state in step: a failed reload leaves the previous rules in
// place and marks them stale.
type reloader struct {
	mu       sync.Mutex
	store    *rules.Store
	backends map[providers.Type]providers.MetricQuerier
	state    *readiness
	log      *zap.Logger
}

func (r *reloader) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.store.Reload()
	r.state.setReload(err)
	if err != nil {
		r.log.Error("rules reload failed; keeping the previous rules, not ready until a reload succeeds", zap.Error(err))
		return err
	}
	for _, w := range rules.Warnings(r.store.RuleSets()) {
		r.log.Warn("rule file warning", zap.String("warning", w.Error()))
	}
	if err := checkSources(r.store.RuleSets(), r.backends); err != nil {
		r.log.Warn("rules need a backend that is not configured", zap.Error(err))
	}
	r.log.Info("rules loaded", zap.Strings("ruleSets", rules.Names(r.store.RuleSets())))
	return nil
}

// Backends makes a client for every backend with a URL (the service's, and
// check-rules' dry run's).
func Backends(prom, lok providers.ClientOptions) (map[providers.Type]providers.MetricQuerier, error) {
	b := map[providers.Type]providers.MetricQuerier{}
	if prom.URL != "" {
		c, err := promprovider.New(prom)
		if err != nil {
			return nil, err
		}
		b[providers.TypePrometheus] = c
	}
	if lok.URL != "" {
		c, err := loki.NewFromOptions(lok)
		if err != nil {
			return nil, err
		}
		b[providers.TypeLoki] = c
	}
	if len(b) == 0 {
		return nil, errors.New("no backend configured: set --prometheus.url (and --loki.url for log rules)")
	}
	return b, nil
}

// LogQueriers are the backends that can also fetch log lines (Loki), for
// signatures metrics.
func LogQueriers(backends map[providers.Type]providers.MetricQuerier) map[providers.Type]providers.LogQuerier {
	logs := map[providers.Type]providers.LogQuerier{}
	for src, b := range backends {
		if lq, ok := b.(providers.LogQuerier); ok {
			logs[src] = lq
		}
	}
	return logs
}

// checkSources reports rule sets whose metrics need a backend we lack.
func checkSources(sets map[string]*rules.RuleSet, b map[providers.Type]providers.MetricQuerier) error {
	var errs []error
	for _, name := range rules.Names(sets) {
		for _, m := range sets[name].Metrics {
			if b[m.Source] == nil {
				errs = append(errs, fmt.Errorf("rule set %s, metric %s: source %s has no URL", name, m.Name, m.Source))
			}
		}
	}
	return errors.Join(errs...)
}
