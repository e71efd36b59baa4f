package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

func checkRules(args []string) int { return runCheckRules(args, os.Stdout, os.Stderr) }

// checkOptions are check-rules' flags.
type checkOptions struct {
	env        string
	prometheus providers.ClientOptions
	loki       providers.ClientOptions
	target     request.Target
	end        string
	timeout    time.Duration
}

// runCheckRules is check-rules writing to out and errOut. It loads the
// rule files as the service does (errors: exit 1; warnings are printed),
// and with --namespace runs every query against the backends.
func runCheckRules(args []string, out, errOut io.Writer) int {
	fs := newFlagSet("check-rules")
	fs.SetOutput(errOut)
	var o checkOptions
	fs.StringVar(&o.env, "environment", "", "apply this environment's overrides; an environment no rule file defines is an error")
	backendFlags(fs, "prometheus", &o.prometheus)
	backendFlags(fs, "loki", &o.loki)
	fs.StringVar(&o.target.Namespace, "namespace", "", "dry run: run every query for the pods of this namespace (needs --prometheus.url and/or --loki.url)")
	fs.StringVar(&o.target.Rollout, "rollout", "", "dry run: only the pods of this rollout")
	fs.StringVar(&o.target.CanaryHash, "canary-hash", "", "dry run: the canary's pod-template hash (with --stable-hash)")
	fs.StringVar(&o.target.StableHash, "stable-hash", "", "dry run: the stable pods' pod-template hash (with --canary-hash; or beside the ReplicaSets, with --rollout: both references, each judgement's queries run)")
	fs.StringVar(&o.target.CanaryReplicaSet, "canary-replicaset", "", "dry run, instead of the hashes: the canary's ReplicaSet, e.g. an Argo experiment's canary template (with --stable-replicaset)")
	fs.StringVar(&o.target.StableReplicaSet, "stable-replicaset", "", "dry run, instead of the hashes: the ReplicaSet to compare with, e.g. an experiment's baseline (with --canary-replicaset)")
	fs.StringVar(&o.end, "end", "", "dry run: the end of the window (RFC 3339 or Unix seconds; default now)")
	fs.DurationVar(&o.timeout, "query.timeout", 30*time.Second, "dry run: time allowed for each query")
	usage := fs.Usage
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: analyzer check-rules [flags] FILE|DIR ...")
		usage()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := applyEnv(fs); err != nil {
		fmt.Fprintln(errOut, err)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	end, err := o.dryRunEnd()
	if err != nil {
		fmt.Fprintln(errOut, err)
		return exitUsage
	}

	failed := false
	all := map[string]*rules.RuleSet{}
	for _, path := range fs.Args() {
		sets, err := loadPath(path, o.env)
		if err != nil {
			printErrors(errOut, err)
			failed = true
			continue
		}
		for _, w := range rules.Warnings(sets) {
			fmt.Fprintln(errOut, w)
		}
		names := rules.Names(sets)
		for _, n := range names {
			all[n] = sets[n]
		}
		noun := "rule sets"
		if len(names) == 1 {
			noun = "rule set"
		}
		in := ""
		if o.env != "" {
			in = " in environment " + o.env
		}
		fmt.Fprintf(out, "%s: OK (%d %s%s: %v)\n", path, len(names), noun, in, names)
	}
	if len(all) > 0 {
		if err := rules.CheckEnvironment(all, o.env); err != nil {
			fmt.Fprintln(errOut, err)
			failed = true
		}
	}
	if o.target.Namespace != "" && !failed {
		failed = dryRun(out, errOut, all, o, end) || failed
	}
	if failed {
		return 1
	}
	return 0
}

// loadPath loads a rule file or a directory of them.
func loadPath(path, env string) (map[string]*rules.RuleSet, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return rules.LoadDir(path, env)
	}
	rs, err := rules.LoadFile(path, env)
	if err != nil {
		return nil, err
	}
	return map[string]*rules.RuleSet{rs.Name: rs}, nil
}

// dryRunEnd checks the dry-run flags and returns the window's end.
func (o checkOptions) dryRunEnd() (time.Time, error) {
	t := o.target
	switch {
	case t.Namespace == "" && (t.Rollout != "" || t.CanaryHash != "" || t.StableHash != "" || t.ByReplicaSet() || o.end != ""):
		return time.Time{}, errors.New("--rollout, --canary-hash, --stable-hash, --canary-replicaset, --stable-replicaset and --end belong to a dry run: give --namespace")
	case t.Namespace != "" && o.prometheus.URL == "" && o.loki.URL == "":
		return time.Time{}, errors.New("a dry run (--namespace) needs --prometheus.url and/or --loki.url")
	case (t.CanaryHash == "") != (t.StableHash == "") && !t.ByReplicaSet():
		return time.Time{}, errors.New("give both --canary-hash and --stable-hash, or neither")
	case (t.CanaryReplicaSet == "") != (t.StableReplicaSet == ""):
		return time.Time{}, errors.New("give both --canary-replicaset and --stable-replicaset, or neither")
	case t.ByReplicaSet() && t.CanaryHash != "":
		return time.Time{}, errors.New("give the hashes or the ReplicaSets, not both (--stable-hash may join the ReplicaSets: both references)")
	case t.BothReferences() && t.Rollout == "":
		return time.Time{}, errors.New("--stable-hash beside the ReplicaSets (both references) needs --rollout: the stable pods are <rollout>-<hash>-<suffix>")
	case o.end == "":
		return time.Now(), nil
	}
	// The request's own reading of an end: RFC 3339 or Unix seconds, within
	// request.MinEnd and request.MaxEnd.
	var r request.Request
	if err := r.Set("end", o.end); err != nil {
		return time.Time{}, fmt.Errorf("--end: %w", err)
	}
	return r.End, nil
}

// dryRun runs every query of the rule sets against the backends and prints
// what it found; it says whether there was an error. A both-references
// target runs the queries of each judgement: against the baseline (whose
// matcher also checks that the stable hash selects none of the
// ReplicaSets' pods) and against the stable pods.
func dryRun(out, errOut io.Writer, sets map[string]*rules.RuleSet, o checkOptions, end time.Time) bool {
	series, err := app.Backends(o.prometheus, o.loki)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return true
	}
	logs := app.LogQueriers(series)
	type judgement struct {
		target request.Target
		what   string
	}
	judgements := []judgement{{o.target, ""}}
	if o.target.BothReferences() {
		judgements = []judgement{{o.target, " (against the baseline)"}, {o.target.AgainstStable(), " (against the stable pods)"}}
	}
	failed := false
	for _, name := range rules.Names(sets) {
		rs := sets[name]
		if o.target.BothReferences() {
			rs = rs.WithoutThrottlingHolds() // as the service judges such a request
		}
		for _, j := range judgements {
			ctx, cancel := context.WithTimeout(context.Background(), o.timeout*time.Duration(max(1, queries(rs))))
			findings := rules.DryRun(ctx, rs, series, logs, j.target, end)
			cancel()
			errs, warns := 0, 0
			for _, f := range findings {
				fmt.Fprintln(errOut, f)
				if f.Warning {
					warns++
				} else {
					errs++
				}
			}
			failed = failed || errs > 0
			fmt.Fprintf(out, "dry run of %s%s for namespace %s until %s: %d queries, %d errors, %d warnings\n",
				name, j.what, o.target.Namespace, end.UTC().Format(time.RFC3339), queries(rs), errs, warns)
		}
	}
	return failed
}

// queries counts the queries of a rule set.
func queries(rs *rules.RuleSet) int {
	n := 0
	for i := range rs.Metrics {
		n += len(rs.Metrics[i].Roles())
		if rs.Metrics[i].LogTemplate() != nil {
			n++
		}
	}
	return n
}

// printErrors prints every error of a load, one per line.
func printErrors(w io.Writer, err error) {
	var es rules.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}
