package scenario

import (
	"bufio"
	"io"
	"strconv"
)

// Metric names, as the http-service rule set queries them.
const (
	MetricRequests = "http_requests_total"
	MetricDuration = "http_request_duration_seconds" // _bucket, _sum, _count
	MetricCPU      = "container_cpu_usage_seconds_total"
	MetricMemory   = "container_memory_working_set_bytes"
	MetricRestarts = "kube_pod_container_status_restarts_total"
	// cAdvisor's CFS counters of a container with a CPU limit (World
	// instances with one only).
	MetricCFSPeriods   = "container_cpu_cfs_periods_total"
	MetricCFSThrottled = "container_cpu_cfs_throttled_periods_total"
)

// Label names on the series.
const (
	LabelNamespace = "namespace"
	LabelPod       = "pod"
	LabelContainer = "container"
	LabelHash      = "rollouts_pod_template_hash"
	// A World's series also carry their scrape target's labels and, from
	// cAdvisor and kube-state-metrics, the container's cgroup id and the
	// pod's UID.
	LabelInstance    = "instance"
	LabelJob         = "job"
	LabelID          = "id"
	LabelMetricsPath = "metrics_path"
	LabelUID         = "uid"
)

// omWriter writes OpenMetrics text. In OpenMetrics a counter family is
// named without its _total suffix ("# TYPE http_requests counter") while its
// samples carry it; a histogram family's samples are _bucket (cumulative,
// ending with le="+Inf"), _count and _sum, grouped per timestamp.
type omWriter struct {
	w    *bufio.Writer
	line []byte
}

func newOMWriter(w io.Writer) *omWriter {
	return &omWriter{w: bufio.NewWriterSize(w, 256<<10), line: make([]byte, 0, 512)}
}

func (o *omWriter) family(name, typ, help string) {
	o.w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// labels returns `name{k="v",...} ` for the label pairs kv.
func labels(name string, kv ...string) string {
	b := make([]byte, 0, 160)
	b = append(b, name...)
	b = append(b, '{')
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, kv[i]...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, kv[i+1])
	}
	return string(append(b, "} "...))
}

func (o *omWriter) intSample(prefix string, v, ts int64) {
	b := append(o.line[:0], prefix...)
	b = strconv.AppendInt(b, v, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, '\n')
	o.w.Write(b)
	o.line = b
}

func (o *omWriter) floatSample(prefix string, v float64, prec int, ts int64) {
	b := append(o.line[:0], prefix...)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, '\n')
	o.w.Write(b)
	o.line = b
}

// writeAll writes every family for every instance and the closing # EOF.
// Each family is written once, holding the series of all instances, so that
// a file with many instances is still valid OpenMetrics.
func writeAll(w io.Writer, ins []*instance) error {
	o := newOMWriter(w)

	o.family("http_requests", "counter", "HTTP requests answered, by status code and method.")
	for _, in := range ins {
		for _, p := range in.pods {
			o.requests(in, p)
		}
	}
	o.family(MetricDuration, "histogram", "HTTP request latency in seconds.")
	for _, in := range ins {
		for _, p := range in.pods {
			o.duration(in, p)
		}
	}
	o.family("container_cpu_usage_seconds", "counter", "CPU time consumed by the container.")
	for _, in := range ins {
		for _, p := range in.pods {
			if in.world != nil {
				o.cadvisor(in, p, MetricCPU)
				continue
			}
			prefix := labels(MetricCPU, LabelNamespace, in.ns, LabelPod, p.name, LabelContainer, in.s.Rollout, LabelHash, p.hash)
			for k, up := range p.up {
				if up {
					o.floatSample(prefix, p.cpu[k], 6, p.ts[k])
				}
			}
		}
	}
	o.family(MetricMemory, "gauge", "Working set of the container in bytes.")
	for _, in := range ins {
		for _, p := range in.pods {
			if in.world != nil {
				o.cadvisor(in, p, MetricMemory)
				continue
			}
			prefix := labels(MetricMemory, LabelNamespace, in.ns, LabelPod, p.name, LabelContainer, in.s.Rollout, LabelHash, p.hash)
			for k, up := range p.up {
				if up {
					o.intSample(prefix, int64(p.mem[k]), p.ts[k])
				}
			}
		}
	}
	limited := false
	for _, in := range ins {
		limited = limited || (in.world != nil && in.world.limit > 0)
	}
	if limited {
		o.family("container_cpu_cfs_periods", "counter", "Elapsed enforcement periods of the container's CPU quota.")
		for _, in := range ins {
			for _, p := range in.pods {
				if in.world != nil {
					o.cfs(in, p, MetricCFSPeriods)
				}
			}
		}
		o.family("container_cpu_cfs_throttled_periods", "counter", "Periods in which the container was throttled.")
		for _, in := range ins {
			for _, p := range in.pods {
				if in.world != nil {
					o.cfs(in, p, MetricCFSThrottled)
				}
			}
		}
	}
	o.family("kube_pod_container_status_restarts", "counter", "Restarts of the container.")
	for _, in := range ins {
		for _, p := range in.pods {
			if in.world != nil {
				o.kubeStateRestarts(in, p)
				continue
			}
			prefix := labels(MetricRestarts, LabelNamespace, in.ns, LabelPod, p.name, LabelContainer, in.s.Rollout, LabelHash, p.hash)
			for k := range p.ts {
				o.intSample(prefix, p.restarts[k], p.ts[k])
			}
		}
	}
	o.w.WriteString("# EOF\n")
	return o.w.Flush()
}

// requests writes one pod's http_requests_total series. A series has a
// sample only once its class has been counted in the current container.
func (o *omWriter) requests(in *instance, p *podSim) {
	nc := len(classes)
	for c, cl := range classes {
		prefix := labels(MetricRequests, appLabels(in, p, "code", cl.code, "method", cl.method)...)
		bit := uint16(1) << c
		for k := range p.ts {
			if p.up[k] && p.exists[k]&bit != 0 {
				o.intSample(prefix, p.cls[k*nc+c], p.ts[k])
			}
		}
	}
}

// duration writes one pod's histogram, one timestamp at a time.
func (o *omWriter) duration(in *instance, p *podSim) {
	prefixes := make([]string, nBuckets+2)
	for b := range nBuckets {
		le := "+Inf"
		if b < len(bucketBounds) {
			le = strconv.FormatFloat(bucketBounds[b], 'g', -1, 64)
		}
		prefixes[b] = labels(MetricDuration+"_bucket", appLabels(in, p, "le", le)...)
	}
	prefixes[nBuckets] = labels(MetricDuration+"_count", appLabels(in, p)...)
	prefixes[nBuckets+1] = labels(MetricDuration+"_sum", appLabels(in, p)...)
	for k := range p.ts {
		if !p.up[k] {
			continue
		}
		var cum int64
		for b := range nBuckets {
			cum += p.bkt[k*nBuckets+b]
			o.intSample(prefixes[b], cum, p.ts[k])
		}
		o.intSample(prefixes[nBuckets], cum, p.ts[k])
		o.floatSample(prefixes[nBuckets+1], p.sum[k], 4, p.ts[k])
	}
}

// appLabels returns the label pairs of a pod's application series,
// followed by extra: namespace, pod and pod-template hash, and in a World
// the target's labels as a PodMonitor sets them (container, instance, job).
func appLabels(in *instance, p *podSim, extra ...string) []string {
	kv := []string{LabelNamespace, in.ns, LabelPod, p.name, LabelHash, p.hash}
	if in.world != nil {
		kv = append(kv, LabelContainer, in.s.Rollout, LabelInstance, p.w.ip+":8080", LabelJob, in.ns+"/"+in.s.Rollout)
	}
	return append(kv, extra...)
}
