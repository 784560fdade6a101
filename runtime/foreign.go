package runtime

import (
	"bytes"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/results"
)

// cpuSnapshot is the machine's CPU time and every process's at one instant:
// what foreign CPU use is computed from.
type cpuSnapshot struct {
	busy  uint64 // /proc/stat: all cores' non-idle time, clock ticks
	steal uint64 // of which the hypervisor took
	procs map[int]procCPU
}

// procCPU is one process's line of /proc/PID/stat.
type procCPU struct {
	ppid  int
	comm  string
	start uint64 // starttime, to tell a reused pid
	own   uint64 // utime + stime, clock ticks
	kids  uint64 // cutime + cstime: the children it has reaped
}

func takeCPUSnapshot() cpuSnapshot {
	s := cpuSnapshot{procs: map[int]procCPU{}}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, x := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseUint(x, 10, 64)
			switch i {
			case 3, 4, 8, 9: // idle, iowait; guest and guest_nice are in user and nice
			case 7:
				s.steal = n
				s.busy += n
			default:
				s.busy += n
			}
		}
	}
	for _, pid := range allPids() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if i < 0 || j < i || j+2 >= len(b) {
			continue
		}
		f := strings.Fields(string(b[j+2:]))
		if len(f) < 20 {
			continue
		}
		var p procCPU
		p.comm = string(b[i+1 : j])
		p.ppid, _ = strconv.Atoi(f[1])
		var u, st, cu, cs uint64
		u, _ = strconv.ParseUint(f[11], 10, 64)
		st, _ = strconv.ParseUint(f[12], 10, 64)
		cu, _ = strconv.ParseUint(f[13], 10, 64)
		cs, _ = strconv.ParseUint(f[14], 10, 64)
		p.start, _ = strconv.ParseUint(f[19], 10, 64)
		p.own, p.kids = u+st, cu+cs
		s.procs[pid] = p
	}
	return s
}

// descendants returns root and every process below it in snapshot s.
func (s cpuSnapshot) descendants(root int) map[int]bool {
	kids := map[int][]int{}
	for pid, p := range s.procs {
		kids[p.ppid] = append(kids[p.ppid], pid)
	}
	out := map[int]bool{root: true}
	for stack := []int{root}; len(stack) > 0; {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range kids[p] {
			if !out[c] {
				out[c] = true
				stack = append(stack, c)
			}
		}
	}
	return out
}

// used is the CPU process pid spent between a and b, with what the children
// it reaped meanwhile spent in that time, in clock ticks. A reaped child's
// whole lifetime lands in its parent's cutime, so what a child that was
// already running at a had spent by then is taken off (init, which reaps
// every orphan, would otherwise be charged with their lifetimes).
func used(a, b cpuSnapshot, pid int) uint64 {
	pb, ok := b.procs[pid]
	if !ok {
		return 0
	}
	tot := pb.own + pb.kids
	pa, same := a.procs[pid]
	if !same || pa.start != pb.start {
		return tot
	}
	before := pa.own + pa.kids
	for c, ca := range a.procs {
		if ca.ppid != pid {
			continue
		}
		if cb, ok := b.procs[c]; !ok || cb.start != ca.start {
			before += ca.own + ca.kids // reaped during the run
		}
	}
	return tot - min(tot, before)
}

// foreignTop is how many foreign processes a summary names.
const foreignTop = 5

// foreignCPU is the CPU used between a and b by everything but this process
// and its descendants — runtime mode's load generator and sampler, Apache,
// its children and mod_wsgi daemons — on a machine of cores cores. It is the
// machine's busy time from /proc/stat less this tree's (each process's own
// time and its reaped children's, so children that exited are counted);
// the hypervisor's steal time counts as foreign. Processes that started
// and ended within the run are in the total but named only through the
// parent that reaped them.
func foreignCPU(a, b cpuSnapshot, cores int, d time.Duration) results.ForeignCPU {
	self := os.Getpid()
	ours := b.descendants(self)
	var oursTicks uint64
	for pid := range ours {
		oursTicks += used(a, b, pid)
	}
	busy := b.busy - min(b.busy, a.busy)
	foreign := busy - min(busy, oursTicks)
	fc := results.ForeignCPU{Seconds: ticks(foreign).Seconds()}
	if d > 0 && cores > 0 {
		fc.Share = fc.Seconds / (d.Seconds() * float64(cores))
	}
	var top []results.ProcessCPU
	if st := b.steal - min(b.steal, a.steal); st > 0 {
		top = append(top, results.ProcessCPU{Command: "(hypervisor steal)", Seconds: ticks(st).Seconds()})
	}
	for pid, p := range b.procs {
		if ours[pid] {
			continue
		}
		if u := used(a, b, pid); u > 0 {
			top = append(top, results.ProcessCPU{PID: pid, Command: p.comm, Seconds: ticks(u).Seconds()})
		}
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].Seconds != top[j].Seconds {
			return top[i].Seconds > top[j].Seconds
		}
		return top[i].PID < top[j].PID
	})
	if len(top) > foreignTop {
		top = top[:foreignTop]
	}
	fc.Top = top
	return fc
}

// treeCPU is the CPU, in seconds, that root and its descendants used
// between a and b: each one's own time and that of the children it reaped
// meanwhile (used).
func treeCPU(a, b cpuSnapshot, root int) float64 {
	var n uint64
	for pid := range b.descendants(root) {
		n += used(a, b, pid)
	}
	return ticks(n).Seconds()
}

func ticks(n uint64) time.Duration { return time.Duration(n) * clockTick }

// cpuByInterval is a CPU use, in cores, in each of n intervals of iv from
// t=0: the growth of total (a sample's cumulative CPU time) between the
// last samples of consecutive intervals (t=0 and atZero for the first),
// over the time between them, rounded to 0.001. An interval without a
// sample repeats the one before.
func cpuByInterval(samples []Sample, atZero time.Duration, iv time.Duration, n int, total func(Sample) time.Duration) []float64 {
	if n <= 0 || iv <= 0 {
		return nil
	}
	out := make([]float64, n)
	prevAt, prevCPU := time.Duration(0), atZero
	j := 0
	for i := range out {
		end := time.Duration(i+1) * iv
		last := -1
		for ; j < len(samples) && samples[j].At < end; j++ {
			last = j
		}
		if last < 0 || samples[last].At <= prevAt {
			if i > 0 {
				out[i] = out[i-1]
			}
			continue
		}
		s := samples[last]
		cpu := total(s)
		out[i] = math.Round((cpu-prevCPU).Seconds()/(s.At-prevAt).Seconds()*1000) / 1000
		prevAt, prevCPU = s.At, cpu
	}
	return out
}

// observerByInterval is runtime mode's own CPU (Sample.SelfCPU), in cores,
// interval by interval; selfBefore is its value at t=0.
func observerByInterval(samples []Sample, selfBefore, iv time.Duration, n int) []float64 {
	return cpuByInterval(samples, selfBefore, iv, n, func(s Sample) time.Duration { return s.SelfCPU })
}

// foreignByInterval is what processes outside the run used, in cores,
// interval by interval: the machine's busy time less Apache's tree's and
// runtime mode's own (Sample.MachineBusy − ApacheCPU − SelfCPU), from
// their values at t=0 in before and selfBefore. Each is read at a slightly
// different instant and /proc/stat counts whole clock ticks, so a quiet
// interval reads a few hundredths of a core either side of zero; what
// matters is a window's sum (Disturbed in package validate).
func foreignByInterval(samples []Sample, before cpuSnapshot, srvPid int, selfBefore, iv time.Duration, n int) []float64 {
	atZero := ticks(before.busy) - before.tree(srvPid) - selfBefore
	return cpuByInterval(samples, atZero, iv, n, func(s Sample) time.Duration { return s.MachineBusy - s.ApacheCPU - s.SelfCPU })
}

// apacheByInterval is Apache's tree's CPU (Sample.ApacheCPU), in cores,
// interval by interval, from its value at t=0 in before.
func apacheByInterval(samples []Sample, before cpuSnapshot, srvPid int, iv time.Duration, n int) []float64 {
	return cpuByInterval(samples, before.tree(srvPid), iv, n, func(s Sample) time.Duration { return s.ApacheCPU })
}

// tree is the CPU root's process tree had used by snapshot s, as the
// sampler counts it (Sample.ApacheCPU): each process's own time and its
// reaped children's.
func (s cpuSnapshot) tree(root int) time.Duration {
	var n uint64
	for pid := range s.descendants(root) {
		if p, ok := s.procs[pid]; ok {
			n += p.own + p.kids
		}
	}
	return ticks(n)
}

// selfCPU is the CPU runtime mode has used so far: this process — the
// load generator and the sampler, all their threads — and the commands it
// ran and reaped, such as the sampler's `ss` for the daemon sockets'
// queues, ten a second, which cost a measured 0.07 cores. Apache, a child
// that is reaped only when the run is over, is not in it (RUSAGE_SELF and
// RUSAGE_CHILDREN).
func selfCPU() time.Duration {
	var self, kids syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids) != nil {
		return 0
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
}
