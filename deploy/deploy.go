// Package deploy gives the binary the files of deploy/ that it carries with
// it: the shipped rule sets of deploy/base/rules, so that the demo judges
// with exactly the rules a cluster gets, and the shipped
// ClusterAnalysisTemplates, whose timing and limits `analyzer replay` plays
// by default.
package deploy

import (
	"embed"
	"path"
)

//go:embed base/rules/*.yaml
var rules embed.FS

// AnalysisTemplateFile is the shipped ClusterAnalysisTemplate's path in the
// repository.
const AnalysisTemplateFile = "deploy/analysis/cluster-analysis-template.yaml"

// AnalysisTemplate is the shipped ClusterAnalysisTemplate (GET).
//
//go:embed analysis/cluster-analysis-template.yaml
var AnalysisTemplate []byte

// ExperimentTemplateFile is the shipped experiment
// ClusterAnalysisTemplate's path in the repository.
const ExperimentTemplateFile = "deploy/analysis/cluster-analysis-template-experiment.yaml"

// ExperimentTemplate is the shipped experiment ClusterAnalysisTemplate,
// whose timing and limits `analyzer replay` plays experiments with by
// default.
//
//go:embed analysis/cluster-analysis-template-experiment.yaml
var ExperimentTemplate []byte

// RuleFile returns the shipped rule file of the named rule set, and its
// path in the repository (for error messages).
func RuleFile(ruleSet string) (file string, data []byte, err error) {
	name := path.Join("base", "rules", ruleSet+".yaml")
	data, err = rules.ReadFile(name)
	return path.Join("deploy", name), data, err
}
