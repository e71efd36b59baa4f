// Package canaryanalyzer holds the files the binary carries with it: the
// example rule sets that deploy/ ships, so that the demo judges with exactly
// the rules a cluster gets.
package canaryanalyzer

import "embed"

// ExampleRules holds deploy/base/rules/*.yaml.
//
//go:embed deploy/base/rules/*.yaml
var ExampleRules embed.FS

// ExampleRulesDir is the directory of ExampleRules' files.
const ExampleRulesDir = "deploy/base/rules"
