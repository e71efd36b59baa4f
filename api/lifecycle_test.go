package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestReload: POST /-/reload is off unless enabled, and refuses what a web
// page could send cross-site (issue 12, security).
func TestReload(t *testing.T) {
	t.Parallel()
	ok := func() error { return nil }
	cases := []struct {
		name      string
		enabled   bool
		reload    func() error
		header    map[string]string
		status    int
		errorType string
		field     string
	}{
		{name: "off by default", reload: ok, status: 403, errorType: "forbidden"},
		{name: "on", enabled: true, reload: ok, status: 200},
		{name: "on with a JSON content type", enabled: true, reload: ok, header: map[string]string{"Content-Type": "application/json"}, status: 200},
		{name: "text/plain as a web page sends it", enabled: true, reload: ok, header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "a form", enabled: true, reload: ok, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "multipart", enabled: true, reload: ok, header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "a malformed content type", enabled: true, reload: ok, header: map[string]string{"Content-Type": "text/"}, status: 400, errorType: "bad_data", field: "Content-Type"},
		{name: "from a web page (Origin)", enabled: true, reload: ok, header: map[string]string{"Origin": "https://evil.example"}, status: 403, errorType: "forbidden"},
		{name: "from a web page (Sec-Fetch-Site)", enabled: true, reload: ok, header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, errorType: "forbidden"},
		{name: "a failed reload is a 500 with the error", enabled: true, reload: func() error { return errors.New("x.yaml:3: bad") }, status: 500, errorType: "internal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			called := false
			reload := func() error { called = true; return c.reload() }
			srv := serveAPI(t, Options{Judger: &fakeJudger{}, Reload: reload, EnableLifecycle: c.enabled})
			req, err := http.NewRequest("POST", srv.URL+"/-/reload", strings.NewReader(""))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body := checkResponse(t, res, c.status, c.errorType, c.field)
			if wantCall := c.status == 200 || c.status == 500; called != wantCall {
				t.Errorf("reload called: %v", called)
			}
			if c.status == 500 && body.Error != "x.yaml:3: bad" {
				t.Errorf("error %q", body.Error)
			}
		})
	}
	t.Run("GET is not a reload", func(t *testing.T) {
		srv := serveAPI(t, Options{Judger: &fakeJudger{}, Reload: ok, EnableLifecycle: true})
		checkResponse(t, do(t, "GET", srv.URL+"/-/reload", ""), 405, "bad_data", "")
	})
}
