package engine

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// logMemo shares the log reads of one request: the judgements of a
// both-references request read the canary's, the baseline's and the
// stable pods' lines twice each (each side is in two judgements), and a
// read identical to an earlier or running one (the same query, range and
// limit) waits for its answer instead of asking the backend again.
type logMemo struct {
	mu    sync.Mutex
	calls map[logKey]*logCall
}

// logKey is one log read.
type logKey struct {
	source     providers.Type
	expr       string
	start, end time.Time
	limit      int
}

// logCall is a read, running or done.
type logCall struct {
	done chan struct{}
	res  providers.LogResult
	err  error
}

// do returns read's answer for k, reading it at the first call only. Each
// caller gets its own copy of the entries, which it may filter in place.
func (m *logMemo) do(ctx context.Context, k logKey, read func(context.Context) (providers.LogResult, error)) (providers.LogResult, error) {
	m.mu.Lock()
	if m.calls == nil {
		m.calls = map[logKey]*logCall{}
	}
	c, ok := m.calls[k]
	if !ok {
		c = &logCall{done: make(chan struct{})}
		m.calls[k] = c
	}
	m.mu.Unlock()
	if !ok {
		c.res, c.err = read(ctx)
		close(c.done)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return providers.LogResult{}, contextError(k.source, ctx)
	}
	res := c.res
	res.Entries = slices.Clone(res.Entries)
	return res, c.err
}
