package report

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canary-analyzer/canary-analyzer/request"
)

// TestLinkRoundTrip: a report's URL, under any external URL, reads back
// as the same judgement inputs.
func TestLinkRoundTrip(t *testing.T) {
	t.Parallel()
	base := request.Request{
		Target:  request.Target{Namespace: "shop", CanaryHash: "5f6b7c8d9e", StableHash: "7c9d5b6f4d"},
		RuleSet: "http-service",
	}
	full := base
	full.Rollout = "web.v2"
	full.Lookback = 90 * time.Minute
	full.End = time.Date(2026, 11, 25, 14, 5, 0, 123_456_789, time.UTC)
	cases := []struct {
		name     string
		link     Link
		external string
		prefix   string // what the URL starts with
	}{
		{"minimal, a path", Link{Request: base}, "", "/report/namespace/shop/canaryHash/"},
		{"every field", Link{Request: full, Revision: "7e72f1a1d5c7"}, "", "/report/namespace/shop/rollout/web.v2/"},
		{"external URL", Link{Request: full, Revision: "7e72f1a1d5c7"}, "https://canary.example.com", "https://canary.example.com/report/namespace/"},
		{"external URL with a path", Link{Request: full, Revision: "ab"}, "https://example.com/tools/analyzer/", "https://example.com/tools/analyzer/report/namespace/"},
		{"end at a whole second", Link{Request: func() request.Request {
			r := base
			r.End = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
			return r
		}()}, "http://10.0.0.1:8080", "http://10.0.0.1:8080/report/"},
		{"a namespace named rev", Link{Request: func() request.Request {
			r := base
			r.Namespace = "rev"
			return r
		}(), Revision: "ab"}, "", "/report/namespace/rev/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u := Options{ExternalURL: c.external}.URL(c.link)
			if !strings.HasPrefix(u, c.prefix) {
				t.Fatalf("URL %s does not start with %s", u, c.prefix)
			}
			if strings.ContainsAny(u, "&<>") {
				t.Errorf("URL %s holds a character encoding/json escapes", u)
			}
			p, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			_, rest, ok := strings.Cut(p.EscapedPath(), PagePath)
			if !ok {
				t.Fatalf("URL %s is not below %s", u, PagePath)
			}
			back, err := ParseLink(rest)
			if err != nil {
				t.Fatalf("ParseLink(%q): %v", rest, err)
			}
			if !sameLink(back, c.link) {
				t.Errorf("%s reads back as %+v, want %+v", u, back, c.link)
			}
		})
	}
	t.Run("series is left out", func(t *testing.T) {
		r := full
		r.Series = true
		if q := (Link{Request: r}).Path(); strings.Contains(q, "series") {
			t.Errorf("link %s asks for series", q)
		}
	})
}

func sameLink(a, b Link) bool {
	return a.Request.Target == b.Request.Target && a.Request.RuleSet == b.Request.RuleSet &&
		a.Request.Lookback == b.Request.Lookback && a.Request.End.Equal(b.Request.End) &&
		a.Request.Series == b.Request.Series && a.Revision == b.Revision
}

// TestParseLinkErrors: a malformed link is a request error naming the
// field, as the API's are.
func TestParseLinkErrors(t *testing.T) {
	t.Parallel()
	const ok = "namespace/shop/canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service"
	cases := []struct{ name, path, field string }{
		{"revision twice", ok + "/rev/ab/rev/cd", "rev"},
		{"revision not hex", ok + "/rev/xyz", "rev"},
		{"revision in capitals", ok + "/rev/AB", "rev"},
		{"revision escaped", ok + "/rev/%61b", "rev"},
		{"empty revision", ok + "/rev/", "rev"},
		{"revision too long", ok + "/rev/" + strings.Repeat("a", 65), "rev"},
		{"unknown name", ok + "/revision/ab", "revision"},
		{"missing namespace", "canaryHash/5f6b7c8d9e/stableHash/7c9d5b6f4d/ruleSet/http-service", "namespace"},
		{"script in a hash", "namespace/shop/canaryHash/5f6b7c8d9e/stableHash/%3Cscript%3E/ruleSet/http-service", "stableHash"},
		{"a query string", "?namespace=shop", "?namespace=shop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseLink(c.path)
			var re *request.Error
			if !errors.As(err, &re) || re.Field != c.field {
				t.Errorf("ParseLink(%q) = %v, want an error in field %s", c.path, err, c.field)
			}
		})
	}
}
