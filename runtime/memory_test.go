package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A child importing its app grows steadily; the sampler reads its memory
// once a second and sweeps ten times a second. Each row's PSS must be the
// mean over its interval, as the simulator's row is, not the value read at
// the interval's start half an interval earlier; a process that is gone
// keeps its last read until it is gone.
func TestMemoryRowsAreIntervalMeans(t *testing.T) {
	s := mustParse(t, "duration = \"4s\"\ninterval = \"1s\"\n[[workload.phase]]\nduration = \"4s\"\nrate = 1\n", "")
	const mib = 1 << 20
	ms := time.Millisecond
	grow := func(at time.Duration) int64 { return int64(at.Seconds() * 10 * mib) } // 10 MiB/s
	var samples []Sample
	read := map[int]ProcInfo{}
	for at := 100 * ms; at <= 4000*ms; at += 100 * ms {
		s := Sample{At: at, Parent: ProcInfo{Pid: 1, PSS: 2 * mib, MemAt: 100 * ms}}
		// The growing child (pid 2) is read at 0.1 s and then every second;
		// pid 3 lives until 1.45 s with a constant 5 MiB.
		if at%time.Second == 0 || at == 100*ms {
			read[2] = ProcInfo{Pid: 2, PSS: grow(at), MemAt: at}
		}
		s.Children = append(s.Children, read[2])
		if at < 1450*ms {
			s.Children = append(s.Children, ProcInfo{Pid: 3, PSS: 5 * mib, MemAt: 100 * ms})
		}
		samples = append(samples, s)
	}
	res := &Result{Samples: interpolateMemory(samples)}
	run := aggregate(s, time.Now(), nil, res, nil, nil, nil)
	require.Len(t, run.Rows, 4)
	for i, r := range run.Rows[1:] {
		i++
		// Samples at i.0 … i.9: their mean time is i.45 s.
		want := 2.0 + 10*(float64(i)+0.45)
		if i == 1 {
			want += 5 * 5.0 / 10 // pid 3 in 1.0–1.4 s: 5 of 10 samples (1.0 s is row 1's)
		}
		assert.InDelta(t, want, r.PSSMB, 0.05, "row %d: the interval's mean, not what was read at its start (%.1f MB)", i, 2+10*float64(i))
	}
	assert.Equal(t, grow(100*ms), samples[5].Children[0].PSS, "the input keeps the value read")
	assert.InDelta(t, 42.0, run.Summary.Peak.PSSMB, 0.01, "the peak is the last read, at the end")
}
