package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestRunAll(t *testing.T) {
	t.Parallel()
	t.Run("exactly the limit at once until the tasks run out", func(t *testing.T) {
		// In a synctest bubble, synctest.Wait returns once every goroutine
		// is blocked: the tasks holding a slot on release, the others
		// waiting for a slot. Counting the running tasks then is exact, so
		// a broken limit fails every time, not by chance.
		synctest.Test(t, func(t *testing.T) {
			const n, limit = 20, 3
			var running, ran atomic.Int32
			release := make(chan struct{})
			tasks := make([]func(context.Context) error, n)
			for i := range tasks {
				tasks[i] = func(context.Context) error {
					running.Add(1)
					<-release
					running.Add(-1)
					ran.Add(1)
					return nil
				}
			}
			done := make(chan error, 1)
			go func() { done <- runAll(t.Context(), limit, tasks) }()
			for finished := range n {
				synctest.Wait()
				if got, want := running.Load(), int32(min(limit, n-finished)); got != want {
					t.Fatalf("%d tasks running after %d finished, want %d", got, finished, want)
				}
				release <- struct{}{}
			}
			if err := <-done; err != nil || ran.Load() != n {
				t.Errorf("%d of %d tasks ran: %v", ran.Load(), n, err)
			}
		})
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
		started := make(chan struct{})
		tasks := []func(context.Context) error{
			func(context.Context) error {
				<-started // the other task runs before this one panics
				var p *providers.Error
				return p.Err // nil pointer dereference
			},
			func(ctx context.Context) error {
				close(started)
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
		synctest.Test(t, func(t *testing.T) { // the bubble's clock: no real wait
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			// Each task holds the only slot until the deadline and then
			// claims success: the tasks that never ran must still make it
			// a failure.
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
	})
}
