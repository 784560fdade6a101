package scenarios

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Numbers a hostile (or careless) user can write: each must be refused
// where it is parsed, with the file, the line, the key, the value as
// written and the allowed range — never accepted to overflow, sample NaN or
// panic later in the engine.
func TestHostileNumbersAreRefusedWhereTheyAreParsed(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		key, msg  string
	}{
		{"a size that overflows int64", "[app]\nimport_memory = \"1e30TiB\"\n", 2, "app.import_memory", "too large: sizes are at most 1PiB"},
		{"a duration that overflows int64", "duration = \"9999999999h\"\n", 1, "duration", "too long: durations are at most 8760h0m0s"},
		{"a constant longer than a year", "[app]\nimport_cpu = \"const(2562047h)\"\n", 2, "app.import_cpu", "too long"},
		{"a gamma whose shape overflows", "[app]\nrequest_cpu = \"gamma(mean=20ms, cv=1e-200)\"\n", 2, "app.request_cpu", "overflow"},
		{"a log-normal whose sigma overflows", "[app]\nrequest_cpu = \"lognormal(mean=20ms, cv=1e200)\"\n", 2, "app.request_cpu", "overflow"},
		{"a log-normal too wide to sample", "[app]\nrequest_wait = \"lognormal(median=1ms, p99=1e300s)\"\n", 2, "app.request_wait", "not a distribution"},
		{"a count too large", "[workload]\nrequests_per_connection = \"const(1e300)\"\n", 2, "workload.requests_per_connection", "counts are at most 1e+09"},
		{"swap_penalty = 1e300", "[host]\nswap_penalty = 1e300\n", 2, "host.swap_penalty", "must be from 1 (swapping costs nothing) to 10000"},
		{"cpu_second = 1e300", "[host]\ncpu_second = 1e300\n", 2, "host.cpu_second", "must be from 0.001 to 1000"},
		{"cpu_second = 1e-300", "[host]\ncpu_second = 1e-300\n", 2, "host.cpu_second", "must be from 0.001 to 1000"},
		{"sched_migrate = 1e300", "[host]\nsched_migrate = 1e300\n", 2, "host.sched_migrate", "must be from 0 (processor sharing) to 10000 tasks moved a second"},
		{"sched_migrate_shape = 1000000", "[host]\nsched_migrate_shape = 1000000\n", 2, "host.sched_migrate_shape", "must be from 0 (as 1: exponential waits) to 64"},
		{"nan", "[host]\ncow_shared_floor = nan\n", 2, "host.cow_shared_floor", "must be a finite number"},
		{"inf", "[apache]\nasync_request_worker_factor = inf\n", 2, "apache.async_request_worker_factor", "must be a finite number"},
		{"URL weights that sum to Inf", "[workload]\nurls = { \"/a\" = 1.7e308, \"/b\" = 1.7e308 }\n", 2, "workload.urls", "add up to more than a float can hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if !strings.Contains(doc, "[[workload.phase]]") {
				doc += phase
			}
			_, err := Parse("hostile.toml", []byte(doc), "")
			e := onlyError(t, err)
			assert.Equal(t, "hostile.toml", e.File)
			assert.Equal(t, tc.line, e.Line, "%v", e)
			assert.Equal(t, tc.key, e.Key)
			assert.Contains(t, e.Error(), tc.msg)
			assert.NotEmpty(t, e.Value, "the value as written is shown")
		})
	}
}

// Whatever a distribution accepts, its samples are finite and within the
// limits (the loader's promise to the engine).
func TestAcceptedDistributionsSampleFiniteValues(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, text := range []string{
		"gamma(mean=20ms, cv=1e-5)", "gamma(mean=20ms, cv=100)", "lognormal(mean=1h, cv=3)",
		"lognormal(median=1ms, p99=10s)", "exp(1000h)", "uniform(0s, 8760h)", "const(1000000000)",
	} {
		d, err := ParseDist(text)
		require.NoError(t, err, text)
		for range 10000 {
			v := d.Sample(r)
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0) || v < 0, "%s sampled %v", text, v)
		}
	}
}
