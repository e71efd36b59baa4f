// Package report renders the service's HTML pages: the report of one
// judgement (verdict, score and reason; per metric a chart of the canary
// against each stable pod, the tests in words, the queries with links to
// Prometheus and Grafana) and the index (recent judgements, the rule sets'
// effective values per environment).
//
// A report's URL holds the judgement's inputs (Link): any replica can judge
// it again later, from the backends' data, without a database. Pages are
// server-rendered with html/template (inline SVG charts, no script, no
// external asset) and served under a Content-Security-Policy that allows
// neither scripts nor outside resources.
package report
