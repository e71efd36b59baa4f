package logscenario

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// ResourcePod is one pod whose container metrics WriteResources writes.
type ResourcePod struct {
	Namespace, Pod, Container string
	// Start is when the pod's series begin (zero: the window's start).
	Start time.Time
	// CPUFactor and MemoryFactor scale the pod's CPU and memory (0 means 1).
	CPUFactor, MemoryFactor float64
	// Restarts lists the times the container restarted.
	Restarts []time.Time
	// CPUPerRequest is the CPU time (core-seconds) each of RequestTimes
	// costs on top of the idle CPU; zero leaves the CPU flat.
	CPUPerRequest float64
	// RequestTimes are the pod's user requests in time order
	// (Logs.ResourcePods fills them in).
	RequestTimes []time.Time
	// Seed, when not zero, draws the pod's levels and noise from a
	// generator of its own (seeded with Seed and the pod's name), so that
	// its series do not depend on the other pods written with it.
	Seed uint64
}

// ScrapeInterval is the spacing of the samples WriteResources writes.
const ScrapeInterval = 15 * time.Second

// WriteResources writes, as OpenMetrics text ending in "# EOF", what the
// apache-frontend rule set reads from Prometheus for each pod, every
// ScrapeInterval from the pod's start to end: cAdvisor's
// container_cpu_usage_seconds_total (about 0.02 CPU idle, ±4% per pod, plus
// CPUPerRequest for each request of the interval, with 5% noise per
// interval) and container_memory_working_set_bytes (about 58 MiB, ±3% per
// pod), and kube-state-metrics' kube_pod_container_status_restarts_total.
// The same seed gives the same text.
func WriteResources(w io.Writer, pods []ResourcePod, start, end time.Time, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x7265736f75726365))
	type podState struct {
		ResourcePod
		cpuLevel, memLevel float64
		rng                *rand.Rand
	}
	states := make([]podState, len(pods))
	for i, p := range pods {
		if p.Container == "" {
			p.Container = "httpd"
		}
		if p.Start.IsZero() || p.Start.Before(start) {
			p.Start = start
		}
		cf, mf := p.CPUFactor, p.MemoryFactor
		if cf == 0 {
			cf = 1
		}
		if mf == 0 {
			mf = 1
		}
		prng := rng
		if p.Seed != 0 {
			h := fnv.New64a()
			h.Write([]byte(p.Namespace + "/" + p.Pod))
			prng = rand.New(rand.NewPCG(p.Seed, h.Sum64()))
		}
		states[i] = podState{
			ResourcePod: p,
			cpuLevel:    0.02 * cf * math.Exp(0.04*prng.NormFloat64()),
			memLevel:    58 * (1 << 20) * mf * math.Exp(0.03*prng.NormFloat64()),
			rng:         prng,
		}
	}
	bw := bufio.NewWriter(w)
	series := func(name, ns, pod, container string) string {
		s := name + `{namespace=` + strconv.Quote(ns) + `,pod=` + strconv.Quote(pod)
		if container != "" {
			s += `,container=` + strconv.Quote(container)
		}
		return s + "} "
	}
	times := func(p podState, f func(t time.Time)) {
		first := p.Start.Truncate(ScrapeInterval)
		if first.Before(p.Start) {
			first = first.Add(ScrapeInterval)
		}
		for t := first; !t.After(end); t = t.Add(ScrapeInterval) {
			f(t)
		}
	}
	fmt.Fprint(bw, "# HELP container_cpu_usage_seconds Cumulative CPU time consumed.\n# TYPE container_cpu_usage_seconds counter\n")
	for _, p := range states {
		rng := p.rng
		cpu := 1000 * rng.Float64() * p.cpuLevel // the counter's value at the pod's first scrape
		prefix := series("container_cpu_usage_seconds_total", p.Namespace, p.Pod, p.Container)
		next := 0 // the first of RequestTimes not yet counted
		times(p, func(t time.Time) {
			fmt.Fprintf(bw, "%s%s %d\n", prefix, strconv.FormatFloat(cpu, 'f', 6, 64), t.Unix())
			used := p.cpuLevel * ScrapeInterval.Seconds()
			if p.CPUPerRequest > 0 {
				// The requests of (t, t + ScrapeInterval].
				n := 0
				for ; next < len(p.RequestTimes) && !p.RequestTimes[next].After(t.Add(ScrapeInterval)); next++ {
					if p.RequestTimes[next].After(t) {
						n++
					}
				}
				used += p.CPUPerRequest * float64(n)
			}
			cpu += used * math.Exp(0.05*rng.NormFloat64())
		})
	}
	fmt.Fprint(bw, "# HELP container_memory_working_set_bytes Current working set.\n# TYPE container_memory_working_set_bytes gauge\n")
	for _, p := range states {
		prefix := series("container_memory_working_set_bytes", p.Namespace, p.Pod, p.Container)
		rng := p.rng
		times(p, func(t time.Time) {
			fmt.Fprintf(bw, "%s%d %d\n", prefix, int64(p.memLevel*(1+0.01*rng.NormFloat64())), t.Unix())
		})
	}
	fmt.Fprint(bw, "# HELP kube_pod_container_status_restarts The number of container restarts.\n# TYPE kube_pod_container_status_restarts counter\n")
	for _, p := range states {
		prefix := series("kube_pod_container_status_restarts_total", p.Namespace, p.Pod, p.Container)
		times(p, func(t time.Time) {
			n := 0
			for _, r := range p.Restarts {
				if !r.After(t) {
					n++
				}
			}
			fmt.Fprintf(bw, "%s%d %d\n", prefix, n, t.Unix())
		})
	}
	fmt.Fprint(bw, "# EOF\n")
	return bw.Flush()
}

// ResourcePods lists the pods of a generated scenario for WriteResources,
// the canary starting when its lines do, each with the times of its user
// requests (access lines without the kubelet's probes).
func (l Logs) ResourcePods(namespace string, canaryStart time.Time) []ResourcePod {
	times := map[string][]time.Time{}
	for _, e := range l.Entries {
		if e.Labels["stream"] == "access" && !strings.Contains(e.Line, "kube-probe/") {
			pod := string(e.Labels["pod"])
			times[pod] = append(times[pod], e.Time)
		}
	}
	out := []ResourcePod{{Namespace: namespace, Pod: l.Truth.CanaryPod, Start: canaryStart, RequestTimes: times[l.Truth.CanaryPod]}}
	for _, p := range l.Truth.StablePods {
		out = append(out, ResourcePod{Namespace: namespace, Pod: p, RequestTimes: times[p]})
	}
	return out
}
