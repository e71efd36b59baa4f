package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/canary-analyzer/canary-analyzer/analysisrun"
	"github.com/canary-analyzer/canary-analyzer/engine"
	"github.com/canary-analyzer/canary-analyzer/providers"
	"github.com/canary-analyzer/canary-analyzer/request"
	"github.com/canary-analyzer/canary-analyzer/rules"
)

// Judge is one rule set to replay and the service that judges with it.
type Judge struct {
	// Label names it in the report ("current", "candidate").
	Label   string
	RuleSet *rules.RuleSet
	Service *engine.Service
}

// Options say what to replay.
type Options struct {
	// Judges are one rule set, or two to compare: the current one first,
	// the candidate second.
	Judges []Judge
	// Limits are the AnalysisTemplate's; TemplateFile names it.
	Limits       analysisrun.Limits
	TemplateFile string
	// ExperimentLimits are the experiments' AnalysisTemplate's;
	// ExperimentTemplateFile names it (Limits and TemplateFile when
	// empty). Templates name the experiments' canary and baseline
	// templates (DefaultTemplates when empty).
	ExperimentLimits       analysisrun.Limits
	ExperimentTemplateFile string
	Templates              Templates
	// Presence finds the pods (DefaultPresence of the first rule set
	// when its Template is nil).
	Presence Presence
	// Namespaces to look in, and optionally one rollout of them.
	Namespaces []string
	Rollout    string
	// From and To bound the search for rollouts (looks may reach past To,
	// never past now).
	From, To time.Time
	// AA, when positive, replays that many pretend canaries (stable pods
	// judged as canaries from random times, seeded by Seed) instead of the
	// rollouts.
	AA   int
	Seed uint64
	// Timeout bounds one judgement, as the service's --query.timeout.
	Timeout time.Duration
	// Parallel is how many runs are replayed at once (1 if not positive).
	Parallel int
	// Progress, if set, gets a line per replayed run.
	Progress io.Writer
	// Now is the clock (time.Now if nil): no look is taken after it.
	Now func() time.Time
}

// Report is what a replay found.
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Template Template  `json:"template"`
	// ExperimentTemplate is the experiments' template, Templates the
	// names of their compared templates.
	ExperimentTemplate Template     `json:"experimentTemplate"`
	Templates          Templates    `json:"templates"`
	RuleSets           []RuleSetRef `json:"ruleSets"`
	// Rollouts are the rollouts found and Experiments the Argo
	// experiments, each with one run per rule set; Pretend the A/A runs
	// instead.
	Rollouts    []RolloutRuns    `json:"rollouts,omitempty"`
	Experiments []ExperimentRuns `json:"experiments,omitempty"`
	Pretend     []PretendRuns    `json:"aa,omitempty"`
	// Summaries count the outcomes per rule set.
	Summaries  []Summary   `json:"summaries"`
	Comparison *Comparison `json:"comparison,omitempty"`
}

// Template is the AnalysisTemplate's timing and limits.
type Template struct {
	File                  string         `json:"file"`
	InitialDelay          model.Duration `json:"initialDelay"`
	Interval              model.Duration `json:"interval"`
	Count                 int            `json:"count"`
	FailureLimit          int            `json:"failureLimit"`
	InconclusiveLimit     int            `json:"inconclusiveLimit"`
	ConsecutiveErrorLimit int            `json:"consecutiveErrorLimit"`
}

// RuleSetRef names a replayed rule set.
type RuleSetRef struct {
	Label       string `json:"label"`
	Name        string `json:"name"`
	File        string `json:"file"`
	Environment string `json:"environment,omitempty"`
}

// RolloutRuns is one rollout and its runs, one per rule set.
type RolloutRuns struct {
	Rollout
	Runs []Run `json:"runs"`
}

// ExperimentRuns is one experiment and its runs, one per rule set.
type ExperimentRuns struct {
	Experiment
	Runs []Run `json:"runs"`
}

// PretendRuns is one A/A run per rule set.
type PretendRuns struct {
	Pretend
	Runs []Run `json:"runs"`
}

// Play replays the rollouts (or the A/A runs) of o.
func Play(ctx context.Context, o Options) (*Report, error) {
	if len(o.Judges) == 0 || len(o.Judges) > 2 {
		return nil, fmt.Errorf("replay takes one rule set, or two to compare, not %d", len(o.Judges))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	first := o.Judges[0]
	prom := first.Service.Backends[providers.TypePrometheus]
	if prom == nil {
		return nil, errors.New("no Prometheus to find rollouts in: set --prometheus.url")
	}
	if o.Presence.Template == nil {
		t, err := DefaultPresence(first.RuleSet)
		if err != nil {
			return nil, err
		}
		o.Presence.Template = t
	}
	if o.Presence.Step == 0 {
		o.Presence.Step = time.Duration(first.RuleSet.Step)
	}
	o.Presence.Pods = first.RuleSet.Pods
	if o.Templates == (Templates{}) {
		o.Templates = DefaultTemplates
	}
	o.Presence.Templates = o.Templates
	if o.ExperimentTemplateFile == "" {
		o.ExperimentLimits, o.ExperimentTemplateFile = o.Limits, o.TemplateFile
	}

	rep := &Report{From: o.From, To: o.To, Template: template(o.Limits, o.TemplateFile),
		ExperimentTemplate: template(o.ExperimentLimits, o.ExperimentTemplateFile), Templates: o.Templates}
	for _, j := range o.Judges {
		rep.RuleSets = append(rep.RuleSets, RuleSetRef{Label: j.Label, Name: j.RuleSet.Name, File: j.RuleSet.File, Environment: j.RuleSet.Environment})
	}
	var eps []Episode
	for _, ns := range o.Namespaces {
		found, err := o.Presence.Find(ctx, prom, ns, o.Rollout, o.From, o.To)
		if err != nil {
			return nil, err
		}
		eps = append(eps, found.Episodes...)
		if o.AA > 0 {
			continue
		}
		for _, r := range Rollouts(found.Episodes, o.From, o.To) {
			if err := o.Presence.FirstSample(ctx, prom, &r); err != nil {
				return nil, err
			}
			rep.Rollouts = append(rep.Rollouts, RolloutRuns{Rollout: r, Runs: make([]Run, len(o.Judges))})
		}
		for _, e := range Experiments(found, o.Templates, o.From, o.To) {
			if err := o.Presence.ExperimentFirstSample(ctx, prom, &e); err != nil {
				return nil, err
			}
			rep.Experiments = append(rep.Experiments, ExperimentRuns{Experiment: e, Runs: make([]Run, len(o.Judges))})
		}
	}
	if o.AA > 0 {
		for _, p := range PickPretend(eps, o.AA, o.Seed, o.From, o.To, o.lookback(), o.span()) {
			rep.Pretend = append(rep.Pretend, PretendRuns{Pretend: p, Runs: make([]Run, len(o.Judges))})
		}
	}
	if err := o.playAll(ctx, rep); err != nil {
		return nil, err
	}
	rep.Summaries = summarize(rep, o.Judges)
	if len(o.Judges) == 2 {
		rep.Comparison = compare(rep)
	}
	return rep, nil
}

// lookback is the longest window the rule sets judge: a pretend canary's
// stable pods must have been there that long before it starts.
func (o Options) lookback() time.Duration {
	var d time.Duration
	for _, j := range o.Judges {
		d = max(d, time.Duration(j.RuleSet.Lookback))
	}
	return d
}

// span is how long a pretend canary must stay: to the last look, with
// room for Argo's retries after errors.
func (o Options) span() time.Duration {
	ages := o.Limits.Ages()
	return ages[len(ages)-1] + time.Duration(o.Limits.ConsecutiveErrorLimit+1)*analysisrun.ErrorRetry
}

// job is one run to play.
type job struct {
	name string
	into *Run
	play func(context.Context) (Run, error)
}

// playAll plays every run, o.Parallel at a time.
func (o Options) playAll(ctx context.Context, rep *Report) error {
	p := player{limits: o.Limits, timeout: o.Timeout, now: o.Now}
	pe := player{limits: o.ExperimentLimits, timeout: o.Timeout, now: o.Now}
	var jobs []job
	for i := range rep.Rollouts {
		r := &rep.Rollouts[i]
		t := request.Target{Namespace: r.Namespace, Rollout: r.Rollout.Rollout, CanaryHash: r.CanaryHash, StableHash: r.StableHash}
		for k, j := range o.Judges {
			jobs = append(jobs, job{name: r.Name() + " (" + r.CanaryHash + ")", into: &r.Runs[k], play: func(ctx context.Context) (Run, error) {
				return p.play(ctx, j.Service, j.Label, t, j.RuleSet.Name, r.Start, r.CanaryEnd, time.Duration(j.RuleSet.Step)), nil
			}})
		}
	}
	for i := range rep.Experiments {
		e := &rep.Experiments[i]
		for k, j := range o.Judges {
			if e.NotPlayed != "" {
				e.Runs[k] = Run{Judge: j.Label, NotPlayed: e.NotPlayed}
				continue
			}
			jobs = append(jobs, job{name: "experiment " + e.Name(), into: &e.Runs[k], play: func(ctx context.Context) (Run, error) {
				return pe.play(ctx, j.Service, j.Label, e.Target, j.RuleSet.Name, e.Start, e.CanaryEnd, time.Duration(j.RuleSet.Step)), nil
			}})
		}
	}
	for i := range rep.Pretend {
		a := &rep.Pretend[i]
		for k, j := range o.Judges {
			jobs = append(jobs, job{name: "A/A " + a.Name() + " from " + a.Start.Format(time.RFC3339), into: &a.Runs[k], play: func(ctx context.Context) (Run, error) {
				pt, err := newPretending(j.RuleSet.Pods, a.Pretend, j.RuleSet.Step)
				if err != nil {
					return Run{}, err
				}
				svc := *j.Service
				svc.Backends, svc.Logs = pt.wrap(j.Service.Backends)
				return p.play(ctx, &svc, j.Label, a.target(), j.RuleSet.Name, a.Start, a.Start.Add(o.span()), time.Duration(j.RuleSet.Step)), nil
			}})
		}
	}
	parallel := max(o.Parallel, 1)
	sem := make(chan struct{}, parallel)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		done     int
		firstErr error
	)
	for _, jb := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			run, err := jb.play(ctx)
			mu.Lock()
			defer mu.Unlock()
			done++
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", jb.name, err)
				}
				return
			}
			*jb.into = run
			if o.Progress != nil {
				fmt.Fprintf(o.Progress, "replay: %d/%d %s: %s %s\n", done, len(jobs), jb.name, run.Judge, outcome(run))
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// outcome says in a few words how a run ended.
func outcome(r Run) string {
	switch {
	case r.NotPlayed != "":
		return "not replayed: " + r.NotPlayed
	case r.Incomplete:
		return fmt.Sprintf("incomplete after %d looks (the next one is in the future)", len(r.Looks))
	case r.Phase == "":
		return "not played"
	}
	return fmt.Sprintf("%s at look %d (canary age %s)", r.Phase, r.DecidedAt, r.DecidedAge)
}

func template(l analysisrun.Limits, file string) Template {
	return Template{File: file, InitialDelay: model.Duration(l.InitialDelay), Interval: model.Duration(l.Interval), Count: l.Count,
		FailureLimit: l.FailureLimit, InconclusiveLimit: l.InconclusiveLimit, ConsecutiveErrorLimit: l.ConsecutiveErrorLimit}
}
