package sweep

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// A Plan is a sweep cut into tasks for a batch scheduler: plan.json in the
// plan directory. Each task is a contiguous slice of the sweep's runs
// (Runs order: point by point, replication by replication), and writes its
// metrics to results/KEY.json, KEY being a hash of what the task computes.
type Plan struct {
	Forkcast     string   `json:"forkcast"`
	Scenario     string   `json:"scenario"` // the scenario's name
	Seed         uint64   `json:"seed"`     // the scenario's seed: replication 0's
	Source       Source   `json:"source"`
	Vary         []Vary   `json:"vary"`
	Replications int      `json:"replications"`
	Points       int      `json:"points"`
	CPUsPerTask  int      `json:"cpus_per_task"`
	Tasks        []Task   `json:"tasks"`
	Metrics      []string `json:"metrics"`
}

// A Task is one array task of a plan.
type Task struct {
	Index int     `json:"task"`
	First int     `json:"first_run"` // index into Runs(points, replications)
	Count int     `json:"runs"`
	Work  float64 `json:"estimated_cpu_s"`
	Key   string  `json:"key"` // results/KEY.json
}

// MaxTasks is the most tasks a plan makes: Slurm's default MaxArraySize is
// 1001 (array indices 0–1000).
const MaxTasks = 1000

// DefaultTaskWork is the estimated CPU time a plan gives each task unless
// told otherwise: long enough that a scheduler's per-task overhead (seconds
// to start an allocation or a pod) stays a small part of it.
const DefaultTaskWork = 10 * time.Minute

// PlanOptions size a plan's tasks.
type PlanOptions struct {
	Tasks       int           // exactly this many tasks (at most the number of runs); 0: from TaskWork
	TaskWork    time.Duration // estimated CPU time per task; 0: DefaultTaskWork
	CPUsPerTask int           // cores each task runs its simulations on; 0: 1
}

// NewPlan cuts a design into tasks of about equal estimated work.
func NewPlan(d Design, points []Point, o PlanOptions) (*Plan, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("sweep: no points")
	}
	if o.CPUsPerTask <= 0 {
		o.CPUsPerTask = 1
	}
	if o.TaskWork <= 0 {
		o.TaskWork = DefaultTaskWork
	}
	runs := Runs(len(points), d.Replications)
	costs := make([]float64, len(runs))
	var total float64
	for i, r := range runs {
		costs[i] = RunCost(points[r.Point].Scenario).Seconds()
		total += costs[i]
	}
	n := o.Tasks
	if n <= 0 {
		n = int(math.Ceil(total / o.TaskWork.Seconds()))
	}
	n = max(1, min(n, len(runs), MaxTasks))
	src := d.Source
	if !strings.HasPrefix(src.File, "builtin:") {
		// The tasks may run in another directory: the file's own (for
		// host profiles relative to it) is named absolutely.
		abs, err := filepath.Abs(src.File)
		if err != nil {
			return nil, err
		}
		src.File = abs
	}
	p := &Plan{
		Forkcast: results.Version, Scenario: points[0].Scenario.Name, Seed: points[0].Scenario.Seed,
		Source: src, Vary: d.Vary, Replications: d.Replications, Points: len(points),
		CPUsPerTask: o.CPUsPerTask,
	}
	for _, m := range Metrics {
		p.Metrics = append(p.Metrics, m.Name)
	}
	// Cut where the running total of work crosses k·total/n, leaving at
	// least one run to each task.
	first, acc := 0, 0.0
	for k := range n {
		end := first + 1
		acc += costs[first]
		target := total * float64(k+1) / float64(n)
		for end < len(runs)-(n-k-1) && (k == n-1 || acc+costs[end]/2 <= target) {
			acc += costs[end]
			end++
		}
		t := Task{Index: k, First: first, Count: end - first}
		for _, c := range costs[first:end] {
			t.Work += c
		}
		t.Work = math.Round(t.Work*1000) / 1000
		p.Tasks = append(p.Tasks, t)
		first = end
	}
	for i := range p.Tasks {
		p.Tasks[i].Key = p.key(p.Tasks[i])
	}
	return p, nil
}

// Design is the plan's sweep design.
func (p *Plan) Design() Design {
	return Design{Source: p.Source, Vary: p.Vary, Replications: p.Replications}
}

// key hashes what a task computes: forkcast's version, the scenario text,
// its variant and overrides, and each run's point values and seed.
func (p *Plan) key(t Task) string {
	h := sha256.New()
	fmt.Fprintf(h, "forkcast %s\nvariant %q\n", p.Forkcast, p.Source.Variant)
	for _, s := range p.Source.Sets {
		fmt.Fprintf(h, "set %q\n", s.String())
	}
	grid := p.Design().Grid()
	for _, r := range Runs(p.Points, p.Replications)[t.First : t.First+t.Count] {
		fmt.Fprintf(h, "run %q seed %d\n", Label(p.Vary, grid[r.Point]), Seed(p.Seed, r.Rep))
	}
	fmt.Fprintf(h, "metrics %q\nscenario %d\n%s", p.Metrics, len(p.Source.Text), p.Source.Text)
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// TaskResult is results/KEY.json: a task's metric values.
type TaskResult struct {
	Forkcast string   `json:"forkcast"`
	Task     int      `json:"task"`
	Key      string   `json:"key"`
	First    int      `json:"first_run"`
	Metrics  []string `json:"metrics"`
	Values   []Values `json:"values"` // one per run, in Metrics order
}

// resultPath is where task t writes its results.
func resultPath(dir string, t Task) string {
	return filepath.Join(dir, "results", t.Key+".json")
}

// WritePlan publishes the plan directory dir (results.Publish): plan.json;
// tasks.tsv, one line per task; sweep.sbatch, a Slurm array job script;
// job.yaml, a Kubernetes Indexed Job; and results/ and logs/ for the
// tasks' output. simulate is the program the tasks run. A plan directory
// that already holds task results is never replaced.
func WritePlan(dir string, p *Plan, simulate string, replace bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if n := countResults(abs); n > 0 {
		return &results.OutputError{Path: dir, Msg: fmt.Sprintf("holds the results of %d task(s) of an earlier plan: merge them (simulate sweep --merge %s) or choose another plan directory", n, dir)}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return results.Publish(dir, KindPlan, replace, func(tmp string) error {
		files := map[string][]byte{
			"plan.json":      append(js, '\n'),
			"tasks.tsv":      p.tasksTSV(),
			"results/README": []byte("Each task of the sweep writes its metrics here as KEY.json (see plan.json).\n"),
			"logs/README":    []byte("Slurm writes each array task's output here.\n"),
			"sweep.sbatch":   p.render(sbatchTemplate, abs, cwd, simulate),
			"job.yaml":       p.render(jobTemplate, abs, cwd, simulate),
		}
		for name, data := range files {
			path := filepath.Join(tmp, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			mode := os.FileMode(0o644)
			if name == "sweep.sbatch" {
				mode = 0o755
			}
			if err := os.WriteFile(path, data, mode); err != nil {
				return err
			}
		}
		return nil
	})
}

// countResults counts the task results in a plan directory.
func countResults(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	return len(m)
}

func (p *Plan) tasksTSV() []byte {
	var b bytes.Buffer
	b.WriteString("task\tfirst_run\truns\tpoints\testimated_cpu_s\tkey\n")
	for _, t := range p.Tasks {
		lo, hi := t.First/p.Replications, (t.First+t.Count-1)/p.Replications
		pts := strconv.Itoa(lo)
		if hi > lo {
			pts += "-" + strconv.Itoa(hi)
		}
		fmt.Fprintf(&b, "%d\t%d\t%d\t%s\t%g\t%s\n", t.Index, t.First, t.Count, pts, t.Work, t.Key)
	}
	return b.Bytes()
}

// jobData is what the job templates fill in.
type jobData struct {
	*Plan
	Dir, Cwd, Simulate, Name string
	Last                     int
	Work                     string
}

func (p *Plan) render(t *template.Template, dir, cwd, simulate string) []byte {
	var total float64
	for _, task := range p.Tasks {
		total += task.Work
	}
	d := jobData{Plan: p, Dir: dir, Cwd: cwd, Simulate: simulate, Name: dnsName(p.Scenario),
		Last: len(p.Tasks) - 1, Work: (time.Duration(total/float64(len(p.Tasks))) * time.Second).Round(time.Second).String()}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		panic(err) // the templates are constants
	}
	return b.Bytes()
}

var sbatchTemplate = template.Must(template.New("sbatch").Funcs(template.FuncMap{"q": shellQuote}).Parse(`#!/bin/bash
# forkcast sweep of {{.Scenario}}: {{.Points}} points × {{.Replications}} replications in {{len .Tasks}} array task(s)
# of about {{.Work}} of estimated CPU each. Submit with
#   sbatch {{.Dir}}/sweep.sbatch
# then, once every task is done, assemble the table and figures with
#   simulate sweep --merge {{.Dir}}
# A task that runs again (requeued, resubmitted) finds its results and stops.
# The plan directory must be on a filesystem every node sees, at the same path.
#SBATCH --job-name=forkcast-sweep-{{.Name}}
#SBATCH --array=0-{{.Last}}
#SBATCH --cpus-per-task={{.CPUsPerTask}}
#SBATCH --output={{.Dir}}/logs/task-%a.out
#SBATCH --chdir={{.Cwd}}
set -euo pipefail
SIMULATE=${SIMULATE:-{{q .Simulate}}}
exec "$SIMULATE" sweep --task "$SLURM_ARRAY_TASK_ID" --jobs "${SLURM_CPUS_PER_TASK:-{{.CPUsPerTask}}}" {{q .Dir}}
`))

var jobTemplate = template.Must(template.New("job").Funcs(template.FuncMap{"q": strconv.Quote}).Parse(`# forkcast sweep of {{.Scenario}} as a Kubernetes Indexed Job: {{len .Tasks}} tasks of about
# {{.Work}} of estimated CPU each. Each pod runs one task, reading its index from
# JOB_COMPLETION_INDEX (--task env). Untested: forkcast's CI runs the Slurm path only.
# Before applying it: build an image with simulate on its PATH, and mount the plan
# directory, on storage every pod shares, at {{.Dir}}. Exit code 2 is bad input:
# that index fails at once instead of being retried. Then: simulate sweep --merge {{.Dir}}
apiVersion: batch/v1
kind: Job
metadata:
  name: forkcast-sweep-{{.Name}}
spec:
  completionMode: Indexed
  completions: {{len .Tasks}}
  parallelism: {{len .Tasks}}
  backoffLimitPerIndex: 2
  podFailurePolicy:
    rules:
    - action: FailIndex
      onExitCodes:
        operator: In
        values: [2]
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: sweep
        image: forkcast:{{.Forkcast}}  # an image with simulate on its PATH
        command: ["simulate", "sweep", "--task", "env", "--jobs", "{{.CPUsPerTask}}", {{q .Dir}}]
        workingDir: {{q .Dir}}
        resources:
          requests:
            cpu: "{{.CPUsPerTask}}"
        volumeMounts:
        - name: plan
          mountPath: {{q .Dir}}
      volumes:
      - name: plan
        persistentVolumeClaim:
          claimName: forkcast-sweep  # storage holding the plan directory
`))

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes a scenario name fit a Kubernetes name (and a Slurm job name).
func dnsName(s string) string {
	n := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(n) > 40 {
		n = strings.TrimRight(n[:40], "-")
	}
	if n == "" {
		n = "scenario"
	}
	return n
}

// ReadPlan reads a plan directory's plan.json.
func ReadPlan(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &results.OutputError{Path: dir, Msg: "is not a sweep plan (no plan.json): write one with simulate sweep FILE --vary ... --plan DIR"}
		}
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "plan.json"), err)
	}
	if p.Forkcast != results.Version {
		return nil, fmt.Errorf("%s was planned by forkcast %s; this simulate is forkcast %s, whose results could differ: plan again, or run the tasks with the same version",
			filepath.Join(dir, "plan.json"), p.Forkcast, results.Version)
	}
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = m.Name
	}
	if strings.Join(names, ",") != strings.Join(p.Metrics, ",") {
		return nil, fmt.Errorf("%s lists other metrics than this simulate computes: plan again", filepath.Join(dir, "plan.json"))
	}
	return &p, nil
}

// TaskIndexFromEnv reads a task index from the environment a batch system
// gives an array task: JOB_COMPLETION_INDEX (a Kubernetes Indexed Job),
// SLURM_ARRAY_TASK_ID (a Slurm array), AWS_BATCH_JOB_ARRAY_INDEX (an AWS
// Batch array job), the first that is set.
func TaskIndexFromEnv() (int, error) {
	for _, v := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"} {
		if s, ok := os.LookupEnv(v); ok {
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 {
				return 0, fmt.Errorf("%s=%q: want a task index, 0 or more", v, s)
			}
			return i, nil
		}
	}
	return 0, fmt.Errorf("--task env: none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX is set")
}

// RunTask runs task index of the plan in dir and writes its results
// atomically to results/KEY.json. If that file already holds the task's
// results (a requeued or repeated task), it does nothing and reports done
// = false.
func RunTask(ctx context.Context, dir string, index int, opts Options) (done bool, err error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return false, err
	}
	if index < 0 || index >= len(p.Tasks) {
		return false, fmt.Errorf("task %d: the plan has tasks 0 to %d", index, len(p.Tasks)-1)
	}
	t := p.Tasks[index]
	path := resultPath(dir, t)
	if _, err := readTaskResult(path, t); err == nil {
		return false, nil
	}
	runs := Runs(p.Points, p.Replications)[t.First : t.First+t.Count]
	// Resolve only the task's points.
	d := p.Design()
	grid := d.Grid()
	scs := make([]*scenarios.Scenario, p.Points)
	for _, r := range runs {
		if scs[r.Point] != nil {
			continue
		}
		pt := Point{Index: r.Point, Values: grid[r.Point]}
		sc, err := d.Source.Load(pt.overrides(d.Vary)...)
		if err != nil {
			return false, d.pointError(pt.Values, err)
		}
		if sc.Seed != p.Seed {
			return false, fmt.Errorf("task %d: point %d resolves with seed %d, the plan has %d", index, r.Point, sc.Seed, p.Seed)
		}
		scs[r.Point] = sc
	}
	vals, err := Simulate(ctx, scs, runs, opts)
	if err != nil {
		return false, err
	}
	res := TaskResult{Forkcast: p.Forkcast, Task: t.Index, Key: t.Key, First: t.First, Metrics: p.Metrics}
	for _, v := range vals {
		res.Values = append(res.Values, Values(v))
	}
	js, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return false, err
	}
	ours := func(b []byte) bool {
		var old TaskResult
		return json.Unmarshal(b, &old) == nil && old.Key == t.Key
	}
	err = results.PublishFile(path, ours, func(f *os.File) error {
		_, err := f.Write(append(js, '\n'))
		return err
	})
	return err == nil, err
}

// readTaskResult reads and checks a task's results.
func readTaskResult(path string, t Task) (*TaskResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r TaskResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Key != t.Key || r.Task != t.Index || r.First != t.First || len(r.Values) != t.Count {
		return nil, fmt.Errorf("%s: not the results of task %d of this plan", path, t.Index)
	}
	for i, v := range r.Values {
		if len(v) != len(Metrics) {
			return nil, fmt.Errorf("%s: run %d has %d metrics, want %d", path, t.First+i, len(v), len(Metrics))
		}
	}
	return &r, nil
}

// MissingError lists the tasks of a plan without results.
type MissingError struct {
	Dir   string
	Tasks []int
}

func (e *MissingError) Error() string {
	show := e.Tasks
	more := ""
	if len(show) > 10 {
		show, more = show[:10], fmt.Sprintf(" and %d more", len(e.Tasks)-10)
	}
	s := make([]string, len(show))
	for i, t := range show {
		s[i] = strconv.Itoa(t)
	}
	return fmt.Sprintf("%s: %d task(s) have no results yet: %s%s (run them: simulate sweep --task N %s)",
		e.Dir, len(e.Tasks), strings.Join(s, ", "), more, e.Dir)
}

// Merge reads every task's results from the plan directory dir and
// tabulates the sweep: the same table a local run of the design makes.
// Missing results are a *MissingError.
func Merge(dir string) (*Table, error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	var vals [][]float64
	var missing []int
	for _, t := range p.Tasks {
		r, err := readTaskResult(resultPath(dir, t), t)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, t.Index)
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, v := range r.Values {
			vals = append(vals, v)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{Dir: dir, Tasks: missing}
	}
	res := collect(vals, p.Points, p.Replications)
	return NewTable(p.Design(), p.Scenario, p.Seed, res), nil
}
