package api

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// limiter bounds the judgements that run at once. A request beyond the
// bound waits at most wait for a slot and is then refused (503,
// "overloaded"): Argo records an Error and asks again 10 s later, which is
// better than queueing behind a slow backend until its own timeout. A
// request that is several judgements (both references) takes a slot for
// each.
type limiter struct {
	slots chan struct{}
	// turn is held by the request that is taking its slots, so that two
	// requests never each hold a part of what they need and wait for the
	// rest.
	turn chan struct{}
	wait time.Duration
}

// newLimiter allows n judgements at once; n <= 0 means no limit (nil).
func newLimiter(n int, wait time.Duration) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{slots: make(chan struct{}, n), turn: make(chan struct{}, 1), wait: wait}
}

// acquire takes a slot for each of n judgements (at most the bound),
// waiting at most l.wait in all and never past ctx. The caller must call
// release once done.
func (l *limiter) acquire(ctx context.Context, n int) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	n = max(1, min(n, cap(l.slots)))
	taken := 0
	release = func() {
		for range taken {
			<-l.slots
		}
	}
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	if err := l.take(ctx, l.turn, timer.C); err != nil {
		return nil, err
	}
	defer func() { <-l.turn }()
	for taken < n {
		if err := l.take(ctx, l.slots, timer.C); err != nil {
			release()
			return nil, err
		}
		taken++
	}
	return release, nil
}

// take puts a token in ch, at once when there is room, else waiting until
// expired fires or ctx ends.
func (l *limiter) take(ctx context.Context, ch chan struct{}, expired <-chan time.Time) error {
	select {
	case ch <- struct{}{}:
		return nil
	default:
	}
	select {
	case ch <- struct{}{}:
		return nil
	case <-expired:
		return &apiError{typ: errOverloaded, err: fmt.Errorf("%d judgements are running, the most this service runs at once; none finished within %s: retry later", cap(l.slots), l.wait)}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return &apiError{typ: errCanceled, err: fmt.Errorf("waiting for a judgement slot: %w", ctx.Err())}
		}
		return &apiError{typ: errOverloaded, err: fmt.Errorf("no judgement slot before the deadline (%d running): %w", cap(l.slots), ctx.Err())}
	}
}
