package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/canary-analyzer/canary-analyzer/api"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/verdict"
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
	var p api.Params
	var server, output string
	fs.StringVar(&p.Namespace, "namespace", "", "namespace of the canary (required)")
	fs.StringVar(&p.CanaryHash, "canary-hash", "", "pod-template hash of the canary (required)")
	fs.StringVar(&p.StableHash, "stable-hash", "", "pod-template hash of the stable pods (required)")
	fs.StringVar(&p.RuleSet, "rule-set", "", "rule set to judge by (required)")
	fs.StringVar(&p.Rollout, "rollout", "", "rollout name (narrows the pod match)")
	fs.StringVar(&p.Lookback, "lookback", "", "window to look back over (default: the rule set's)")
	fs.StringVar(&p.End, "end", "", "judge as of this time (RFC 3339 or Unix seconds; default now)")
	fs.StringVar(&server, "server", "", "ask a running analyzer at this URL instead of querying the backends directly")
	fs.StringVar(&output, "output", "text", "text or json")
	serviceFlags(fs, &o, &level)
	if !parse(fs, args) {
		return exitUsage
	}
	if output != "text" && output != "json" {
		fmt.Fprintln(os.Stderr, "--output must be text or json")
		return exitUsage
	}
	if _, err := p.Request(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	var resp *verdict.Response
	var err error
	if server != "" {
		resp, err = judgeRemote(server, p, o.QueryTimeout+2*time.Second)
	} else {
		resp, err = judgeLocal(o, level, p)
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
		resp.WriteText(os.Stdout)
	}
	switch resp.Verdict {
	case verdict.Successful:
		return exitSuccessful
	case verdict.Failed:
		return exitFailed
	default:
		return exitInconclusive
	}
}

func judgeLocal(o app.Options, level string, p api.Params) (*verdict.Response, error) {
	req, err := p.Request()
	if err != nil {
		return nil, err
	}
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

func judgeRemote(server string, p api.Params, timeout time.Duration) (*verdict.Response, error) {
	q := url.Values{}
	for k, v := range map[string]string{
		"namespace": p.Namespace, "canaryHash": p.CanaryHash, "stableHash": p.StableHash,
		"ruleSet": p.RuleSet, "rollout": p.Rollout, "lookback": p.Lookback, "end": p.End,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	u, err := url.JoinPath(server, "/api/v1/judge")
	if err != nil {
		return nil, err
	}
	c := &http.Client{Timeout: timeout}
	res, err := c.Get(u + "?" + q.Encode())
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
	var resp verdict.Response
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decoding the answer: %w", err)
	}
	if resp.Verdict == "" {
		return nil, errors.New("the answer has no verdict")
	}
	return &resp, nil
}
