package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/report"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// openAPIDoc loads the embedded description and validates it as an
// OpenAPI 3 document.
func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPI)
	if err != nil {
		t.Fatalf("loading api/openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// TestOpenAPIDocumentsEveryRoute compares the router's routes with the
// description's operations: each route is documented, and each operation
// is a route.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	reg := prometheus.NewRegistry()
	reports, err := report.New(report.Options{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	New(Options{Judger: &fakeJudger{}, Rules: fakeRules{}, Registry: reg, Gatherer: reg, Reports: reports}).Register(e)
	var routes []string
	for _, r := range e.Routes() {
		if r.Path == report.IndexPath || strings.HasPrefix(r.Path, report.PagePath) {
			continue // the HTML pages, not the JSON API (README, "Reports")
		}
		routes = append(routes, r.Method+" "+r.Path)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if !slices.Equal(routes, documented) {
		t.Errorf("routes and documented operations differ:\nrouter:   %v\ndocument: %v", routes, documented)
	}
}

// TestOpenAPIRequestFields: the GET parameters and the POST body's
// properties are the request's fields (package request), with the same
// ones required; and every status a judgement can answer with is
// documented for both.
func TestOpenAPIRequestFields(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	item := doc.Paths.Value(request.Path)
	if item == nil || item.Get == nil || item.Post == nil {
		t.Fatalf("%s lacks GET or POST", request.Path)
	}
	required := map[string]bool{}
	var params []string
	for _, p := range item.Get.Parameters {
		params = append(params, p.Value.Name)
		if p.Value.Required {
			required[p.Value.Name] = true
		}
	}
	if !slices.Equal(params, request.Names()) {
		t.Errorf("GET parameters %v, want the request's fields %v", params, request.Names())
	}
	body := item.Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	// A request with the required fields and one of the body's oneOf
	// pairs (the pods by hash or by ReplicaSet) is valid; one without any
	// required field, without either pair or with both is not.
	values := map[string]string{"namespace": "shop", "canaryHash": "5f6b7c8d9e", "stableHash": "7c9d5b6f4d",
		"canaryReplicaSet": "web-6d4f9c7b8-2-1-canary", "stableReplicaSet": "web-6d4f9c7b8-2-1-baseline", "ruleSet": "http-service"}
	build := func(names ...string) request.Request {
		var r request.Request
		for _, name := range names {
			if err := r.Set(name, values[name]); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	if len(body.OneOf) != 2 {
		t.Fatalf("the POST body has %d oneOf alternatives, want the pods by hash or by ReplicaSet", len(body.OneOf))
	}
	var pairs []string
	for _, alt := range body.OneOf {
		pair := alt.Value.Required
		pairs = append(pairs, pair...)
		r := build(append(slices.Collect(maps.Keys(required)), pair...)...)
		if err := r.Validate(); err != nil {
			t.Errorf("a request with the documented required fields %v and %v is refused: %v", required, pair, err)
		}
		for name := range required {
			missing := r
			if err := missing.Set(name, ""); err != nil {
				t.Fatal(err)
			}
			if err := missing.Validate(); err == nil {
				t.Errorf("%s is documented as required but a request without it is valid", name)
			}
		}
		for _, name := range pair {
			missing := r
			if err := missing.Set(name, ""); err != nil {
				t.Fatal(err)
			}
			if err := missing.Validate(); err == nil {
				t.Errorf("%s belongs to a required pair but a request without it is valid", name)
			}
		}
	}
	if r := build(append(slices.Collect(maps.Keys(required)), pairs...)...); r.Validate() == nil {
		t.Errorf("a request with both pairs %v is valid: oneOf says it is not", pairs)
	}
	var props []string
	for name := range body.Properties {
		props = append(props, name)
	}
	sort.Strings(props)
	names := slices.Sorted(slices.Values(request.Names()))
	if !slices.Equal(props, names) {
		t.Errorf("POST body properties %v, want %v", props, names)
	}
	bodyRequired := slices.Sorted(slices.Values(body.Required))
	if !slices.Equal(bodyRequired, slices.Sorted(func(yield func(string) bool) {
		for n := range required {
			if !yield(n) {
				return
			}
		}
	})) {
		t.Errorf("POST body requires %v, GET %v", body.Required, required)
	}
	types := []errorType{errBadData, errNotFound, errBadQuery, errUnavailable, errTimeout, errBackendAuth, errCanceled,
		errInternal, errUnauthorized, errOverloaded}
	errSchema := doc.Components.Schemas["Error"].Value.Properties["errorType"].Value
	for _, op := range []*openapi3.Operation{item.Get, item.Post} {
		for _, typ := range types {
			if op.Responses.Status(statusFor(typ)) == nil {
				t.Errorf("%s: status %d (%s) is not documented", op.OperationID, statusFor(typ), typ)
			}
		}
		if op.Responses.Status(http.StatusOK) == nil {
			t.Errorf("%s: 200 is not documented", op.OperationID)
		}
	}
	for _, typ := range append(types, errForbidden) {
		if !slices.Contains(errSchema.Enum, any(string(typ))) {
			t.Errorf("errorType %s is not in the Error schema's enum", typ)
		}
	}
}

// TestOpenAPISchemasMatchGoTypes walks each answer's Go type next to its
// schema: the properties are the JSON fields, the required ones those
// without omitempty, and each field's type is the schema's (wire.Float a
// nullable number, time.Time a date-time string, named strings enums of
// their constants).
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	for name, v := range map[string]any{
		"Response": wire.Response{}, "Error": errorBody{}, "RuleSets": ruleSetsBody{},
		"Status": statusBody{}, "Readiness": readiness{},
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("no schema %s", name)
			continue
		}
		for _, p := range matchSchema(ref.Value, reflect.TypeOf(v), name) {
			t.Error(p)
		}
	}
	enums := map[string][]string{
		"Verdict":        {string(analysis.Successful), string(analysis.Failed), string(analysis.Inconclusive)},
		"Classification": {string(analysis.Pass), string(analysis.High), string(analysis.Low), string(analysis.NoData), string(analysis.NotEnoughData), string(analysis.Suspect)},
	}
	for name, want := range enums {
		var got []string
		for _, e := range doc.Components.Schemas[name].Value.Enum {
			got = append(got, e.(string))
		}
		if !slices.Equal(got, want) {
			t.Errorf("schema %s: enum %v, want %v", name, got, want)
		}
	}
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	floatType = reflect.TypeOf(wire.Float(0))
)

// matchSchema compares schema s with Go type typ at path and returns what
// differs.
func matchSchema(s *openapi3.Schema, typ reflect.Type, path string) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case typ == timeType:
		if !s.Type.Is("string") || s.Format != "date-time" {
			bad("a time is a date-time string, not %v %q", s.Type, s.Format)
		}
	case typ == floatType:
		if !s.Type.Is("number") || !s.Nullable {
			bad("a wire.Float is a nullable number, not %v (nullable %v)", s.Type, s.Nullable)
		}
	case typ.Kind() == reflect.String:
		if !s.Type.Is("string") {
			bad("a string, not %v", s.Type)
		}
	case typ.Kind() == reflect.Bool:
		if !s.Type.Is("boolean") {
			bad("a boolean, not %v", s.Type)
		}
	case typ.Kind() == reflect.Int || typ.Kind() == reflect.Int64:
		if !s.Type.Is("integer") {
			bad("an integer, not %v", s.Type)
		}
	case typ.Kind() == reflect.Float64:
		if !s.Type.Is("number") || s.Nullable {
			bad("a number that is never null, not %v (nullable %v)", s.Type, s.Nullable)
		}
	case typ.Kind() == reflect.Slice:
		if !s.Type.Is("array") || s.Items == nil {
			bad("an array, not %v", s.Type)
			break
		}
		problems = append(problems, matchSchema(s.Items.Value, typ.Elem(), path+"[]")...)
	case typ.Kind() == reflect.Struct:
		if !s.Type.Is("object") || s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			bad("an object without additional properties, not %v", s.Type)
		}
		var fields, required []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			fields = append(fields, name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
			prop := s.Properties[name]
			if prop == nil {
				bad("field %s is not documented", name)
				continue
			}
			problems = append(problems, matchSchema(prop.Value, f.Type, path+"."+name)...)
		}
		for name := range s.Properties {
			if !slices.Contains(fields, name) {
				bad("property %s is not a field of %s", name, typ)
			}
		}
		sort.Strings(required)
		if got := slices.Sorted(slices.Values(s.Required)); !slices.Equal(got, required) {
			bad("required %v, want the fields without omitempty %v", got, required)
		}
	default:
		bad("unexpected Go type %s", typ)
	}
	return problems
}

// TestOpenAPIValidatesAnswers validates the recorded answers against their
// schemas, and the router's live answers, route by route, against the
// operation and status they answer.
func TestOpenAPIValidatesAnswers(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	for file, schema := range map[string]string{
		"judge-healthy.json": "Response", "judge-regressed.json": "Response", "judge-both-references.json": "Response",
		"error-malformed-body.json": "Error", "error-missing-namespace.json": "Error", "error-unknown-rule-set.json": "Error",
	} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", file))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("%s does not match schema %s: %v", file, schema, err)
		}
	}

	// An answer with series=true (the report's fixed judgement).
	b, err := os.ReadFile(filepath.Join("..", "report", "testdata", "judgement.json"))
	if err != nil {
		t.Fatal(err)
	}
	var series any
	if err := json.Unmarshal(b, &series); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["Response"].Value.VisitJSON(series); err != nil {
		t.Errorf("an answer with series does not match schema Response: %v", err)
	}

	golden, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "judge-regressed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp wire.Response
	if err := json.Unmarshal(golden, &resp); err != nil {
		t.Fatal(err)
	}
	sets := fakeRules{"http-service": &rules.RuleSet{Name: "http-service", File: "http-service.yaml", Judge: rules.JudgeCanary,
		Metrics: []rules.Metric{{Name: "latency"}}}}
	ok := serveAPI(t, Options{Judger: &fakeJudger{resp: &resp}, Rules: sets, Reload: func() error { return nil }, EnableLifecycle: true})
	failing := serveAPI(t, Options{Judger: &fakeJudger{err: errors.New("boom")}, Reload: func() error { return errors.New("x.yaml:3: bad") }})
	notReady := serveAPI(t, Options{Judger: &fakeJudger{}, Rules: fakeRules(nil)})
	// The description names the server "/"; the router matches hosts, so
	// it is told the test servers.
	doc.Servers = openapi3.Servers{{URL: ok.URL}, {URL: failing.URL}, {URL: notReady.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, base, method, path, body string
		status                         int
	}{
		{"judgement", ok.URL, "GET", request.Path + "?" + validQuery, "", 200},
		{"judgement by POST", ok.URL, "POST", request.Path, `{"namespace":"shop","canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d","ruleSet":"http-service"}`, 200},
		{"bad request", ok.URL, "GET", request.Path + "?namespace=shop", "", 400},
		{"server-side failure", failing.URL, "GET", request.Path + "?" + validQuery, "", 500},
		{"rule sets", ok.URL, "GET", "/api/v1/rulesets", "", 200},
		{"reload", ok.URL, "POST", "/-/reload", "", 200},
		{"reload off", failing.URL, "POST", "/-/reload", "", 403},
		{"healthz", ok.URL, "GET", "/healthz", "", 200},
		{"ready", ok.URL, "GET", "/readyz", "", 200},
		{"not ready", notReady.URL, "GET", "/readyz", "", 503},
		{"metrics", ok.URL, "GET", "/metrics", "", 200},
		{"this description", ok.URL, "GET", OpenAPIPath, "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, c.base+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, body)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no documented operation for %s %s: %v", c.method, c.path, err)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 res.StatusCode,
				Header:                 res.Header,
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			}
			in.SetBodyBytes(body)
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Errorf("the answer does not match the description: %v", err)
			}
		})
	}
}

// TestOpenAPIBodyNamesThePodsOnce: the POST body's schema accepts the pods
// by hash or by ReplicaSet (with the stable hash and the rollout: both
// references), and refuses both pairs (also one pair and the canary hash,
// or the stable hash without the rollout), neither, and a ReplicaSet that
// is no Kubernetes name, as the service does.
func TestOpenAPIBodyNamesThePodsOnce(t *testing.T) {
	t.Parallel()
	body := openAPIDoc(t).Paths.Value(request.Path).Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	const (
		hashes = `"canaryHash":"5f6b7c8d9e","stableHash":"7c9d5b6f4d"`
		sets   = `"canaryReplicaSet":"web-6d4f9c7b8-2-1-canary","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline"`
	)
	for _, c := range []struct {
		name, pods string
		ok         bool
	}{
		{"hashes", hashes, true},
		{"ReplicaSets", sets, true},
		{"both", hashes + "," + sets, false},
		{"neither", `"rollout":"web"`, false},
		{"one of each", `"canaryHash":"5f6b7c8d9e","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline"`, false},
		{"hashes and one ReplicaSet", hashes + `,"canaryReplicaSet":"web-6d4f9c7b8-2-1-canary"`, false},
		{"ReplicaSets and a stable hash without the rollout", sets + `,"stableHash":"7c9d5b6f4d"`, false},
		{"both references", `"rollout":"web",` + sets + `,"stableHash":"7c9d5b6f4d"`, true},
		{"both references and a canary hash", `"rollout":"web",` + hashes + `,` + sets, false},
		{"ReplicaSets and a canary hash", `"rollout":"web",` + sets + `,"canaryHash":"5f6b7c8d9e"`, false},
		{"a ReplicaSet that is no Kubernetes name", `"canaryReplicaSet":"web-.*","stableReplicaSet":"web-6d4f9c7b8-2-1-baseline"`, false},
		{"a dotted ReplicaSet", `"canaryReplicaSet":"web.v2-1-canary","stableReplicaSet":"web.v2-1-baseline"`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw := `{"namespace":"shop",` + c.pods + `,"ruleSet":"http-service"}`
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				t.Fatal(err)
			}
			schemaErr := body.VisitJSON(v)
			_, parseErr := request.ParseJSON([]byte(raw))
			if (schemaErr == nil) != c.ok || (parseErr == nil) != c.ok {
				t.Errorf("%s: schema says %v, the service %v; want valid %v", raw, schemaErr, parseErr, c.ok)
			}
		})
	}
}
