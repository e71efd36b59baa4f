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

// watchRules reloads the rules when they change. It watches the directory
// and its parent, so that it survives what happens to the directory
// itself: Kubernetes updates a mounted ConfigMap by swapping a symlink
// inside it, and an operator or a sidecar may remove the directory,
// recreate it, or point a symlink of that name elsewhere. While the
// directory is missing the reload fails, which makes the service unready
// (the rules served are stale); once it is back, the rules load again.
func watchRules(ctx context.Context, dir string, reload func() error, state *readiness, log *zap.Logger) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Error("cannot watch the rules directory; reload with SIGHUP", zap.Error(err))
		state.setWatch(err)
		return
	}
	defer w.Close()
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := w.Add(parent); err != nil {
		log.Warn("cannot watch the rules directory's parent; a replaced directory goes unnoticed", zap.String("dir", parent), zap.Error(err))
	}
	// arm (re)watches the directory itself: after a removal the old watch
	// is gone, and after a symlink swap it watches the old target.
	armed := false
	arm := func() {
		_ = w.Remove(dir)
		err := w.Add(dir)
		armed = err == nil
		if err != nil {
			log.Warn("cannot watch the rules directory; trying again", zap.String("dir", dir), zap.Error(err))
		}
	}
	arm()
	var timer <-chan time.Time
	rearm := time.NewTicker(rearmEvery)
	defer rearm.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			// In the parent only the directory's own name matters.
			if filepath.Dir(ev.Name) == parent && ev.Name != dir {
				continue
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Remove|fsnotify.Rename) != 0 {
				timer = time.After(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			log.Warn("watching the rules directory", zap.Error(err))
		case <-rearm.C:
			if !armed {
				arm()
				if armed {
					log.Info("rules directory is back; reloading")
					_ = reload()
				}
			}
		case <-timer:
			timer = nil
			arm()
			log.Info("rule files changed; reloading")
			_ = reload()
		}
	}
}
