package models

import (
	"math"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

type procKind uint8

const (
	kindParent procKind = iota
	kindChild
	kindDaemon
)

// process is one process's memory.
type process struct {
	kind    procKind
	pid     int
	born    sim.Time
	private float64 // bytes only this process maps
	python  bool    // maps libpython's text
	cow     float64 // the parent's live heap inherited copy-on-write at fork
	leak    float64 // the parent's leaked heap inherited at fork: never written, so never copied
	index   int
	owner   any // *child or *daemonProc, for the OOM killer
	// sbOwn is the scoreboard a child maps: its own process and worker
	// slots, until it has run mod_status (sbAll), which maps all of it.
	sbOwn float64
	sbAll bool
	// touched is the most private memory p has had: what it frees (a
	// request's pool back to APR, objects back to malloc) stays its own,
	// and only growth beyond touched is a first touch. owed is the CPU (ns)
	// of its first touches of memory the host no longer backed, to be paid
	// in its next work (takeOwed).
	touched, owed float64
}

// takeOwed returns the CPU p owes for first touches beyond the host's warm
// memory and clears it: the work a process starts next takes that much
// longer (docs/model.md §8.5).
func (p *process) takeOwed() sim.Time {
	if p.owed == 0 {
		return 0
	}
	o := sim.Time(math.Round(p.owed))
	p.owed = 0
	return o
}

// memory accounts every process's pages as /proc/PID/smaps_rollup reports
// them and applies the host's limits:
//
//   - Apache's text (httpd, APR, modules) is mapped by every process, and
//     libpython's by every process with Python: RSS counts them whole in each
//     process, PSS divides them by the number of processes mapping them;
//   - the parent's heap that children inherit copy-on-write (the interpreter
//     with WSGILazyInitialization Off) stays shared until a child writes it:
//     a child forked with C bytes of it still shares C·(f + (1-f)·e^(-age/τ))
//     (τ = cow_erosion, f = cow_shared_floor); the rest has become private
//     copies. What re-initialising Python leaked on restarts is never
//     written again, so children keep sharing all of it. The shared region's
//     PSS is split among the parent and its sharers in proportion to what
//     each maps;
//   - the scoreboard (scoreboardSize) is shared memory the parent zeroes
//     whole when it creates it, so it maps all of it; a child maps the
//     pages it touches (fork copies no page tables of a shared mapping):
//     its own process and worker slots, which it writes, and all of them
//     once it has run mod_status's handler, which reads every slot;
//     mod_wsgi's daemons touch none. PSS divides its own slots among the
//     child and the processes that map it all, and the rest among the
//     latter;
//   - everything else is private: each process's own heap, the interpreter
//     when initialised after fork, the imported app, per-request growth.
//
// The sum of PSS is the memory in use. Above RAM the host swaps and all CPU
// work runs swap_penalty times slower; above RAM + swap the OOM killer kills
// the process with the largest RSS (the parent is left out: it is small and
// its death would end the run rather than show a dead child).
type memory struct {
	s          *server
	procs      []*process
	parent     *process
	parentHeap float64 // the parent's live heap children share copy-on-write (Python with Lazy Off)
	parentLeak float64 // the parent's leaked heap (Python re-initialised on restarts)
	nPython    int
	now        snapshot
	killing    bool
	// The scoreboard: its size, how many processes map it all (the
	// parent and the children that have run mod_status), and the slots
	// the other children map, in all.
	scoreboard, sbOwn float64
	sbAll             int
	// warm is the free memory the host still backs (bytes): warmCap
	// (host.memory_warm) at Apache's start and again at the load's,
	// plus for pageReportingDelay what exited processes freed last, less
	// what has been touched since; coldPerByte is the extra CPU (ns) a byte
	// beyond it costs at its first touch, 0 when it costs nothing more
	// (docs/model.md §8.5).
	warm, warmCap, coldPerByte float64
	lastFree                   sim.Time
}

// pageReportingDelay is how long free memory stays with the guest before
// free page reporting hands it to the host: Linux's PAGE_REPORTING_DELAY
// (mm/page_reporting.c, 2*HZ).
const pageReportingDelay = 2 * sim.Second

type snapshot struct {
	pss, rss                    float64
	parentPSS, childPSS, daePSS float64
	swap                        float64
}

func newMemory(s *server) *memory {
	m := &memory{s: s, scoreboard: scoreboardSize(s.sc.Apache)}
	h := &s.sc.Host
	if extra := h.MemoryTouchColdCPU.Duration - h.MemoryTouchCPU.Duration; extra > 0 {
		m.coldPerByte = float64(extra) / mib
		m.warm, m.warmCap = float64(h.MemoryWarm), float64(h.MemoryWarm)
	}
	return m
}

// touch: p's private memory is now what it holds. Beyond the most it held
// before, the pages are new: what the host still backs costs what the
// calibrated CPU constants include, the rest coldPerByte more, owed to
// p's next work.
func (m *memory) touch(p *process) {
	grown := p.private - p.touched
	if grown <= 0 {
		return
	}
	p.touched = p.private
	if m.coldPerByte == 0 {
		return
	}
	if m.warm > m.warmCap && m.s.sim.Now()-m.lastFree >= pageReportingDelay {
		m.warm = m.warmCap // reported to the host, which took it back
	}
	w := min(grown, m.warm)
	m.warm -= w
	p.owed += (grown - w) * m.coldPerByte
}

// loadStarts: the load starts with memory_warm of warm memory, whatever
// Apache's start took, as runtime mode measures it just before its load
// and calibrate at rest (docs/model.md §8.5).
func (m *memory) loadStarts() {
	if m.coldPerByte != 0 {
		m.warm = m.warmCap
	}
}

// release: an exited process's memory is free again. The guest hands the
// pages freed last out first, and the host backs them until free page
// reporting gives them back, pageReportingDelay later.
func (m *memory) release(p *process) {
	if m.coldPerByte == 0 {
		return
	}
	m.warm += p.touched
	m.lastFree = m.s.sim.Now()
}

// The sizes of httpd 2.4's scoreboard records on 64-bit Linux, each
// rounded up to 8 bytes as server/scoreboard.c's SIZE_OF_ macros do
// (include/scoreboard.h: global_score 56 bytes, process_score 36,
// worker_score 336, of which request[64], client64[64], client[32] and
// vhost[32]).
const (
	sizeofGlobalScore  = 56
	sizeofProcessScore = 40
	sizeofWorkerScore  = 336
)

// scoreboardSize is ap_calc_scoreboard_size: a global record, a process
// slot per ServerLimit and a worker slot per ServerLimit × ThreadLimit
// (prefork's thread limit is 1).
func scoreboardSize(a scenarios.Apache) float64 {
	threads := a.ThreadLimit
	if a.MPM == "prefork" {
		threads = 1
	}
	return sizeofGlobalScore + float64(a.ServerLimit)*(sizeofProcessScore+float64(threads)*sizeofWorkerScore)
}

// start registers a new process with private bytes of its own. Children and
// daemons inherit the parent's shareable heap copy-on-write.
func (m *memory) start(kind procKind, private float64) *process {
	p := &process{kind: kind, pid: m.s.pid(), born: m.s.sim.Now(), private: private, index: len(m.procs)}
	if kind == kindParent {
		m.parent = p
		p.sbAll = true // ap_create_scoreboard zeroed all of it
		m.sbAll++
	} else {
		if kind == kindChild {
			// child_main and its threads write their slots' status at once.
			p.sbOwn = sizeofProcessScore + float64(m.s.cfg.threadsPerChild)*sizeofWorkerScore
			m.sbOwn += p.sbOwn
		}
		p.cow, p.leak = m.parentHeap, m.parentLeak
		if !m.s.sc.WSGI.LazyInitialization {
			// Python was initialised in the parent: the child maps libpython.
			p.python = true
			m.nPython++
		}
	}
	m.procs = append(m.procs, p)
	m.touch(p)
	m.changed()
	return p
}

const mib = 1024 * 1024

// stop removes an exited process.
func (m *memory) stop(p *process) {
	if p.index < 0 {
		return
	}
	last := len(m.procs) - 1
	m.procs[p.index] = m.procs[last]
	m.procs[p.index].index = p.index
	m.procs = m.procs[:last]
	p.index = -1
	m.release(p)
	if p.python {
		m.nPython--
	}
	if p.sbAll {
		m.sbAll--
	}
	m.sbOwn -= p.sbOwn
	if p.kind != kindParent {
		m.s.stats.restarts.gone(p.born)
	}
	m.changed()
}

// grow adds private bytes to p.
func (m *memory) grow(p *process, bytes float64) {
	if p.index < 0 {
		return
	}
	p.private += bytes
	m.touch(p)
	m.changed()
}

// hold adds private bytes p holds for a while, or returns them (negative):
// a request's pool, twice per request, on the event loop's hot path. It
// does not measure every process again as grow does: private bytes count
// whole in p's RSS and PSS, so the totals move by as much (the shared
// pages' erosion is brought up to date at the next other change or output
// row). A change that would take memory in use past RAM, or one while the
// host swaps, takes grow's full path: swap and the OOM killer.
func (m *memory) hold(p *process, bytes float64) {
	if p.index < 0 {
		return
	}
	if m.killing || m.now.swap > 0 || m.now.pss+bytes > float64(m.s.sc.Host.RAM) {
		m.grow(p, bytes)
		return
	}
	p.private += bytes
	m.touch(p)
	m.now.pss += bytes
	m.now.rss += bytes
	switch p.kind {
	case kindParent:
		m.now.parentPSS += bytes
	case kindChild:
		m.now.childPSS += bytes
	case kindDaemon:
		m.now.daePSS += bytes
	}
	m.s.stats.held(p.kind, &m.now)
}

// mapPython records that p maps libpython.
func (m *memory) mapPython(p *process) {
	if !p.python && p.index >= 0 {
		p.python = true
		m.nPython++
		m.changed()
	}
}

// mapScoreboard records that p has read every scoreboard slot (mod_status).
func (m *memory) mapScoreboard(p *process) {
	if p.sbAll || p.index < 0 {
		return
	}
	m.sbOwn -= p.sbOwn
	p.sbOwn, p.sbAll = 0, true
	m.sbAll++
	m.changed()
}

// growParentHeap adds bytes to the parent's live heap (Python initialised in
// the parent).
func (m *memory) growParentHeap(bytes float64) {
	m.parentHeap += bytes
	m.changed()
}

// leakParentHeap adds bytes the parent leaked (re-initialising Python).
func (m *memory) leakParentHeap(bytes float64) {
	m.parentLeak += bytes
	m.changed()
}

// shared returns how much of its inherited heap p still shares at now.
func (m *memory) shared(p *process, now sim.Time) float64 {
	if p.cow == 0 {
		return p.leak
	}
	h := m.s.sc.Host
	f := h.CowSharedFloor
	tau := h.CowErosion.Seconds()
	if tau <= 0 {
		return p.leak + p.cow*f
	}
	age := (now - p.born).Seconds()
	return p.leak + p.cow*(f+(1-f)*math.Exp(-age/tau))
}

// measure computes the totals at now; with perProcess it also calls fn with
// each process's RSS and PSS.
func (m *memory) measure(now sim.Time, fn func(p *process, rss, pss float64)) snapshot {
	h := m.s.sc.Host
	apacheText := float64(h.ApacheSharedText)
	pyText := float64(h.PythonSharedText)
	n := float64(len(m.procs))
	sumShared := 0.0
	for _, p := range m.procs {
		if p.kind != kindParent {
			sumShared += m.shared(p, now)
		}
	}
	heap := m.parentHeap + m.parentLeak
	split := 1.0
	if heap+sumShared > 0 {
		split = heap / (heap + sumShared)
	}
	// The scoreboard: the slots children map alone with the processes
	// that map it all, and the rest among those only.
	sbAll := float64(max(m.sbAll, 1))
	sbWhole := (m.scoreboard-m.sbOwn)/sbAll + m.sbOwn/(sbAll+1)
	var s snapshot
	for _, p := range m.procs {
		rss := apacheText + p.private
		pss := apacheText/n + p.private
		switch {
		case p.sbAll:
			rss += m.scoreboard
			pss += sbWhole
		case p.sbOwn > 0:
			rss += p.sbOwn
			pss += p.sbOwn / (sbAll + 1)
		}
		if p.python && m.nPython > 0 {
			rss += pyText
			pss += pyText / float64(m.nPython)
		}
		if p.kind == kindParent {
			rss += heap
			pss += heap * split
		} else if inherited := p.cow + p.leak; inherited > 0 {
			sh := m.shared(p, now)
			rss += inherited // shared pages plus the private copies of the rest
			pss += (inherited - sh) + sh*split
		}
		s.pss += pss
		s.rss += rss
		switch p.kind {
		case kindParent:
			s.parentPSS += pss
		case kindChild:
			s.childPSS += pss
		case kindDaemon:
			s.daePSS += pss
		}
		if fn != nil {
			fn(p, rss, pss)
		}
	}
	if ram := float64(h.RAM); s.pss > ram {
		s.swap = s.pss - ram
	}
	return s
}

// changed re-measures after a change and applies swap and the OOM killer.
func (m *memory) changed() {
	if m.killing {
		return
	}
	now := m.s.sim.Now()
	h := m.s.sc.Host
	for {
		m.now = m.measure(now, nil)
		if m.now.pss <= float64(h.RAM+h.Swap) {
			break
		}
		// The OOM killer: the largest resident process goes.
		var victim *process
		var largest float64
		m.measure(now, func(p *process, rss, pss float64) {
			if p.kind != kindParent && rss > largest {
				victim, largest = p, rss
			}
		})
		if victim == nil {
			break
		}
		m.killing = true
		m.s.oomKill(victim, largest)
		m.killing = false
	}
	slow := 1.0
	if m.now.swap > 0 {
		slow = h.SwapPenalty
	}
	m.s.cpu.SetSlowdown(slow)
	m.s.stats.memory(m.now)
}
