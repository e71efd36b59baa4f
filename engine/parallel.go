package engine

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

// maxParallelQueries bounds how many backend calls of one judgement run at
// once.
const maxParallelQueries = 6

// runAll runs the tasks, at most limit at a time. The first failure cancels
// the others and is returned, not the cancellations it caused. A task that
// panics fails with a *PanicError instead of taking the process down. When
// the caller's context ends before every task could run, the answer is a
// timeout or cancellation error: never a partial success.
func runAll(ctx context.Context, limit int, tasks []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, limit)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, task := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			if err := safely(ctx, task); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		kind := providers.Timeout
		if errors.Is(err, context.Canceled) {
			kind = providers.Canceled
		}
		return &QueryError{Metric: "(not started)", Err: &providers.Error{Kind: kind, Err: err}}
	}
	return nil
}

// safely runs task and turns a panic into a *PanicError.
func safely(ctx context.Context, task func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return task(ctx)
}
