package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/canary-analyzer/canary-analyzer/analysis"
	"github.com/canary-analyzer/canary-analyzer/api"
	"github.com/canary-analyzer/canary-analyzer/api/wire"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/request"
)

// Exit codes of the judge command.
const (
	exitSuccessful   = 0
	exitFailed       = 1
	exitUsage        = 2
	exitInconclusive = 3
	exitError        = 4
)

func judge(args []string) int {
	fs := newFlagSet("judge")
	var o app.Options
	var level string
	var req request.Request
	var server, serverToken, output string
	req.AddFlags(fs)
	fs.StringVar(&server, "server", "", "ask a running analyzer at this URL instead of querying the backends directly")
	fs.StringVar(&serverToken, "server.bearer-token-file", "", "file whose first token is sent to --server as a bearer token")
	fs.StringVar(&output, "output", "text", "text or json")
	serviceFlags(fs, &o, &level, "warn")
	if !parse(fs, args) {
		return exitUsage
	}
	if output != "text" && output != "json" {
		fmt.Fprintln(os.Stderr, "--output must be text or json")
		return exitUsage
	}
	if err := checkDurations(&o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	if err := req.Validate(); err != nil {
		var re *request.Error
		if errors.As(err, &re) {
			fmt.Fprintf(os.Stderr, "--%s: %v\n", request.FlagName(re.Field), err)
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		return exitUsage
	}
	var resp *wire.Response
	var err error
	if server != "" {
		resp, err = judgeRemote(server, serverToken, req, o.QueryTimeout+2*time.Second)
	} else {
		resp, err = judgeLocal(o, level, req)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return exitError
	}
	if output == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(resp)
	} else {
		writeText(os.Stdout, resp)
	}
	switch resp.Verdict {
	case analysis.Successful:
		return exitSuccessful
	case analysis.Failed:
		return exitFailed
	default:
		return exitInconclusive
	}
}

// judgeLocal judges in this process, querying the backends directly. Its
// logs go to stderr, at --log.level (warn by default, so that the table on
// stdout stands alone).
func judgeLocal(o app.Options, level string, req request.Request) (*wire.Response, error) {
	log, err := newLogger(level)
	if err != nil {
		return nil, err
	}
	o.Logger = log
	svc, err := app.NewService(o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.QueryTimeout)
	defer cancel()
	return svc.Judge(ctx, req)
}

// judgeRemote asks a running service, with the GET request Argo sends.
func judgeRemote(server, tokenFile string, req request.Request, timeout time.Duration) (*wire.Response, error) {
	hr, err := http.NewRequest("GET", req.URL(server), nil)
	if err != nil {
		return nil, err
	}
	if tokenFile != "" {
		tokens, err := api.ReadTokenFile(tokenFile)
		if err != nil {
			return nil, err
		}
		hr.Header.Set("Authorization", "Bearer "+tokens[0])
	}
	res, err := (&http.Client{Timeout: timeout}).Do(hr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s: %s", res.Status, e.Error)
		}
		return nil, fmt.Errorf("%s", res.Status)
	}
	var resp wire.Response
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decoding the answer: %w", err)
	}
	if resp.Verdict == "" {
		return nil, errors.New("the answer has no verdict")
	}
	return &resp, nil
}
