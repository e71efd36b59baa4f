package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

const (
	// debounce waits for a burst of file events to settle: a ConfigMap
	// update swaps several symlinks at once.
	debounce = time.Second
	// rearmEvery is how often the watcher tries again to watch a rules
	// directory that is missing.
	rearmEvery = 5 * time.Second
)

// rulesWatcher reloads the rules when they change. It watches the
// directory and its parent, so that it survives what happens to the
// directory itself: Kubernetes updates a mounted ConfigMap by swapping a
// symlink inside it, and an operator or a sidecar may remove the
// directory, recreate it, or point a symlink of that name elsewhere. While
// the directory is missing the reload fails, which makes the service
// unready (the rules served are stale); once it is back, the rules load
// again.
type rulesWatcher struct {
	w           *fsnotify.Watcher
	dir, parent string
	armed       bool
	log         *zap.Logger
}

// watchRules starts watching dir. Call it before the first load, so that
// no change after that load goes unseen, then run the watcher. Without a
// watcher (the system refused one) the service still runs, but is not
// ready: rule changes would go unnoticed.
func watchRules(dir string, state *readiness, log *zap.Logger) *rulesWatcher {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Error("cannot watch the rules directory; reload with SIGHUP", zap.Error(err))
		state.setWatch(err)
		return nil
	}
	dir = filepath.Clean(dir)
	rw := &rulesWatcher{w: w, dir: dir, parent: filepath.Dir(dir), log: log}
	if err := w.Add(rw.parent); err != nil {
		log.Warn("cannot watch the rules directory's parent; a replaced directory goes unnoticed", zap.String("dir", rw.parent), zap.Error(err))
	}
	rw.arm()
	return rw
}

// arm (re)watches the directory itself: after a removal the old watch is
// gone, and after a symlink swap it watches the old target.
func (rw *rulesWatcher) arm() {
	_ = rw.w.Remove(rw.dir)
	err := rw.w.Add(rw.dir)
	rw.armed = err == nil
	if err != nil {
		rw.log.Warn("cannot watch the rules directory; trying again", zap.String("dir", rw.dir), zap.Error(err))
	}
}

// run reloads on changes until ctx ends or the watcher is closed.
func (rw *rulesWatcher) run(ctx context.Context, reload func() error) {
	var timer <-chan time.Time
	rearm := time.NewTicker(rearmEvery)
	defer rearm.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-rw.w.Events:
			if !ok {
				return
			}
			// In the parent only the directory's own name matters.
			if filepath.Dir(ev.Name) == rw.parent && ev.Name != rw.dir {
				continue
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Remove|fsnotify.Rename) != 0 {
				timer = time.After(debounce)
			}
		case err, ok := <-rw.w.Errors:
			if !ok {
				return
			}
			rw.log.Warn("watching the rules directory", zap.Error(err))
		case <-rearm.C:
			if !rw.armed {
				rw.arm()
				if rw.armed {
					rw.log.Info("rules directory is back; reloading")
					_ = reload()
				}
			}
		case <-timer:
			timer = nil
			rw.arm()
			rw.log.Info("rule files changed; reloading")
			_ = reload()
		}
	}
}
