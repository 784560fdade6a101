package models

import (
	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/sim"
)

// python is the interpreter in one process (an Apache child in embedded mode,
// or a mod_wsgi daemon) and the WSGI application loaded into it.
type python struct {
	s       *server
	proc    *process
	gil     *host.Group
	loaded  bool
	loading bool
	served  bool     // has begun a request: what its first requests allocate is counted
	waiters []func() // threads blocked on wsgi_module_lock while the app loads
	job     *host.Job
	mtime   int  // the script's mtime when it was loaded
	script  *int // the script's current mtime: embedded mode's, or the daemon group's
	stopped bool
	// subInterpreter: the app was loaded into a sub-interpreter (an
	// application group other than %{GLOBAL}).
	subInterpreter bool

	// the import in progress, in importSteps steps
	step          int
	stepCPU       sim.Time
	stepWait      sim.Time
	stepMemory    float64
	importStepped func()
	importWaited  func()
	waitT         *sim.Timer
}

// importSteps is how many steps an import takes: each burns 1/importSteps
// of the import's CPU, then waits 1/importSteps of its wait (reading files,
// opening database connections, asking a configuration service: the
// thread holds the module lock but neither the GIL nor a core), then
// allocates 1/importSteps of its memory, as a real import does module after
// module. Runtime mode's synthetic app imports in the same steps.
const importSteps = 10

func newPython(s *server, p *process) *python {
	return &python{s: s, proc: p, gil: host.NewGIL(), script: &s.scriptMtime}
}

// init starts the interpreter: with WSGILazyInitialization On (the default)
// wsgi_python_init runs Py_Initialize in this process after fork; with Off
// the parent initialised it and the process inherited it copy-on-write, so
// only PyOS_AfterFork_Child runs.
func (py *python) init(done func()) {
	s := py.s
	s.mem.mapPython(py.proc)
	if !s.sc.WSGI.LazyInitialization {
		done()
		return
	}
	s.mem.grow(py.proc, float64(s.sc.Host.PythonInterpreter))
	py.job = s.cpu.Start(sim.Time(s.sc.Host.PythonInitCPU.Duration)+py.proc.takeOwed(), py.gil, func() {
		py.job = nil
		done()
	})
}

// load imports the WSGI script under the module lock, once per process: the
// first caller imports (a sub-interpreter is created first for an
// application group other than %{GLOBAL}); later callers wait for it.
func (py *python) load(done func()) {
	if py.loaded {
		done()
		return
	}
	py.waiters = append(py.waiters, done)
	if py.loading {
		return
	}
	s := py.s
	py.loading = true
	s.stats.imports++
	// Preloading (WSGIImportScript, or WSGIScriptAlias with both
	// process-group= and application-group=) needs a literal application
	// group, so a preloaded app runs in %{GLOBAL} (as runtime mode
	// configures it); otherwise %{RESOURCE} is a sub-interpreter.
	var first sim.Time // CPU before the import's first step
	if s.sc.WSGI.ApplicationGroup != "%{GLOBAL}" && !s.sc.WSGI.Preload {
		// Py_NewInterpreter for the application group comes first: its
		// memory, and its CPU (mod_wsgi's wsgi_acquire_interpreter →
		// newInterpreterObject; host.sub_interpreter_cpu, docs/model.md §7.1).
		py.subInterpreter = true
		s.mem.grow(py.proc, float64(s.sc.Host.SubInterpreterMemory))
		first = seconds(s.sc.Host.SubInterpreterCPU.Seconds() * s.sc.Host.CPUSecond)
	}
	// The app's own extra (validate: runtime mode's synthetic app's modules).
	first += seconds(s.sc.App.ExtraImportCPU.Seconds() * s.sc.Host.CPUSecond)
	work := seconds(s.sc.App.ImportCPU.Sample(s.importRand) * s.sc.Host.CPUSecond)
	py.step = 0
	py.stepCPU = work / importSteps
	if !s.sc.App.ImportWait.IsZero() && s.sc.App.ImportWait.Mean() > 0 {
		// Drawn after the CPU, from the same stream: an import without a
		// wait draws nothing more, so its runs stay what they were.
		py.stepWait = seconds(s.sc.App.ImportWait.Sample(s.importRand)) / importSteps
	}
	py.stepMemory = float64(s.sc.App.ImportMemory) / importSteps
	if py.importStepped == nil {
		py.importStepped, py.importWaited = py.stepped, py.waited
	}
	py.job = s.cpu.Start(first+py.stepCPU+py.proc.takeOwed(), py.gil, py.importStepped)
}

// stepped: one step of the import has burnt its CPU; it waits, if the
// import waits, then keeps its memory.
func (py *python) stepped() {
	py.job = nil
	if py.stepWait > 0 && !py.stopped {
		if py.waitT == nil {
			py.waitT = py.s.sim.NewTimer(py.importWaited)
		}
		py.waitT.Reset(py.stepWait)
		return
	}
	py.waited()
}

// waited: one step of the import is done; it keeps its memory.
func (py *python) waited() {
	s := py.s
	s.mem.grow(py.proc, py.stepMemory)
	if py.stopped {
		return // the OOM killer chose this process
	}
	if py.step++; py.step < importSteps {
		py.job = s.cpu.Start(py.stepCPU+py.proc.takeOwed(), py.gil, py.importStepped)
		return
	}
	if owed := py.proc.takeOwed(); owed > 0 {
		// The last step's memory was touched beyond the host's warm
		// memory: the import ends once that is paid (docs/model.md §8.5).
		py.job = s.cpu.Start(owed, py.gil, py.finishLoad)
		return
	}
	py.finishLoad()
}

// finishLoad: the import is done; every thread waiting for it goes on.
func (py *python) finishLoad() {
	py.job = nil
	py.loaded, py.loading = true, false
	py.mtime = *py.script
	ws := py.waiters
	py.waiters = nil
	for _, w := range ws {
		w()
	}
}

// execution runs one request's Python code on a thread (an Apache worker in
// embedded mode, or a daemon thread): load the app if this process has not
// yet (waiting on the module lock if another thread is loading it), the CPU
// work under the GIL with any extra CPU of Apache's own folded in, the I/O
// wait, then the memory the request leaves behind. Its callbacks are bound
// once per thread, so a request allocates nothing here.
type execution struct {
	s         *server
	py        *python
	r         *request
	cpu       sim.Time
	job       host.Job
	wait      sim.Timer
	importing bool
	// interrupted: mod_wsgi 6.0 injected RequestTimeout; the request
	// unwinds at its next Python bytecode (at once while it runs Python,
	// when its wait returns while it waits on I/O) and is answered 504.
	interrupted bool
	// stateIn is the interpreter this thread has a thread state in
	// (mod_wsgi's wsgi_acquire_interpreter creates one at the thread's
	// first request and keeps it).
	stateIn *python
	done    func() // the thread's continuation, bound once
	onLoad  func()
	onCPU   func()
}

func (e *execution) init(s *server, done func()) {
	e.s, e.done = s, done
	e.onLoad, e.onCPU = e.loaded, e.cpuDone
	s.sim.InitTimer(&e.wait, e.waited)
}

// start runs r's Python in py.
func (e *execution) start(py *python, r *request, extra sim.Time) {
	e.py, e.r, e.cpu = py, r, r.cpu+extra
	e.interrupted = false
	h := &e.s.sc.Host
	if e.stateIn != py {
		e.stateIn = py
		e.s.mem.grow(py.proc, float64(h.PythonThreadMemory))
	}
	if !py.served {
		// Measured to level off within an interpreter's first ~25
		// requests; counted whole at the first (docs/model.md §8.2).
		py.served = true
		e.s.mem.grow(py.proc, float64(h.PythonRequestMemory))
	}
	// Embedded mode reloads only the script module in place when its mtime
	// changed (wsgi_reload_required); that costs little next to the import.
	if py.loaded && py.mtime != *py.script && e.s.sc.WSGI.ScriptReloading {
		py.mtime = *py.script
	}
	if py.loaded {
		e.run()
		return
	}
	e.setImporting(true)
	py.load(e.onLoad)
}

func (e *execution) loaded() {
	e.setImporting(false)
	if e.interrupted {
		e.finish()
		return
	}
	e.run()
}

func (e *execution) run() { e.s.cpu.Run(&e.job, e.cpu+e.py.proc.takeOwed(), e.py.gil, e.onCPU) }

func (e *execution) cpuDone() {
	if e.r.wait > 0 && !e.interrupted {
		e.wait.Reset(e.r.wait)
		return
	}
	e.waited()
}

func (e *execution) waited() {
	if e.interrupted {
		e.finish()
		return
	}
	if g := e.r.growth; g > 0 {
		e.s.mem.grow(e.py.proc, g)
		if e.py.stopped {
			return // the OOM killer chose this process
		}
	}
	e.r = nil
	e.done()
}

// interrupt injects mod_wsgi 6.0's RequestTimeout: running Python, the
// request unwinds at once; waiting on I/O or on the module lock, when the
// wait ends. Either way the rest of its work is skipped, its memory growth
// too.
func (e *execution) interrupt() {
	if e.r == nil || e.interrupted {
		return
	}
	e.interrupted = true
	if e.job.Running() {
		e.s.cpu.Cancel(&e.job)
		e.finish()
	}
}

// finish ends an interrupted request.
func (e *execution) finish() {
	e.setImporting(false)
	e.r = nil
	e.done()
}

// setImporting marks the thread as waiting for the app to load.
func (e *execution) setImporting(on bool) {
	if e.importing == on {
		return
	}
	e.importing = on
	d := 1.0
	if !on {
		d = -1
	}
	e.s.stats.importing.Add(e.s.sim.Now(), d)
}

// abandon stops the execution (its process died).
func (e *execution) abandon() {
	e.wait.Stop()
	e.s.cpu.Cancel(&e.job)
	e.setImporting(false)
	e.r = nil
}

// stop abandons any import in progress (the process is gone).
func (py *python) stop() {
	py.stopped = true
	if py.waitT != nil {
		py.waitT.Stop()
	}
	if py.job != nil {
		py.s.cpu.Cancel(py.job)
		py.job = nil
	}
	py.waiters = nil
}
