package main

import (
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/validate"
)

// ciSubset are the suite's cases CI validates for real, as FILE or
// FILE:VARIANT: three short ones covering prefork in embedded mode with
// keep-alive off (a child per connection, spares and kills), a daemon queue
// filled by a slow endpoint behind the event MPM (threads held by the
// queue, children forked for them), and daemon recycling with its teardown
// stall. They run with a host profile calibrated first on the same
// machine, as a user would. (The README's table has every case, misses
// included; queue-timeout's 504s are checked on the real server by
// runtime's TestRuntimeDaemonQueueTimeout.)
//
// Cases that sit on a threshold of the real server are left out, because
// they fail CI on the machine's state rather than on a change to the model:
// event-embedded has a latency p50 18–35% low against 25% depending on the
// run; worker-embedded forks a fourth child in some real runs and not in
// others. event-daemon-saturated (in the subset until 2026-12-03) sits on
// two: with Apache's MaxRequestWorkers 150 ("capped") about 147 front
// threads wait on the daemon, and CI's machine measured a 504 share of
// 0.173 (0.183–0.216 here) with connections waiting in the listen backlog
// before queue-timeout's clock starts; with room ("roomy") the real event
// parent continued its doubling (1, 2, 4) in four runs of four where the
// model's replications mostly let it reset (0–2 of 20): a miss of the
// model, reported in the suite, not a CI gate.
var ciSubset = []string{"keepalive-idle:off", "slow-endpoint-daemon", "daemon-recycling"}

// TestValidationSubsetAgainstApache runs the CI subset through `simulate
// validate` against the real Apache + mod_wsgi and asserts every metric is
// within tolerance. Without Apache, or in a build without runtime mode, it
// fails when CI=true (so CI cannot silently stop validating) and skips
// otherwise. -short skips it. A calibration or measurement during which
// other processes took the cores (exit 4, or calibrate's "disturbed"
// warning) is done again once, and then fails saying "disturbed", not with
// a metric that would blame the model.
func TestValidationSubsetAgainstApache(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the validation subset runs real Apaches for about 2 minutes")
	}
	ci := os.Getenv("CI") == "true"
	unavailable := func(why string) {
		if ci {
			t.Fatalf("CI=true but the validation subset cannot run: %s", why)
		}
		t.Skipf("validation subset not run: %s", why)
	}
	if measureRuntime == nil {
		unavailable("this build has no runtime mode (validate_runtime.go is not compiled in)")
	}
	if err := runtimeReady(); err != nil {
		unavailable(err.Error())
	}
	if _, err := exec.LookPath("python3"); err != nil {
		unavailable("python3 is not installed")
	}
	profile := filepath.Join(t.TempDir(), "calibrated.toml")
	for try := 1; ; try++ {
		code, _, stderr := runCLI("calibrate", "--out", profile)
		if code != 0 {
			t.Fatalf("calibrate failed (exit %d): %s", code, stderr)
		}
		if !strings.Contains(stderr, "disturbed") {
			break
		}
		// Constants measured while other processes took the cores would
		// make the cases below miss for a reason that is not the model's.
		if try == 2 {
			t.Fatalf("disturbed, not judged: calibrate twice: %s", stderr)
		}
		t.Logf("calibrate disturbed, calibrating again: %s", stderr)
	}
	b, err := os.ReadFile(profile)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "sched_wake_together left at 1", "the graceful probe's error log orders the teardowns and the new generation")
	assert.Regexp(t, `\nmemory_touch_cpu = "[1-9]`, string(b), "the touch probe measured what a first touch of fresh memory costs")
	assert.Regexp(t, `\nconnection_pool_memory = "[1-9]`, string(b), "the threads probe measured a transaction pool")
	assert.Regexp(t, `\nconnection_pool_first_use = "[1-9]`, string(b), "the threads probe measured a pool after its first connection")
	assert.Regexp(t, `\ndaemon_thread_served = "[1-9]`, string(b), "the threads probe measured what a daemon thread keeps")
	if goruntime.NumCPU() > 1 {
		assert.Regexp(t, `\nsched_migrate = ([1-9]|0\.[0-9]*[1-9])`, string(b), "the balance probe saw CPU-bound processes move between the cores")
	}
	for _, c := range ciSubset {
		name, variant, _ := strings.Cut(c, ":")
		t.Run(c, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name+"-"+variant)
			file := filepath.Join("..", "..", "scenarios", "validation", name+".toml")
			args := func(out string) []string {
				a := []string{"validate", file, "--set", "host.profile=" + profile, "--out", out, "--no-plots"}
				if variant != "" {
					a = append(a, "--variant", variant)
				}
				return a
			}
			code, stdout, stderr := runCLI(args(out)...)
			if code == ExitDisturbed {
				// Other processes took the cores: a passing disturbance
				// gets one more try; then say so instead of judging.
				t.Logf("disturbed, measuring again: %s", stderr)
				out += "-again"
				code, stdout, stderr = runCLI(args(out)...)
				if code == ExitDisturbed {
					t.Fatalf("disturbed, not judged: %s", stderr)
				}
			}
			t.Log(stdout)
			rep, err := validate.ReadFile(filepath.Join(out, "validation.json"))
			require.NoError(t, err, "validate wrote no validation.json (exit %d): %s", code, stderr)
			assert.Equal(t, 0, code, "metrics outside tolerance: %v\n%s", rep.Failed, stderr)
			assert.True(t, rep.Pass)
		})
	}
}
