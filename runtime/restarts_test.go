package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// restarts reads births from /proc start times (a daemon may show in its
// first sample before mod_wsgi has renamed it), the old generation's exit
// from the samples, and the window from the request records.
func TestRestartsFromSamples(t *testing.T) {
	ms, s := time.Millisecond, time.Second
	sc := mustParse(t, `
duration = "20s"
[[workload.phase]]
duration = "20s"
rate = 10
[[event]]
at = "10s"
action = "graceful_restart"
`, "")
	child := func(pid int, started time.Duration) ProcInfo {
		return ProcInfo{Pid: pid, Started: started, PSS: 10 << 20}
	}
	daemon := func(pid int, started time.Duration) ProcInfo {
		p := child(pid, started)
		p.Daemon = "app"
		return p
	}
	res := &Result{}
	for at := 100 * ms; at <= 20*s; at += 100 * ms {
		sm := Sample{At: at}
		switch {
		case at <= 10*s: // the old generation: two children, one daemon
			sm.Children = []ProcInfo{child(1, -s), child(2, -s)}
			sm.Daemons = []ProcInfo{daemon(3, -s)}
		case at == 10100*ms: // one old child finishing; the new daemon, not yet renamed
			sm.Children = []ProcInfo{child(2, -s), child(4, 10050*ms)}
		default: // the new generation: the daemon, two children, a third forked at 11.5 s
			sm.Daemons = []ProcInfo{daemon(4, 10050*ms)}
			sm.Children = []ProcInfo{child(5, 10060*ms), child(6, 10060*ms)}
			if at >= 11500*ms {
				sm.Children = append(sm.Children, child(7, 11500*ms))
			}
		}
		res.Samples = append(res.Samples, sm)
	}
	// 10 requests a second of 50 ms; those sent in [10 s, 11 s) wait until 11.2 s.
	for at := 100 * ms; at < 20*s; at += 100 * ms {
		end := at + 50*ms
		if at >= 10*s && at < 11*s {
			end = 11200 * ms
		}
		res.Requests = append(res.Requests, RequestRecord{Start: at, End: end, Outcome: OK})
	}
	out := restarts(sc, res, []time.Duration{10 * s})
	require.Len(t, out, 1)
	r := out[0]
	assert.Equal(t, "graceful_restart", r.Action)
	require.NotNil(t, r.FirstDaemonS)
	assert.InDelta(t, 0.05, *r.FirstDaemonS, 1e-9, "pid 4 is a daemon though first seen unnamed")
	require.NotNil(t, r.FirstChildS)
	assert.InDelta(t, 0.06, *r.FirstChildS, 1e-9)
	assert.InDelta(t, 1.2, r.WindowS, 1e-9)
	assert.Equal(t, int64(10), r.Delayed)
	assert.Equal(t, 1, r.ExtraForks, "three children forked by 1 s after the window, two alive at the command")
	assert.InDelta(t, 30, r.PeakPSSMB, 1e-9)

	none := restarts(sc, res, []time.Duration{-1})
	assert.Empty(t, none, "an event never applied has no entry")
}
