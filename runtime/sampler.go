package runtime

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProcInfo is one process of Apache's tree at a sample.
type ProcInfo struct {
	Pid     int
	Daemon  string // the mod_wsgi daemon group (argv[0] "(wsgi:NAME)"), "" for Apache children
	RSS     int64  // bytes, from /proc/PID/smaps_rollup
	PSS     int64
	Private int64 // Private_Clean + Private_Dirty
	Swap    int64
	Started time.Duration // when the process was forked, since t=0 (/proc/PID/stat starttime, 10 ms resolution)
	MemAt   time.Duration // when RSS, PSS, Private and Swap were read, since t=0 (a sweep's At)
}

// Scoreboard is mod_status's view (server-status?auto).
type Scoreboard struct {
	At                                              time.Duration // when the answer came back
	Starting, Idle, Busy, KeepAlive, Closing, Other int           // worker slots by state; Busy counts R W L D G I
	Parked                                          int           // event: ConnsAsyncKeepAlive
}

// Sample is one sweep of the sampler.
type Sample struct {
	At                time.Duration // since t=0
	Parent            ProcInfo
	Children          []ProcInfo // Apache children
	Daemons           []ProcInfo // mod_wsgi daemon processes
	Status            *Scoreboard
	Saturated         bool          // the status request could not get a worker: no worker was idle
	CPUUtil           float64       // busy fraction of all cores since the previous sample
	ListenQueue       int           // connections waiting in the TCP accept queue
	DaemonQueue       int           // connections waiting in the daemon sockets' backlogs (-1 unknown)
	Importing         int           // processes inside their app import
	ImportingEmbedded int           // of which Apache children
	DaemonBusy        int           // requests in progress in daemon processes
	SelfCPU           time.Duration // runtime mode's own CPU so far (selfCPU)
	// MachineBusy is all cores' busy time so far (/proc/stat), and
	// ApacheCPU what Apache's tree used so far: each process's CPU and its
	// reaped children's (/proc/PID/stat), zombies included, so a child's
	// time stays counted while its parent reaps it. Differences between
	// sweeps give each interval's use (cpuByInterval).
	MachineBusy, ApacheCPU time.Duration
}

// Totals of a sample's memory, in bytes.
func (s Sample) total(f func(ProcInfo) int64) (all, parent, children, daemons int64) {
	parent = f(s.Parent)
	for _, p := range s.Children {
		children += f(p)
	}
	for _, p := range s.Daemons {
		daemons += f(p)
	}
	return parent + children + daemons, parent, children, daemons
}

// Import is one import of the app by one process, from the app's import log.
type Import struct {
	Pid        int
	Argv0      string
	Start, End time.Duration // since t=0 (negative: before the load started, e.g. a preload)
	Done       bool          // the import finished (End is set)
}

// sampler sweeps Apache's process tree every period.
type sampler struct {
	layout Layout
	srvPid int
	t0     time.Time
	clock  *runClock // places the logs' wall-clock stamps on the run's timeline
	period time.Duration
	daemon bool // daemon groups exist: read socket queues
	// memPeriod is how often each process's memory is read
	// (Options.MemoryPeriod); mem holds what was read last, by pid, and
	// memAt when the last full read began. A process is known by its pid
	// and start time, so a reused pid is read afresh.
	memPeriod time.Duration
	mem       map[procKey]ProcInfo
	memAt     time.Duration
	progress  func(Sample)

	mu      sync.Mutex
	samples []Sample
	status  *Scoreboard // latest answer
	statusT time.Time   // when the latest status request was sent
	busyReq bool        // a status request is outstanding
	sent    int         // status requests sent
	// delays are how long after its tick each status request was sent
	// (the tick's sweep came first), in ms: after sweeps that read every
	// process's memory (delays[1]) and after the others (delays[0]).
	delays [2][]float64
	fresh  bool // the latest sweep read every process's memory

	prevCPU       [2]uint64
	importOff     int64
	importPartial string
	imports       map[int]*Import // by pid, the latest import
	importList    []*Import
	errOff        int64
	errPartial    string
	errPrev       time.Duration // where the error log's latest line was placed
	log           []rawLogLine
	hasSS         bool
	boot          time.Time // the instant the kernel's clock ticks count from
}

// procKey tells processes apart across pid reuse.
type procKey struct {
	pid   int
	start uint64
}

func newSampler(l Layout, srvPid int, clock *runClock, period time.Duration, daemon bool) *sampler {
	_, err := exec.LookPath("ss")
	return &sampler{layout: l, srvPid: srvPid, t0: clock.t0, clock: clock, period: period, daemon: daemon,
		imports: map[int]*Import{}, hasSS: err == nil, boot: bootTime(), errPrev: noPrev,
		memPeriod: period, mem: map[procKey]ProcInfo{}, memAt: -time.Hour}
}

// bootTime returns when the machine booted, to 10 ms: now less /proc/uptime.
// (/proc/stat's btime is whole seconds, too coarse to place a fork in its
// interval.)
func bootTime() time.Time {
	b, err := os.ReadFile("/proc/uptime")
	now := time.Now()
	if err != nil {
		return time.Time{}
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return time.Time{}
	}
	up, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return time.Time{}
	}
	return now.Add(-time.Duration(up * float64(time.Second)))
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's starttime on Linux.
const clockTick = 10 * time.Millisecond

// run samples until ctx ends.
func (sm *sampler) run(ctx context.Context) {
	sm.prevCPU = readCPU()
	sm.fetchStatus(ctx, time.Time{})
	tick := time.NewTicker(sm.period)
	defer tick.Stop()
	for {
		var at time.Time
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				// The run's end: read every process's memory once more,
				// so the last interval's memory lies between two reads
				// (interpolateMemory) and the peak counts the end.
				sm.sweep(true)
			}
			return
		case at = <-tick.C:
		}
		s := sm.sweep(false)
		sm.fetchStatus(ctx, at)
		if sm.progress != nil {
			sm.progress(s)
		}
	}
}

// fetchStatus asks mod_status for the scoreboard in the background: under
// saturation the request waits in the listen queue like any other. A tick
// sends none while the last one is outstanding, so the requests are one
// client's, on the ticker's clock — the observer `simulate validate` adds
// to its prediction (results.Measurement.StatusRequests).
//
// tick is the instant the ticker was due to fire for this request (zero
// for the first, sent as the load starts): how long after it the request
// goes — the timer's lateness and the tick's sweep — is recorded
// (statusDelays).
func (sm *sampler) fetchStatus(ctx context.Context, tick time.Time) {
	sm.mu.Lock()
	if sm.busyReq {
		sm.mu.Unlock()
		return
	}
	sm.busyReq = true
	sm.sent++
	sm.statusT = time.Now()
	if !tick.IsZero() {
		i := 0
		if sm.fresh {
			i = 1
		}
		sm.delays[i] = append(sm.delays[i], float64(sm.statusT.Sub(tick))/float64(time.Millisecond))
	}
	sm.mu.Unlock()
	go func() {
		sb := getScoreboard(ctx, sm.layout)
		sm.mu.Lock()
		defer sm.mu.Unlock()
		sm.busyReq = false
		if sb != nil {
			sb.At = time.Since(sm.t0)
			sm.status = sb
		}
	}()
}

var statusHTTP = statusClient(2 * time.Second)

func getScoreboard(ctx context.Context, l Layout) *Scoreboard {
	req, err := newGet(ctx, "http://"+l.Addr()+l.statusURLPath())
	if err != nil {
		return nil
	}
	resp, err := statusHTTP.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != 200 {
		return nil
	}
	return parseStatus(body)
}

// parseStatus reads server-status?auto. The request asking for it is itself
// one busy (W) worker, which is not counted.
func parseStatus(body []byte) *Scoreboard {
	sb := &Scoreboard{}
	found := false
	for _, line := range strings.Split(string(body), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Scoreboard":
			found = true
			for _, c := range v {
				switch c {
				case '_':
					sb.Idle++
				case 'S':
					sb.Starting++
				case 'R', 'W', 'L', 'D', 'G', 'I':
					sb.Busy++
				case 'K':
					sb.KeepAlive++
				case 'C':
					sb.Closing++
				case '.':
				default:
					sb.Other++
				}
			}
		case "ConnsAsyncKeepAlive":
			sb.Parked, _ = strconv.Atoi(v)
		}
	}
	if !found {
		return nil
	}
	if sb.Busy > 0 {
		sb.Busy-- // ourselves
	}
	return sb
}

// statusSent returns how many status requests the sampler sent.
func (sm *sampler) statusSent() int {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.sent
}

// statusDelays returns the deciles (0%, 10%, …, 100%) of the status
// requests' delays after their ticks, in ms, after sweeps that did not read
// every process's memory and after those that did; nil where there were
// none.
func (sm *sampler) statusDelays() (plain, memory []float64) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return deciles(sm.delays[0]), deciles(sm.delays[1])
}

// deciles returns the 0%, 10%, …, 100% quantiles of xs (each an observed
// value, the lower of two at a tie), rounded to the µs; nil for none.
func deciles(xs []float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	out := make([]float64, 11)
	for i := range out {
		out[i] = math.Round(s[i*(len(s)-1)/10]*1000) / 1000
	}
	return out
}

// sweep takes one sample; readMem reads every process's memory whatever
// the time since the last read.
func (sm *sampler) sweep(readMemory bool) Sample {
	s := Sample{At: time.Since(sm.t0), DaemonQueue: -1, SelfCPU: selfCPU()}
	// Memory is read every memPeriod (each process's the first time it is
	// seen too); in between, each keeps what was read last.
	fresh := readMemory || s.At-sm.memAt >= sm.memPeriod-sm.period/2
	if fresh {
		sm.memAt = s.At
	}
	sm.mu.Lock()
	sm.fresh = fresh
	sm.mu.Unlock()
	seen := make(map[procKey]ProcInfo, len(sm.mem))
	mem := func(pid int, st procStat) ProcInfo {
		k := procKey{pid, st.startTicks}
		p, ok := sm.mem[k]
		if fresh || !ok {
			p = readMem(pid)
			p.MemAt = s.At
		}
		seen[k] = p
		return p
	}
	defer func() { sm.mem = seen }()
	var apacheTicks uint64
	for _, pid := range allPids() {
		st, ok := readStat(pid)
		if !ok {
			continue
		}
		ours := pid == sm.srvPid || st.ppid == sm.srvPid || st.pgrp == sm.srvPid
		if ours {
			apacheTicks += st.cpu
		}
		if !ours || st.state == 'Z' || st.state == 'X' {
			continue
		}
		if pid == sm.srvPid {
			s.Parent = mem(pid, st)
			continue
		}
		p := mem(pid, st)
		p.Daemon = daemonGroup(pid)
		if !sm.boot.IsZero() {
			p.Started = sm.boot.Add(time.Duration(st.startTicks) * clockTick).Sub(sm.t0)
		}
		if p.Daemon != "" {
			s.Daemons = append(s.Daemons, p)
		} else {
			s.Children = append(s.Children, p)
		}
	}
	s.ApacheCPU = ticks(apacheTicks)
	cpu := readCPU()
	s.MachineBusy = ticks(cpu[0] - min(cpu[0], cpu[1]))
	if dt := cpu[0] - sm.prevCPU[0]; dt > 0 && cpu[0] >= sm.prevCPU[0] {
		s.CPUUtil = 1 - float64(cpu[1]-sm.prevCPU[1])/float64(dt)
	}
	sm.prevCPU = cpu
	s.ListenQueue = listenQueue(sm.layout.Port)
	if sm.daemon && sm.hasSS {
		s.DaemonQueue = daemonQueue(sm.layout.SocketPrefix())
	}

	sm.readImports()
	children := map[int]bool{}
	for _, p := range s.Children {
		children[p.Pid] = true
	}
	for pid, im := range sm.imports {
		if !im.Done && (children[pid] || isDaemonPid(s.Daemons, pid)) {
			s.Importing++
			if children[pid] {
				s.ImportingEmbedded++
			}
		}
	}
	for _, d := range s.Daemons {
		s.DaemonBusy += readActive(sm.layout.ActiveDir(), d.Pid)
	}
	sm.readErrorLog()

	sm.mu.Lock()
	if sm.status != nil && s.At-sm.status.At < 3*sm.period/2 {
		sb := *sm.status
		s.Status = &sb
	} else if sm.busyReq && time.Since(sm.statusT) > 3*sm.period/2 {
		// The status request has waited more than a period for a worker:
		// none is idle.
		s.Saturated = true
	}
	sm.samples = append(sm.samples, s)
	sm.mu.Unlock()
	return s
}

func isDaemonPid(ds []ProcInfo, pid int) bool {
	for _, d := range ds {
		if d.Pid == pid {
			return true
		}
	}
	return false
}

// daemonGroup returns NAME when argv[0] is "(wsgi:NAME)" (display-name=%{GROUP}).
func daemonGroup(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	a0 := strings.TrimSpace(string(bytes.SplitN(b, []byte{0}, 2)[0]))
	if strings.HasPrefix(a0, "(wsgi:") && strings.HasSuffix(a0, ")") {
		return a0[len("(wsgi:") : len(a0)-1]
	}
	return ""
}

// readMem reads a process's memory from smaps_rollup.
func readMem(pid int) ProcInfo {
	p := ProcInfo{Pid: pid}
	readKB("/proc/"+strconv.Itoa(pid)+"/smaps_rollup", func(key string, bytes int64) {
		switch key {
		case "Rss":
			p.RSS = bytes
		case "Pss":
			p.PSS = bytes
		case "Private_Clean", "Private_Dirty":
			p.Private += bytes
		case "Swap":
			p.Swap = bytes
		}
	})
	return p
}

// readKB calls fn with every "Key:  N kB" line of a /proc file, in bytes.
func readKB(path string, fn func(key string, bytes int64)) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			fn(k, n*1024)
		}
	}
}

// readCPU returns (total, idle+iowait) jiffies from /proc/stat.
func readCPU() [2]uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return [2]uint64{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var tot, idle uint64
	for i, x := range f[1:] {
		n, _ := strconv.ParseUint(x, 10, 64)
		if i == 8 || i == 9 { // guest, guest_nice are already in user, nice
			continue
		}
		tot += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return [2]uint64{tot, idle}
}

// listenQueue returns the accept-queue length of 127.0.0.1:port from
// /proc/net/tcp (for a listening socket, rx_queue is the queue length).
func listenQueue(port int) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[1] != want || f[3] != "0A" {
			continue
		}
		_, rx, _ := strings.Cut(f[4], ":")
		n, _ := strconv.ParseInt(rx, 16, 64)
		return int(n)
	}
	return 0
}

// daemonQueue sums the backlog (Recv-Q) of our mod_wsgi daemon sockets, from ss.
func daemonQueue(prefix string) int {
	out, err := exec.Command("ss", "-xlnH").Output()
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[4], prefix) {
			continue
		}
		q, _ := strconv.Atoi(f[2])
		n += q
	}
	return n
}

func readActive(dir string, pid int) int {
	b, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(pid)))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return max(0, n)
}

// tailLines reads what was appended to path since *off, returning complete lines.
func tailLines(path string, off *int64, partial *string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(*off, io.SeekStart); err != nil {
		return nil
	}
	b, _ := io.ReadAll(f)
	*off += int64(len(b))
	text := *partial + string(b)
	lines := strings.Split(text, "\n")
	*partial = lines[len(lines)-1]
	return lines[:len(lines)-1]
}

// readImports follows the app's import log.
func (sm *sampler) readImports() {
	for _, line := range tailLines(sm.layout.ImportLog(), &sm.importOff, &sm.importPartial) {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		pid, _ := strconv.Atoi(f[1])
		t0 := sm.unixToSince(f[2])
		switch f[0] {
		case "begin":
			im := &Import{Pid: pid, Argv0: f[3], Start: t0}
			sm.imports[pid] = im
			sm.importList = append(sm.importList, im)
		case "import":
			if len(f) < 5 {
				continue
			}
			im := sm.imports[pid]
			if im == nil || im.Done {
				im = &Import{Pid: pid, Argv0: f[4], Start: t0}
				sm.imports[pid] = im
				sm.importList = append(sm.importList, im)
			}
			im.End, im.Done = sm.unixToSince(f[3]), true
		}
	}
}

// unixToSince places the app's time.time() stamp on the run's timeline.
func (sm *sampler) unixToSince(s string) time.Duration {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return sm.clock.since(time.Unix(0, int64(x*1e9)))
}

// rawLogLine is one error-log line.
type rawLogLine struct {
	At     time.Duration
	Module string
	Level  string
	PID    int
	Msg    string
}

// readErrorLog follows Apache's error log.
func (sm *sampler) readErrorLog() {
	for _, line := range tailLines(sm.layout.ErrorLog(), &sm.errOff, &sm.errPartial) {
		l, wall, ok := parseErrorLine(line)
		if !ok {
			continue
		}
		l.At = sm.clock.at(wall, sm.errPrev)
		sm.errPrev = l.At
		sm.log = append(sm.log, l)
	}
}

// parseErrorLine parses
//
//	[Sun Nov 22 00:05:48.806099 2026] [mpm_prefork:notice] [pid 12302:tid 12302] AH00163: ...
//
// (Apache runs with TZ=UTC, so timestamps are UTC) into the line, less its
// time, and the wall-clock instant it was written.
func parseErrorLine(line string) (rawLogLine, time.Time, bool) {
	var l rawLogLine
	rest := line
	field := func() (string, bool) {
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, "[") {
			return "", false
		}
		i := strings.IndexByte(rest, ']')
		if i < 0 {
			return "", false
		}
		f := rest[1:i]
		rest = rest[i+1:]
		return f, true
	}
	ts, ok := field()
	if !ok {
		return l, time.Time{}, false
	}
	t, err := time.ParseInLocation("Mon Jan 02 15:04:05.000000 2006", ts, time.UTC)
	if err != nil {
		return l, time.Time{}, false
	}
	ml, ok := field()
	if !ok {
		return l, time.Time{}, false
	}
	l.Module, l.Level, _ = strings.Cut(ml, ":")
	if strings.HasPrefix(strings.TrimLeft(rest, " "), "[pid ") {
		pf, _ := field()
		p := strings.TrimPrefix(pf, "pid ")
		p, _, _ = strings.Cut(p, ":")
		l.PID, _ = strconv.Atoi(p)
	}
	for r := strings.TrimLeft(rest, " "); strings.HasPrefix(r, "[client ") || strings.HasPrefix(r, "[remote "); r = strings.TrimLeft(rest, " ") {
		field()
	}
	l.Msg = strings.TrimSpace(rest)
	return l, t, true
}

// AccessEntry is one access-log line: "%{begin:msec}t %D %P %>s \"%r\"".
type AccessEntry struct {
	Begin   time.Duration // since t=0
	Service time.Duration // %D: server-side time
	Pid     int
	Status  int
	Request string
}

// readAccessLog reads the run's access log. Apache writes a line when the
// request ends (ap_log_transaction), so the file is in the order of the
// requests' ends: each end is placed on the run's timeline in that order,
// and the begin is the end less %D.
func readAccessLog(path string, clock *runClock) []AccessEntry {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []AccessEntry
	prev := noPrev
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fs := strings.SplitN(line, " ", 5)
		if len(fs) < 5 {
			continue
		}
		ms, err1 := strconv.ParseInt(fs[0], 10, 64)
		us, err2 := strconv.ParseInt(fs[1], 10, 64)
		pid, err3 := strconv.Atoi(fs[2])
		st, _ := strconv.Atoi(fs[3])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		service := time.Duration(us) * time.Microsecond
		end := clock.at(time.UnixMilli(ms).Add(service), prev)
		prev = end
		out = append(out, AccessEntry{
			Begin: end - service, Service: service,
			Pid: pid, Status: st, Request: strings.Trim(fs[4], `"`),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Begin < out[j].Begin })
	return out
}
