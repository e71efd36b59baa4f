// Package app wires canary-analyzer together: backends, rule store, judge
// service and HTTP server. It never touches signals, so tests can run it.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/api"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/loki"
	promprovider "github.com/canary-analyzer/canary-analyzer/providers/prometheus"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Options configure a running service.
type Options struct {
	ListenAddress string
	RulesDir      string
	Environment   string
	Prometheus    providers.ClientOptions
	Loki          providers.ClientOptions
	// QueryTimeout bounds one judgement, below Argo's 10 s default.
	QueryTimeout time.Duration
	Logger       *zap.Logger
	// Reload receives a value for every SIGHUP.
	Reload <-chan struct{}
	// Listening, if set, receives the bound address once the server
	// listens (tests use port 0).
	Listening chan<- string

	// Backends and Store replace the ones built from the options (demo).
	Backends map[providers.Type]providers.MetricQuerier
	Store    *rules.Store
	// Now replaces the clock (demo).
	Now func() time.Time
}

// Run serves until ctx is done, then shuts down gracefully.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	svc, store, err := newService(o, reg, log)
	if err != nil {
		return err
	}
	reload := func() error { return reloadRules(store, svc.Backends, log) }
	if err := reload(); err != nil {
		return fmt.Errorf("loading rules: %w", err)
	}

	a := api.New(api.Options{
		Judger: svc, Rules: store, Reload: reload, Timeout: o.QueryTimeout,
		Logger: log, Registry: reg, Gatherer: reg,
	})
	engine := newEngine(log)
	a.Register(engine)

	ln, err := net.Listen("tcp", o.ListenAddress)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.ListenAddress, err)
	}
	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving", zap.String("address", ln.Addr().String()), zap.String("version", Version))
	if o.Listening != nil {
		o.Listening <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.RulesDir != "" && o.Store == nil {
		go watchRules(ctx, o.RulesDir, reload, log)
	}
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("serving: %w", err)
		case <-o.Reload:
			_ = reload()
		case <-ctx.Done():
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			log.Info("shutting down")
			if err := srv.Shutdown(shutdownCtx); err != nil {
				return fmt.Errorf("shutting down: %w", err)
			}
			return nil
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
		if backends, err = buildBackends(o); err != nil {
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
	return &engine.Service{Rules: store, Backends: backends, Logs: logQueriers(backends), Now: o.Now, Logger: log}, store, nil
}

// reloadRules loads the rules into store and warns about metrics whose
// backend is not configured.
func reloadRules(store *rules.Store, backends map[providers.Type]providers.MetricQuerier, log *zap.Logger) error {
	if err := store.Reload(); err != nil {
		log.Error("rules reload failed; keeping the previous rules", zap.Error(err))
		return err
	}
	if err := checkSources(store.RuleSets(), backends); err != nil {
		log.Warn("rules need a backend that is not configured", zap.Error(err))
	}
	log.Info("rules loaded", zap.Strings("ruleSets", rules.Names(store.RuleSets())))
	return nil
}

// buildBackends makes a client for every backend with a URL.
func buildBackends(o Options) (map[providers.Type]providers.MetricQuerier, error) {
	b := map[providers.Type]providers.MetricQuerier{}
	if o.Prometheus.URL != "" {
		c, err := promprovider.New(o.Prometheus)
		if err != nil {
			return nil, err
		}
		b[providers.TypePrometheus] = c
	}
	if o.Loki.URL != "" {
		c, err := loki.NewFromOptions(o.Loki)
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

// logQueriers are the backends that can also fetch log lines (Loki), for
// signatures metrics.
func logQueriers(backends map[providers.Type]providers.MetricQuerier) map[providers.Type]providers.LogQuerier {
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

func newEngine(log *zap.Logger) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(accessLog(log, "/healthz", "/readyz", "/metrics"), recovery(log))
	return e
}
