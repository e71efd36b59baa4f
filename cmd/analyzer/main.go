// Command analyzer judges Argo Rollouts canaries against their stable pods.
//
//	analyzer serve        serve the judgement API (Argo's web metric provider calls it)
//	analyzer demo         serve the embedded demo data set and print two verdicts
//	analyzer judge        judge one canary from the command line
//	analyzer check-rules  validate rule files (and dry-run their queries)
//	analyzer replay       judge past rollouts found in Prometheus as Argo would have
//	analyzer version      print what was built
package main

import (
	"fmt"
	"os"
)

func main() { os.Exit(run(os.Args[1:])) }

const usage = `usage: analyzer <command> [flags]

commands:
  serve        serve the judgement API
  demo         serve the embedded demo data set (no Prometheus needed) and print two verdicts
  judge        judge one canary from the command line and print the verdict
  check-rules  validate rule files (exit 1 on any error); with --namespace, run their queries
  replay       judge past rollouts found in Prometheus at Argo's looks; compare rule sets; A/A runs
  version      print the version

"analyzer <command> -h" lists a command's flags; every flag can also be set
through the environment variable named in its help.
`

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	cmds := map[string]func([]string) int{
		"serve":       serve,
		"demo":        demoCmd,
		"judge":       judge,
		"check-rules": checkRules,
		"replay":      replayCmd,
		"version":     version,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] != "-h" && args[0] != "--help" && args[0] != "help" {
			fmt.Fprintf(os.Stderr, "unknown command %q\n\n", args[0])
		}
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	return cmd(args[1:])
}
