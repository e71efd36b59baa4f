package hostile

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// Handler answers every request with a.
func Handler(a Answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the request (a POSTed form) as a backend does: only then
		// does the server notice a client that hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		if a.Silent {
			<-r.Context().Done()
			return
		}
		if a.ContentType != "" {
			w.Header().Set("Content-Type", a.ContentType)
		}
		w.WriteHeader(a.Status)
		switch {
		case a.Trickle > 0:
			trickle(w, r, a.Trickle)
		case a.Size > 0:
			_ = WriteMatrix(w, a.Size)
		default:
			_, _ = io.WriteString(w, a.Body)
		}
	})
}

// trickle sends the start of a matrix answer, then one series every
// interval until the client hangs up.
func trickle(w http.ResponseWriter, r *http.Request, interval time.Duration) {
	flusher, _ := w.(http.Flusher)
	send := func(s string) bool {
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send(`{"status":"success","data":{"resultType":"matrix","result":[` + goodSeries) {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if !send(fmt.Sprintf(`,{"metric":{"pod":"web-7c9d5b6f4d-%05d"},"values":[[1795636020,"1"]]}`, i)) {
				return
			}
		}
	}
}
