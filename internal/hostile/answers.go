package hostile

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Answer is one answer of a misbehaving backend.
type Answer struct {
	Name        string
	Status      int
	ContentType string
	Body        string
	// Size, when positive, replaces Body with a valid matrix answer of
	// about Size bytes, written as it is sent (see WriteMatrix).
	Size int64
	// Trickle, when positive, sends the start of a matrix answer and then
	// one more series every Trickle, never ending it, until the client
	// hangs up.
	Trickle time.Duration
	// Silent, when true, sends nothing at all, not even the status, until
	// the client hangs up.
	Silent bool
}

// Content types backends answer with.
const (
	JSON      = "application/json"
	TextPlain = "text/plain; charset=utf-8"
	HTML      = "text/html"
)

// A valid matrix answer: one series of one point, and its pieces.
const (
	goodSeries = `{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1795636020,"1"]]}`
	GoodMatrix = `{"status":"success","data":{"resultType":"matrix","result":[` + goodSeries + `]}}`
)

// matrixWith is a matrix answer whose one series is s.
func matrixWith(s string) string {
	return `{"status":"success","data":{"resultType":"matrix","result":[` + s + `]}}`
}

// resultWith is a success answer whose data holds resultType t and result r.
func resultWith(t, r string) string {
	return `{"status":"success","data":{"resultType":` + t + `,"result":` + r + `}}`
}

// ok200 is a 200 JSON answer.
func ok200(name, body string) Answer {
	return Answer{Name: name, Status: http.StatusOK, ContentType: JSON, Body: body}
}

// BrokenMatrixAnswers are 200 answers to a range query that are not a
// well-formed matrix answer. A client must refuse each one as a broken
// answer (never panic, never read it as data, never as "no data").
var BrokenMatrixAnswers = []Answer{
	ok200("empty body", ""),
	ok200("only spaces", "  \n"),
	ok200("{}", `{}`),
	ok200("null", `null`),
	ok200("[]", `[]`),
	ok200("a string", `"success"`),
	ok200("a number", `200`),
	ok200("status only", `{"status":"success"}`),
	ok200("status not a string", `{"status":true,"data":{"resultType":"matrix","result":[]}}`),
	ok200("data null", `{"status":"success","data":null}`),
	ok200("data empty object", `{"status":"success","data":{}}`),
	ok200("data an array", `{"status":"success","data":[]}`),
	ok200("data a string", `{"status":"success","data":"matrix"}`),
	ok200("no status", `{"data":{"resultType":"matrix","result":[]}}`),
	ok200("no resultType", `{"status":"success","data":{"result":[]}}`),
	ok200("no result", `{"status":"success","data":{"resultType":"matrix"}}`),
	ok200("resultType null", resultWith(`null`, `[]`)),
	ok200("resultType a number", resultWith(`5`, `[]`)),
	ok200("resultType empty", resultWith(`""`, `[]`)),
	ok200("vector", resultWith(`"vector"`, `[]`)),
	ok200("scalar", resultWith(`"scalar"`, `[1795636020,"1"]`)),
	ok200("string", resultWith(`"string"`, `[1795636020,"x"]`)),
	ok200("unknown resultType", resultWith(`"tensor"`, `[]`)),
	ok200("result null", resultWith(`"matrix"`, `null`)),
	ok200("result an object", resultWith(`"matrix"`, `{}`)),
	ok200("result a string", resultWith(`"matrix"`, `"x"`)),
	ok200("result a number", resultWith(`"matrix"`, `0`)),
	ok200("series null", matrixWith(`null`)),
	ok200("series a number", matrixWith(`5`)),
	ok200("series an array", matrixWith(`[]`)),
	ok200("metric not an object", matrixWith(`{"metric":[],"values":[]}`)),
	ok200("label value a number", matrixWith(`{"metric":{"pod":1},"values":[]}`)),
	ok200("values a string", matrixWith(`{"metric":{},"values":"x"}`)),
	ok200("values an object", matrixWith(`{"metric":{},"values":{}}`)),
	ok200("sample null", matrixWith(`{"metric":{},"values":[null]}`)),
	ok200("sample an object", matrixWith(`{"metric":{},"values":[{"t":1795636020,"v":"1"}]}`)),
	ok200("sample empty", matrixWith(`{"metric":{},"values":[[]]}`)),
	ok200("sample without value", matrixWith(`{"metric":{},"values":[[1795636020]]}`)),
	ok200("sample of three", matrixWith(`{"metric":{},"values":[[1795636020,"1","2"]]}`)),
	ok200("time a string", matrixWith(`{"metric":{},"values":[["1795636020","1"]]}`)),
	ok200("time null", matrixWith(`{"metric":{},"values":[[null,"1"]]}`)),
	ok200("time out of range", matrixWith(`{"metric":{},"values":[[1e300,"1"]]}`)),
	ok200("value a number", matrixWith(`{"metric":{},"values":[[1795636020,1]]}`)),
	ok200("value not a number", matrixWith(`{"metric":{},"values":[[1795636020,"one"]]}`)),
	ok200("value empty", matrixWith(`{"metric":{},"values":[[1795636020,""]]}`)),
	ok200("value null", matrixWith(`{"metric":{},"values":[[1795636020,null]]}`)),
	ok200("status error on 200", `{"status":"error","errorType":"internal","error":"boom"}`),
	ok200("status unknown with data", `{"status":"partial","data":{"resultType":"matrix","result":[]}}`),
	ok200("cut off", GoodMatrix[:len(GoodMatrix)/2]),
	ok200("garbage after the answer", GoodMatrix+`{"status":"success"}`),
	ok200("not JSON", `status=success`),
	{Name: "HTML login page", Status: http.StatusOK, ContentType: HTML, Body: "<html><body>Please log in</body></html>"},
}

// OddButValidMatrixAnswers are well-formed matrix answers in shapes real
// backends rarely send; a client must read each as GoodMatrix's one series.
var OddButValidMatrixAnswers = []Answer{
	ok200("members in reverse order", `{"data":{"result":[`+goodSeries+`],"resultType":"matrix"},"status":"success"}`),
	ok200("unknown members", `{"status":"success","warnings":["w"],"infos":["i"],"x":{"y":[1]},"data":{"resultType":"matrix","stats":{},"analysis":null,"result":[`+goodSeries+`]}}`),
	ok200("spaces everywhere", " {\n \"status\" : \"success\" ,\n \"data\" : { \"resultType\" : \"matrix\" , \"result\" : [ { \"metric\" : { \"pod\" : \"web-5f6b7c8d9e-zzzzz\" } , \"values\" : [ [ 1795636020 , \"1\" ] ] } ] } }\n"),
	ok200("escaped strings", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"web-5f6b7c8d9e-\u007azzzz"},"values":[[1795636020,"\u0031"]]}]}}`),
	ok200("fractional time in exponent form", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1.79563602e9,"1"]]}]}}`),
}

// SpecialValueAnswers are well-formed matrix answers whose values are not
// finite numbers: a judge must not read them as evidence of health.
var SpecialValueAnswers = []Answer{
	ok200("NaN values", matrixWith(`{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1795636020,"NaN"]]}`)),
	ok200("+Inf values", matrixWith(`{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1795636020,"+Inf"]]}`)),
	ok200("-Inf values", matrixWith(`{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1795636020,"-Inf"]]}`)),
}

// Series of WithoutBaselineAnswers: a canary pod and a stable pod of the
// rollout web.
const (
	canarySeries = `{"metric":{"pod":"web-5f6b7c8d9e-zzzzz"},"values":[[1795636020,"1"]]}`
	stableValue  = `{"metric":{"pod":"web-7c9d5b6f4d-aaaaa"},"values":[[1795636020,"%s"]]}`
)

// WithoutBaselineAnswers are well-formed matrix answers that give a judge
// nothing to compare the canary with: no series at all (a misspelt metric,
// an unknown tenant), stable pods whose values are not finite beside a
// finite canary, or stable pods without the canary. A judge must answer
// Inconclusive, never Successful and never Failed.
var WithoutBaselineAnswers = []Answer{
	ok200("no series", resultWith(`"matrix"`, `[]`)),
	ok200("stable NaN beside a finite canary", matrixWith(canarySeries+","+fmt.Sprintf(stableValue, "NaN"))),
	ok200("stable +Inf beside a finite canary", matrixWith(canarySeries+","+fmt.Sprintf(stableValue, "+Inf"))),
	ok200("stable -Inf beside a finite canary", matrixWith(canarySeries+","+fmt.Sprintf(stableValue, "-Inf"))),
	ok200("stable pods without the canary", matrixWith(fmt.Sprintf(stableValue, "1"))),
}

// hugeMessage is a 5 MB error message.
var hugeMessage = strings.Repeat("x", 5_000_000)

// StatusAnswers are error statuses as Prometheus, Loki or a proxy send them.
var StatusAnswers = []Answer{
	{Name: "400 Prometheus bad_data", Status: 400, ContentType: JSON, Body: `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected \"}\""}`},
	{Name: "400 Loki text", Status: 400, ContentType: TextPlain, Body: "parse error at line 1, col 49: syntax error: unexpected RANGE, expecting } or ,"},
	{Name: "401 text", Status: 401, ContentType: TextPlain, Body: "no org id\n"},
	{Name: "401 empty", Status: 401, ContentType: TextPlain},
	{Name: "403 text", Status: 403, ContentType: TextPlain, Body: "forbidden: tenant team-b\n"},
	{Name: "404 text", Status: 404, ContentType: TextPlain, Body: "404 page not found\n"},
	{Name: "422 Prometheus execution", Status: 422, ContentType: JSON, Body: `{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}`},
	{Name: "429 text", Status: 429, ContentType: TextPlain, Body: "too many outstanding requests"},
	{Name: "500 Prometheus internal", Status: 500, ContentType: JSON, Body: `{"status":"error","errorType":"internal","error":"something broke"}`},
	{Name: "500 huge text", Status: 500, ContentType: TextPlain, Body: hugeMessage},
	{Name: "500 huge JSON", Status: 500, ContentType: JSON, Body: `{"status":"error","errorType":"internal","error":"` + hugeMessage + `"}`},
	{Name: "502 proxy HTML", Status: 502, ContentType: HTML, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>"},
	{Name: "503 Prometheus unavailable", Status: 503, ContentType: JSON, Body: `{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`},
	{Name: "503 Prometheus timeout", Status: 503, ContentType: JSON, Body: `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`},
	{Name: "503 empty", Status: 503, ContentType: TextPlain},
	{Name: "504 proxy", Status: 504, ContentType: TextPlain, Body: "upstream request timeout"},
}
