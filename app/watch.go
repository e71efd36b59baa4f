package app

import (
	"context"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// debounce waits for a burst of file events to settle: a ConfigMap update
// swaps several symlinks at once.
const debounce = time.Second

// watchRules reloads the rules when a file in dir changes. Kubernetes
// updates a mounted ConfigMap by swapping a symlink in the directory, which
// shows up as events on the directory itself.
func watchRules(ctx context.Context, dir string, reload func() error, log *zap.Logger) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("cannot watch the rules directory; reload with SIGHUP or POST /-/reload", zap.Error(err))
		return
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		log.Warn("cannot watch the rules directory; reload with SIGHUP or POST /-/reload", zap.String("dir", dir), zap.Error(err))
		return
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Remove|fsnotify.Rename) != 0 {
				timer = time.After(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			log.Warn("watching the rules directory", zap.Error(err))
		case <-timer:
			timer = nil
			log.Info("rule files changed; reloading")
			_ = reload()
		}
	}
}
