package report

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/canary-analyzer/canary-analyzer/request"
)

// Paths of the pages, relative to the service's root.
const (
	IndexPath = "/"
	// PagePath is followed by the link's path segments.
	PagePath = "/report/"
)

// revisionName is the link's segment name for the rule-set revision,
// after the request's own fields.
const revisionName = "rev"

// revisionForm is a revision: hex digits (rules' revisions have 12).
var revisionForm = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// Link is what a report's URL holds: the judgement's request (its end set,
// so that the same window is judged again) and the revision of the rule
// set that judged it.
type Link struct {
	Request  request.Request
	Revision string
}

// Path is the link's path below PagePath: the request's fields as the
// request package writes them into path segments (series left out: a
// report always has them), then rev and the revision.
func (l Link) Path() string {
	r := l.Request
	r.Series = false
	p := r.Segments()
	if l.Revision != "" {
		p += "/" + revisionName + "/" + l.Revision
	}
	return p
}

// ParseLink reads a link's path (below PagePath) strictly, as the API
// reads a request (request.ParseSegments), with rev besides. Errors are
// *request.Error naming the field.
func ParseLink(path string) (Link, error) {
	var l Link
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var rest []string
	seen := false
	for i := 0; i < len(parts); i += 2 {
		if parts[i] != revisionName || i+1 == len(parts) {
			rest = append(rest, parts[i:min(i+2, len(parts))]...)
			continue
		}
		if seen {
			return l, &request.Error{Field: revisionName, Err: fmt.Errorf("%q is given more than once", revisionName)}
		}
		seen = true
		if v := parts[i+1]; !revisionForm.MatchString(v) {
			return l, &request.Error{Field: revisionName, Err: fmt.Errorf("rev %q is not a rule-set revision (hex digits)", v)}
		}
		l.Revision = parts[i+1]
	}
	r, err := request.ParseSegments(strings.Join(rest, "/"))
	if err != nil {
		return l, err
	}
	l.Request = r
	return l, nil
}
