package api

import (
	"errors"
	"fmt"
	"mime"

	"github.com/gin-gonic/gin"
)

var (
	errLifecycleOff = errors.New("the lifecycle API is off: start the service with --web.enable-lifecycle, or reload with SIGHUP")
	errFromBrowser  = errors.New("refusing a reload sent by a web page (it carries Origin or Sec-Fetch-Site)")
)

// simpleTypes are the content types a web page may POST to any site without
// the browser asking that site first (CORS "simple requests").
var simpleTypes = map[string]bool{
	"text/plain":                        true,
	"application/x-www-form-urlencoded": true,
	"multipart/form-data":               true,
}

// reload reloads the rules on POST /-/reload, which is off unless
// --web.enable-lifecycle is set (as in Prometheus). A request a web page
// could send cross-site is refused: one with a simple-request content type,
// or one that a browser marked with Origin or Sec-Fetch-Site.
func (a *API) reload(c *gin.Context) result {
	if !a.o.EnableLifecycle {
		return result{err: &apiError{typ: errForbidden, err: errLifecycleOff}}
	}
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || simpleTypes[mt] {
			return result{err: badData("Content-Type", fmt.Errorf("a reload takes no %q body: send none", ct))}
		}
	}
	if c.GetHeader("Origin") != "" || c.GetHeader("Sec-Fetch-Site") != "" {
		return result{err: &apiError{typ: errForbidden, err: errFromBrowser}}
	}
	if a.o.Reload == nil {
		return result{err: errNoReload}
	}
	if err := a.o.Reload(); err != nil {
		return result{err: err}
	}
	return result{status: 200, data: statusBody{Status: "success"}}
}
