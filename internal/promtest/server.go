package promtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for Options and Server.Stop.
const (
	DefaultReadyTimeout = 60 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before it kills.
	stopGrace = 10 * time.Second
	// maxLaunches bounds the retries when another process grabs the port
	// between choosing it and Prometheus binding it.
	maxLaunches = 5
	// stderrLimit caps how much of Prometheus' log is kept in memory.
	stderrLimit = 1 << 20
)

// errAddrInUse marks a launch that failed because the port was taken.
var errAddrInUse = errors.New("listen address already in use")

// Options configures StartProcess.
type Options struct {
	// Dir holds the data file, the TSDB, the configuration and the query
	// log. Empty means a new temporary directory, which Close removes.
	// A Dir given by the caller is left in place.
	Dir string
	// Data is OpenMetrics text to backfill; it is copied to Dir/data.om.
	Data io.Reader
	// DataFile names an OpenMetrics file to backfill instead of Data.
	// With neither, Prometheus starts on an empty TSDB.
	DataFile string
	// Stderr, when set, receives a copy of Prometheus' log as it is written.
	Stderr io.Writer
	// ReadyTimeout bounds the wait for /-/ready after each launch
	// (DefaultReadyTimeout when zero).
	ReadyTimeout time.Duration
}

// Server is a running Prometheus on backfilled data.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string

	dir      string
	ownDir   bool
	dbDir    string
	cfgFile  string
	queryLog string
	bin      Binaries
	extraLog io.Writer
	stderr   *logBuffer

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited

	stopOnce  sync.Once
	stopErr   error
	closeOnce sync.Once
	closeErr  error
}

// StartProcess backfills the data and starts Prometheus on a free loopback
// port, returning once /-/ready answers 200. ctx bounds the start only:
// Prometheus runs until Stop or Close. The caller must Close the server.
// A missing binary gives an error wrapping ErrNotInstalled.
func StartProcess(ctx context.Context, opts Options) (*Server, error) {
	if opts.Data != nil && opts.DataFile != "" {
		return nil, errors.New("promtest: set Options.Data or Options.DataFile, not both")
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, fmt.Errorf("promtest: %w", err)
	}
	s := &Server{bin: bin, extraLog: opts.Stderr, stderr: &logBuffer{limit: stderrLimit}}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "promtest-")
		if err != nil {
			return nil, fmt.Errorf("promtest: %w", err)
		}
		s.dir, s.ownDir = dir, true
	} else {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("promtest: %w", err)
		}
		s.dir = opts.Dir
	}
	if err := s.prepare(ctx, opts); err != nil {
		_ = s.Close()
		return nil, err
	}
	readyTimeout := opts.ReadyTimeout
	if readyTimeout <= 0 {
		readyTimeout = DefaultReadyTimeout
	}
	if err := s.launch(ctx, readyTimeout); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// prepare writes the data file, backfills it and writes the configuration.
func (s *Server) prepare(ctx context.Context, opts Options) error {
	s.dbDir = filepath.Join(s.dir, "tsdb")
	s.cfgFile = filepath.Join(s.dir, "prometheus.yml")
	s.queryLog = filepath.Join(s.dir, "query.log")
	if err := os.MkdirAll(s.dbDir, 0o755); err != nil {
		return fmt.Errorf("promtest: %w", err)
	}
	dataFile := opts.DataFile
	if opts.Data != nil {
		dataFile = filepath.Join(s.dir, "data.om")
		if err := writeFile(dataFile, opts.Data); err != nil {
			return fmt.Errorf("promtest: writing data file: %w", err)
		}
	}
	if dataFile != "" {
		if err := backfill(ctx, s.bin.Promtool, dataFile, s.dbDir); err != nil {
			return fmt.Errorf("promtest: %w", err)
		}
	}
	// Paths are quoted with strconv.Quote: a YAML double-quoted scalar
	// accepts Go's escapes for any path a temp dir can have.
	cfg := "global:\n  query_log_file: " + strconv.Quote(s.queryLog) + "\nscrape_configs: []\n"
	if err := os.WriteFile(s.cfgFile, []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("promtest: writing config: %w", err)
	}
	return nil
}

func writeFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// launch starts Prometheus, retrying on a new port when the chosen one was
// taken in the meantime.
func (s *Server) launch(ctx context.Context, readyTimeout time.Duration) error {
	var err error
	for attempt := 1; attempt <= maxLaunches; attempt++ {
		err = s.launchOnce(ctx, readyTimeout, attempt)
		if err == nil || !errors.Is(err, errAddrInUse) {
			return err
		}
	}
	return fmt.Errorf("promtest: gave up after %d launches: %w", maxLaunches, err)
}

func (s *Server) launchOnce(ctx context.Context, readyTimeout time.Duration, attempt int) error {
	port, err := pickPort()
	if err != nil {
		return fmt.Errorf("promtest: finding a free port: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	fmt.Fprintf(s.stderr, "promtest: launch %d on %s\n", attempt, addr)
	// This launch's own log decides whether a failure was a port race; the
	// shared buffer keeps every launch for the reader of a failed test.
	thisLaunch := &logBuffer{limit: stderrLimit}
	writers := []io.Writer{s.stderr, thisLaunch}
	if s.extraLog != nil {
		writers = append(writers, s.extraLog)
	}
	logw := io.MultiWriter(writers...)
	cmd := exec.Command(s.bin.Prometheus,
		"--config.file="+s.cfgFile,
		"--storage.tsdb.path="+s.dbDir,
		"--storage.tsdb.retention.time=100y",
		"--web.listen-address="+addr,
	)
	cmd.Dir = s.dir
	cmd.Stdout = logw
	cmd.Stderr = logw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("promtest: starting %s: %w", s.bin.Prometheus, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	s.URL = "http://" + addr

	err = s.waitReady(ctx, readyTimeout, thisLaunch)
	if err == nil {
		return nil
	}
	s.kill()
	if strings.Contains(thisLaunch.String(), "address already in use") {
		return fmt.Errorf("promtest: %s: %w", addr, errAddrInUse)
	}
	return fmt.Errorf("promtest: %w\nprometheus log:\n%s", err, tail(s.stderr.String(), 8192))
}

// readyLine is what Prometheus logs once it serves; with it, a 200 from
// /-/ready is known to come from our process and not from another server
// that took the port first.
const readyLine = "Server is ready to receive web requests."

// waitReady polls /-/ready until it answers 200 and the launch's log says
// it is ready, the process exits, ctx ends or the timeout passes.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration, launchLog *logBuffer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return fmt.Errorf("prometheus exited before it was ready (%s)", s.cmd.ProcessState)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/-/ready", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(launchLog.String(), readyLine) {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("prometheus exited before it was ready (%s)", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("prometheus not ready at %s: %w", s.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// kill ends the current process at once and waits for it.
func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// pickPort is freePort; tests replace it to provoke a port race.
var pickPort = freePort

// freePort asks the kernel for a free loopback port. Another process may take
// it before Prometheus binds it; launch retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop ends Prometheus: SIGTERM, then SIGKILL if it has not exited within
// 10 s. Later requests to URL fail with "connection refused". Stop is safe to
// call more than once; the data directory stays until Close.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.NewTimer(stopGrace)
		defer timer.Stop()
		select {
		case <-s.done:
		case <-timer.C:
			_ = s.cmd.Process.Kill()
			<-s.done
			s.stopErr = fmt.Errorf("promtest: prometheus ignored SIGTERM for %s and was killed", stopGrace)
		}
	})
	return s.stopErr
}

// Close stops Prometheus and removes the directory if StartProcess made it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		err := s.Stop()
		if s.ownDir {
			if rerr := os.RemoveAll(s.dir); rerr != nil && err == nil {
				err = fmt.Errorf("promtest: removing %s: %w", s.dir, rerr)
			}
		}
		s.closeErr = err
	})
	return s.closeErr
}

// Stderr returns what Prometheus has logged so far (the last 1 MiB).
func (s *Server) Stderr() string { return s.stderr.String() }

// Dir returns the server's working directory.
func (s *Server) Dir() string { return s.dir }

// logBuffer is a goroutine-safe buffer that keeps the last limit bytes.
type logBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.limit; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
