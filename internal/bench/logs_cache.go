package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// resultsCache is a caching proxy in front of the Loki stand-in, as Loki's
// query frontend keeps a results cache: the two judges of a look, and the
// 5xx and 404 ratios' common denominator, send the same query_range
// request, and the stand-in evaluates it only once. Only 200 answers are
// kept; concurrent identical requests wait for the first.
type resultsCache struct {
	*httptest.Server
	backend string
	client  *http.Client

	mu      sync.Mutex
	entries map[string]*cachedAnswer
	hits    int
}

// cachedAnswer is one answer, ready once done is closed.
type cachedAnswer struct {
	done   chan struct{}
	status int
	ctype  string
	body   []byte
}

// newResultsCache starts a cache in front of the Loki API at backend.
func newResultsCache(backend string) *resultsCache {
	c := &resultsCache{backend: backend, client: &http.Client{}, entries: map[string]*cachedAnswer{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	return c
}

// Hits returns how many requests were answered from the cache.
func (c *resultsCache) Hits() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

func (c *resultsCache) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("X-Scope-OrgID")
	c.mu.Lock()
	a, found := c.entries[key]
	if !found {
		a = &cachedAnswer{done: make(chan struct{})}
		c.entries[key] = a
	} else {
		c.hits++
	}
	c.mu.Unlock()
	if found {
		<-a.done
		c.write(w, a)
		return
	}
	c.fetch(r, a)
	close(a.done)
	if a.status != http.StatusOK {
		// Never keep a failure: the next request asks again.
		c.mu.Lock()
		delete(c.entries, key)
		c.mu.Unlock()
	}
	c.write(w, a)
}

// fetch asks the backend and fills a.
func (c *resultsCache) fetch(r *http.Request, a *cachedAnswer) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, c.backend+r.URL.RequestURI(), nil)
	if err != nil {
		a.status, a.body = http.StatusInternalServerError, []byte(err.Error())
		return
	}
	req.Header = r.Header.Clone()
	res, err := c.client.Do(req)
	if err != nil {
		a.status, a.body = http.StatusBadGateway, []byte(err.Error())
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		a.status, a.body = http.StatusBadGateway, []byte(err.Error())
		return
	}
	a.status, a.ctype, a.body = res.StatusCode, res.Header.Get("Content-Type"), body
}

func (c *resultsCache) write(w http.ResponseWriter, a *cachedAnswer) {
	if a.ctype != "" {
		w.Header().Set("Content-Type", a.ctype)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}
