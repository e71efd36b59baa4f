package scenario

import "math"

// CPU throttling under a CFS quota. The kernel gives a container with a
// CPU limit its quota per period of 100 ms; a period in which the
// container wants more is throttled: it waits for the next period, and
// cAdvisor counts the period in container_cpu_cfs_throttled_periods_total
// beside all of them in container_cpu_cfs_periods_total. Only containers
// with a limit have the counters.
// cfsPeriod is the kernel's default CFS period (s).
const cfsPeriod = 0.1

// throttledShare returns the share of CFS periods in which a container
// wants more than its limit (cores): in each period it needs its idle
// CPU and its background work (burstRate, cores) plus the CPU of the
// requests that arrive in the period, a Poisson number at rate (per
// second), each costing an exponentially distributed amount with mean
// perRequest core-seconds, all scaled by the node's contention. The
// requests' CPU in a period is then a compound Poisson sum, and the share
// is its tail beyond the quota left: the sum over n ≥ 1 arrivals of
// P(n arrivals) · P(an Erlang(n) sum exceeds it), where an Erlang(n) sum
// exceeds c with the probability that a Poisson count of mean c/perRequest
// is below n.
func throttledShare(contention, idle, perRequest, rate, burstRate, limit float64) float64 {
	room := (limit-burstRate)/contention - idle // cores the period has for requests
	switch {
	case room <= 0:
		return 1
	case perRequest <= 0 || rate <= 0:
		return 0
	}
	mean := rate * cfsPeriod           // arrivals per period
	x := room * cfsPeriod / perRequest // the quota left, in mean request costs
	// below is P(a Poisson(x) count < n), updated as n grows; P(n
	// arrivals) is taken on the log scale (no underflow at high rates).
	// The sum stops once the arrivals' tail is negligible.
	term, below, share := math.Exp(-x), 0.0, 0.0
	for n := 1; float64(n) < mean+12*math.Sqrt(mean)+30; n++ {
		below += term
		term *= x / float64(n)
		lg, _ := math.Lgamma(float64(n) + 1)
		share += math.Exp(-mean+float64(n)*math.Log(mean)-lg) * below
	}
	return math.Min(share, 1)
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
