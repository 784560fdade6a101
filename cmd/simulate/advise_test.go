package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

// Bad goals are refused before anything runs: exit 2, a message naming the
// flag and the number, and no output directory.
func TestAdviseBadGoalsExit2WritingNothing(t *testing.T) {
	cases := map[string][]string{
		"--memory-budget \"-5MiB\": want a positive size":             {"--memory-budget", "-5MiB"},
		"--memory-budget \"0\": want a positive size":                 {"--memory-budget", "0"},
		"--memory-budget \"lots\": want a positive size":              {"--memory-budget", "lots"},
		"memory budget 10.0 MB is impossible: even one process needs": {"--memory-budget", "10MiB"},
		"--errors \"200%\": want a share of requests":                 {"--errors", "200%"},
		"--errors \"-1\": want a share of requests":                   {"--errors", "-1"},
		"--p99 \"fast\": want a positive duration":                    {"--p99", "fast"},
		"--p99 \"-1s\": want a positive duration":                     {"--p99", "-1s"},
		"flag provided but not defined: -latency":                     {"--latency", "1s"},
		"--replications 1: want 2 or more":                            {"--replications", "1"},
		"apache.mpm = \"threaded\": unknown MPM":                      {"--set", "apache.mpm=threaded"},
	}
	for want, args := range cases {
		out := filepath.Join(t.TempDir(), "advice")
		var stdout, stderr bytes.Buffer
		code := runMain(append([]string{"advise", "small-vps", "--out", out}, args...), &stdout, &stderr)
		assert.Equal(t, 2, code, "%v: %s", args, stderr.String())
		assert.Contains(t, stderr.String(), want, args)
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "%v: %s was written", args, out)
	}
}

// The command end to end on the 256 MB VPS: a recommendation within the
// default budget (RAM minus 64 MiB), verified, with its files.
func TestAdviseSmallVPS(t *testing.T) {
	out := filepath.Join(t.TempDir(), "advice")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"advise", "small-vps", "--duration", "60s", "--replications", "3", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	s := stdout.String()
	assert.Contains(t, s, "memory ≤ 192 MB")
	assert.Contains(t, s, "<IfModule mpm_prefork_module>")
	assert.Contains(t, s, "verified on 3 fresh replications: meets the goals")
	assert.Regexp(t, `Debian .*fails: OOM kills`, s, "Debian's 150 children do not fit 256 MB")
	for _, f := range []string{"advise.json", "advise.md", "advise.conf", "recommended.toml", "advise_pareto.png", ".forkcast.json"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	var js struct {
		MeetsGoals  bool `json:"meets_goals"`
		Recommended struct {
			Sets []struct{ Key, Value string }
		} `json:"recommended"`
		Snippet string `json:"apache_snippet"`
	}
	data, err := os.ReadFile(filepath.Join(out, "advise.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &js))
	assert.True(t, js.MeetsGoals)
	assert.True(t, strings.HasPrefix(js.Snippet, "# Recommended"))
	// Without a p99 goal the fastest setting within the budget wins: in the
	// spike, the most children that fit 256 MB − 64 MiB, computed from the
	// memory model (docs/model.md §8.2).
	sc, err := scenarios.LoadBuiltin("small-vps", "")
	require.NoError(t, err)
	h := sc.Host
	child := (h.ApacheChildPrivate + h.PythonInterpreter + h.SubInterpreterMemory + sc.App.ImportMemory).MiBs()
	shared := (h.ApacheSharedText + h.PythonSharedText + h.ApacheParentPrivate).MiBs()
	rec, err := scenarios.Load(filepath.Join(out, "recommended.toml"), "")
	require.NoError(t, err)
	assert.Equal(t, int((192-shared)/child), rec.Apache.MaxRequestWorkers)
	// The recommended scenario runs as it is.
	var runOut, runErr bytes.Buffer
	require.Equal(t, 0, runMain([]string{"run", filepath.Join(out, "recommended.toml"), "--no-plots", "--out", filepath.Join(t.TempDir(), "run")}, &runOut, &runErr), runErr.String())
	assert.Contains(t, runOut.String(), "0 OOM kills")
}
