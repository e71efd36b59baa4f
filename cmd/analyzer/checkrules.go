package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

func checkRules(args []string) int { return runCheckRules(args, os.Stdout, os.Stderr) }

// runCheckRules is check-rules writing to out and errOut.
func runCheckRules(args []string, out, errOut io.Writer) int {
	fs := newFlagSet("check-rules")
	fs.SetOutput(errOut)
	env := fs.String("environment", "", "also apply this environment's overrides")
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
	failed := false
	for _, path := range fs.Args() {
		info, err := os.Stat(path)
		if err != nil {
			fmt.Fprintln(errOut, err)
			failed = true
			continue
		}
		var names []string
		if info.IsDir() {
			sets, err := rules.LoadDir(path, *env)
			if err == nil {
				names = rules.Names(sets)
			}
			failed = report(out, errOut, path, *env, names, err) || failed
		} else {
			rs, err := rules.LoadFile(path, *env)
			if err == nil {
				names = []string{rs.Name}
			}
			failed = report(out, errOut, path, *env, names, err) || failed
		}
	}
	if failed {
		return 1
	}
	return 0
}

// report prints the outcome of one load and says whether it failed.
func report(out, errOut io.Writer, path, env string, names []string, err error) bool {
	if err == nil {
		noun := "rule sets"
		if len(names) == 1 {
			noun = "rule set"
		}
		in := ""
		if env != "" {
			in = " in environment " + env
		}
		fmt.Fprintf(out, "%s: OK (%d %s%s: %v)\n", path, len(names), noun, in, names)
		return false
	}
	var es rules.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(errOut, e)
		}
	} else {
		fmt.Fprintln(errOut, err)
	}
	return true
}
