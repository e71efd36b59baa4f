package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/demo"
	"github.com/canary-analyzer/canary-analyzer/providers"
	htmlreport "github.com/canary-analyzer/canary-analyzer/report"
)

func demoCmd(args []string) int {
	fs := newFlagSet("demo")
	var level, listen string
	fs.StringVar(&listen, "listen-address", ":8080", "address to serve the demo on")
	fs.StringVar(&level, "log.level", "warn", "log level: debug, info, warn, error")
	if !parse(fs, args) {
		return exitUsage
	}
	log, err := newLogger(level)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	rec, err := demo.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	o := demoOptions(rec, listen)
	o.Logger = log
	listening := make(chan string, 1)
	o.Listening = listening

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, o) }()
	var addr string
	select {
	case addr = <-listening:
	case err := <-done:
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	base := "http://" + localAddr(addr)
	fmt.Printf("canary-analyzer demo: recorded Prometheus data as of %s, served on %s (Ctrl-C to stop)\n\n",
		rec.End.Format(time.RFC3339), base)
	for _, c := range rec.Cases {
		resp, err := judgeRemote(base, "", c.Request(), 10*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", c.Name, err)
			return 1
		}
		line := fmt.Sprintf("%-9s score %3.0f", resp.Verdict, resp.Score)
		if len(resp.Summary.Failed) > 0 {
			line += "  failed: " + strings.Join(resp.Summary.Failed, ", ")
		}
		fmt.Printf("%s canary (namespace %s): %s\n  %s\n  %s\n  report: %s%s\n\n", c.Name, c.Target.Namespace, line, resp.Reason,
			c.Request().Curl(base, false), base, resp.Summary.Report)
	}
	fmt.Printf("Add &end=<RFC 3339 time> to judge an earlier moment, or POST the same fields as JSON:\n  %s\n",
		rec.Cases[0].Request().Curl(base, true))
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// demoOptions serve the recording on listen: its rule set, its data as
// the backend, its end as now.
func demoOptions(rec *demo.Recording, listen string) app.Options {
	return app.Options{
		ListenAddress: listen,
		Backends:      map[providers.Type]providers.MetricQuerier{providers.TypePrometheus: rec},
		Store:         demo.Store(prometheus.NewRegistry()),
		Now:           func() time.Time { return rec.End },
		QueryTimeout:  8 * time.Second,
		Report:        htmlreport.Options{Recent: 20},
	}
}

// localAddr turns a wildcard listen address into one a browser can use.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return addr
}
