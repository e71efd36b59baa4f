// Package loki is canary-analyzer's own client for the Grafana Loki HTTP API.
//
// It speaks the JSON API directly and never imports Loki's Go module. A
// Client answers LogQL metric queries as a model.Matrix (QueryRange, through
// /loki/api/v1/query_range) and log queries as log entries (QueryLogs, paging
// through /loki/api/v1/query_range, one page per Streams call).
//
// # Pointing it at a real Loki
//
// Config.URL is the base address of Loki's HTTP API, the part before
// "/loki/api/v1": "http://loki.monitoring.svc:3100" for a single binary, the
// query frontend or gateway in a distributed install, or a URL with a path
// prefix ("https://gateway.example.com/logs") when a proxy serves Loki under
// one. A wrong URL shows up as a providers.Unavailable error that says so.
//
// Config.Tenant is sent as X-Scope-OrgID on every request. A Loki with
// auth_enabled: true answers 401 "no org id" without it. A Loki with
// auth_enabled: false ignores the header and keeps everything in the tenant
// "fake".
//
// Authentication and TLS come from a prometheus/common/config
// HTTPClientConfig (basic auth with a password file, a bearer token file, a
// CA file, insecure_skip_verify), the same options the Prometheus provider
// uses, so both backends are configured alike. NewFromOptions builds a
// Client from the --loki.* flags collected in providers.ClientOptions.
//
// # What the client smooths over
//
// Loki answers errors as plain text; they become *providers.Error values
// whose Kind says what went wrong and whose Msg keeps Loki's own words.
// Metric query_range aligns start and end to multiples of step, so QueryRange
// keeps only the points inside the requested [Start, End]. Windows without
// matching lines are absent from Loki's answer, never zero, and the client
// keeps them absent. Log queries are capped at 5000 lines per request and
// carry no truncation flag, so QueryLogs pages forward in time and reports
// Truncated itself.
package loki
