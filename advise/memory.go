package advise

import (
	"fmt"

	"github.com/forkcast/forkcast/scenarios"
)

// The static sizes below follow the simulator's memory accounting
// (docs/model.md §8.2, models/memory.go): what each process holds once it
// has imported the app and each of its threads has served, before the
// app's own per-request growth. They bound the
// search and make the comparisons (apache2buddy's formula); every figure
// the recommendation reports comes from simulations.

// SharedMB is the memory every server holds once whatever its process
// count: Apache's text and libpython's, counted once in PSS, and the
// parent's private heap.
func SharedMB(sc *scenarios.Scenario) float64 {
	h := sc.Host
	return (h.ApacheSharedText + h.PythonSharedText + h.ApacheParentPrivate).MiBs()
}

// appMemory is what the app adds to a process that runs it: an interpreter
// (initialised after fork), a sub-interpreter unless %{GLOBAL}, the import,
// what the interpreter's first requests allocate.
func appMemory(sc *scenarios.Scenario) scenarios.Size {
	h := sc.Host
	m := h.PythonInterpreter + sc.App.ImportMemory + h.PythonRequestMemory
	if sc.WSGI.ApplicationGroup != "%{GLOBAL}" {
		m += h.SubInterpreterMemory
	}
	return m
}

// servedThreads is what n threads of an Apache child that have served
// requests hold beyond their process's own memory (a prefork child's one
// worker is n = 1 with no thread of its own): a transaction pool each,
// as under a load that keeps them all busy, and a thread state each when
// they ran Python.
func servedThreads(sc *scenarios.Scenario, n int, ownThreads, python bool) scenarios.Size {
	h := sc.Host
	per := h.ConnectionPoolMemory
	if ownThreads {
		per += h.ApacheThreadPrivate + h.ApacheThreadServed
	}
	if python {
		per += h.PythonThreadMemory
	}
	return scenarios.Size(n) * per
}

// ChildMB is the private memory of one Apache child in embedded mode with
// threads worker threads (0 for prefork), the app imported.
func ChildMB(sc *scenarios.Scenario, threads int) float64 {
	h := sc.Host
	return (h.ApacheChildPrivate + servedThreads(sc, max(threads, 1), threads > 0, true) + appMemory(sc)).MiBs()
}

// ProxyChildMB is the private memory of an Apache child that only proxies
// to daemons (WSGIRestrictEmbedded On: no Python).
func ProxyChildMB(sc *scenarios.Scenario, threads int) float64 {
	h := sc.Host
	return (h.ApacheChildPrivate + servedThreads(sc, max(threads, 1), threads > 0, false)).MiBs()
}

// DaemonMB is the private memory of one mod_wsgi daemon process with
// threads request threads (mod_wsgi adds 3 of its own: the monitor,
// deadlock and reaper threads), the app imported, every thread having
// served: what its allocator keeps of its requests' pools, and its thread
// state.
func DaemonMB(sc *scenarios.Scenario, threads int) float64 {
	h := sc.Host
	per := h.ApacheThreadPrivate + h.DaemonThreadServed + h.PythonThreadMemory
	return (h.ApacheChildPrivate + 3*h.ApacheThreadPrivate + scenarios.Size(threads)*per + appMemory(sc)).MiBs()
}

// ChildRSSMB is the RSS of one embedded-mode Apache child: its private
// memory and the whole of Apache's and libpython's text — what ps shows,
// and what apache2buddy divides RAM by.
func ChildRSSMB(sc *scenarios.Scenario, threads int) float64 {
	h := sc.Host
	return ChildMB(sc, threads) + (h.ApacheSharedText + h.PythonSharedText).MiBs()
}

// MinimumMemory is the least memory any server that runs the app needs:
// the shared part and one process that runs it (an embedded child, or with
// daemon mode allowed, one daemon of one thread and one proxying child).
func MinimumMemory(sc *scenarios.Scenario, allowDaemon bool) (scenarios.Size, string) {
	mib := float64(scenarios.MiB)
	threads := 0
	if sc.Apache.Threaded() {
		threads = 1
	}
	embedded := SharedMB(sc) + ChildMB(sc, threads)
	how := fmt.Sprintf("Apache's and Python's shared pages and the parent %.1f MB + one child with the app %.1f MB", SharedMB(sc), ChildMB(sc, threads))
	need := embedded
	if allowDaemon || isDaemon(sc) {
		d := SharedMB(sc) + ProxyChildMB(sc, threads) + DaemonMB(sc, 1)
		if d < need || isDaemon(sc) {
			need = d
			how = fmt.Sprintf("shared pages and the parent %.1f MB + one proxying child %.1f MB + one daemon process with the app %.1f MB",
				SharedMB(sc), ProxyChildMB(sc, threads), DaemonMB(sc, 1))
		}
	}
	return scenarios.Size(need * mib), how
}

// isDaemon reports whether "/" is served by a daemon process group.
func isDaemon(sc *scenarios.Scenario) bool { return !scenarios.Embedded(sc.WSGI.GroupFor("/")) }
