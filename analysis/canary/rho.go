package canary

import "math"

// maxAutocorrelation caps the estimated lag-one autocorrelation: beyond it
// a short series says too little about its own mean for the AR(1) variance
// to be trusted.
const maxAutocorrelation = 0.95

// clampRho turns an estimated autocorrelation into the one the judge uses:
// negative or missing estimates become 0 (conservative for a mean), large
// ones are capped at maxAutocorrelation.
func clampRho(rho float64) float64 {
	switch {
	case math.IsNaN(rho) || rho < 0:
		return 0
	case rho > maxAutocorrelation:
		return maxAutocorrelation
	}
	return rho
}
