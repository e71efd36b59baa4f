package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/app"
	"github.com/canary-analyzer/canary-analyzer/deploy"
	"github.com/canary-analyzer/canary-analyzer/replay"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// stringList is a flag that can be given more than once.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// timeFlag is an RFC 3339 time.
type timeFlag struct{ t *time.Time }

func (f timeFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f timeFlag) Set(v string) error {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-25T14:05:00Z", v)
	}
	*f.t = t.UTC()
	return nil
}

// replayArgs are the replay command's flags.
type replayArgs struct {
	o                 app.Options
	level             string
	ruleFiles         stringList
	namespaces        stringList
	rollout, presence string
	template, output  string
	writeRules        string
	expTemplate       string
	templates         replay.Templates
	from, to          time.Time
	since             time.Duration
	aa, parallel      int
	seed              uint64
}

func replayCmd(args []string) int { return runReplay(args, os.Stdout, os.Stderr) }

// runReplay is the replay command writing its report to out and its
// progress and errors to errOut.
func runReplay(args []string, out, errOut io.Writer) int {
	a, ok := parseReplay(args, errOut)
	if !ok {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := a.run(ctx, errOut)
	if err != nil {
		fmt.Fprintln(errOut, "error:", err)
		return exitError
	}
	if a.output == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(errOut, "error:", err)
			return exitError
		}
		return a.writeRulesExit(rep, errOut)
	}
	rep.WriteText(out)
	return a.writeRulesExit(rep, errOut)
}

// writeRulesExit writes --write-rules, if given, and returns the exit code.
func (a *replayArgs) writeRulesExit(rep *replay.Report, errOut io.Writer) int {
	if a.writeRules == "" {
		return 0
	}
	if err := a.writeMeasuredRules(rep, errOut); err != nil {
		fmt.Fprintln(errOut, "error:", err)
		return exitError
	}
	return 0
}

func parseReplay(args []string, errOut io.Writer) (*replayArgs, bool) {
	fs := newFlagSet("replay")
	fs.SetOutput(errOut)
	a := &replayArgs{}
	fs.Var(&a.ruleFiles, "rules", "rule file to replay with; give it twice to compare a candidate (second) with the current rule set (first)")
	fs.StringVar(&a.o.Environment, "environment", "", "environment (alpha, beta, live) whose rule-set overrides apply")
	fs.Var(&a.namespaces, "namespace", "namespace to find rollouts in (repeatable)")
	fs.StringVar(&a.rollout, "rollout", "", "only this rollout")
	fs.Var(timeFlag{&a.from}, "from", "start of the search for rollouts (RFC 3339; default --since before --to)")
	fs.Var(timeFlag{&a.to}, "to", "end of the search (RFC 3339; default now)")
	fs.DurationVar(&a.since, "since", 24*time.Hour, "how far back to search when --from is not given")
	fs.StringVar(&a.template, "template", "", "AnalysisTemplate file whose count, interval, initialDelay and limits to play (default the shipped "+deploy.AnalysisTemplateFile+")")
	fs.StringVar(&a.expTemplate, "experiment.template", "", "AnalysisTemplate file whose looks and limits to play Argo experiments with (default the shipped "+deploy.ExperimentTemplateFile+")")
	fs.StringVar(&a.templates.Canary, "experiment.canary", replay.DefaultTemplates.Canary, "name of the experiments' canary template (canaryReplicaSet: {{templates.<name>.replicaset.name}})")
	fs.StringVar(&a.templates.Baseline, "experiment.baseline", replay.DefaultTemplates.Baseline, "name of the experiments' baseline template (stableReplicaSet)")
	fs.StringVar(&a.presence, "presence", "", "PromQL template telling when pods existed, with {{.Namespace}} and {{.Pods}} (default the first Prometheus metric's query)")
	fs.IntVar(&a.aa, "aa", 0, "instead of the rollouts, replay this many A/A runs: a stable pod judged as a canary from a random time")
	fs.Uint64Var(&a.seed, "seed", 1, "seed of the A/A runs' draws")
	fs.IntVar(&a.parallel, "parallel", 2, "runs replayed at once")
	fs.StringVar(&a.output, "output", "text", "text or json")
	fs.StringVar(&a.writeRules, "write-rules", "", fmt.Sprintf("write a copy of the --rules file (with two, the first: the current rule set) to this new file, with each value metric's podSpread set to the spread measured where it was measured on at least %d degrees of freedom and the file's lies outside its 90%% interval", replay.MinWriteDF))
	fs.DurationVar(&a.o.QueryTimeout, "query.timeout", 8*time.Second, "time allowed for one judgement, as the service's --query.timeout")
	fs.StringVar(&a.level, "log.level", "warn", "log level: debug, info, warn, error")
	backendFlags(fs, "prometheus", &a.o.Prometheus)
	backendFlags(fs, "loki", &a.o.Loki)
	if err := fs.Parse(args); err != nil {
		return nil, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errOut, "unexpected arguments: %v\n", fs.Args())
		return nil, false
	}
	if err := applyEnv(fs); err != nil {
		fmt.Fprintln(errOut, err)
		return nil, false
	}
	var problems []string
	if len(a.ruleFiles) == 0 || len(a.ruleFiles) > 2 {
		problems = append(problems, "--rules: give one rule file, or two to compare")
	}
	if len(a.namespaces) == 0 {
		problems = append(problems, "--namespace is required")
	}
	for _, f := range a.ruleFiles {
		if a.writeRules != "" && samePath(a.writeRules, f) {
			problems = append(problems, fmt.Sprintf("--write-rules %s is a --rules file: write the measured rule set to a new file", a.writeRules))
		}
	}
	if a.output != "text" && a.output != "json" {
		problems = append(problems, "--output must be text or json")
	}
	if a.to.IsZero() {
		a.to = time.Now().UTC()
	}
	if a.from.IsZero() {
		a.from = a.to.Add(-a.since)
	}
	if !a.from.Before(a.to) {
		problems = append(problems, "--from must be before --to")
	}
	if a.templates.Canary == "" || a.templates.Baseline == "" || a.templates.Canary == a.templates.Baseline {
		problems = append(problems, "--experiment.canary and --experiment.baseline must be two different template names")
	}
	if a.aa < 0 || a.parallel < 1 {
		problems = append(problems, "--aa must not be negative and --parallel must be positive")
	}
	for _, p := range problems {
		fmt.Fprintln(errOut, p)
	}
	return a, len(problems) == 0
}

// run loads the rule sets and the template, builds a judge service per
// rule set and replays.
func (a *replayArgs) run(ctx context.Context, progress io.Writer) (*replay.Report, error) {
	log, err := newLogger(a.level)
	if err != nil {
		return nil, err
	}
	a.o.Logger = log
	limits, file, err := readLimits(a.template, deploy.AnalysisTemplate, deploy.AnalysisTemplateFile)
	if err != nil {
		return nil, err
	}
	expLimits, expFile, err := readLimits(a.expTemplate, deploy.ExperimentTemplate, deploy.ExperimentTemplateFile)
	if err != nil {
		return nil, err
	}
	o := replay.Options{Limits: limits, TemplateFile: file, ExperimentLimits: expLimits, ExperimentTemplateFile: expFile, Templates: a.templates,
		Namespaces: a.namespaces, Rollout: a.rollout,
		From: a.from, To: a.to, AA: a.aa, Seed: a.seed, Timeout: a.o.QueryTimeout, Parallel: a.parallel, Progress: progress}
	for i, f := range a.ruleFiles {
		rs, err := rules.LoadFile(f, a.o.Environment)
		if err != nil {
			return nil, err
		}
		label := rs.Name
		if len(a.ruleFiles) == 2 {
			label = []string{"current", "candidate"}[i]
		}
		if w := lookMismatch(rs, limits); w != "" {
			fmt.Fprintf(progress, "warning: %s: %s\n", f, w)
		}
		if w := lookMismatch(rs, expLimits); w != "" && expLimits != limits {
			fmt.Fprintf(progress, "warning: %s: experiments: %s\n", f, w)
		}
		opts := a.o
		opts.Store = singleStore(rs)
		svc, err := app.NewService(opts)
		if err != nil {
			return nil, err
		}
		o.Judges = append(o.Judges, replay.Judge{Label: label, RuleSet: rs, Service: svc})
	}
	if a.presence != "" {
		if o.Presence.Template, err = rules.ParseTemplate("presence", a.presence); err != nil {
			return nil, fmt.Errorf("--presence: %w", err)
		}
	}
	return replay.Play(ctx, o)
}

// readLimits reads the template file, or the shipped template when file
// is empty.
func readLimits(file string, shipped []byte, shippedFile string) (analysisrun.Limits, string, error) {
	if file == "" {
		l, err := analysisrun.ParseLimits(shipped, shippedFile)
		return l, shippedFile, err
	}
	l, err := analysisrun.ReadLimits(file)
	return l, file, err
}

// lookMismatch says how the rule set's looks differ from the template's:
// its false-alarm budget is then spent over other looks than Argo takes.
func lookMismatch(rs *rules.RuleSet, l analysisrun.Limits) string {
	d := rs.WithDefaults()
	if d.Looks == l.Count && time.Duration(d.LookInterval) == l.Interval && d.LookDelay != nil && time.Duration(*d.LookDelay) == l.InitialDelay {
		return ""
	}
	delay := "unset"
	if d.LookDelay != nil {
		delay = d.LookDelay.String()
	}
	return fmt.Sprintf("the rule set spends alpha over looks: %d, lookInterval: %s, lookDelay: %s, but the template takes count %d, interval %s, initialDelay %s",
		d.Looks, d.LookInterval, delay, l.Count, l.Interval, l.InitialDelay)
}

// singleStore holds one rule set.
func singleStore(rs *rules.RuleSet) *rules.Store {
	return rules.NewStore(func() (map[string]*rules.RuleSet, error) {
		return map[string]*rules.RuleSet{rs.Name: rs}, nil
	}, prometheus.NewRegistry())
}
