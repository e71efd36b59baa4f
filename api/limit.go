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
// better than queueing behind a slow backend until its own timeout.
type limiter struct {
	slots chan struct{}
	wait  time.Duration
}

// newLimiter allows n judgements at once; n <= 0 means no limit (nil).
func newLimiter(n int, wait time.Duration) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most l.wait and never past ctx. The
// caller must call release once done.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, &apiError{typ: errOverloaded, err: fmt.Errorf("%d judgements are running, the most this service runs at once; none finished within %s: retry later", cap(l.slots), l.wait)}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, &apiError{typ: errCanceled, err: fmt.Errorf("waiting for a judgement slot: %w", ctx.Err())}
		}
		return nil, &apiError{typ: errOverloaded, err: fmt.Errorf("no judgement slot before the deadline (%d running): %w", cap(l.slots), ctx.Err())}
	}
}
