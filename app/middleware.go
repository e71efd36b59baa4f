package app

import (
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
)

// accessLog logs one line per request, except for the paths in skip
// (probes and scrapes would drown everything else).
func accessLog(log *zap.Logger, skip ...string) gin.HandlerFunc {
	skipped := map[string]bool{}
	for _, p := range skip {
		skipped[p] = true
	}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		if skipped[c.Request.URL.Path] {
			return
		}
		log.Info("request",
			zap.String("method", c.Request.Method),
			zap.String("path", c.Request.URL.Path),
			zap.String("query", c.Request.URL.RawQuery),
			zap.Int("status", c.Writer.Status()),
			zap.Duration("duration", time.Since(start)),
			zap.String("remote", c.ClientIP()))
	}
}

// recovery turns a panic into a logged 500 JSON error instead of a dropped
// connection.
func recovery(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic while serving", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{
					"status": "error", "errorType": "internal", "error": "internal error",
				})
			}
		}()
		c.Next()
	}
}
