package app

import (
	"errors"
	"fmt"
	"sync"
)

// readiness says why the service should take no traffic: /readyz answers
// 503 with it.
type readiness struct {
	mu        sync.Mutex
	reloadErr error // the last reload's failure; nil once one succeeds
	watchErr  error // why rule changes would go unnoticed
	draining  bool
}

var errDraining = errors.New("shutting down: finishing the judgements in flight")

func (r *readiness) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.draining:
		return errDraining
	case r.reloadErr != nil:
		return fmt.Errorf("the rules served are stale: the rule files did not load (%w)", r.reloadErr)
	case r.watchErr != nil:
		return fmt.Errorf("rule changes would go unnoticed: %w", r.watchErr)
	}
	return nil
}

func (r *readiness) setReload(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reloadErr = err
}

func (r *readiness) setWatch(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watchErr = err
}

func (r *readiness) drain() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.draining = true
}
