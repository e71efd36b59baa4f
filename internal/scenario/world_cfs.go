package scenario

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// CPU throttling under a CFS quota. The kernel gives a container with a
// CPU limit its quota per period of 100 ms; a period in which the
// container wants more is throttled: it waits for the next period, and
// cAdvisor counts the period in container_cpu_cfs_throttled_periods_total
// beside all of them in container_cpu_cfs_periods_total. Only containers
// with a limit have the counters.
const (
	// cfsPeriod is the kernel's default CFS period (s).
	cfsPeriod = 0.1
	// requestCostSpread is the variance of one request's CPU over the
	// square of its mean (1: exponentially distributed costs).
	requestCostSpread = 1.0
)

// throttledShare returns the share of CFS periods in which a container
// wants more than its limit (cores): in each period it needs its idle
// CPU and its background work (burstRate, cores) plus the CPU of the
// requests that arrive in the period, a Poisson number at rate (per
// second) each costing perRequest core-seconds on average, all scaled by
// the node's contention. The requests' costs vary, so their sum over a
// period is a compound Poisson count, approximated by a Poisson count of
// bundles of 1+requestCostSpread requests.
func throttledShare(contention, idle, perRequest, rate, burstRate, limit float64) float64 {
	room := (limit-burstRate)/contention - idle // cores the period has for requests
	switch {
	case room <= 0:
		return 1
	case perRequest <= 0 || rate <= 0:
		return 0
	}
	bundle := 1 + requestCostSpread
	fit := room * cfsPeriod / (perRequest * bundle) // bundles a period holds before it is throttled
	mean := rate * cfsPeriod / bundle
	return 1 - distuv.Poisson{Lambda: mean}.CDF(math.Floor(fit))
}

// cfs writes a World pod's CFS counters (metric is MetricCFSPeriods or
// MetricCFSThrottled) as cAdvisor exposes them for a container with a CPU
// limit: one series per container life. Pods without a limit have none.
func (o *omWriter) cfs(in *instance, p *podSim, metric string) {
	pw := p.w
	if in.world.limit <= 0 {
		return
	}
	node := in.world.nodes[pw.node]
	ticks := in.kubeletTicks(pw)
	target := uint64(pw.node) + targetKubelet
	podCgroup := "/kubepods/burstable/pod" + pw.uid
	points := pw.periods
	if metric == MetricCFSThrottled {
		points = pw.throttled
	}
	for li, l := range pw.lives {
		prefix := labels(metric, LabelContainer, in.s.Rollout, LabelID, podCgroup+"/"+l.id, LabelInstance, node.ip+":10250",
			LabelJob, kubeletJob, LabelMetricsPath, cadvisorPath, LabelNamespace, in.ns, LabelPod, p.name)
		last := int64(math.MinInt64)
		for _, t := range ticks {
			if t <= l.start || t >= l.end || !in.scraped(target, t) {
				continue
			}
			v, ok := at(points[li], t, in.step, true)
			ts := in.stamp(pw, t)
			if !ok || ts <= last || float64(ts) <= l.start {
				continue
			}
			o.intSample(prefix, int64(v), ts)
			last = ts
		}
	}
}
