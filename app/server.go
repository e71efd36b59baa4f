package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Defaults of the server's limits.
const (
	// defaultReadTimeout bounds reading one request, body included: a
	// judgement request is a line of query string or a small JSON body.
	defaultReadTimeout = 10 * time.Second
	// defaultIdleTimeout closes kept-alive connections nobody uses.
	defaultIdleTimeout = time.Minute
	// maxHeaderBytes bounds the request line and headers.
	maxHeaderBytes = 64 << 10
	// defaultShutdownTimeout bounds the wait for requests in flight.
	defaultShutdownTimeout = 15 * time.Second
)

// newServer makes the HTTP server of handler, with TLS when w names a
// certificate. The server's own complaints (TLS handshakes of scanners,
// broken connections) are logged at debug level.
func newServer(handler http.Handler, w Web, log *zap.Logger) (*http.Server, error) {
	read, idle := w.ReadTimeout, w.IdleTimeout
	if read <= 0 {
		read = defaultReadTimeout
	}
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: read,
		ReadTimeout:       read,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	srv.ErrorLog, _ = zap.NewStdLogAt(log.Named("http"), zapcore.DebugLevel) // a valid level: no error
	switch {
	case w.TLSCertFile != "" && w.TLSKeyFile != "":
		c, err := newCertFiles(w.TLSCertFile, w.TLSKeyFile)
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
	case w.TLSCertFile != "" || w.TLSKeyFile != "":
		return nil, errors.New("TLS needs both a certificate and a key file")
	}
	return srv, nil
}

// serve serves on ln until the server is shut down.
func serve(srv *http.Server, ln net.Listener) error {
	var err error
	if srv.TLSConfig != nil {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// drain stops the server the way Kubernetes needs: /readyz fails first,
// so that the endpoints drop the pod while it still serves; after
// w.ShutdownDelay it stops accepting and waits at most w.ShutdownTimeout
// for the judgements in flight.
func drain(srv *http.Server, errc <-chan error, state *readiness, w Web, log *zap.Logger) error {
	state.drain()
	log.Info("shutting down: not ready, serving on for the shutdown delay", zap.Duration("delay", w.ShutdownDelay))
	select {
	case <-time.After(w.ShutdownDelay):
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	}
	timeout := w.ShutdownTimeout
	if timeout <= 0 {
		timeout = defaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	log.Info("shutting down: waiting for requests in flight", zap.Duration("timeout", timeout))
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutting down: requests still in flight after %s: %w", timeout, err)
	}
	return <-errc
}

func newEngine(log *zap.Logger, trustedProxies []string) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// gin trusts every proxy's X-Forwarded-For unless told otherwise.
	if err := e.SetTrustedProxies(trustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	e.Use(accessLog(log, "/healthz", "/readyz", "/metrics"), recovery(log))
	return e, nil
}
