package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/providers"
)

func TestLogMemo(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	key := logKey{source: providers.TypeLoki, expr: `{pod=~"a-.+"}`, start: at, end: at.Add(30 * time.Minute), limit: 100}
	t.Run("one read for identical calls, each caller its own entries", func(t *testing.T) {
		t.Parallel()
		var memo logMemo
		var reads atomic.Int32
		release := make(chan struct{})
		read := func(context.Context) (providers.LogResult, error) {
			reads.Add(1)
			<-release // the other callers arrive while the read runs
			return providers.LogResult{Entries: []providers.LogEntry{{Line: "a"}, {Line: "b"}}}, nil
		}
		results := make([]providers.LogResult, 3)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				res, err := memo.do(context.Background(), key, read)
				if err != nil {
					t.Error(err)
				}
				results[i] = res
			})
		}
		time.Sleep(10 * time.Millisecond)
		close(release)
		wg.Wait()
		if n := reads.Load(); n != 1 {
			t.Errorf("%d reads, want 1", n)
		}
		results[0].Entries[0].Line = "changed" // as keepOwn filters in place
		if results[1].Entries[0].Line != "a" || results[2].Entries[0].Line != "a" {
			t.Errorf("callers share entries: %v", results)
		}
		other := key
		other.limit = 50
		if _, err := memo.do(context.Background(), other, read); err != nil || reads.Load() != 2 {
			t.Errorf("another limit: %v, %d reads, want 2", err, reads.Load())
		}
	})
	t.Run("a failed read fails every caller", func(t *testing.T) {
		t.Parallel()
		var memo logMemo
		boom := errors.New("boom")
		for range 2 {
			if _, err := memo.do(context.Background(), key, func(context.Context) (providers.LogResult, error) {
				return providers.LogResult{}, boom
			}); !errors.Is(err, boom) {
				t.Errorf("got %v, want boom", err)
			}
		}
	})
	t.Run("a caller whose context ends stops waiting", func(t *testing.T) {
		t.Parallel()
		var memo logMemo
		release := make(chan struct{})
		defer close(release)
		go memo.do(context.Background(), key, func(context.Context) (providers.LogResult, error) {
			<-release
			return providers.LogResult{}, nil
		})
		for {
			memo.mu.Lock()
			started := memo.calls[key] != nil
			memo.mu.Unlock()
			if started {
				break
			}
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := memo.do(ctx, key, func(context.Context) (providers.LogResult, error) {
			t.Error("a second read")
			return providers.LogResult{}, nil
		})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.Canceled {
			t.Errorf("got %v, want a canceled error", err)
		}
		// A deadline that passes is a timeout, as for a series query.
		ctx, cancel = context.WithDeadline(context.Background(), time.Now())
		defer cancel()
		if _, err := memo.do(ctx, key, nil); !errors.As(err, &pe) || pe.Kind != providers.Timeout || pe.Backend != providers.TypeLoki {
			t.Errorf("got %v, want a Loki timeout", err)
		}
	})
}
