package scenario

import "math"

// LatencySpread returns the σ of a World pod's persistent log latency
// offset (total) and of the pod's own part of it (own). A pod's log
// latency offset is half its node's log speed, N(0, (NodeSpread/2)²), plus
// its own offset, N(0, own²), with
//
//	own = √max(podSpread² − (NodeSpread/2)², podSpread²/4),
//
// so that the two together have the scenario's pod spread, total =
// podSpread, unless the node's half exceeds √3/2·podSpread: then the pod
// keeps half of podSpread as its own and total =
// √((NodeSpread/2)² + podSpread²/4) is above podSpread. The generator
// draws every World pod's offset with own; the benchmark's oracle judges
// a canary's latency against total.
func (w *World) LatencySpread(podSpread float64) (total, own float64) {
	node := 0.5 * w.NodeSpread
	own = math.Sqrt(math.Max(podSpread*podSpread-node*node, 0.25*podSpread*podSpread))
	return math.Hypot(node, own), own
}
