package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// TestLimiter runs in a synctest bubble: time is fake and synctest.Wait
// returns once every goroutine is blocked, so each step is exact.
func TestLimiter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(2, time.Second)
		r1, err1 := l.acquire(t.Context(), 1)
		r2, err2 := l.acquire(t.Context(), 1)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		// A third waits; once a slot frees within the wait it runs.
		got := make(chan error, 1)
		go func() {
			r, err := l.acquire(t.Context(), 1)
			if err == nil {
				r()
			}
			got <- err
		}()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("acquired beyond the bound: %v", err)
		default:
		}
		time.Sleep(500 * time.Millisecond)
		r1()
		if err := <-got; err != nil {
			t.Fatalf("a freed slot was not taken: %v", err)
		}
		// Full again: a request that waits its whole wait is overloaded, at
		// exactly the wait.
		r1, _ = l.acquire(t.Context(), 1)
		start := time.Now()
		_, err := l.acquire(t.Context(), 1)
		var ae *apiError
		if !errors.As(err, &ae) || ae.typ != errOverloaded || time.Since(start) != time.Second {
			t.Errorf("got %v after %v", err, time.Since(start))
		}
		// A deadline before the wait ends the wait.
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err = l.acquire(ctx, 1)
		if !errors.As(err, &ae) || ae.typ != errOverloaded || time.Since(start) != 1100*time.Millisecond {
			t.Errorf("got %v", err)
		}
		r1()
		r2()
		if len(l.slots) != 0 {
			t.Errorf("%d slots still held", len(l.slots))
		}
	})
	if newLimiter(0, time.Second) != nil {
		t.Error("a bound of 0 is no bound")
	}
}

// TestLimiterCountsEachJudgement: a both-references request is two
// judgements and takes two slots; one that waits for its second slot holds
// its first while the next waits its turn, and one whose wait ends gives
// back what it took.
func TestLimiterCountsEachJudgement(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(3, time.Second)
		one, err := l.acquire(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		two, err := l.acquire(t.Context(), 2)
		if err != nil || len(l.slots) != 3 {
			t.Fatalf("%v; %d slots held, want 3", err, len(l.slots))
		}
		start := time.Now()
		var ae *apiError
		if _, err := l.acquire(t.Context(), 1); !errors.As(err, &ae) || ae.typ != errOverloaded || time.Since(start) != time.Second {
			t.Errorf("beyond the bound: %v after %v", err, time.Since(start))
		}
		two()
		if len(l.slots) != 1 {
			t.Errorf("%d slots held after a release of two, want 1", len(l.slots))
		}
		one()
		// Two requests of two judgements each, one slot free: the first
		// takes it and waits for a second while the other waits its turn;
		// both run, one after the other.
		two, err = l.acquire(t.Context(), 2)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 2)
		for range 2 {
			go func() {
				r, err := l.acquire(t.Context(), 2)
				if err == nil {
					time.Sleep(100 * time.Millisecond)
					r()
				}
				got <- err
			}()
		}
		synctest.Wait()
		if len(l.slots) != 3 {
			t.Errorf("%d slots held, want 3", len(l.slots))
		}
		time.Sleep(100 * time.Millisecond)
		two()
		for range 2 {
			if err := <-got; err != nil {
				t.Errorf("a request of two judgements: %v", err)
			}
		}
		// A wait that ends with one of two slots taken gives it back.
		hold, _ := l.acquire(t.Context(), 2)
		if _, err := l.acquire(t.Context(), 2); !errors.As(err, &ae) || ae.typ != errOverloaded {
			t.Errorf("got %v", err)
		}
		hold()
		if len(l.slots) != 0 {
			t.Errorf("%d slots still held", len(l.slots))
		}
		// More judgements than the bound take the whole bound.
		all, err := newLimiter(1, time.Second).acquire(t.Context(), 2)
		if err != nil {
			t.Fatal(err)
		}
		all()
	})
}

// blockingJudger holds every judgement until release is closed.
type blockingJudger struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingJudger) Judge(ctx context.Context, _ request.Request) (*wire.Response, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return okResponse, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestConcurrencyLimit: beyond --query.max-concurrency a request waits its
// queue wait and is answered 503 "overloaded", which Argo retries (issue
// 12, section 6).
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	j := &blockingJudger{entered: make(chan struct{}, 10), release: make(chan struct{})}
	srv := serveAPI(t, Options{Judger: j, Timeout: 10 * time.Second, MaxConcurrent: 2, QueueWait: 20 * time.Millisecond})
	var wg sync.WaitGroup
	statuses := make(chan int, 2)
	for range 2 {
		wg.Go(func() {
			res, err := http.Get(srv.URL + "/api/v1/judge?" + validQuery)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	<-j.entered
	<-j.entered
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, ""), 503, "overloaded", "")
	close(j.release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Errorf("a judgement within the bound answered %d", s)
		}
	}
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, ""), 200, "", "")
}

// TestBothReferencesTakeTwoSlots: a both-references request is two
// judgements, so with --query.max-concurrency 2 it leaves no slot for
// another request.
func TestBothReferencesTakeTwoSlots(t *testing.T) {
	t.Parallel()
	j := &blockingJudger{entered: make(chan struct{}, 10), release: make(chan struct{})}
	srv := serveAPI(t, Options{Judger: j, Timeout: 5 * time.Second, MaxConcurrent: 2, QueueWait: 20 * time.Millisecond})
	const both = "namespace=shop&rollout=web&canaryReplicaSet=web-6d4f9c7b8-2-1-canary&stableReplicaSet=web-6d4f9c7b8-2-1-baseline&stableHash=7c9d5b6f4d&ruleSet=http-service"
	done := make(chan int, 1)
	go func() {
		res, err := http.Get(srv.URL + "/api/v1/judge?" + both)
		if err != nil {
			t.Error(err)
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	<-j.entered
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, ""), 503, "overloaded", "")
	close(j.release)
	if s := <-done; s != 200 {
		t.Errorf("the both-references request answered %d", s)
	}
	checkResponse(t, do(t, "GET", srv.URL+"/api/v1/judge?"+validQuery, ""), 200, "", "")
}
