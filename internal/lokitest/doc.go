// Package lokitest is a small stand-in for Grafana Loki's HTTP API, for
// tests. There is no Loki to run here, so it answers from log lines it holds
// in memory (the recorded fixture's pushed lines, or generated ones) and from
// Loki's own recorded answers.
//
// A Server answers GET /loki/api/v1/query_range:
//
//   - with a recorded answer, byte for byte, when the request is one of the
//     recorded cases (same query, same start, end, step, limit and
//     direction, whatever the time format), unless SetReplay(nil) turned
//     replaying off;
//   - with a recorded answer chosen by the SetFault hook, to play Loki's
//     failures at any request;
//   - otherwise by evaluating the query over its Store, for the LogQL subset
//     below. Anything outside the subset is answered with 400 and a message
//     starting "lokitest:", so a test never passes on a query the emulator
//     did not understand.
//
// # The LogQL subset
//
// Log queries: a stream selector {l="v", l!="v", l=~"re", l!~"re"} and a
// pipeline of line filters (|= "s", != "s", |~ "re", !~ "re"), the parsers
// | pattern `...` and | regexp `...`, label filters (| l = "v", != "v",
// =~ "re", !~ "re", and numeric | l > 5, >=, <, <=, =, ==, !=),
// | label_format dst=src, dst="{{ template }}" (Go's text/template over the
// labels with its built-in functions such as eq and printf; Loki's own
// template functions are refused) and | unwrap l. Strings are double-quoted
// with Go escapes, or back-quoted. Results honour start (inclusive), end
// (exclusive), limit (over all streams) and direction, as Loki does; start
// may equal end.
//
// Metric queries: the range aggregations count_over_time, rate,
// bytes_over_time, sum_over_time, avg_over_time, min_over_time,
// max_over_time and quantile_over_time(q, ...) over a log query and a
// [range], with an optional by (...) after them; the vector aggregations
// sum, count, min, max and avg with by (...) before or after the argument;
// the binary operators + - * / between two vectors with the same labels, or
// a vector and a number; parentheses. A step's window is (t − range, t],
// steps are aligned to multiples of the step from the Unix epoch (start
// rounded down, end rounded up) and a window without samples gives no point,
// as in Loki. The values follow Loki's rules: the unwrapped label leaves the
// series labels unless the aggregation groups by (...); a line without the
// unwrapped label is skipped; a value that does not parse fails the query
// with 400 unless a | __error__="" stage follows; a numeric label filter
// drops lines without the label; an extracted label that collides with a
// stream label is renamed with the suffix _extracted.
//
// Stream labels are the pushed labels plus service_name (taken, as Loki's
// default discover_service_name does, from the first of service, app,
// application, app_name, name, app_kubernetes_io_name, container,
// container_name, k8s_container_name, component, workload, job and
// k8s_job_name) and detected_level="unknown" for every line, which is what
// Loki 3.7 attached to the recorded Apache lines; levels are not detected.
//
// # What a query costs
//
// Every answer carries stats.summary as Loki's does, with the fields the
// emulator counts: totalLinesProcessed (every line of the selected streams
// in the range the query reads, once per range aggregation),
// totalBytesProcessed, totalPostFilterLines, totalEntriesReturned and
// totalStructuredMetadataBytesProcessed. Request.Cost holds the same counts
// for each request the server answered, with the lines that went through
// each parser and label_format stage, and Cost.Seconds turns them into the
// seconds of one core a real Loki would have spent (the cost model, with
// its measured per-line costs).
//
// The emulator is checked against every recorded answer of the fixture (the
// tests in this package): on the pushed data, each recorded matrix and
// stream result is reproduced, and so are the recorded stats.summary counts.
// label_format has no recorded answer; its tests check it against the
// recording's own table of status codes.
package lokitest
