package scenario

import (
	"math"
	"sort"
)

// Names of a World's containers and targets.
const (
	sidecarContainer = "istio-proxy"
	kubeletJob       = "kubelet"
	cadvisorPath     = "/metrics/cadvisor"
	ksmJob           = "kube-state-metrics"
	ksmInstance      = "10.0.0.17:8080"
)

// at returns the value of a series of points at t, interpolated between
// points; after the last it continues the last segment's slope for at
// most one scrape interval (counters) or holds the last value (gauges).
// ok is false before the first point or past that.
func at(pts []point, t, step float64, counter bool) (v float64, ok bool) {
	n := len(pts)
	if n == 0 || t < pts[0].t {
		return 0, false
	}
	i := sort.Search(n, func(i int) bool { return pts[i].t >= t })
	switch {
	case i < n && pts[i].t == t:
		return pts[i].v, true
	case i < n:
		a, b := pts[i-1], pts[i]
		return a.v + (b.v-a.v)*(t-a.t)/(b.t-a.t), true
	case t-pts[n-1].t > step:
		return 0, false
	case !counter || n < 2:
		return pts[n-1].v, true
	}
	a, b := pts[n-2], pts[n-1]
	return b.v + (b.v-a.v)/(b.t-a.t)*(t-b.t), true
}

// kubeletTicks returns the scrape times of a pod's node's cAdvisor while
// the pod exists, up to the end of the data.
func (in *instance) kubeletTicks(pw *podWorld) []float64 {
	node := in.world.nodes[pw.node]
	ri := in.s.World.ResourceInterval.Seconds()
	from := math.Max(pw.created, in.start)
	k := math.Floor((from-in.start-node.phase)/ri) + 1
	var out []float64
	for t := in.start + node.phase + k*ri; t <= in.end && t < pw.deleted; t += ri {
		out = append(out, t)
	}
	return out
}

// stamp returns the timestamp cAdvisor gives a sample scraped at t: the
// time of its last housekeeping, up to StampJitter earlier.
func (in *instance) stamp(pw *podWorld, t float64) int64 {
	j := in.s.World.StampJitter.Seconds()
	if j <= 0 {
		return int64(t)
	}
	return int64(t) - int64(chance(in.rseed, uint64(pw.node)+targetKubelet+7, uint64(int64(t)))*(j+1))
}

// cadvisor writes a World pod's container_cpu_usage_seconds_total or
// container_memory_working_set_bytes as cAdvisor exposes them: one series
// per container (a restarted container is a new series with a new id),
// the sidecar's, and the pod cgroup's (container="", all of them and the
// pause container together).
func (o *omWriter) cadvisor(in *instance, p *podSim, metric string) {
	pw := p.w
	node := in.world.nodes[pw.node]
	counter := metric == MetricCPU
	ticks := in.kubeletTicks(pw)
	target := uint64(pw.node) + targetKubelet
	podCgroup := "/kubepods/burstable/pod" + pw.uid
	series := func(container, id string) string {
		return labels(metric, LabelContainer, container, LabelID, id, LabelInstance, node.ip+":10250", LabelJob, kubeletJob,
			LabelMetricsPath, cadvisorPath, LabelNamespace, in.ns, LabelPod, p.name)
	}
	points := pw.cpu
	if !counter {
		points = pw.mem
	}
	write := func(prefix string, from, to float64, value func(t float64) (float64, bool)) {
		last := int64(math.MinInt64)
		for _, t := range ticks {
			if t <= from || t >= to || !in.scraped(target, t) {
				continue
			}
			v, ok := value(t)
			ts := in.stamp(pw, t)
			if !ok || ts <= last || float64(ts) <= from {
				continue
			}
			if counter {
				o.floatSample(prefix, v, 6, ts)
			} else {
				o.intSample(prefix, int64(v), ts)
			}
			last = ts
		}
	}
	for li, l := range pw.lives {
		write(series(in.s.Rollout, podCgroup+"/"+l.id), l.start, l.end, func(t float64) (float64, bool) {
			return at(points[li], t, in.step, counter)
		})
	}
	side := pw.sideCPU
	if !counter {
		side = pw.sideMem
	}
	if in.s.World.Sidecar {
		write(series(sidecarContainer, podCgroup+"/"+pw.sideID), pw.created, pw.deleted,
			func(t float64) (float64, bool) { return at(side, t, in.step, counter) })
	}
	// The pod's cgroup: every container it has run, the sidecar and the
	// pause container.
	write(series("", podCgroup), pw.created, pw.deleted, func(t float64) (float64, bool) {
		var v float64
		seen := false
		for li, l := range pw.lives {
			if t < l.start || (!counter && t >= l.end) {
				continue
			}
			x, ok := at(points[li], math.Min(t, l.end), in.step, counter)
			if !ok && counter && t >= l.end && len(points[li]) > 0 {
				x, ok = points[li][len(points[li])-1].v, true
			}
			if ok {
				v += x
				seen = true
			}
		}
		if x, ok := at(side, t, in.step, counter); ok && in.s.World.Sidecar {
			v += x
		}
		if counter {
			v += pauseCores * (t - pw.created)
		} else {
			v += pauseMemory
		}
		return v, seen || !counter
	})
}

// kubeStateRestarts writes a World pod's
// kube_pod_container_status_restarts_total as kube-state-metrics exposes
// it: per container, from the pod's creation to its deletion, counting a
// restart ksmLag after the new container starts.
func (o *omWriter) kubeStateRestarts(in *instance, p *podSim) {
	pw := p.w
	ki := in.s.World.KSMInterval.Seconds()
	wi := in.world
	containers := []string{in.s.Rollout}
	if in.s.World.Sidecar {
		containers = append(containers, sidecarContainer)
	}
	from := math.Max(pw.created+1, in.start)
	k := math.Floor((from-wi.ksmOrigin)/ki) + 1
	for _, c := range containers {
		prefix := labels(MetricRestarts, LabelContainer, c, LabelInstance, ksmInstance, LabelJob, ksmJob,
			LabelNamespace, in.ns, LabelPod, p.name, LabelUID, pw.uid)
		for t := wi.ksmOrigin + k*ki; t <= in.end && t < pw.deleted; t += ki {
			if !in.scraped(targetKSM, t) {
				continue
			}
			n := int64(0)
			if c == in.s.Rollout {
				n = p.restarts0 + restartsSeen(pw.lives, t)
			}
			o.intSample(prefix, n, int64(t))
		}
	}
}

// restartsSeen counts the restarts kube-state-metrics reports at t: the
// containers after the first that started at least ksmLag before.
func restartsSeen(lives []wlife, t float64) int64 {
	var n int64
	for _, l := range lives[1:] {
		if l.start+ksmLag <= t {
			n++
		}
	}
	return n
}
