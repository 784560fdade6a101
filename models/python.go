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
	waiters []func() // threads blocked on wsgi_module_lock while the app loads
	job     *host.Job
	mtime   int // the script's mtime when it was loaded
	stopped bool
}

// thread is what runs Python code for a request: an Apache worker in
// embedded mode or a daemon thread.
type thread interface {
	setImporting(bool)
	track(*host.Job)
	sleep(d sim.Time, then func())
}

func newPython(s *server, p *process) *python {
	return &python{s: s, proc: p, gil: host.NewGIL()}
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
	py.job = s.cpu.Start(sim.Time(s.sc.Host.PythonInitCPU.Duration), py.gil, func() {
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
	mem := float64(s.sc.App.ImportMemory)
	if s.sc.WSGI.ApplicationGroup != "%{GLOBAL}" {
		mem += float64(s.sc.Host.SubInterpreterMemory)
	}
	s.mem.grow(py.proc, mem) // the import allocates and touches its memory as it runs
	work := seconds(s.sc.App.ImportCPU.Sample(s.importRand) * s.sc.Host.CPUSecond)
	py.job = s.cpu.Start(work, py.gil, func() {
		py.job = nil
		py.loaded, py.loading = true, false
		py.mtime = s.scriptMtime
		ws := py.waiters
		py.waiters = nil
		for _, w := range ws {
			w()
		}
	})
}

// request runs one request's Python code on t: load the app if needed, the
// CPU work under the GIL (with extra CPU of Apache's own folded in), the
// I/O wait, then the memory the request leaves behind.
func (py *python) request(t thread, r *request, extra sim.Time, done func()) {
	s := py.s
	run := func() {
		j := s.cpu.Start(r.cpu+extra, py.gil, func() {
			t.track(nil)
			t.sleep(r.wait, func() {
				if g := s.sc.App.RequestMemoryGrowth; g > 0 {
					s.mem.grow(py.proc, float64(g))
				}
				done()
			})
		})
		t.track(j)
	}
	// Embedded mode reloads only the script module in place when its mtime
	// changed (wsgi_reload_required); that costs little next to the import.
	if py.loaded && py.mtime != s.scriptMtime && s.sc.WSGI.ScriptReloading {
		py.mtime = s.scriptMtime
	}
	if py.loaded {
		run()
		return
	}
	t.setImporting(true)
	py.load(func() {
		t.setImporting(false)
		run()
	})
}

// stop abandons any import in progress (the process is gone).
func (py *python) stop() {
	py.stopped = true
	if py.job != nil {
		py.s.cpu.Cancel(py.job)
		py.job = nil
	}
	py.waiters = nil
}

// worker implements thread for embedded mode.
func (w *worker) track(j *host.Job) { w.job = j }

func (w *worker) sleep(d sim.Time, then func()) {
	if d <= 0 {
		then()
		return
	}
	w.timer.SetFunc(then)
	w.timer.Reset(d)
}
