package scenarios

import (
	"sort"
	"time"
)

// Scenario is a fully resolved scenario: the file's values over the defaults,
// with one variant (if any) and the --set overrides applied. Keys in the file
// are the snake_case names of the Apache and mod_wsgi directives they
// configure (see the package documentation). It holds the values as written;
// Effective returns those httpd would use. Check validates it (the Validate
// field below is `simulate validate`'s settings, hence the method's name).
type Scenario struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Duration    Duration `toml:"duration"` // how long the load runs, from when Apache is ready and the load starts (t = 0)
	Seed        uint64   `toml:"seed"`
	Interval    Duration `toml:"interval"` // time-series row length
	// TickPhase is the time from the load's start to the Apache parent's
	// first maintenance tick: "random" (the default: drawn per
	// replication, as a surge meets a running server at any instant),
	// "startup" (the load starts as soon as Apache is ready: the phase is
	// what Apache's start-up made it) or a duration in (0, 1s]. Runtime
	// mode places its load's start the same way (drawn per run).
	TickPhase TickPhase `toml:"tick_phase"`

	Host     Host     `toml:"host"`
	Apache   Apache   `toml:"apache"`
	WSGI     WSGI     `toml:"wsgi"`
	App      App      `toml:"app"`
	Workload Workload `toml:"workload"`
	Events   []Event  `toml:"event"`
	Validate Validate `toml:"validate"`

	// Replication numbers a repeated run of the same scenario and seed (for
	// confidence intervals): it changes the server-side random draws (service
	// and import times) but not the workload, which the seed alone fixes.
	Replication int `toml:"-"`
	// Variant is the name of the applied variant, "" for the base scenario.
	Variant string `toml:"-"`
	// Source names where the scenario came from: a file path or "builtin:NAME".
	Source string `toml:"-"`
	// Variants lists the variant names the scenario defines, sorted.
	Variants []string `toml:"-"`
	// Warnings are what httpd and mod_wsgi would log about this
	// configuration, and the values they would silently change; see
	// Effective.
	Warnings []string `toml:"-"`

	src *source // what Set resolves again; nil if not loaded
}

// Host is the machine: its CPUs and memory, and constants of this machine's
// Apache and Python that `simulate calibrate` can measure. The memory figures
// default to smaps_rollup measurements on Debian 12 (Apache 2.4, mod_wsgi
// 4.9.4, Python 3.11; docs/model.md §8.2).
type Host struct {
	Profile string `toml:"profile"` // a host profile written by `simulate calibrate`

	CPUs        int     `toml:"cpus"`
	RAM         Size    `toml:"ram"`
	Swap        Size    `toml:"swap"`
	SwapPenalty float64 `toml:"swap_penalty"` // CPU work runs this many times slower while memory in use exceeds RAM
	Somaxconn   int     `toml:"somaxconn"`    // net.core.somaxconn: the kernel's cap on any listen backlog

	ApacheSharedText      Size `toml:"apache_shared_text"`      // httpd, APR and module text, shared by every Apache process
	ApacheParentPrivate   Size `toml:"apache_parent_private"`   // the parent's own heap
	ApacheChildPrivate    Size `toml:"apache_child_private"`    // a child's private memory without Python
	ApacheThreadPrivate   Size `toml:"apache_thread_private"`   // per worker thread, idle (its stack's touched pages)
	ApacheListenerPrivate Size `toml:"apache_listener_private"` // a worker/event child's listener thread and its structures, beyond a prefork child's
	ApacheThreadServed    Size `toml:"apache_thread_served"`    // kept by a worker thread once it has served a request (its stack's deeper pages, its allocator caches)
	ApacheThreadStatus    Size `toml:"apache_thread_status"`    // kept by a worker thread once it has served a server-status request, beyond apache_thread_served (mod_status runs deeper into the stack)
	ConnectionPoolMemory  Size `toml:"connection_pool_memory"`  // per transaction pool alive once it has served many connections: a worker/event child's open connections' and up to ThreadsPerChild × 3/4 recycled ones; a prefork child's one
	// ConnectionPoolFirstUse is what a transaction pool holds after its
	// first connection; each connection after that adds
	// ConnectionPoolGrowth, up to ConnectionPoolMemory (docs/model.md §8.2).
	ConnectionPoolFirstUse Size `toml:"connection_pool_first_use"`
	ConnectionPoolGrowth   Size `toml:"connection_pool_growth"`
	RequestPoolMemory      Size `toml:"request_pool_memory"`    // held by a worker while its request is in progress (its request pool's blocks), returned when it ends
	DaemonThreadServed     Size `toml:"daemon_thread_served"`   // kept by a mod_wsgi daemon thread once it has served a request (its requests' pools' blocks, kept by its allocator, and its stack)
	PythonThreadMemory     Size `toml:"python_thread_memory"`   // a thread's state in the interpreter, from its first Python request
	PythonRequestMemory    Size `toml:"python_request_memory"`  // what an interpreter allocates over its first requests and keeps
	PythonSharedText       Size `toml:"python_shared_text"`     // libpython text, shared by processes that initialise Python
	PythonInterpreter      Size `toml:"python_interpreter"`     // a bare interpreter's heap (Py_Initialize)
	SubInterpreterMemory   Size `toml:"sub_interpreter_memory"` // each extra sub-interpreter (application group)
	PythonRestartLeak      Size `toml:"python_restart_leak"`    // leaked by re-initialising Python in the parent on a restart (WSGILazyInitialization Off)

	CowErosion     Duration `toml:"cow_erosion"`      // time constant for a child to dirty pages it shares copy-on-write with the parent
	CowSharedFloor float64  `toml:"cow_shared_floor"` // fraction of the inherited heap that stays shared

	ForkTime      Duration `toml:"fork_time"`       // the parent's CPU per fork() in a maintenance burst
	ChildInitCPU  Duration `toml:"child_init_cpu"`  // an Apache child's child_init without Python
	PythonInitCPU Duration `toml:"python_init_cpu"` // Py_Initialize in one process
	PythonFiniCPU Duration `toml:"python_fini_cpu"` // tearing the interpreter down when a process exits (Py_Finalize)
	ExitFreeCPU   Duration `toml:"exit_free_cpu"`   // per MiB of private memory a process frees on its way out
	RestartCPU    Duration `toml:"restart_cpu"`     // the parent's CPU to re-read the configuration, reload modules and run post_config on a restart
	// GracefulChildCPU is the parent's CPU per child on a graceful
	// restart beyond a hard restart's: telling it to finish, reaping it
	// one for one.
	GracefulChildCPU Duration `toml:"graceful_child_cpu"`
	RequestCPU       Duration `toml:"request_cpu"` // Apache's own CPU per request (read, log, static send, proxy)
	// RequestCPUDaemon replaces RequestCPU for a request a mod_wsgi daemon
	// process serves: the child's proxying (wsgi_execute_remote) and the
	// daemon's reading of the request and writing of the answer on top of
	// Apache's own work. 0: RequestCPU.
	RequestCPUDaemon Duration `toml:"request_cpu_daemon"`
	LingerTime       Duration `toml:"linger_time"` // lingering close, about one round trip
	CPUSecond        float64  `toml:"cpu_second"`  // how many host CPU-seconds one scenario CPU-second costs here

	// SubInterpreterCPU is Py_NewInterpreter's CPU for an application
	// group other than %{GLOBAL}, before the app's import runs in it.
	SubInterpreterCPU Duration `toml:"sub_interpreter_cpu"`
	// SubInterpreterFiniCPU is Py_EndInterpreter's for that
	// sub-interpreter when its process exits, beyond python_fini_cpu.
	SubInterpreterFiniCPU Duration `toml:"sub_interpreter_fini_cpu"`

	// The kernel's scheduler among CPU-bound tasks (docs/model.md §8.4),
	// measured by `simulate calibrate`; all 0 (the default) is no wait.
	SchedWakeWait Duration `toml:"sched_wake_wait"` // a task woken while every core is taken waits U(0, 2×this×q), q = (runnable − cores + 1)/cores
	SchedWait     Duration `toml:"sched_wait"`      // a task preempted while every core is taken waits U(0, 2×this×q)
	SchedRun      Duration `toml:"sched_run"`       // the mean CPU a task runs before it is preempted while every core is taken (exponential); 0: never
	// SchedMigrate turns on run queues a core (docs/model.md §2.5): while
	// the cores' queues hold unequal numbers of tasks, the balancer moves
	// this many tasks a second for each task on a longest queue; 0 (the
	// default): every core shared by every task (processor sharing).
	SchedMigrate float64 `toml:"sched_migrate"`
	// SchedMigrateShape is how regular the balancer's moves are: the wait
	// between two is gamma-distributed with this integer shape (1:
	// exponential; the larger, the closer to periodic).
	SchedMigrateShape int `toml:"sched_migrate_shape"`
	// SchedWakePreempt is the probability, over restarts, that a process
	// a restart's signals wake (an old child, an old daemon) takes the
	// signalling parent's core before it goes on, tearing down first;
	// otherwise the parent keeps its core and the process waits for one
	// (docs/model.md §2.3). 1 (the default): every one, every restart.
	SchedWakePreempt float64 `toml:"sched_wake_preempt"`
	// SchedWakeTogether is how much one restart's woken processes go
	// the same way (the intra-restart correlation of their outcomes): 1
	// (the default), all of them or none, one draw per restart; 0, each
	// on its own with odds SchedWakePreempt; between, each with the
	// restart's own odds, drawn from a beta distribution whose mean is
	// SchedWakePreempt (docs/model.md §2.3).
	SchedWakeTogether float64  `toml:"sched_wake_together"`
	ArrivalJitter     Duration `toml:"arrival_jitter"` // mean lateness of a load generator's timer wake-up (exponential)

	// The first touch of memory (docs/model.md §8.5), measured by
	// `simulate calibrate`. A virtual machine whose host takes back the
	// memory it frees (virtio-balloon free page reporting) backs only so
	// much new memory at once: up to MemoryWarm a fresh page costs
	// MemoryTouchCPU per MiB, as the calibrated CPU constants include,
	// beyond it MemoryTouchColdCPU. A process pays the difference for the
	// memory it grows by beyond that pool, as CPU in its next work;
	// memory freed returns to the pool, up to MemoryWarm. Both CPU keys 0
	// (the default), or cold no dearer than warm: no such cost.
	MemoryTouchCPU     Duration `toml:"memory_touch_cpu"`
	MemoryTouchColdCPU Duration `toml:"memory_touch_cold_cpu"`
	MemoryWarm         Size     `toml:"memory_warm"`
	// ResponseDelay is how much longer than the server's work a client on
	// this host waits for a response, by how long the load generator had
	// been quiet (ResponseDelay's doc; docs/model.md §9.9).
	ResponseDelay ResponseDelay `toml:"response_delay"`
	// ResponseDelayDaemon is the same for a request a mod_wsgi daemon
	// process serves: its answer comes back through the Apache child's
	// proxy, one more process to wake. Empty: response_delay's.
	ResponseDelayDaemon ResponseDelay `toml:"response_delay_daemon"`

	// RuntimeAppMemory, RuntimeAppText, RuntimeAppCPU and
	// RuntimeAppFiniCPU are what runtime mode's synthetic app itself adds
	// to each process that loads it, beyond a minimal WSGI script's:
	// private memory (its modules' objects and code: json, random,
	// threading), file-backed pages the processes that load it share (its
	// modules' extensions), the CPU importing those modules takes, and the
	// CPU tearing them down takes when the process exits. `simulate
	// validate` adds them to its prediction of a runtime-mode measurement
	// (app.import_memory, python_shared_text, App.ExtraImportCPU,
	// App.ExtraFiniCPU); `simulate run` never uses them. Measured by
	// `simulate calibrate`.
	RuntimeAppMemory  Size     `toml:"runtime_app_memory"`
	RuntimeAppText    Size     `toml:"runtime_app_text"`
	RuntimeAppCPU     Duration `toml:"runtime_app_cpu"`
	RuntimeAppFiniCPU Duration `toml:"runtime_app_fini_cpu"`

	// BackgroundCPU is CPU, in cores, that processes outside the server
	// want all through the run and that competes with it for the cores:
	// runtime mode's own load generator and sampler when the prediction
	// is of a runtime-mode measurement (`simulate validate` sets it from
	// the measurement), or other work on a shared machine. 0: none.
	BackgroundCPU float64 `toml:"background_cpu"`
	// BackgroundProfile is more such CPU, in cores, interval by interval
	// of the run from the load's start (the scenario's interval; the
	// first interval's before the load, the last one's after the last);
	// never read from a file: `simulate validate` sets it to what runtime
	// mode itself used in each interval of the measured run (its load
	// generator and its sampler, whose sweeps cost more the more
	// processes Apache has). Unlike BackgroundCPU it does not compete: it
	// was used, so each interval's is reserved off the top of the cores.
	BackgroundProfile []float64 `toml:"-"`
}

// Apache holds the MPM and core directives.
type Apache struct {
	MPM                      string   `toml:"mpm"` // prefork, worker or event
	StartServers             int      `toml:"start_servers"`
	MinSpareServers          int      `toml:"min_spare_servers"` // prefork
	MaxSpareServers          int      `toml:"max_spare_servers"` // prefork
	MinSpareThreads          int      `toml:"min_spare_threads"` // worker, event
	MaxSpareThreads          int      `toml:"max_spare_threads"` // worker, event
	ThreadsPerChild          int      `toml:"threads_per_child"` // worker, event
	ThreadLimit              int      `toml:"thread_limit"`      // worker, event
	ServerLimit              int      `toml:"server_limit"`
	MaxRequestWorkers        int      `toml:"max_request_workers"`
	MaxConnectionsPerChild   int      `toml:"max_connections_per_child"`
	AsyncRequestWorkerFactor float64  `toml:"async_request_worker_factor"` // event
	ListenBacklog            int      `toml:"listen_backlog"`
	KeepAlive                bool     `toml:"keep_alive"`
	KeepAliveTimeout         Duration `toml:"keep_alive_timeout"`
	MaxKeepAliveRequests     int      `toml:"max_keep_alive_requests"`
	Timeout                  Duration `toml:"timeout"`
	// AcceptFilter is AcceptFilter's filter for http: on Linux "data"
	// (httpd's default) sets TCP_DEFER_ACCEPT, so a connection reaches
	// accept() only with its first data; "none" hands it over at once.
	AcceptFilter string `toml:"accept_filter"`
	// RequestReadTimeout is mod_reqtimeout's directive as written
	// (Debian enables the module with "header=20-40,MinRate=500
	// body=20,MinRate=500"); "" when mod_reqtimeout is not loaded.
	RequestReadTimeout      string   `toml:"request_read_timeout"`
	GracefulShutdownTimeout Duration `toml:"graceful_shutdown_timeout"` // graceful-stop: 0 waits for ever
}

// Threaded reports whether the MPM runs threads in its children.
func (a Apache) Threaded() bool { return a.MPM != "prefork" }

// WSGI holds mod_wsgi's server-wide directives, its daemon process groups and
// the URL routing of requests to process groups.
type WSGI struct {
	LazyInitialization bool   `toml:"lazy_initialization"` // WSGILazyInitialization
	RestrictEmbedded   bool   `toml:"restrict_embedded"`   // WSGIRestrictEmbedded
	ScriptReloading    bool   `toml:"script_reloading"`    // WSGIScriptReloading
	ProcessGroup       string `toml:"process_group"`       // WSGIProcessGroup for "/": "" or "%{GLOBAL}" is embedded
	ApplicationGroup   string `toml:"application_group"`   // WSGIApplicationGroup: "%{RESOURCE}" or "%{GLOBAL}"
	// Preload imports the app when a process starts, as WSGIImportScript or
	// WSGIScriptAlias with both process-group= and application-group= do,
	// instead of on the first request each process serves.
	Preload bool `toml:"preload"`
	// Version is mod_wsgi's minor version, "4.9", "5.0" or "6.0" (`simulate
	// inspect` reads it from the installed module).
	Version string `toml:"version"`
	// DaemonProcesses are the WSGIDaemonProcess groups, by name.
	DaemonProcesses map[string]*DaemonProcess `toml:"daemon_process"`
	// Routes maps a URL prefix to the process group that serves it
	// (WSGIProcessGroup inside <Location prefix>); the longest prefix wins.
	Routes map[string]string `toml:"routes"`
}

// Embedded reports whether a process group name means embedded mode.
func Embedded(group string) bool { return group == "" || group == "%{GLOBAL}" }

// DaemonNames returns the daemon group names in sorted order.
func (w WSGI) DaemonNames() []string {
	names := make([]string, 0, len(w.DaemonProcesses))
	for n := range w.DaemonProcesses {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RoutePrefixes returns the routed prefixes, longest first (ties sorted).
func (w WSGI) RoutePrefixes() []string {
	ps := make([]string, 0, len(w.Routes))
	for p := range w.Routes {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i]) != len(ps[j]) {
			return len(ps[i]) > len(ps[j])
		}
		return ps[i] < ps[j]
	})
	return ps
}

// GroupFor returns the process group that serves a URL path.
func (w WSGI) GroupFor(path string) string {
	for _, p := range w.RoutePrefixes() {
		if len(path) >= len(p) && path[:len(p)] == p {
			return w.Routes[p]
		}
	}
	return w.ProcessGroup
}

// DaemonProcess is one WSGIDaemonProcess group. Zero durations disable a
// timeout, as in mod_wsgi.
type DaemonProcess struct {
	Processes         int      `toml:"processes"`
	Threads           int      `toml:"threads"`
	ListenBacklog     int      `toml:"listen_backlog"`
	QueueTimeout      Duration `toml:"queue_timeout"`
	ConnectTimeout    Duration `toml:"connect_timeout"`
	SocketTimeout     Duration `toml:"socket_timeout"` // 0 means Apache's Timeout
	RequestTimeout    Duration `toml:"request_timeout"`
	InactivityTimeout Duration `toml:"inactivity_timeout"`
	RestartInterval   Duration `toml:"restart_interval"`
	GracefulTimeout   Duration `toml:"graceful_timeout"`
	ShutdownTimeout   Duration `toml:"shutdown_timeout"`
	DeadlockTimeout   Duration `toml:"deadlock_timeout"`
	StartupTimeout    Duration `toml:"startup_timeout"`
	MaximumRequests   int      `toml:"maximum_requests"`
	InterruptTimeout  Duration `toml:"interrupt_timeout"` // mod_wsgi 6.0: answer 504 in the stuck thread before restarting
}

// App is the Python web application's profile.
type App struct {
	ImportCPU           Dist `toml:"import_cpu"`            // CPU time to import the app in one process
	ImportWait          Dist `toml:"import_wait"`           // wall time the import waits (files, database, network) holding the module lock but no core
	ImportMemory        Size `toml:"import_memory"`         // private memory the import allocates and touches
	RequestCPU          Dist `toml:"request_cpu"`           // Python CPU per request (holds the GIL)
	RequestWait         Dist `toml:"request_wait"`          // time per request waiting on I/O or a database (GIL released)
	RequestMemoryGrowth Size `toml:"request_memory_growth"` // private memory each request leaves behind
	// ExtraImportCPU is CPU every load of the app takes beyond import_cpu;
	// never read from a file: `simulate validate` sets it to
	// host.runtime_app_cpu when the measured run served runtime mode's
	// synthetic app, whose own modules take that to import.
	ExtraImportCPU time.Duration `toml:"-"`
	// ExtraFiniCPU is CPU a process that loaded the app takes to tear it
	// down on its way out, beyond the interpreter's own teardown; never
	// read from a file: `simulate validate` sets it to
	// host.runtime_app_fini_cpu for runtime mode's synthetic app.
	ExtraFiniCPU time.Duration `toml:"-"`
	// URLs overrides the request costs for URL prefixes (the longest
	// matching prefix wins); a key a prefix does not set is the app's.
	URLs map[string]*URLCost `toml:"urls"`
}

// URLCost is the cost of requests to one URL prefix.
type URLCost struct {
	RequestCPU          Dist `toml:"request_cpu"`
	RequestWait         Dist `toml:"request_wait"`
	RequestMemoryGrowth Size `toml:"request_memory_growth"`
}

// CostFor returns the request costs of a URL path: the app's, or those of
// the longest prefix in URLs that matches it.
func (a App) CostFor(path string) URLCost {
	c := URLCost{RequestCPU: a.RequestCPU, RequestWait: a.RequestWait, RequestMemoryGrowth: a.RequestMemoryGrowth}
	best := -1
	for p, u := range a.URLs {
		if len(p) > best && len(path) >= len(p) && path[:len(p)] == p {
			best, c = len(p), *u
		}
	}
	return c
}

// Workload is the clients' traffic. Without populations it is one open
// population: connections arrive on the phases' rate profile and behave as
// its Client keys say. With [workload.population.NAME] tables, those are the
// populations, and the Client keys here are every population's defaults.
//
// [workload.observer.NAME] tables are traffic that loads the server but is
// left out of the results: a monitor's requests, a load balancer's health
// checks, or runtime mode's own server-status requests, which `simulate
// validate` adds to its predictions of a measured run (validate.AsMeasured).
// They take a population's keys (open or closed only) and default to the
// same client keys.
type Workload struct {
	Arrivals    string                 `toml:"arrivals"` // poisson or constant
	Phases      []Phase                `toml:"phase"`    // in order; the last continues to the end of the run (RateAt)
	Client                             // how each client behaves
	Populations map[string]*Population `toml:"population"`
	Observers   map[string]*Population `toml:"observer"`
}

// Client is how one client behaves on its connections.
type Client struct {
	RequestsPerConnection Dist               `toml:"requests_per_connection"` // 0 makes a connect-only client
	ThinkTime             Dist               `toml:"think_time"`              // between a response and the next request of the same client
	IdleBeforeFirst       Duration           `toml:"idle_before_first"`       // connected, the client sends nothing this long (pre-connects, health checks)
	HeaderTime            Duration           `toml:"header_time"`             // the client takes this long to send each request line and headers (slow clients)
	HeaderBytes           int                `toml:"header_bytes"`            // the size of a request line and headers
	IdleAfterLast         Duration           `toml:"idle_after_last"`         // how long a client keeps its connection open after its last response (browsers: minutes)
	StaticFraction        float64            `toml:"static_fraction"`         // share of requests for static files that Apache serves itself
	URLs                  map[string]float64 `toml:"urls"`                    // dynamic request paths and their weights
	ClientTimeout         Duration           `toml:"client_timeout"`          // a client gives up on a request after this long; 0: never
	Retries               int                `toml:"retries"`                 // times a client retries a failed request
	RetryDelay            Duration           `toml:"retry_delay"`
}

// PopulationKinds are the kinds of client population:
//
//	open    connections arrive on a rate profile, whatever the server does
//	closed  a fixed number of users, each connecting again once done (wrk, ab -c, locust)
//	replay  the requests of an Apache access log
var PopulationKinds = []string{"open", "closed", "replay"}

// Population is one kind of client in the traffic, with its own random
// streams: adding a population never changes another's traffic.
type Population struct {
	Kind  string   `toml:"kind"`  // open, closed or replay
	Start Duration `toml:"start"` // from the load's start
	Stop  Duration `toml:"stop"`  // no new request after it (in-flight ones finish); 0: the end of the run

	Arrivals string  `toml:"arrivals"` // open: poisson or constant
	Phases   []Phase `toml:"phase"`    // open: the rate profile, from Start

	Users int `toml:"users"` // closed: users, all connecting at Start

	Log          string   `toml:"log"`           // replay: an Apache access log, relative to the scenario file
	LogFormat    string   `toml:"log_format"`    // replay: "common", "combined" or a LogFormat string
	WindowStart  Duration `toml:"window_start"`  // replay: from the log's first request
	WindowEnd    Duration `toml:"window_end"`    // replay: 0 is the log's end
	Multiply     float64  `toml:"multiply"`      // replay: each request k times (thinned or duplicated)
	Speed        float64  `toml:"speed"`         // replay: 2 plays the log twice as fast
	MaxMalformed float64  `toml:"max_malformed"` // replay: share of bad lines past which the run is refused

	Client // defaults: [workload]'s

	// Ticker, set by `simulate validate` (no TOML key), makes a closed
	// population's users send on a clock rather than after a think time.
	Ticker *Ticker `toml:"-"`
}

// A Ticker is a poller's clock, as a Go time.Ticker drives runtime mode's
// sampler: ticks every Period from the population's start; at each, the
// user sends its next request Delay after the tick (the work the poller
// does first), unless its last request is still unanswered (that tick
// sends nothing); the first request goes at the start itself. Every Long
// ticks (the first at Long·Period), the delay is LongDelay's instead.
// Delays are deciles (0%, 10%, …, 100%), drawn between them linearly;
// none: no delay. With Holds, the poller's work at every tick (whether
// or not it then sends) holds a core of the host for the tick's delay:
// runtime mode's sampler sweeping /proc.
type Ticker struct {
	Period    time.Duration
	Delay     []time.Duration
	Long      int
	LongDelay []time.Duration
	Holds     bool
}

// URLPaths returns the dynamic URL paths in sorted order.
func (w Client) URLPaths() []string {
	ps := make([]string, 0, len(w.URLs))
	for p := range w.URLs {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Phase is a stretch of the arrival-rate profile.
type Phase struct {
	Duration  Duration `toml:"duration"`
	Shape     string   `toml:"shape"`     // step, ramp or sine
	Rate      float64  `toml:"rate"`      // connections per second (at the start, for ramp)
	To        float64  `toml:"to"`        // ramp: the rate at the end of the phase
	Amplitude float64  `toml:"amplitude"` // sine: rate ± amplitude
	Period    Duration `toml:"period"`    // sine
}

// RateAt returns the phase's arrival rate at offset t into the phase.
func (p Phase) RateAt(t time.Duration) float64 {
	switch p.Shape {
	case "ramp":
		if p.Duration.Duration <= 0 {
			return p.To
		}
		f := float64(t) / float64(p.Duration.Duration)
		return p.Rate + (p.To-p.Rate)*f
	case "sine":
		if p.Period.Duration <= 0 {
			return p.Rate
		}
		return p.Rate + p.Amplitude*sin2pi(float64(t)/float64(p.Period.Duration))
	}
	return p.Rate
}

// Event is something that happens to the server at an instant.
type Event struct {
	At     Duration `toml:"at"`
	Action string   `toml:"action"` // graceful_restart, restart, graceful_stop, touch_script
	Group  string   `toml:"group"`  // touch_script: the process group whose script is touched; "" every script
}

// Validate holds tolerances for `simulate validate` (relative errors unless
// named otherwise).
type Validate struct {
	Replications int                `toml:"replications"`
	Tolerance    map[string]float64 `toml:"tolerance"`
}
