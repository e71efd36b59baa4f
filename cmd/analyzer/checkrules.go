package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/canary-analyzer/canary-analyzer/rules"
)

func checkRules(args []string) int {
	fs := newFlagSet("check-rules")
	env := fs.String("environment", "", "also apply this environment's overrides")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: analyzer check-rules [--environment ENV] FILE|DIR ...")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	failed := false
	for _, path := range fs.Args() {
		info, err := os.Stat(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		var names []string
		if info.IsDir() {
			sets, err := rules.LoadDir(path, *env)
			if err == nil {
				names = rules.Names(sets)
			}
			failed = report(path, names, err) || failed
		} else {
			rs, err := rules.LoadFile(path, *env)
			if err == nil {
				names = []string{rs.Name}
			}
			failed = report(path, names, err) || failed
		}
	}
	if failed {
		return 1
	}
	return 0
}

// report prints the outcome of one load and says whether it failed.
func report(path string, names []string, err error) bool {
	if err == nil {
		noun := "rule sets"
		if len(names) == 1 {
			noun = "rule set"
		}
		fmt.Printf("%s: OK (%d %s: %v)\n", path, len(names), noun, names)
		return false
	}
	var es rules.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(os.Stderr, e)
		}
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	return true
}
