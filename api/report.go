package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/canary-analyzer/canary-analyzer/report"
)

// registerReports adds the HTML pages: the index and a judgement's report.
func (a *API) registerReports(r gin.IRoutes) {
	if a.o.Reports == nil {
		return
	}
	r.GET(report.IndexPath, a.reportIndex)
	r.GET(report.PagePath+"*link", a.reportPage)
}

// reportPage judges the link's request again, with its series, and
// renders the report. Report views are not counted as judgements.
func (a *API) reportPage(c *gin.Context) {
	if c.Request.URL.RawQuery != "" {
		a.htmlError(c, badData("query", errors.New("a report's link is its path; it takes no query string")))
		return
	}
	path, ok := strings.CutPrefix(c.Request.URL.EscapedPath(), report.PagePath)
	if !ok {
		a.htmlError(c, badData("path", fmt.Errorf("a report's path starts with %s", report.PagePath)))
		return
	}
	l, err := report.ParseLink(path)
	if err != nil {
		a.htmlError(c, err)
		return
	}
	req := l.Request
	req.Series = true
	ctx, done, err := a.slot(c.Request.Context(), judgements(req)) // a report is a judgement: it waits for a slot like one
	if err != nil {
		a.htmlError(c, err)
		return
	}
	defer done()
	resp, err := a.o.Judger.Judge(ctx, req)
	if err != nil {
		a.htmlError(c, err)
		return
	}
	var b bytes.Buffer
	p := report.Page{Response: resp, Link: l, RuleSet: a.o.Rules.RuleSets()[req.RuleSet]}
	if err := a.o.Reports.WritePage(&b, p); err != nil {
		a.htmlError(c, fmt.Errorf("rendering the report: %w", err))
		return
	}
	writeHTML(c, http.StatusOK, b.Bytes())
}

func (a *API) reportIndex(c *gin.Context) {
	var b bytes.Buffer
	if err := a.o.Reports.WriteIndex(&b, a.o.Rules.RuleSets()); err != nil {
		a.htmlError(c, fmt.Errorf("rendering the index: %w", err))
		return
	}
	writeHTML(c, http.StatusOK, b.Bytes())
}

// htmlError answers a page that could not be made with the status and
// message the JSON API would give.
func (a *API) htmlError(c *gin.Context, err error) {
	ae, status := a.failed(c, "report failed", err)
	var b bytes.Buffer
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if werr := a.o.Reports.WriteError(&b, title, err.Error(), ae.field); werr != nil {
		c.String(http.StatusInternalServerError, "rendering the error page: %v", werr)
		return
	}
	writeHTML(c, status, b.Bytes())
}

// writeHTML sends a page with the headers every page carries: no script,
// no outside resource, no framing, no caching, no referrer.
func writeHTML(c *gin.Context, status int, body []byte) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", report.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", body)
}
