package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestRunAll(t *testing.T) {
	t.Parallel()
	t.Run("all succeed within the limit", func(t *testing.T) {
		var running, most atomic.Int32
		var tasks []func(context.Context) error
		for range 20 {
			tasks = append(tasks, func(context.Context) error {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
				return nil
			})
		}
		if err := runAll(context.Background(), 3, tasks); err != nil {
			t.Fatal(err)
		}
		if most.Load() > 3 {
			t.Errorf("%d tasks ran at once, limit 3", most.Load())
		}
	})
	t.Run("the first failure is returned and cancels the rest", func(t *testing.T) {
		boom := errors.New("boom")
		tasks := []func(context.Context) error{
			func(context.Context) error { return boom },
			func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			},
		}
		if err := runAll(context.Background(), 2, tasks); !errors.Is(err, boom) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a task that panics fails the run and cancels the rest", func(t *testing.T) {
		var cancelled atomic.Bool
		tasks := []func(context.Context) error{
			func(context.Context) error {
				var p *providers.Error
				return p.Err // nil pointer dereference
			},
			func(ctx context.Context) error {
				<-ctx.Done()
				cancelled.Store(true)
				return ctx.Err()
			},
		}
		err := runAll(context.Background(), 2, tasks)
		var pe *PanicError
		if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "nil pointer") {
			t.Errorf("got %v", err)
		}
		if !cancelled.Load() {
			t.Error("the other task was not cancelled")
		}
	})
	t.Run("a deadline before all tasks ran is a timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		// Each task holds the only slot until the deadline and then claims
		// success: the tasks that never ran must still make it a failure.
		var started atomic.Int32
		block := func(ctx context.Context) error { started.Add(1); <-ctx.Done(); return nil }
		err := runAll(ctx, 1, []func(context.Context) error{block, block, block})
		if n := started.Load(); n != 1 {
			t.Errorf("%d tasks started after the deadline or beside the one slot", n)
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.Timeout {
			t.Errorf("got %v", err)
		}
	})
}
