package engine

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// flights coalesces identical backend queries that run at the same time:
// two judgements of one rollout (Argo retrying, the canary and a baseline
// judge, several analysis runs) that ask the same query over the same range
// share one call to the backend. Only calls in flight are shared; an answer
// is never reused after its call returns, so no judgement sees data older
// than its own request. The zero value is ready to use.
type flights struct {
	mu    sync.Mutex
	calls map[flightKey]*flight
}

// flightKey identifies a query: its backend, expression, range and step.
// backend is the client the query is sent to (services that differ in
// their clients, such as a copy whose clients rewrite queries, never share
// a call).
type flightKey struct {
	source     providers.Type
	backend    any
	expr       string
	start, end time.Time
	step       time.Duration
}

// flightGroups guards the lazy creation of each Service's flights.
var flightGroups sync.Mutex

// flightGroup returns the Service's flights, made on first use.
func (s *Service) flightGroup() *flights {
	flightGroups.Lock()
	defer flightGroups.Unlock()
	if s.flights == nil {
		s.flights = &flights{}
	}
	return s.flights
}

// fetched is a backend's answer to a query and what it cost the backend.
type fetched struct {
	matrix model.Matrix
	// linesRead are the log lines the backend says it read (Loki); zero
	// when it does not say.
	linesRead int64
}

// flight is one backend call and the judgements waiting for it.
type flight struct {
	done    chan struct{}
	answer  fetched
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do returns the answer of the call for key, making it with run unless an
// identical one is in flight, and whether the answer was shared with an
// earlier caller. The call runs under a context of its own, with the first
// caller's deadline and values but cancelled only when every caller waiting
// for it has gone: one judgement timing out does not fail the others.
// Callers must treat the result as read-only.
func (f *flights) do(ctx context.Context, key flightKey, run func(context.Context) (fetched, error)) (fetched, bool, error) {
	if key.backend != nil && !reflect.TypeOf(key.backend).Comparable() {
		// A client that cannot be told apart from another: no sharing.
		a, err := run(ctx)
		return a, false, err
	}
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[flightKey]*flight{}
	}
	c, shared := f.calls[key]
	if !shared {
		cctx := context.WithoutCancel(ctx)
		var cancel context.CancelFunc
		if deadline, ok := ctx.Deadline(); ok {
			cctx, cancel = context.WithDeadline(cctx, deadline)
		} else {
			cctx, cancel = context.WithCancel(cctx)
		}
		c = &flight{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go func() {
			// A backend client that panics fails the call (a *PanicError
			// for every waiter), not the process.
			c.err = safely(cctx, func(ctx context.Context) (err error) {
				c.answer, err = run(ctx)
				return err
			})
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			cancel()
			close(c.done)
		}()
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.answer, shared, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			// Nobody wants the answer: stop the call, and let the next
			// caller start a call of its own rather than join a
			// cancelled one.
			c.cancel()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
		}
		f.mu.Unlock()
		return fetched{}, shared, contextError(key.source, ctx)
	}
}

// contextError is the error of a caller that stopped waiting for source
// because ctx ended: Canceled when it was cancelled, Timeout when its
// deadline passed.
func contextError(source providers.Type, ctx context.Context) error {
	kind := providers.Timeout
	if errors.Is(ctx.Err(), context.Canceled) {
		kind = providers.Canceled
	}
	return &providers.Error{Backend: source, Kind: kind, Err: ctx.Err()}
}
