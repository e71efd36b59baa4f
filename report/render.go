package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

//go:embed templates
var files embed.FS

// style is the pages' one style sheet, inlined; its hash is in the
// Content-Security-Policy.
var style = func() string {
	b, err := files.ReadFile("templates/style.css")
	if err != nil {
		panic("report: " + err.Error())
	}
	return string(b)
}()

// ContentSecurityPolicy is the pages' policy: no scripts, no resources
// from anywhere, the one inline style sheet, no forms, no framing.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// Reports renders the pages and keeps the recent judgements.
type Reports struct {
	o       Options
	version string
	recent  recent
	pages   map[string]*template.Template
	now     func() time.Time
}

// New checks o and prepares the pages; version is shown in their footer.
func New(o Options, version string) (*Reports, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	r := &Reports{o: o, version: version, recent: recent{max: o.Recent}, now: time.Now}
	funcs := template.FuncMap{
		"style":   func() template.CSS { return template.CSS(style) },
		"version": func() string { return r.version },
		"add":     func(a, b float64) float64 { return a + b },
		"pvalue":  func(p wire.Float) string { return pValue(float64(p)) },
	}
	r.pages = map[string]*template.Template{}
	for _, name := range []string{"page", "index", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/chart.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		r.pages[name] = t.Lookup(name + ".html")
	}
	return r, nil
}

// Record notes a judgement the API made and returns its report's URL, for
// the summary Argo stores.
func (r *Reports) Record(req request.Request, resp *wire.Response) string {
	l := LinkOf(req, resp)
	u := r.o.URL(l)
	r.recent.add(entryOf(r.now(), l, u, resp))
	return u
}

// LinkOf is the link of a judgement: its request with the judged window's
// end, so that the report judges the same window, and the rule set's
// revision.
func LinkOf(req request.Request, resp *wire.Response) Link {
	req.End = resp.Window.End
	req.Series = false
	return Link{Request: req, Revision: resp.RuleSetRevision}
}

// WritePage writes a judgement's report.
func (r *Reports) WritePage(w io.Writer, p Page) error {
	return r.execute(w, "page", r.o.view(p))
}

// WriteIndex writes the index: the recent judgements and the rule sets'
// effective values per environment.
func (r *Reports) WriteIndex(w io.Writer, sets map[string]*rules.RuleSet) error {
	return r.execute(w, "index", r.indexView(sets, r.o.Environment))
}

// WriteError writes the page of a report that could not be made.
func (r *Reports) WriteError(w io.Writer, title, message, field string) error {
	return r.execute(w, "error", struct{ Title, Message, Field, Index string }{title, message, field, r.o.prefix() + IndexPath})
}

// execute renders into a buffer first, so that a template error never
// leaves half a page.
func (r *Reports) execute(w io.Writer, page string, data any) error {
	var b bytes.Buffer
	if err := r.pages[page].Execute(&b, data); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
