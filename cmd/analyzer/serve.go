package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/canary-analyzer/canary-analyzer/app"
)

func serve(args []string) int {
	fs := newFlagSet("serve")
	var o app.Options
	var level string
	fs.StringVar(&o.ListenAddress, "listen-address", ":8080", "address to serve the API, probes and /metrics on")
	serviceFlags(fs, &o, &level, "info")
	webFlags(fs, &o)
	reportFlags(fs, &o.Report)
	if !parse(fs, args) {
		return exitUsage
	}
	if err := checkDurations(&o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	log, err := newLogger(level)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	defer log.Sync() //nolint:errcheck // stderr
	o.Logger = log

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{})
	go func() {
		for range hup {
			reload <- struct{}{}
		}
	}()
	o.Reload = reload

	if err := app.Run(ctx, o); err != nil {
		log.Error("exiting", zap.Error(err))
		return 1
	}
	return 0
}

func version([]string) int {
	fmt.Println(app.VersionString())
	return 0
}
