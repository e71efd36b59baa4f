package canary

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canary-analyzer/canary-analyzer/analysis/stats"
)

// A value metric with Metric.Load (CPU explained by the requests a pod
// serves) is judged against a load model fitted on the stable pods: a pod's
// value is an idle part plus a part per unit of load,
//
//	y[k,t] = a_k + β·x[k,t] + e[k,t],
//
// where x is the pod's load (requests per second) in the same step. β is
// the within-pod least-squares slope (R's lm(y ~ x + factor(pod))): it is
// learnt from how each stable pod's value follows its own load over time
// (daily cycle, spikes, the minute-to-minute count of requests), so the
// pods' persistent differences cannot bias it. With the stable pods' mean
// load x̄ and mean value ȳ, the model's value at load x is
//
//	p(x) = ȳ + β·(x − x̄),      idle = p(0) = ȳ − β·x̄,
//
// and every pod, the canary included, is judged by its value relative to
// the model at its own load, expressed at the stable pods' mean load:
//
//	z = log y − log p(x) + log ȳ      (log scale, when every y and p(x) is positive)
//	z = y − β·(x − x̄)                 (linear scale otherwise)
//
// The rest is the value metric's one-against-many test on z. A canary that
// serves less than the stable pods is no longer "worse per request" for its
// idle CPU, and one that serves more no longer hides a regression.
//
// The fitted slope is uncertain, and a canary whose load is far from the
// stable pods' owes part of its z to it. Its variance is that of a
// least-squares slope under AR(1) noise within each pod, plus what the
// spread of the pods' own slopes (the metric's PodSpread τ, relative) adds
// to it as an estimate of the stable pods' average slope:
//
//	Var(β̂ − κ̄) = σ²·Σ_k Σ_s Σ_t w_ks w_kt ρ^|s−t| + (τ·β̂)²·Σ_k (Sxx_k/Sxx − 1/K)²,
//	w_kt        = (x[k,t] − x̄_k)/Sxx,
//
// with σ² the fit's residual variance (RSS/(N − K − 1)) and ρ its pooled
// lag-one autocorrelation. β̂ weighs pod k's own slope by its share
// Sxx_k/Sxx of the load's variation; the stable centre that the canary is
// compared with is the pods' plain average, whose own distance from the
// population (the "1/K" of the one-against-many test) is already in the
// test. Only the difference of the two weightings is added. By the delta method it adds g²·Var(β̂) to the
// variance of the canary's mean difference, where g = ∂(D_c − centre)/∂β is
// the mean over the judged timestamps of −(x_c − x̄)/p(x_c) (the canary's
// sensitivity to the slope) minus the same for the stable pods.

// loadFit is the stable pods' load model.
type loadFit struct {
	// Slope is β̂; Idle the model's value at zero load; MeanLoad and
	// MeanValue the stable pods' means x̄ and ȳ over the fitted samples.
	Slope, Idle, MeanLoad, MeanValue float64
	// NoiseVar and SpreadVar are the two parts of the model's Var(β̂) (on
	// DF degrees of freedom); slopeVariance says which variance a canary's
	// test uses.
	NoiseVar, SpreadVar float64
	// Sigma2, DF and Rho are the residual variance, its degrees of freedom
	// and the residuals' lag-one autocorrelation (clamped).
	Sigma2, DF, Rho float64
	// N counts the fitted samples and Pods the pods with samples.
	N, Pods int
	// LoadSpread is the relative standard deviation of the fitted loads
	// around their pods' means: how much the load moved.
	LoadSpread float64
	// PodSlopeVar is the cluster-robust variance of β̂ from the pods' own
	// slopes (robustSlopeVar; NaN with fewer than two pods whose load
	// moved), and PodDF its degrees of freedom (those pods less one).
	PodSlopeVar, PodDF float64
	// LoadLow and LoadHigh bound the loads the model was fitted on (their
	// 5% and 95% points): beyond them it extrapolates.
	LoadLow, LoadHigh float64
	// Outliers counts the samples fitLoadRobust left out of the fit.
	Outliers int
	// Unjudged counts the fitted pods that are not among the stable pods
	// judged (history only: a pod replaced before the window, or the
	// rollout's stable pods lent to a judgement against a baseline).
	Unjudged int
	// residuals are the within-pod residuals y − ȳ_k − β̂·(x − x̄_k) by row
	// and step of y (NaN where a sample is missing; a row without samples
	// is nil, and a row ends at its last sample): what fitLoadRobust
	// screens.
	residuals [][]float64
}

// fitLoad fits the load model to the stable pods' values y and loads x on
// a common grid (NaN = missing; a sample counts when both are present).
// spread is the relative spread of the pods' slopes. ok is false when the
// slope cannot be estimated: no residual degrees of freedom, or no pod
// whose load varied.
func fitLoad(y, x [][]float64, spread float64) (loadFit, bool) {
	var f loadFit
	type podData struct {
		row       int
		pos, x, y []float64
		mx, my    float64
	}
	var pods []podData
	var sx, sy float64
	for r := range y {
		p := podData{row: r}
		for t := range y[r] {
			if math.IsNaN(y[r][t]) || math.IsNaN(x[r][t]) {
				continue
			}
			p.pos = append(p.pos, float64(t))
			p.x = append(p.x, x[r][t])
			p.y = append(p.y, y[r][t])
		}
		if len(p.x) == 0 {
			continue
		}
		p.mx, p.my = stats.Mean(p.x), stats.Mean(p.y)
		for i := range p.x {
			sx += p.x[i]
			sy += p.y[i]
		}
		f.N += len(p.x)
		pods = append(pods, p)
	}
	f.Pods = len(pods)
	f.DF = float64(f.N - f.Pods - 1)
	if f.N == 0 {
		return f, false
	}
	f.MeanLoad, f.MeanValue = sx/float64(f.N), sy/float64(f.N)
	var sxx, sxy float64
	sxxPod := make([]float64, len(pods))
	for k, p := range pods {
		for i := range p.x {
			dx := p.x[i] - p.mx
			sxxPod[k] += dx * dx
			sxy += dx * (p.y[i] - p.my)
		}
		sxx += sxxPod[k]
	}
	if sxx <= 0 || f.DF <= 0 {
		return f, false
	}
	f.Slope = sxy / sxx
	f.Idle = f.MeanValue - f.Slope*f.MeanLoad
	f.LoadSpread = math.Sqrt(sxx/float64(f.N)) / math.Abs(f.MeanLoad)

	res := make([][]float64, len(pods))
	var rss float64
	for k, p := range pods {
		n := int(p.pos[len(p.pos)-1]) + 1
		res[k] = make([]float64, n)
		for t := range res[k] {
			res[k][t] = math.NaN()
		}
		for i := range p.x {
			e := p.y[i] - p.my - f.Slope*(p.x[i]-p.mx)
			res[k][int(p.pos[i])] = e
			rss += e * e
		}
	}
	f.Sigma2 = rss / f.DF
	f.residuals = make([][]float64, len(y))
	for k, p := range pods {
		f.residuals[p.row] = res[k]
	}
	rho, _ := stats.PooledLag1(res)
	f.Rho = clampRho(rho)
	var q, share2 float64
	for k, p := range pods {
		w := make([]float64, len(p.x))
		for i := range p.x {
			w[i] = (p.x[i] - p.mx) / sxx
		}
		q += stats.AR1Variance(w, p.pos, f.Rho)
		d := sxxPod[k]/sxx - 1/float64(len(pods))
		share2 += d * d
	}
	f.NoiseVar = f.Sigma2 * q
	f.SpreadVar = spread * spread * f.Slope * f.Slope * share2
	slopes := make([]float64, len(pods))
	for k, p := range pods {
		slopes[k] = math.NaN()
		if sxxPod[k] > 0 {
			var sxyk float64
			for i := range p.x {
				sxyk += (p.x[i] - p.mx) * (p.y[i] - p.my)
			}
			slopes[k] = sxyk / sxxPod[k]
		}
	}
	f.PodSlopeVar, f.PodDF = robustSlopeVar(slopes, sxxPod, f.Slope)
	var loads []float64
	for _, p := range pods {
		loads = append(loads, p.x...)
	}
	slices.Sort(loads)
	f.LoadLow, f.LoadHigh = stats.Quantile7(0.05, loads), stats.Quantile7(0.95, loads)
	return f, true
}

// robustSlopeVar returns the cluster-robust variance of the pooled slope
// β̂ = Σ_k (Sxx_k/Sxx)·b_k from the pods' own slopes b_k (NaN for a pod
// whose load did not move) and its degrees of freedom,
//
//	V = K/(K − 1) · Σ_k (Sxx_k/Sxx)² (b_k − β̂)²,   df = K − 1,
//
// over the K pods with a slope. It makes no assumption about the noise
// within a pod: a model that does not fit (CPU not linear in load, bursts,
// a background job on one pod) makes the pods' slopes disagree and widens
// it, where the model-based variance, which trusts the residuals to be
// AR(1) noise, would not move. NaN with fewer than two such pods.
func robustSlopeVar(slopes, sxx []float64, beta float64) (v, df float64) {
	var total float64
	k := 0
	for i, b := range slopes {
		if !math.IsNaN(b) {
			total += sxx[i]
			k++
		}
	}
	if k < 2 || total <= 0 {
		return math.NaN(), math.NaN()
	}
	for i, b := range slopes {
		if !math.IsNaN(b) {
			w := sxx[i] / total
			v += w * w * (b - beta) * (b - beta)
		}
	}
	return v * float64(k) / float64(k-1), float64(k - 1)
}

// slopeVariance returns the slope's variance and its degrees of freedom
// for a canary at mean load x: the model's, NoiseVar + SpreadVar on DF,
// unless the pods' own slopes disagree beyond what the model allows. Under
// the model K−1 times the ratio of the pods' variance (PodSlopeVar) to the
// model's is about χ² with K−1 degrees of freedom; when it exceeds that
// distribution's 95% point the model does not fit (a misfit that differs
// between pods: a background job, bursts, curvature met at different
// loads) and the pods' variance, on PodDF degrees of freedom, is used
// instead. A canary below the fitted loads keeps the model's variance: the
// judge does not rely on the model's extrapolation for a failure there
// (confirmOutsideLoads), and the pods' few degrees of freedom would only
// take the power to pass.
func (f loadFit) slopeVariance(x float64) (v, df float64) {
	v, df = f.NoiseVar+f.SpreadVar, f.DF
	if x < f.LoadLow || math.IsNaN(f.PodSlopeVar) || !(v > 0) {
		return v, df
	}
	if q := (distuv.ChiSquared{K: f.PodDF}).Quantile(0.95) / f.PodDF; f.PodSlopeVar > q*v {
		return f.PodSlopeVar, f.PodDF
	}
	return v, df
}

// at returns the model's value at load x.
func (f loadFit) at(x float64) float64 { return f.MeanValue + f.Slope*(x-f.MeanLoad) }
