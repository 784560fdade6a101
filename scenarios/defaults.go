package scenarios

import "time"

// Defaults returns the scenario every file starts from, for the given MPM:
// Debian 12's Apache configuration (mods-available/mpm_*.conf and
// apache2.conf), mod_wsgi 4.9's built-in values (wsgi_add_daemon_process),
// and host constants measured on Debian 12 (docs/model.md §1.3, §8.2).
func Defaults(mpm string) Scenario {
	s := Scenario{
		Name:      "unnamed",
		Duration:  D(60 * time.Second),
		Seed:      1,
		Interval:  D(time.Second),
		TickPhase: TickPhase{Random: true},
		Host:      DefaultHost(),
		Apache:    DefaultApache(mpm),
		WSGI: WSGI{
			LazyInitialization: true,
			ScriptReloading:    true,
			ApplicationGroup:   "%{RESOURCE}",
			Version:            "4.9",
		},
		App: App{
			ImportCPU:    MustDist("const(1s)"),
			ImportWait:   MustDist("const(0s)"),
			ImportMemory: 30 * MiB, // the seeds' "30MB or more of private memory" per process
			RequestCPU:   MustDist("exp(20ms)"),
			RequestWait:  MustDist("exp(30ms)"),
		},
		Workload: Workload{
			Arrivals: "poisson",
			Client:   DefaultClient(),
		},
		Validate: Validate{Replications: 5},
	}
	return s
}

// DefaultClient is how a client behaves unless told otherwise: one
// request per connection, sent at once with its headers in one go (a
// request line and headers of about 400 bytes, a typical browser's), no
// think time, a 60 s timeout and no retries.
func DefaultClient() Client {
	return Client{
		RequestsPerConnection: MustDist("const(1)"),
		ThinkTime:             MustDist("const(0s)"),
		HeaderBytes:           400,
		URLs:                  map[string]float64{"/": 1},
		ClientTimeout:         D(60 * time.Second),
		RetryDelay:            D(time.Second),
	}
}

// DefaultPopulation is a population before the file's values and the
// [workload] defaults go over it (which the loader does): open, from the
// start to the end of the run, replaying a log as it was.
func DefaultPopulation() Population {
	return Population{Kind: "open", Arrivals: "poisson", LogFormat: "combined", Multiply: 1, Speed: 1, MaxMalformed: 0.01}
}

// DefaultHost is a 2-core, 4 GiB machine without swap, with Apache and
// Python memory figures from Debian 12 (smaps_rollup, docs/model.md §8.2):
// a prefork child without Python is 5.3 MB RSS of which 0.2 MB private; with
// Python initialised 11.0 MB RSS, 3.7 MB private; the parent 7 MB RSS, 2 MB
// private; an event child with 25 threads 2.1 MB private.
func DefaultHost() Host {
	return Host{
		CPUs:        2,
		RAM:         4 * GiB,
		Swap:        0,
		SwapPenalty: 10,
		Somaxconn:   4096,

		ApacheSharedText:      5 * MiB,
		ApacheParentPrivate:   2 * MiB,
		ApacheChildPrivate:    200 * KiB,
		ApacheThreadPrivate:   14 * KiB,
		ApacheListenerPrivate: 229 * KiB,
		ApacheThreadServed:    7 * KiB,  // calibrate, 2026-12-03
		ApacheThreadStatus:    7 * KiB,  // calibrate, 2026-12-03
		ConnectionPoolMemory:  58 * KiB, // calibrate, 2026-12-03, re-derived with recycling (docs/model.md §8.2)
		RequestPoolMemory:     5 * KiB,  // likewise
		// The real Apache on the second VM, 2026-12-04: 25 pools at once
		// kept 42 KiB each after their first connection, 4 KiB more after
		// each of the next four (docs/model.md §8.2).
		ConnectionPoolFirstUse: 42 * KiB,
		ConnectionPoolGrowth:   4 * KiB,
		DaemonThreadServed:     50 * KiB, // calibrate, 2026-12-04: 48-51 KiB
		PythonThreadMemory:     3 * KiB,
		PythonRequestMemory:    191 * KiB,
		PythonSharedText:       2 * MiB,
		PythonInterpreter:      3584 * KiB,
		SubInterpreterMemory:   2 * MiB,
		PythonRestartLeak:      2 * MiB,

		CowErosion:     D(5 * time.Second),
		CowSharedFloor: 0.2,

		ForkTime:          D(time.Millisecond),
		ChildInitCPU:      D(2 * time.Millisecond),
		PythonInitCPU:     D(10 * time.Millisecond),
		PythonFiniCPU:     D(7 * time.Millisecond),   // calibrate, 2026-12-03
		ExitFreeCPU:       D(200 * time.Microsecond), // calibrate, 2026-12-03: 128–250 µs in five runs
		RestartCPU:        D(15 * time.Millisecond),
		GracefulChildCPU:  D(900 * time.Microsecond), // calibrate, 2026-12-03
		RequestCPU:        D(100 * time.Microsecond),
		LingerTime:        D(200 * time.Microsecond),
		CPUSecond:         1,
		SchedWakePreempt:  1, // measured on the first 2-core VM (docs/model.md §2.3)
		SchedWakeTogether: 1, // all or none: the model before calibrate measured it

		// `simulate calibrate` on the project's machine (2026-12-03).
		SubInterpreterCPU:     D(17 * time.Millisecond),
		SubInterpreterFiniCPU: D(2 * time.Millisecond),

		// `simulate calibrate` on the project's machine (2026-12-03):
		// runtime mode's synthetic app over a minimal script.
		RuntimeAppMemory:  640 * KiB,
		RuntimeAppText:    600 * KiB,
		RuntimeAppCPU:     D(12500 * time.Microsecond),
		RuntimeAppFiniCPU: D(1500 * time.Microsecond),
	}
}

// DefaultApache returns Debian's MPM settings for mpm (mods-available/
// mpm_<mpm>.conf) over httpd's compiled-in values for what Debian leaves
// unset (ServerLimit, ThreadLimit, ListenBacklog), and apache2.conf's
// keep-alive and Timeout.
func DefaultApache(mpm string) Apache {
	a := Apache{
		MPM:                      mpm,
		MaxConnectionsPerChild:   0,
		AsyncRequestWorkerFactor: 2,
		ListenBacklog:            511,
		KeepAlive:                true,
		KeepAliveTimeout:         D(5 * time.Second),
		MaxKeepAliveRequests:     100,
		Timeout:                  D(300 * time.Second),
		MaxRequestWorkers:        150,
		AcceptFilter:             "data",
		RequestReadTimeout:       DebianRequestReadTimeout,
	}
	switch mpm {
	case "prefork":
		a.StartServers, a.MinSpareServers, a.MaxSpareServers = 5, 5, 10
		a.ServerLimit = 256
		a.ThreadsPerChild, a.ThreadLimit = 1, 1
	default: // worker, event
		a.StartServers = 2
		a.MinSpareThreads, a.MaxSpareThreads = 25, 75
		a.ThreadsPerChild, a.ThreadLimit = 25, 64
		a.ServerLimit = 16
	}
	return a
}

// DefaultDaemonProcess returns WSGIDaemonProcess's built-in option values
// (mod_wsgi 4.9 wsgi_add_daemon_process; docs/model.md §1.3).
func DefaultDaemonProcess() DaemonProcess {
	return DaemonProcess{
		Processes:       1,
		Threads:         15,
		ListenBacklog:   100,
		ConnectTimeout:  D(15 * time.Second),
		GracefulTimeout: D(15 * time.Second),
		ShutdownTimeout: D(5 * time.Second),
		DeadlockTimeout: D(300 * time.Second),
	}
}

// DebianRequestReadTimeout is what Debian 12's mods-available/reqtimeout.conf
// sets (mod_reqtimeout is enabled by default) in its two RequestReadTimeout
// lines, joined. ReqtimeoutDefault is the module's compiled-in setting, in
// force when it is loaded without the directive (MRT_DEFAULT_*_TIMEOUT in
// mod_reqtimeout.c).
const (
	DebianRequestReadTimeout = "header=20-40,minrate=500 body=10,minrate=500"
	ReqtimeoutDefault        = "header=20-40,MinRate=500 body=20,MinRate=500"
)

// MPMs lists the accepted MPM names.
var MPMs = []string{"prefork", "worker", "event"}

// DefaultMPM is Debian's default MPM.
const DefaultMPM = "event"
