package logscenario

// Mix gives the generator's chances per user request (of a healthy pod
// with error factor 1, outside slow-backend episodes), for computing what
// a judge could see.
type Mix struct {
	// API is the share of user requests that are API calls.
	API float64
	// ProxyDown is an API call's chance of a 503; the chance of a 500 is
	// Config.APIErrorChance.
	ProxyDown float64
	// NotFound is a user request's chance of a 404 (favicon.ico, scanners'
	// paths and refused symlinks under /static).
	NotFound float64
}

// RequestMix returns the generator's request mix of ProfileShop.
func RequestMix() Mix {
	var total, api, notFound float64
	for _, r := range shopRequests {
		total += r.weight
		switch r.kind {
		case "api":
			api += r.weight
		case "noise":
			notFound += r.weight
		case "static":
			notFound += r.weight * symlinkChance
		}
	}
	return Mix{API: api / total, ProxyDown: proxyDown, NotFound: notFound / total}
}
