package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const populations = `
duration = "120s"
[workload]
think_time = "const(2s)"
client_timeout = "30s"
urls = { "/" = 1.0 }

[workload.population.browsers]
requests_per_connection = "uniform(2, 6)"
idle_after_last = "15s"
[[workload.population.browsers.phase]]
duration = "60s"
rate = 5.0

[workload.population.bench]
kind = "closed"
users = 50
start = "10s"
stop = "40s"
think_time = "const(0s)"
urls = { "/api" = 1.0 }

[app]
request_cpu = "exp(20ms)"
request_wait = "exp(30ms)"
[app.urls."/report"]
request_cpu = "const(3s)"
`

// A population takes what it does not set from [workload]; a URL prefix
// what it does not set from [app].
func TestPopulationsInheritTheirDefaults(t *testing.T) {
	sc, err := Parse("p.toml", []byte(populations), "")
	require.NoError(t, err)
	b, bench := sc.Workload.Populations["browsers"], sc.Workload.Populations["bench"]
	require.NotNil(t, b)
	require.NotNil(t, bench)
	assert.Equal(t, "open", b.Kind)
	assert.Equal(t, "poisson", b.Arrivals)
	assert.Equal(t, "const(2s)", b.ThinkTime.String(), "inherited from [workload]")
	assert.Equal(t, 30*time.Second, b.ClientTimeout.Duration, "inherited from [workload]")
	assert.Equal(t, "uniform(2, 6)", b.RequestsPerConnection.String(), "its own")
	assert.Equal(t, "const(0s)", bench.ThinkTime.String(), "its own wins over [workload]")
	assert.Equal(t, map[string]float64{"/api": 1}, bench.URLs)
	assert.Equal(t, 50, bench.Users)
	assert.Equal(t, 10*time.Second, bench.Start.Duration)

	report := sc.App.CostFor("/report/2024")
	assert.Equal(t, "const(3s)", report.RequestCPU.String(), "the prefix's own")
	assert.Equal(t, "exp(30ms)", report.RequestWait.String(), "inherited from [app]")
	assert.Equal(t, "exp(20ms)", sc.App.CostFor("/").RequestCPU.String(), "no prefix: the app's")

	// Formatting writes every value resolved, and reads back the same.
	text, err := Format(sc)
	require.NoError(t, err)
	again, err := Parse("again.toml", text, "")
	require.NoError(t, err)
	assert.Equal(t, sc.Workload, again.Workload)
	assert.Equal(t, sc.App, again.App)
}

func TestPopulationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		key, msg  string
	}{
		{"phases and populations together", "[[workload.phase]]\nduration = \"1s\"\nrate = 1.0\n[workload.population.a]\nkind = \"closed\"\nusers = 1\n", 1, "workload.phase", "belong to an open population"},
		{"a closed population without users", "[workload.population.a]\nkind = \"closed\"\n", 1, "workload.population.a.users", "from 1 to 1000000 users"},
		{"an open population without phases", "[workload.population.a]\nkind = \"open\"\n", 1, "workload.population.a.phase", "needs at least one"},
		{"users on an open population", "[workload.population.a]\nusers = 3\n[[workload.population.a.phase]]\nduration = \"1s\"\nrate = 1.0\n", 2, "workload.population.a.users", "only to a closed population"},
		{"an unknown kind", "[workload.population.a]\nkind = \"burst\"\n", 2, "workload.population.a.kind", "expected \"open\", \"closed\" or \"replay\""},
		{"stop before start", "[workload.population.a]\nkind = \"closed\"\nusers = 1\nstart = \"20s\"\nstop = \"10s\"\n", 5, "workload.population.a.stop", "must be after start"},
		{"a replay without a log", "[workload.population.a]\nkind = \"replay\"\n", 1, "workload.population.a.log", "needs log ="},
		{"a bad client key in a population", "[workload.population.a]\nkind = \"closed\"\nusers = 1\nheader_bytes = 0\n", 4, "workload.population.a.header_bytes", "from 1 to 1048576"},
		{"an observer that replays a log", "[[workload.phase]]\nduration = \"1s\"\nrate = 1.0\n[workload.observer.lb]\nkind = \"replay\"\n", 5, "workload.observer.lb.kind", "not a replay"},
		{"a closed observer without users", "[[workload.phase]]\nduration = \"1s\"\nrate = 1.0\n[workload.observer.lb]\nkind = \"closed\"\n", 4, "workload.observer.lb.users", "from 1 to 1000000 users"},
		{"touch_script of a group that does not exist", "[[workload.phase]]\nduration = \"1s\"\nrate = 1.0\n[[event]]\nat = \"1s\"\naction = \"touch_script\"\ngroup = \"api\"\n", 7, "event[0].group", "no daemon process group \"api\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.toml", []byte(tc.doc), "")
			e := onlyError(t, err)
			assert.Equal(t, tc.key, e.Key)
			assert.Equal(t, tc.line, e.Line, "%v", e)
			assert.Contains(t, e.Msg, tc.msg)
		})
	}
}
