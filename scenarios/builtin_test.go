package scenarios

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuiltinsList(t *testing.T) {
	assert.Equal(t, []string{
		"deploy", "embedded-vs-daemon", "idle-connections", "keepalive-idle-browsers", "lazy-init-restarts",
		"mixed-site", "prefork-spike", "small-vps", "worker-event-defaults", "wrk-benchmark",
	}, Builtins())
	assert.Contains(t, Builtins(), DefaultBuiltin)
}

// Every built-in scenario and each of its variants loads without errors or
// warnings (they are meant to be copied), and its Format output parses back
// to the same scenario.
func TestBuiltinsLoadAndRoundTrip(t *testing.T) {
	for _, name := range Builtins() {
		base, err := LoadBuiltin(name, "")
		require.NoError(t, err, name)
		assert.Equal(t, name, base.Name)
		assert.Equal(t, "builtin:"+name, base.Source)
		assert.NoError(t, base.Check())
		for _, v := range append([]string{""}, base.Variants...) {
			t.Run(name+"/"+v, func(t *testing.T) {
				s, err := LoadBuiltin(name, v)
				require.NoError(t, err)
				assert.Equal(t, v, s.Variant)
				assert.Empty(t, s.Warnings)

				out, err := Format(s)
				require.NoError(t, err)
				back, err := Parse("formatted.toml", out, "")
				require.NoError(t, err, "%s", out)
				assert.Equal(t, comparable(s), comparable(back))

				again, err := Format(back)
				require.NoError(t, err)
				assert.Equal(t, bytes.SplitN(out, []byte("\n\n"), 2)[1], bytes.SplitN(again, []byte("\n\n"), 2)[1],
					"formatting is stable")
			})
		}
	}
}

// comparable strips what Format does not carry: where the scenario came from.
func comparable(s *Scenario) Scenario {
	c := *s
	c.Source, c.Variant, c.Variants, c.src = "", "", nil, nil
	return c
}

func TestParseIsDeterministic(t *testing.T) {
	for _, name := range Builtins() {
		a, err := LoadBuiltin(name, "")
		require.NoError(t, err)
		b, err := LoadBuiltin(name, "")
		require.NoError(t, err)
		assert.Equal(t, a, b)
		fa, err := Format(a)
		require.NoError(t, err)
		fb, err := Format(b)
		require.NoError(t, err)
		assert.Equal(t, string(fa), string(fb))
	}
}

func TestBuiltinHeadlines(t *testing.T) {
	spike, err := LoadBuiltin("prefork-spike", "")
	require.NoError(t, err)
	assert.Equal(t, "prefork", spike.Apache.MPM)
	assert.Equal(t, 150, spike.Apache.MaxProcesses())
	assert.Equal(t, 24*MiB, spike.App.ImportMemory, "with the interpreter and Apache's own, ~30 MiB per child")
	assert.Equal(t, 2.0, spike.App.ImportCPU.Mean())
	assert.True(t, spike.WSGI.LazyInitialization)
	assert.False(t, spike.WSGI.Preload)
	assert.Equal(t, 8*GiB, spike.Host.RAM)
	assert.Equal(t, 2, spike.Host.CPUs)
	assert.Equal(t, 2.0, spike.Workload.RateAt(10*time.Second))
	assert.Equal(t, 100.0, spike.Workload.RateAt(30*time.Second))
	assert.Equal(t, 2.0, spike.Workload.RateAt(100*time.Second))

	vps, err := LoadBuiltin("small-vps", "")
	require.NoError(t, err)
	assert.Equal(t, 256*MiB, vps.Host.RAM)
	assert.Equal(t, 256*MiB, vps.Host.Swap)
	assert.Equal(t, spike.Apache, vps.Apache, "the same Apache as prefork-spike")
	assert.Equal(t, spike.App, vps.App)
	assert.Equal(t, spike.Workload, vps.Workload)

	for _, v := range []string{"worker", "event"} {
		s, err := LoadBuiltin("worker-event-defaults", v)
		require.NoError(t, err)
		assert.Equal(t, v, s.Apache.MPM)
		assert.Equal(t, 6, s.Apache.MaxProcesses())
	}

	ed, err := LoadBuiltin("embedded-vs-daemon", "embedded-prefork")
	require.NoError(t, err)
	assert.Equal(t, "prefork", ed.Apache.MPM)
	assert.True(t, Embedded(ed.WSGI.GroupFor("/")))
	dd, err := LoadBuiltin("embedded-vs-daemon", "daemon-event")
	require.NoError(t, err)
	assert.Equal(t, "event", dd.Apache.MPM)
	assert.Equal(t, "app", dd.WSGI.GroupFor("/"))
	assert.Equal(t, 2, dd.WSGI.DaemonProcesses["app"].Processes)
	assert.Equal(t, 15, dd.WSGI.DaemonProcesses["app"].Threads)
	assert.True(t, dd.WSGI.RestrictEmbedded)
	assert.Equal(t, ed.Workload, dd.Workload, "the same workload")

	on, err := LoadBuiltin("keepalive-idle-browsers", "keepalive-on")
	require.NoError(t, err)
	off, err := LoadBuiltin("keepalive-idle-browsers", "keepalive-off")
	require.NoError(t, err)
	assert.True(t, on.Apache.KeepAlive)
	assert.False(t, off.Apache.KeepAlive)
	assert.Equal(t, 120*time.Second, on.Workload.IdleAfterLast.Duration)
	assert.Greater(t, on.Workload.RequestsPerConnection.Mean(), 1.0)
	assert.Equal(t, "prefork", on.Apache.MPM)

	lazyOn, err := LoadBuiltin("lazy-init-restarts", "lazy-on")
	require.NoError(t, err)
	lazyOff, err := LoadBuiltin("lazy-init-restarts", "lazy-off")
	require.NoError(t, err)
	assert.True(t, lazyOn.WSGI.LazyInitialization)
	assert.False(t, lazyOff.WSGI.LazyInitialization)
	assert.GreaterOrEqual(t, len(lazyOff.Events), 3)
	for _, e := range lazyOff.Events {
		assert.Equal(t, "graceful_restart", e.Action)
	}
}
