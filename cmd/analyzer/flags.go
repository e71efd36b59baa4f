package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/providers/loki"
)

// envName is the environment variable of a flag: ANALYZER_ + upper case,
// with '.' and '-' as '_'.
func envName(flagName string) string {
	return "ANALYZER_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(flagName))
}

// applyEnv sets every flag not given on the command line from its
// environment variable.
func applyEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	return err
}

// newFlagSet makes a flag set whose help names each flag's variable.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: analyzer %s [flags]\n\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(fs.Output(), "  --%s\n\t%s%s [$%s]\n", f.Name, f.Usage, def, envName(f.Name))
		})
	}
	return fs
}

// parse parses args, then the environment.
func parse(fs *flag.FlagSet, args []string) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", fs.Args())
		return false
	}
	if err := applyEnv(fs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	return true
}

// backendFlags registers the connection flags of one backend.
func backendFlags(fs *flag.FlagSet, name string, o *providers.ClientOptions) {
	fs.StringVar(&o.URL, name+".url", "", "base URL of "+name)
	fs.StringVar(&o.BearerTokenFile, name+".bearer-token-file", "", "file holding a bearer token for "+name)
	fs.StringVar(&o.Username, name+".username", "", "basic-auth user for "+name)
	fs.StringVar(&o.PasswordFile, name+".password-file", "", "file holding the basic-auth password for "+name)
	fs.StringVar(&o.CAFile, name+".ca-file", "", "CA certificate file to verify "+name+"'s TLS certificate")
	fs.StringVar(&o.Tenant, name+".tenant", "", "tenant sent as X-Scope-OrgID to "+name)
	fs.BoolVar(&o.InsecureSkipVerify, name+".insecure-skip-verify", false, "do not verify "+name+"'s TLS certificate")
	fs.Int64Var(&o.MaxResponseBytes, name+".max-response-bytes", providers.DefaultMaxResponseBytes, "largest answer read from "+name+", in bytes; a larger one fails the judgement")
	fs.IntVar(&o.MaxConnections, name+".max-connections", providers.DefaultMaxConnections, "most connections open to "+name+" at once; more requests wait for one")
}

// serviceFlags registers what serve and judge share; logLevel is the
// default of --log.level.
func serviceFlags(fs *flag.FlagSet, o *app.Options, level *string, logLevel string) {
	fs.StringVar(&o.RulesDir, "rules.dir", "/etc/canary-analyzer/rules", "directory of rule files (*.yaml)")
	fs.StringVar(&o.Environment, "environment", "", "environment (alpha, beta, live) whose rule-set overrides apply")
	fs.DurationVar(&o.QueryTimeout, "query.timeout", 8*time.Second, "time allowed for one judgement request, its wait for a slot included; below Argo's 10 s timeoutSeconds")
	fs.StringVar(level, "log.level", logLevel, "log level: debug, info, warn, error")
	backendFlags(fs, "prometheus", &o.Prometheus)
	backendFlags(fs, "loki", &o.Loki)
	fs.IntVar(&o.Loki.MaxEntries, "loki.max-entries", loki.DefaultPageSize, "log lines asked of Loki per request; lowered by itself to Loki's max_entries_limit_per_query")
}

// webFlags registers the server's own flags (serve only).
func webFlags(fs *flag.FlagSet, o *app.Options) {
	fs.IntVar(&o.MaxConcurrent, "query.max-concurrency", 10, "judgements run at once; more wait for a slot (0: no bound)")
	fs.DurationVar(&o.QueueWait, "query.queue-timeout", 2*time.Second, "how long a judgement waits for a slot before a 503 that Argo retries")
	fs.BoolVar(&o.Web.EnableLifecycle, "web.enable-lifecycle", false, "enable POST /-/reload")
	fs.StringVar(&o.Web.BearerTokenFile, "web.bearer-token-file", "", "file of bearer tokens (one per line, re-read on change) the API demands; none: no authentication")
	fs.StringVar(&o.Web.TLSCertFile, "web.tls-cert-file", "", "TLS certificate file (PEM, re-read on change): serve HTTPS")
	fs.StringVar(&o.Web.TLSKeyFile, "web.tls-key-file", "", "TLS private key file (PEM) of --web.tls-cert-file")
	fs.Func("web.trusted-proxies", "comma-separated IPs or CIDRs of proxies whose X-Forwarded-For is believed (default none)", func(v string) error {
		o.Web.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.Web.TrustedProxies = append(o.Web.TrustedProxies, p)
			}
		}
		return nil
	})
	fs.DurationVar(&o.Web.ShutdownDelay, "web.shutdown-delay", 5*time.Second, "on SIGTERM, serve on this long with /readyz failing, so that endpoints drop the pod first")
	fs.DurationVar(&o.Web.ShutdownTimeout, "web.shutdown-timeout", 15*time.Second, "then wait at most this long for requests in flight")
}

// checkDurations refuses timeouts that would mean "no deadline" or make
// no sense.
func checkDurations(o *app.Options) error {
	switch {
	case o.QueryTimeout <= 0:
		return fmt.Errorf("--query.timeout %s: must be positive (it is the deadline of a judgement)", o.QueryTimeout)
	case o.MaxConcurrent < 0:
		return fmt.Errorf("--query.max-concurrency %d: must be 0 (no bound) or more", o.MaxConcurrent)
	case o.QueueWait < 0:
		return fmt.Errorf("--query.queue-timeout %s: must not be negative", o.QueueWait)
	case o.Web.ShutdownDelay < 0:
		return fmt.Errorf("--web.shutdown-delay %s: must not be negative", o.Web.ShutdownDelay)
	case o.Web.ShutdownTimeout < 0:
		return fmt.Errorf("--web.shutdown-timeout %s: must not be negative", o.Web.ShutdownTimeout)
	}
	return nil
}

// newLogger builds the JSON logger on stderr.
func newLogger(level string) (*zap.Logger, error) {
	var l zapcore.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log.level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(l)
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.OutputPaths = []string{"stderr"}
	cfg.Sampling = nil
	return cfg.Build()
}
