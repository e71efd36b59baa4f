package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestResultsCache(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if r.URL.Query().Get("slow") != "" {
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"q":"`+r.URL.Query().Get("query")+`","tenant":"`+r.Header.Get("X-Scope-OrgID")+`"}`)
	}))
	defer backend.Close()
	c := newResultsCache(backend.URL)
	defer c.Close()

	get := func(path, tenant string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", c.URL+path, nil)
		if tenant != "" {
			req.Header.Set("X-Scope-OrgID", tenant)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	t.Run("the same request is answered once", func(t *testing.T) {
		_, a := get("/loki/api/v1/query_range?query=a", "")
		_, b := get("/loki/api/v1/query_range?query=a", "")
		_, other := get("/loki/api/v1/query_range?query=b", "")
		_, tenant := get("/loki/api/v1/query_range?query=a", "t1")
		if a != `{"q":"a","tenant":""}` || b != a || other != `{"q":"b","tenant":""}` || tenant != `{"q":"a","tenant":"t1"}` {
			t.Errorf("answers %s %s %s %s", a, b, other, tenant)
		}
		if n := calls.Load(); n != 3 {
			t.Errorf("backend asked %d times, want 3 (a, b, a for tenant t1)", n)
		}
	})
	t.Run("failures are not kept", func(t *testing.T) {
		before := calls.Load()
		for range 2 {
			if status, _ := get("/loki/api/v1/query_range?fail=1", ""); status != http.StatusInternalServerError {
				t.Errorf("status %d, want the backend's 500", status)
			}
		}
		if n := calls.Load() - before; n != 2 {
			t.Errorf("a failure was asked %d times, want 2", n)
		}
	})
	t.Run("concurrent requests wait for the first", func(t *testing.T) {
		before, hits := calls.Load(), c.Hits()
		var wg sync.WaitGroup
		answers := make([]string, 4)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, answers[i] = get("/loki/api/v1/query_range?query=s&slow=1", "")
			}()
		}
		// Let the first reach the backend, then the others the cache.
		for calls.Load() == before || c.Hits()-hits < len(answers)-1 {
			runtime.Gosched()
		}
		close(release)
		wg.Wait()
		if n := calls.Load() - before; n != 1 {
			t.Errorf("backend asked %d times, want 1", n)
		}
		for _, a := range answers {
			if a != `{"q":"s","tenant":""}` {
				t.Errorf("answer %s", a)
			}
		}
	})
}
