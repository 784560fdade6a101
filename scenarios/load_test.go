package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// phase is appended to test documents that need no particular workload.
const phase = "\n[[workload.phase]]\nduration = \"10s\"\nrate = 1.0\n"

// onlyError returns the single *Error in err, failing the test otherwise.
func onlyError(t *testing.T, err error) *Error {
	t.Helper()
	require.Error(t, err)
	errs := Errors(err)
	require.Len(t, errs, 1, "errors: %v", err)
	return errs[0]
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		variant string
		sets    []Override
		file    string // default "bad.toml"
		line    int
		key     string
		msg     []string // substrings of the message
	}{
		{
			name: "syntax error keeps the line",
			doc:  "name = \"x\"\n[apache]\nmpm = \"prefork\"\nstart_servers = = 3\n",
			line: 4, key: "apache.start_servers", msg: []string{"TOML syntax error"},
		},
		{
			name: "response delay level without a colon",
			doc:  "[host]\nresponse_delay = [\"0s 1ms 2ms\"]\n" + phase,
			line: 2, key: "host.response_delay[0]", msg: []string{"\"QUIET: Q0 Q1 …\""},
		},
		{
			name: "response delay levels out of order",
			doc:  "[host]\nresponse_delay = [\"100ms: 1ms 2ms\", \"10ms: 1ms 2ms\"]\n" + phase,
			line: 2, key: "host.response_delay", msg: []string{"increasing order of quiet time"},
		},
		{
			name: "response delay quantiles that decrease",
			doc:  "[host]\nresponse_delay = [\"0s: 2ms 1ms\"]\n" + phase,
			line: 2, key: "host.response_delay", msg: []string{"must not decrease"},
		},
		{
			name: "response delay levels of different sizes",
			doc:  "[host]\nresponse_delay = [\"0s: 1ms 2ms\", \"10ms: 1ms 2ms 3ms\"]\n" + phase,
			line: 2, key: "host.response_delay", msg: []string{"as many quantiles as the first (2)"},
		},
		{
			name: "unknown key suggests the closest",
			doc:  "[apache]\nmpm = \"prefork\"\n\nmax_request_worker = 50\n" + phase,
			line: 4, key: "apache.max_request_worker", msg: []string{"unknown key", "did you mean apache.max_request_workers?"},
		},
		{
			name: "unknown key found in another table",
			doc:  "# comment\n[apache]\nlazy_initialization = false\n" + phase,
			line: 3, key: "apache.lazy_initialization", msg: []string{"did you mean wsgi.lazy_initialization?"},
		},
		{
			name: "unknown key at the top level",
			doc:  "name = \"x\"\nvariant = \"a\"\n" + phase,
			line: 2, key: "variant", msg: []string{"did you mean variants?"},
		},
		{
			name: "unknown key in a dotted key",
			doc:  "name = \"x\"\napache.mpn = \"prefork\"\n" + phase,
			line: 2, key: "apache.mpn", msg: []string{"did you mean apache.mpm?"},
		},
		{
			name: "string where an integer is expected",
			doc:  "[apache]\nmpm = \"prefork\"\nstart_servers = \"five\"\n" + phase,
			line: 3, key: "apache.start_servers", msg: []string{"expected an integer", `the string "five"`},
		},
		{
			name: "float where an integer is expected",
			doc:  "[host]\ncpus = 1.5\n" + phase,
			line: 2, key: "host.cpus", msg: []string{"expected an integer", "the float 1.5"},
		},
		{
			name: "number where a bool is expected",
			doc:  "[apache]\n\n\nkeep_alive = 1\n" + phase,
			line: 4, key: "apache.keep_alive", msg: []string{"expected true or false"},
		},
		{
			name: "unparsable duration lists the forms",
			doc:  "[apache]\nkeep_alive_timeout = \"5 secs\"\n" + phase,
			line: 2, key: "apache.keep_alive_timeout", msg: []string{"not a duration", `"5s"`, `"150ms"`},
		},
		{
			name: "duration without a unit",
			doc:  "\nduration = 300\n" + phase,
			line: 2, key: "duration", msg: []string{"needs a unit", `"5s"`},
		},
		{
			name: "unparsable size lists the forms",
			doc:  "[host]\ncpus = 2\nram = \"lots\"\n" + phase,
			line: 3, key: "host.ram", msg: []string{"not a size", `"30MiB"`, "GiB"},
		},
		{
			name: "unparsable distribution lists the forms",
			doc:  "[app]\nimport_cpu = \"normal(2s)\"\n" + phase,
			line: 2, key: "app.import_cpu", msg: []string{"not a distribution", DistForms},
		},
		{
			name: "a count where durations are needed",
			doc:  "[app]\nimport_cpu = \"const(2)\"\n" + phase,
			line: 2, key: "app.import_cpu", msg: []string{"distribution of durations"},
		},
		{
			name: "durations where a count is needed",
			doc:  "[workload]\nrequests_per_connection = \"exp(2s)\"\n" + phase,
			line: 2, key: "workload.requests_per_connection", msg: []string{"count distribution"},
		},
		{
			name: "out of range: cpus",
			doc:  "[host]\ncpus = 0\n" + phase,
			line: 2, key: "host.cpus", msg: []string{"at least 1"},
		},
		{
			name: "out of range: swap_penalty",
			doc:  "[host]\nswap_penalty = 0.5\n" + phase,
			line: 2, key: "host.swap_penalty", msg: []string{"must be from 1 (swapping costs nothing) to 10000"},
		},
		{
			name: "out of range: cow_shared_floor",
			doc:  "[host]\ncow_shared_floor = 1.5\n" + phase,
			line: 2, key: "host.cow_shared_floor", msg: []string{"from 0 to 1"},
		},
		{
			name: "out of range: static_fraction",
			doc:  "[workload]\nstatic_fraction = -0.1\n" + phase,
			line: 2, key: "workload.static_fraction", msg: []string{"from 0 to 1"},
		},
		{
			name: "negative count",
			doc:  "[apache]\nmpm = \"prefork\"\nmax_connections_per_child = -1\n" + phase,
			line: 3, key: "apache.max_connections_per_child", msg: []string{"cannot be negative"},
		},
		{
			name: "negative retries",
			doc:  "[workload]\nretries = -1\n" + phase,
			line: 2, key: "workload.retries", msg: []string{"cannot be negative"},
		},
		{
			name: "zero duration",
			doc:  "duration = \"0s\"\n" + phase,
			line: 1, key: "duration", msg: []string{"must be positive"},
		},
		{
			name: "interval longer than duration",
			doc:  "duration = \"10s\"\ninterval = \"1m\"\n" + phase,
			line: 2, key: "interval", msg: []string{"must not exceed duration (10s)"},
		},
		{
			name: "unknown MPM",
			doc:  "[apache]\nmpm = \"threaded\"\n" + phase,
			line: 2, key: "apache.mpm", msg: []string{`"prefork", "worker" or "event"`},
		},
		{
			name: "unknown arrival process",
			doc:  "[workload]\narrivals = \"bursty\"\n" + phase,
			line: 2, key: "workload.arrivals", msg: []string{`"poisson" or "constant"`},
		},
		{
			name: "unknown phase shape, second phase",
			doc:  "[[workload.phase]]\nduration = \"10s\"\nrate = 1.0\n\n[[workload.phase]]\nduration = \"10s\"\nshape = \"square\"\n",
			line: 7, key: "workload.phase[1].shape", msg: []string{`"step", "ramp" or "sine"`},
		},
		{
			name: "phase duration in an inline array",
			doc:  "[workload]\nphase = [\n  { duration = \"10s\", rate = 1.0 },\n  { duration = \"0s\", rate = 1.0 },\n]\n",
			line: 4, key: "workload.phase[1].duration", msg: []string{"must be positive"},
		},
		{
			name: "no phases",
			doc:  "[workload]\nphase = []\n",
			line: 2, key: "workload.phase", msg: []string{"at least one"},
		},
		{
			name: "sine amplitude above the rate",
			doc:  "[[workload.phase]]\nduration = \"10s\"\nshape = \"sine\"\nrate = 5.0\namplitude = 6.0\nperiod = \"5s\"\n",
			line: 5, key: "workload.phase[0].amplitude", msg: []string{"must not exceed rate (5)"},
		},
		{
			name: "unknown event action",
			doc:  "[[event]]\nat = \"1s\"\naction = \"reboot\"\n" + phase,
			line: 3, key: "event[0].action", msg: []string{`"graceful_restart", "restart", "graceful_stop" or "touch_script"`},
		},
		{
			name: "event after the end",
			doc:  "duration = \"10s\"\n[[event]]\nat = \"20s\"\naction = \"restart\"\n" + phase,
			line: 3, key: "event[0].at", msg: []string{"within the run's duration (10s)"},
		},
		{
			name: "unknown application group",
			doc:  "[wsgi]\napplication_group = \"%{SERVER}\"\n" + phase,
			line: 2, key: "wsgi.application_group", msg: []string{`"%{RESOURCE}" or "%{GLOBAL}"`},
		},
		{
			name: "URL weight zero",
			doc:  "[workload]\nurls = { \"/\" = 1.0, \"/api\" = 0.0 }\n" + phase,
			line: 2, key: `workload.urls."/api"`, msg: []string{"positive"},
		},
		{
			name: "no URLs",
			doc:  "[workload]\nurls = {}\n" + phase,
			line: 2, key: "workload.urls", msg: []string{"at least one"},
		},
		{
			name: "MaxSpareServers below MinSpareServers",
			doc:  "[apache]\nmpm = \"prefork\"\nmin_spare_servers = 5\nmax_spare_servers = 3\n" + phase,
			line: 4, key: "apache.max_spare_servers", msg: []string{"min_spare_servers (5)", "MinSpareServers + 1 (6)"},
		},
		{
			name: "MinSpareServers above the default MaxSpareServers is found at its line",
			doc:  "[apache]\nmpm = \"prefork\"\nmin_spare_servers = 20\n" + phase,
			line: 3, key: "apache.max_spare_servers", msg: []string{"min_spare_servers (20)"},
		},
		{
			name: "MaxSpareThreads below MinSpareThreads",
			doc:  "[apache]\nmpm = \"worker\"\nmin_spare_threads = 50\nmax_spare_threads = 30\n" + phase,
			line: 4, key: "apache.max_spare_threads", msg: []string{"min_spare_threads (50)"},
		},
		{
			name: "ThreadsPerChild above ThreadLimit",
			doc:  "[apache]\nmpm = \"event\"\nthreads_per_child = 100\n" + phase,
			line: 3, key: "apache.threads_per_child", msg: []string{"thread_limit (64)"},
		},
		{
			name: "ServerLimit 0",
			doc:  "[apache]\nmpm = \"prefork\"\nserver_limit = 0\n" + phase,
			line: 3, key: "apache.server_limit", msg: []string{"from 1 to 200000"},
		},
		{
			name: "ServerLimit above event's limit",
			doc:  "[apache]\nmpm = \"event\"\nserver_limit = 30000\n" + phase,
			line: 3, key: "apache.server_limit", msg: []string{"from 1 to 20000"},
		},
		{
			name: "keep-alive with a zero timeout",
			doc:  "[apache]\nkeep_alive = true\nkeep_alive_timeout = \"0s\"\n" + phase,
			line: 3, key: "apache.keep_alive_timeout", msg: []string{"positive when keep_alive = true"},
		},
		{
			name: "daemon options without daemon mode",
			doc:  "[wsgi]\nprocess_group = \"\"\n\n[wsgi.daemon_process.app]\nprocesses = 2\n" + phase,
			line: 4, key: "wsgi.daemon_process.app", msg: []string{"daemon options without daemon mode", `wsgi.process_group = "app"`},
		},
		{
			name: "process group naming no daemon group",
			doc:  "[wsgi]\nprocess_group = \"ap\"\n[wsgi.routes]\n\"/x\" = \"app\"\n[wsgi.daemon_process.app]\nprocesses = 2\n" + phase,
			line: 2, key: "wsgi.process_group", msg: []string{`no daemon process group "ap"`, `defined groups: "app"`},
		},
		{
			name: "route naming no daemon group",
			doc:  "[wsgi.routes]\n\"/api\" = \"api\"\n" + phase,
			line: 2, key: `wsgi.routes."/api"`, msg: []string{`no daemon process group "api"`},
		},
		{
			name: "daemon with no processes",
			doc:  "[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nprocesses = 0\n" + phase,
			line: 4, key: "wsgi.daemon_process.app.processes", msg: []string{"at least 1"},
		},
		{
			name: "daemon with negative threads",
			doc:  "[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nthreads = -1\n" + phase,
			line: 4, key: "wsgi.daemon_process.app.threads", msg: []string{"from 0 to 65533"},
		},
		{
			name: "daemon listen backlog zero",
			doc:  "[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nlisten_backlog = 0\n" + phase,
			line: 4, key: "wsgi.daemon_process.app.listen_backlog", msg: []string{"at least 1"},
		},
		{
			name: "unknown daemon option",
			doc:  "[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nthread = 5\n" + phase,
			line: 4, key: "wsgi.daemon_process.app.thread", msg: []string{"did you mean wsgi.daemon_process.app.threads?"},
		},
		{
			name:    "unknown variant lists the defined ones",
			doc:     "[apache]\nmpm = \"prefork\"\n" + phase + "\n[variants.a]\napache.keep_alive = false\n[variants.b]\napache.keep_alive = true\n",
			variant: "c",
			line:    8, key: "variants", msg: []string{`no variant "c"`, `"a" or "b"`},
		},
		{
			name:    "unknown variant when none are defined",
			doc:     phase,
			variant: "c",
			line:    0, key: "variants", msg: []string{"defines none"},
		},
		{
			name: "bad value in the applied variant is found in the variants section",
			doc: "[apache]\nmpm = \"prefork\"\n" + phase + "\n" +
				"[variants.v]\napache.mpm = \"evnt\"\n", // lines 8, 9
			variant: "v",
			line:    9, key: "apache.mpm", msg: []string{`"prefork", "worker" or "event"`},
		},
		{
			name: "range error in a variant's table",
			doc: "[apache]\nmpm = \"prefork\"\n" + phase + "\n" +
				"[variants.v.apache]\nmin_spare_servers = 5\nmax_spare_servers = 2\n", // lines 8..10
			variant: "v",
			line:    10, key: "apache.max_spare_servers", msg: []string{"min_spare_servers (5)"},
		},
		{
			name: "unknown key in a variant not applied",
			doc: "[apache]\nmpm = \"prefork\"\n" + phase + "\n" +
				"[variants.v.apache]\nmax_spare_server = 5\n", // lines 8, 9
			line: 9, key: "variants.v.apache.max_spare_server", msg: []string{"did you mean apache.max_spare_servers?"},
		},
		{
			name: "unknown key through --set",
			doc:  phase,
			sets: []Override{{Key: "apache.max_clients", Value: "50"}},
			file: "--set", line: 0, key: "apache.max_clients", msg: []string{"unknown key"},
		},
		{
			name: "out of range through --set",
			doc:  "[host]\ncpus = 4\n" + phase,
			sets: []Override{{Key: "host.cpus", Value: "0"}},
			file: "--set", line: 0, key: "host.cpus", msg: []string{"at least 1"},
		},
		{
			name: "index past the end through --set",
			doc:  phase,
			sets: []Override{{Key: "workload.phase[3].rate", Value: "2"}},
			file: "--set", key: "workload.phase[3].rate", msg: []string{"has 1 elements"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.toml", []byte(tt.doc), tt.variant, tt.sets...)
			e := onlyError(t, err)
			file := tt.file
			if file == "" {
				file = "bad.toml"
			}
			assert.Equal(t, file, e.File)
			assert.Equal(t, tt.line, e.Line, "line of %v", e)
			assert.Equal(t, tt.key, e.Key)
			for _, m := range tt.msg {
				assert.Contains(t, e.Msg, m)
			}
			var target *Error
			assert.True(t, errors.As(err, &target), "errors.As finds *Error")
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("prefork.toml", []byte("[apache]\nmpm = \"prefork\"\nmin_spare_servers = 5\nmax_spare_servers = 3\n"+phase), "")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(),
		"prefork.toml:4: apache.max_spare_servers = 3: must not be below min_spare_servers (5)"), err.Error())

	_, err = Parse("s.toml", []byte("a = = 1\n"), "")
	assert.True(t, strings.HasPrefix(err.Error(), "s.toml:1:"), err.Error())
}

func TestSeveralErrorsAreJoined(t *testing.T) {
	doc := "[host]\ncpus = 0\nram = \"0B\"\n[apache]\nmpm = \"prefork\"\nstart_servers = -1\n" + phase
	_, err := Parse("x.toml", []byte(doc), "")
	errs := Errors(err)
	require.Len(t, errs, 3, "%v", err)
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	assert.ElementsMatch(t, []int{2, 3, 6}, lines)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), "")
	e := onlyError(t, err)
	assert.Contains(t, e.Msg, "cannot read")
}

func TestDefaultsPerMPM(t *testing.T) {
	for _, mpm := range MPMs {
		t.Run(mpm, func(t *testing.T) {
			s, err := Parse("d.toml", []byte("[apache]\nmpm = \""+mpm+"\"\n"+phase), "")
			require.NoError(t, err)
			a := s.Apache
			assert.Equal(t, mpm, a.MPM)
			assert.Equal(t, 150, a.MaxRequestWorkers)
			assert.Equal(t, 0, a.MaxConnectionsPerChild)
			assert.Equal(t, 511, a.ListenBacklog)
			assert.True(t, a.KeepAlive)
			assert.Equal(t, 5*time.Second, a.KeepAliveTimeout.Duration)
			assert.Equal(t, 100, a.MaxKeepAliveRequests)
			assert.Equal(t, 300*time.Second, a.Timeout.Duration)
			if mpm == "prefork" {
				assert.Equal(t, []int{5, 5, 10, 256}, []int{a.StartServers, a.MinSpareServers, a.MaxSpareServers, a.ServerLimit})
				assert.Equal(t, 150, a.MaxProcesses())
			} else {
				assert.Equal(t, []int{2, 25, 75, 25, 16, 64},
					[]int{a.StartServers, a.MinSpareThreads, a.MaxSpareThreads, a.ThreadsPerChild, a.ServerLimit, a.ThreadLimit})
				assert.Equal(t, 6, a.MaxProcesses())
			}
			assert.Empty(t, s.Warnings, "Debian's defaults need no adjusting")
		})
	}
	s, err := Parse("d.toml", []byte(phase), "")
	require.NoError(t, err)
	assert.Equal(t, DefaultMPM, s.Apache.MPM)
	assert.Equal(t, "d", s.Name, "the name defaults to the file's base name")
	assert.Equal(t, map[string]float64{"/": 1}, s.Workload.URLs)
	assert.Equal(t, "%{RESOURCE}", s.WSGI.ApplicationGroup)
	assert.True(t, s.WSGI.LazyInitialization)
}

func TestMapsReplaceDefaults(t *testing.T) {
	s, err := Parse("m.toml", []byte("[workload]\nurls = { \"/api\" = 2.0 }\n"+phase), "")
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"/api": 2}, s.Workload.URLs, "the file's urls replace the default \"/\"")
}

func TestDaemonGroupDefaults(t *testing.T) {
	doc := `
[wsgi]
process_group = "app"
[wsgi.routes]
"/admin" = "admin"
[wsgi.daemon_process.app]
processes = 3
[wsgi.daemon_process.admin]
threads = 2
queue_timeout = "45s"
` + phase
	s, err := Parse("g.toml", []byte(doc), "")
	require.NoError(t, err)
	app, admin := s.WSGI.DaemonProcesses["app"], s.WSGI.DaemonProcesses["admin"]
	want := DefaultDaemonProcess()
	want.Processes = 3
	assert.Equal(t, want, *app)
	want = DefaultDaemonProcess()
	want.Threads, want.QueueTimeout = 2, D(45*time.Second)
	assert.Equal(t, want, *admin)
	assert.Equal(t, "admin", s.WSGI.GroupFor("/admin/users"))
	assert.Equal(t, "app", s.WSGI.GroupFor("/"))
}

func TestVariants(t *testing.T) {
	doc := `
name = "v"
[apache]
mpm = "prefork"
max_request_workers = 100
[wsgi]
process_group = ""
` + phase + `
[variants.daemon]
apache.mpm = "event"
wsgi.process_group = "app"
[variants.daemon.wsgi.daemon_process.app]
processes = 2
threads = 15

[variants.small.apache]
max_request_workers = 20
`
	base, err := Parse("v.toml", []byte(doc), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"daemon", "small"}, base.Variants)
	assert.Equal(t, "", base.Variant)
	assert.Equal(t, "prefork", base.Apache.MPM)
	assert.Empty(t, base.WSGI.DaemonProcesses)

	d, err := Parse("v.toml", []byte(doc), "daemon")
	require.NoError(t, err)
	assert.Equal(t, "daemon", d.Variant)
	assert.Equal(t, "event", d.Apache.MPM)
	assert.Equal(t, 25, d.Apache.ThreadsPerChild, "event's defaults apply when the variant changes the MPM")
	assert.Equal(t, 16, d.Apache.ServerLimit)
	assert.Equal(t, 100, d.Apache.MaxRequestWorkers, "the file's values stay under the variant")
	assert.Equal(t, 2, d.WSGI.DaemonProcesses["app"].Processes)
	assert.Equal(t, 100, d.WSGI.DaemonProcesses["app"].ListenBacklog, "mod_wsgi's default")
	assert.Equal(t, "app", d.WSGI.ProcessGroup)

	small, err := Parse("v.toml", []byte(doc), "small")
	require.NoError(t, err)
	assert.Equal(t, 20, small.Apache.MaxRequestWorkers)
	assert.Equal(t, "prefork", small.Apache.MPM)
}

func TestOverrides(t *testing.T) {
	doc := "[apache]\nmpm = \"prefork\"\n" + phase + "\n[variants.off]\napache.keep_alive = false\n"
	tests := []struct {
		name    string
		variant string
		sets    []string
		check   func(t *testing.T, s *Scenario)
	}{
		{"integer", "", []string{"apache.max_request_workers=50"}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 50, s.Apache.MaxRequestWorkers)
		}},
		{"MPM switch brings its defaults", "", []string{"apache.mpm=event"}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, "event", s.Apache.MPM)
			assert.Equal(t, []int{2, 25, 75, 25, 16, 64}, []int{s.Apache.StartServers, s.Apache.MinSpareThreads,
				s.Apache.MaxSpareThreads, s.Apache.ThreadsPerChild, s.Apache.ServerLimit, s.Apache.ThreadLimit})
			assert.Equal(t, 0, s.Apache.MinSpareServers)
		}},
		{"bare duration word", "", []string{"duration=90s", "workload.arrivals=constant"}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 90*time.Second, s.Duration.Duration)
			assert.Equal(t, "constant", s.Workload.Arrivals)
		}},
		{"quoted string and float", "", []string{`wsgi.application_group="%{GLOBAL}"`, "host.swap_penalty=2.5"}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, "%{GLOBAL}", s.WSGI.ApplicationGroup)
			assert.Equal(t, 2.5, s.Host.SwapPenalty)
		}},
		{"array element", "", []string{"workload.phase[0].rate=50"}, func(t *testing.T, s *Scenario) {
			assert.Equal(t, 50.0, s.Workload.Phases[0].Rate)
			assert.Equal(t, 10*time.Second, s.Workload.Phases[0].Duration.Duration)
		}},
		{"quoted map key", "", []string{`workload.urls."/api"=3`}, func(t *testing.T, s *Scenario) {
			// A written table replaces the default one, as in a file.
			assert.Equal(t, map[string]float64{"/api": 3}, s.Workload.URLs)
		}},
		{"daemon group created with defaults", "", []string{"wsgi.process_group=app", "wsgi.daemon_process.app.threads=4"}, func(t *testing.T, s *Scenario) {
			d := DefaultDaemonProcess()
			d.Threads = 4
			assert.Equal(t, d, *s.WSGI.DaemonProcesses["app"])
		}},
		{"after the variant", "off", []string{"apache.keep_alive=true"}, func(t *testing.T, s *Scenario) {
			assert.True(t, s.Apache.KeepAlive)
		}},
		{"variant without override", "off", nil, func(t *testing.T, s *Scenario) {
			assert.False(t, s.Apache.KeepAlive)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sets []Override
			for _, a := range tt.sets {
				o, err := ParseOverride(a)
				require.NoError(t, err)
				sets = append(sets, o)
			}
			s, err := Parse("o.toml", []byte(doc), tt.variant, sets...)
			require.NoError(t, err)
			tt.check(t, s)
		})
	}

	_, err := ParseOverride("apache.mpm")
	assert.Error(t, err)
	o, err := ParseOverride(`workload.urls."/a=b"=2`)
	require.NoError(t, err)
	assert.Equal(t, Override{Key: `workload.urls."/a=b"`, Value: "2"}, o)
}

func TestSet(t *testing.T) {
	s, err := LoadBuiltin("embedded-vs-daemon", "")
	require.NoError(t, err)
	require.NoError(t, Set(s, "apache.mpm", "worker"))
	assert.Equal(t, "worker", s.Apache.MPM)
	assert.Equal(t, 25, s.Apache.ThreadsPerChild)
	require.NoError(t, Set(s, "apache.max_request_workers", "50"))
	assert.Equal(t, "worker", s.Apache.MPM, "earlier sets are kept")
	assert.Equal(t, 50, s.Apache.MaxRequestWorkers)

	err = Set(s, "host.cpus", "none")
	e := onlyError(t, err)
	assert.Equal(t, "--set", e.File)
	assert.Contains(t, e.Msg, "expected an integer")
	assert.Equal(t, 50, s.Apache.MaxRequestWorkers, "a failed Set leaves the scenario as it was")

	// A scenario that was not loaded is resolved from its Format output.
	d := Defaults("prefork")
	d.Workload.Phases = []Phase{{Duration: D(time.Second), Shape: "step", Rate: 1}}
	require.NoError(t, Set(&d, "apache.max_request_workers", "10"))
	assert.Equal(t, 10, d.Apache.MaxRequestWorkers)
	assert.Equal(t, 5, d.Apache.StartServers)
}

func TestOpen(t *testing.T) {
	s, err := Open("", "")
	require.NoError(t, err)
	assert.Equal(t, DefaultBuiltin, s.Name)
	assert.Equal(t, "builtin:"+DefaultBuiltin, s.Source)

	path := filepath.Join(t.TempDir(), "mine.toml")
	require.NoError(t, os.WriteFile(path, []byte(phase), 0o644))
	s, err = Open(path, "")
	require.NoError(t, err)
	assert.Equal(t, "mine", s.Name)
	assert.Equal(t, path, s.Source)

	_, err = Open("no-such-scenario", "")
	e := onlyError(t, err)
	assert.Contains(t, e.Msg, `"prefork-spike"`)
}

func TestKeyLines(t *testing.T) {
	src := `name = "x" # comment
description = """
two
lines = 3
"""
apache.mpm = 'prefork'
[wsgi . "daemon_process" . app]
threads = 2
[[workload.phase]]
rate = 1
[[workload.phase]]
rate = [1, [2,
  3]]
shape = "a#b"
[workload]
urls = { "/" = 1, "/a.b" = 2 }
phase2 = [
  { rate = 1 },
  # comment ]
  { rate = 2, to = 3 },
]
`
	got := keyLines(src)
	for key, line := range map[string]int{
		"name":                            1,
		"description":                     2,
		"apache":                          6,
		"apache.mpm":                      6,
		"wsgi.daemon_process.app":         7,
		"wsgi.daemon_process.app.threads": 8,
		"workload.phase":                  9,
		"workload.phase[0].rate":          10,
		"workload.phase[1]":               11,
		"workload.phase[1].rate":          12,
		"workload.phase[1].shape":         14,
		"workload":                        9, // first written in [[workload.phase]]
		`workload.urls."/a.b"`:            16,
		"workload.phase2[1].to":           20,
	} {
		assert.Equal(t, line, got[key], key)
	}
	_, ok := got["lines"]
	assert.False(t, ok, "keys inside strings are not keys")
}

func TestRateAt(t *testing.T) {
	w := Workload{Phases: []Phase{
		{Duration: D(10 * time.Second), Shape: "step", Rate: 5},
		{Duration: D(10 * time.Second), Shape: "ramp", Rate: 10, To: 20},
	}}
	assert.Equal(t, 5.0, w.RateAt(0))
	assert.Equal(t, 10.0, w.RateAt(10*time.Second))
	assert.InDelta(t, 15.0, w.RateAt(15*time.Second), 1e-9)
	assert.Equal(t, 20.0, w.RateAt(time.Hour), "the last phase holds its end rate")
}
