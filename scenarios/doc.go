// Package scenarios reads forkcast's scenario files: TOML documents that
// describe a host, an Apache httpd configuration, mod_wsgi's configuration,
// a Python web application and the clients' traffic. Keys are the snake_case
// names of the Apache and mod_wsgi directives they stand for.
//
// # Resolving a scenario
//
// Load (a file), LoadBuiltin (a built-in scenario) and Open (either, by the
// rule that an argument ending in ".toml" or containing a slash is a file)
// resolve a scenario in this order, each layer over the previous one:
//
//  1. the defaults for the MPM (Defaults): Debian 12's Apache configuration,
//     mod_wsgi's built-in values and measured host constants;
//  2. the file's values;
//  3. the chosen variant's values, from [variants.NAME];
//  4. the overrides, `--set KEY=VALUE` (Override, Set).
//
// The MPM is read from the merged layers first, so a variant or an override
// that sets apache.mpm gets that MPM's defaults. The file, the variant and
// the overrides merge table by table, key by key; arrays ([[workload.phase]],
// [[event]]) are replaced whole by the layer that writes them. The merged
// tables then go over the defaults, where a written workload.urls,
// wsgi.routes or validate.tolerance replaces the default table (so writing
// urls drops the default "/"). Each daemon group,
// [wsgi.daemon_process.NAME], starts from mod_wsgi's defaults. A scenario's name defaults to the file name without
// ".toml". Events are sorted by time.
//
// Then the scenario is checked (Scenario.Check). Every mistake is an *Error
// naming the file, the line, the key and what is allowed; several are
// joined. Values that httpd itself would adjust are not errors: the loaded
// scenario keeps what was written, Scenario.Effective and Apache.Effective
// return what httpd would run with, and Scenario.Warnings says what changed
// (MaxRequestWorkers rounded down to a multiple of ThreadsPerChild or capped
// by ServerLimit, StartServers capped at the process limit, MaxSpareServers
// raised to MinSpareServers + 1, MaxSpareThreads raised to MinSpareThreads +
// ThreadsPerChild + 1, AsyncRequestWorkerFactor truncated to an integer,
// backlogs capped by somaxconn, directives the MPM does not have).
// Format writes the resolved scenario back as TOML with those values and
// warnings as comments.
//
// # Value types
//
// Durations are strings in Go's syntax: "5s", "150ms", "2m", "1h30m"; a bare
// 0 is allowed. Sizes are "30MiB", "512KiB", "4GiB" or a number of bytes; MB
// and GB mean MiB and GiB. Distributions are strings:
//
//	const(2s)                          always 2 s
//	exp(20ms)                          exponential with mean 20 ms
//	uniform(10ms, 30ms)                uniform between the bounds
//	lognormal(median=20ms, p99=200ms)  log-normal by median and 99th percentile
//	lognormal(mean=20ms, cv=1.5)       log-normal by mean and coefficient of variation
//	gamma(mean=20ms, cv=0.5)           gamma by mean and coefficient of variation
//
// Distributions of times carry a unit; counts (requests per connection) do
// not: "const(3)", "uniform(1, 10)".
//
// # Top level
//
//	name         string    the file name without .toml   the scenario's name in output
//	description  string    ""
//	duration     duration  "60s"   how long the load runs, from when Apache is ready and the load starts; > 0
//	seed         integer   1       seeds every random stream; >= 0
//	interval     duration  "1s"    one timeseries.csv row per interval; > 0, <= duration
//	tick_phase   string    "random"  from the load's start to the Apache parent's first maintenance
//	                                 tick: "random" draws it per replication (uniform over the second:
//	                                 a surge meets a running server at any instant; the replications'
//	                                 phases spread evenly over it; runtime mode draws it per run);
//	                                 "startup" starts the load as soon as Apache is ready,
//	                                 so the start-up sets it; a duration in (0, 1s] pins it
//
// # [host]
//
// The machine, and constants of its Apache and Python that `simulate
// calibrate` can measure (memory defaults from smaps_rollup on Debian 12,
// docs/model.md §8.2).
//
//	profile                 string    ""        a host profile written by `simulate calibrate`
//	cpus                    integer   2         cores shared by all processes; >= 1
//	ram                     size      "4GiB"    > 0
//	swap                    size      "0B"
//	swap_penalty            number    10        CPU work runs this many times slower while memory in use exceeds ram; >= 1
//	somaxconn               integer   4096      net.core.somaxconn: caps every listen backlog; >= 1
//	apache_shared_text      size      "5MiB"    httpd, APR and module text, shared by all Apache processes
//	apache_parent_private   size      "2MiB"    the parent's heap
//	apache_child_private    size      "200KiB"  a child's private memory without Python
//	apache_thread_private   size      "14KiB"   per worker thread, idle
//	apache_listener_private size      "229KiB"  a worker/event child's listener thread and its structures
//	apache_thread_served    size      "7KiB"    kept by a worker thread once it has served a request
//	apache_thread_status    size      "7KiB"    kept by a worker thread once it has run mod_status's handler (/server-status), beyond that
//	connection_pool_memory  size      "58KiB"   per transaction pool alive once it has served many connections: one per open connection, and a worker/event child's recycled ones
//	connection_pool_first_use size    "42KiB"   what a transaction pool holds after its first connection
//	connection_pool_growth  size      "4KiB"    what each connection after its first adds to a pool, up to connection_pool_memory
//	request_pool_memory     size      "5KiB"    held by a worker while its request is in progress, returned when it ends
//	daemon_thread_served    size      "50KiB"   kept by a mod_wsgi daemon thread once it has served a request
//	python_thread_memory    size      "3KiB"    a thread's state in the interpreter, from its first Python request
//	python_request_memory   size      "191KiB"  what an interpreter allocates over its first requests and keeps
//	python_shared_text      size      "2MiB"    libpython text, shared
//	python_interpreter      size      "3.5MiB"  a bare interpreter's heap (Py_Initialize)
//	sub_interpreter_memory  size      "2MiB"    each extra sub-interpreter (application group)
//	python_restart_leak     size      "2MiB"    leaked in the parent per restart with lazy_initialization = false
//	cow_erosion             duration  "5s"      time constant for a child to dirty pages shared copy-on-write
//	cow_shared_floor        number    0.2       fraction of inherited heap that stays shared; 0 to 1
//	fork_time               duration  "1ms"     the parent's CPU per fork() in a maintenance burst
//	child_init_cpu          duration  "2ms"     an Apache child's child_init without Python
//	python_init_cpu         duration  "10ms"    Py_Initialize in one process
//	python_fini_cpu         duration  "7ms"     Py_Finalize when a process with Python exits
//	exit_free_cpu           duration  "200us"   per MiB of private memory a process frees on its way out
//	sub_interpreter_cpu     duration  "17ms"    Py_NewInterpreter for an application group other than %{GLOBAL}
//	sub_interpreter_fini_cpu duration "2ms"     Py_EndInterpreter for it when its process exits
//	restart_cpu             duration  "15ms"    the parent's re-read of the configuration on a restart
//	graceful_child_cpu      duration  "900us"   the parent's CPU per child on a graceful restart, beyond a hard restart's
//	request_cpu             duration  "100us"   Apache's own CPU per request
//	request_cpu_daemon      duration  "0s"      the same for a request a daemon process serves (proxying included); 0: request_cpu
//	linger_time             duration  "200us"   lingering close, about one round trip
//	cpu_second              number    1         host CPU-seconds per scenario CPU-second; > 0
//	sched_wake_wait         duration  "0s"      a task woken while all cores are taken waits for one: uniform, mean this × q
//	sched_wait              duration  "0s"      the same for a task preempted mid-run (the parent in a fork burst)
//	sched_run               duration  "0s"      mean CPU a task runs before it is preempted while all cores are taken; 0: never
//	sched_wake_preempt      number    1         odds that the processes a restart's signals wake run before the parent goes on; 0 to 1
//	sched_wake_together     number    1         how much one restart's woken processes go the same way: 1 all or none, 0 each on its own; 0 to 1
//	sched_migrate           number    0         run queues a core: tasks the balancer moves a second per task on a longest queue; 0: processor sharing
//	sched_migrate_shape     integer   0         gamma shape of the waits between the balancer's moves (0 or 1: exponential; up to 64)
//	arrival_jitter          duration  "0s"      mean lateness of the load generator's timer wake-ups (exponential)
//	memory_touch_cpu        duration  "0s"      CPU per MiB of new memory a process first touches, while the host backs it
//	memory_touch_cold_cpu   duration  "0s"      the same beyond memory_warm (a VM whose host takes freed memory back); not above
//	                                            memory_touch_cpu: no extra cost
//	memory_warm             size      "0B"      new memory the host still backs when Apache starts and when the load starts
//	response_delay          levels    []        a response's delay to a client on this host, by the load generator's quiet time:
//	                                            ["QUIET: Q0 … Qk-1", …], quantiles from 0% to 100% (ResponseDelay)
//	response_delay_daemon   levels    []        the same for a request a daemon process serves; empty: response_delay's
//	runtime_app_memory      size      "640KiB"  validate only: private memory runtime mode's synthetic app adds to each process that loads it
//	runtime_app_text        size      "600KiB"  validate only: the same app's file-backed pages, shared by the processes that load it
//	runtime_app_cpu         duration  "12.5ms"  validate only: the CPU its modules take to import, per load
//	runtime_app_fini_cpu    duration  "1.5ms"     validate only: the CPU tearing its modules down takes, per process exit
//	background_cpu          number    0         cores that processes outside the server want all through the run; 0 to cpus
//
// q = (runnable tasks − cores + 1)/cores counts the tasks queued ahead per
// core; with fewer runnable tasks than cores nothing waits. A Python
// process's threads count once (they take turns holding the GIL). The sched_
// keys and arrival_jitter are drawn per replication from streams of their
// own (docs/model.md §8.4, §9.1); 0 keeps the model free of them.
//
// host.profile names a host profile written by `simulate calibrate`: a TOML
// file holding only a [host] table with these keys (not profile). Its keys go
// over the defaults and under the scenario's own [host] keys, so a scenario
// can still set cpus, ram or any constant. A profile named in the file (or a
// variant) is relative to the file's directory, one given with --set to the
// working directory. Mistakes in the profile are reported with its file name
// and line. Format writes the profile's values, and names the profile only in
// a comment.
//
// # [apache]
//
// The MPM and core directives. Defaults are Debian's mods-available/
// mpm_<mpm>.conf and apache2.conf over httpd's compiled-in values
// (docs/model.md §1.3).
//
//	key                          directive                 prefork  worker/event  allowed
//	mpm                          LoadModule mpm_*          "event"                "prefork", "worker" or "event"
//	start_servers                StartServers              5        2             >= 0; 0 is raised to 1; capped at the process limit
//	min_spare_servers            MinSpareServers           5        -             prefork; >= 0; 0 is raised to 1
//	max_spare_servers            MaxSpareServers           10       -             prefork; >= min_spare_servers; == is raised to min + 1
//	min_spare_threads            MinSpareThreads           -        25            worker, event; >= 0; 0 is raised to 1
//	max_spare_threads            MaxSpareThreads           -        75            worker, event; >= min_spare_threads; raised to min + threads_per_child + 1
//	threads_per_child            ThreadsPerChild           1        25            worker, event; 0 is raised to 1; <= thread_limit
//	thread_limit                 ThreadLimit               1        64            worker 1..20000, event 1..100000
//	server_limit                 ServerLimit               256      16            prefork 1..200000, worker/event 1..20000
//	max_request_workers          MaxRequestWorkers         150      150           >= 0; prefork: capped at server_limit;
//	                                                                              worker/event: raised to threads_per_child, rounded
//	                                                                              down to a multiple of it, capped at server_limit x it
//	max_connections_per_child    MaxConnectionsPerChild    0        0             >= 0; 0 means unlimited
//	async_request_worker_factor  AsyncRequestWorkerFactor  2        2             event; > 0; behaves as max(1, floor(value))
//	listen_backlog               ListenBacklog             511      511           >= 1; capped at host.somaxconn
//	keep_alive                   KeepAlive                 true     true
//	keep_alive_timeout           KeepAliveTimeout          "5s"     "5s"          > 0 when keep_alive
//	max_keep_alive_requests      MaxKeepAliveRequests      100      100           >= 0; 0 means unlimited
//	timeout                      Timeout                   "300s"   "300s"        > 0
//	accept_filter                AcceptFilter http         "data"   "data"        "data" (TCP_DEFER_ACCEPT) or "none"
//	request_read_timeout         RequestReadTimeout        Debian's reqtimeout.conf   "" when mod_reqtimeout is not loaded;
//	                                                                              else stage=timeout[-max][,MinRate=rate]...
//	graceful_shutdown_timeout    GracefulShutdownTimeout   0        0             >= 0; 0 waits for ever
//
// The process limit is max_request_workers for prefork and
// max_request_workers / threads_per_child for worker and event (Debian: 150
// and 6). Directives of another MPM are ignored, with a warning, so that
// variants may switch the MPM.
//
// # [wsgi]
//
// mod_wsgi's server-wide directives and the routing of URLs to process groups.
//
//	lazy_initialization  WSGILazyInitialization         true           false: Python is initialised in the parent
//	restrict_embedded    WSGIRestrictEmbedded           false          true with a URL served embedded: a warning (mod_wsgi answers 500)
//	script_reloading     WSGIScriptReloading            true
//	process_group        WSGIProcessGroup for "/"       ""             "" or "%{GLOBAL}" (embedded mode) or a [wsgi.daemon_process] name
//	application_group    WSGIApplicationGroup           "%{RESOURCE}"  "%{RESOURCE}" or "%{GLOBAL}"
//	version              mod_wsgi's version             "4.9"          "4.9", "5.0" or "6.0"
//	preload              WSGIImportScript, or WSGIScriptAlias with process-group and application-group
//	                                                    false          true: import the app when a process starts
//
// [wsgi.routes] maps a URL prefix to a process group, as WSGIProcessGroup
// inside <Location prefix> does; the longest matching prefix wins, else
// process_group. Prefixes start with "/"; groups are as for process_group.
//
//	[wsgi.routes]
//	"/admin" = "admin"
//
// # [wsgi.daemon_process.NAME]
//
// One WSGIDaemonProcess group (mod_wsgi's wsgi_add_daemon_process;
// docs/model.md §6). A group must be named by process_group or by a route:
// daemon options without daemon mode are an error, as is naming a group that
// is not defined. Durations of 0 disable a timeout.
//
//	processes           processes=           1       >= 1
//	threads             threads=             15      0..65533; 0 (service-script mode) gives a warning
//	listen_backlog      listen-backlog=      100     >= 1; capped at host.somaxconn
//	queue_timeout       queue-timeout=       0       504 when a request waited longer, checked when a thread takes it
//	connect_timeout     connect-timeout=     "15s"   503 after retrying connect() this long
//	socket_timeout      socket-timeout=      0       0 means apache.timeout
//	request_timeout     request-timeout=     0
//	inactivity_timeout  inactivity-timeout=  0
//	restart_interval    restart-interval=    0
//	graceful_timeout    graceful-timeout=    "15s"
//	shutdown_timeout    shutdown-timeout=    "5s"
//	deadlock_timeout    deadlock-timeout=    "300s"
//	startup_timeout     startup-timeout=     0
//	maximum_requests    maximum-requests=    0       >= 0; 0 means unlimited
//	interrupt_timeout   interrupt-timeout=   0       mod_wsgi 6.0; >= 0
//
// With deadlock_timeout and inactivity_timeout both 0, mod_wsgi starts no
// monitor thread, and request_timeout, startup_timeout, restart_interval and
// graceful_timeout never fire (a warning).
//
// # [app]
//
// The Python web application.
//
//	import_cpu             distribution of times  "const(1s)"   CPU to import the app once per process (and application group) (page faults of its memory included)
//	import_wait            distribution of times  "const(0s)"   wall time the import spends waiting, off the CPU
//	import_memory          size                   "30MiB"       private memory the import allocates and touches
//	request_cpu            distribution of times  "exp(20ms)"   Python CPU per request; holds the GIL (faults of its memory growth included)
//	request_wait           distribution of times  "exp(30ms)"   I/O and database waits per request; GIL released
//	request_memory_growth  size                   "0B"          private memory each request leaves behind
//
// [app.urls."/path"] tables give a URL path its own request_cpu,
// request_wait and request_memory_growth; a key left out takes the value
// above (App.CostFor).
//
// # [workload] and [[workload.phase]]
//
// The clients. Each phase is a stretch of the connection arrival rate; the
// phases follow each other, and the last continues until the end of the run
// (Workload.RateAt). At least one phase is required.
//
//	arrivals                 string                 "poisson"    "poisson" or "constant"
//	requests_per_connection  distribution of counts "const(1)"   mean >= 1
//	think_time               distribution of times  "const(0s)"  between a response and the client's next request
//	idle_after_last          duration               0            the client keeps its connection open this long after its last response
//	static_fraction          number                 0            share of requests for static files Apache serves itself; 0 to 1
//	urls                     table of weights       { "/" = 1 }  dynamic paths (starting with "/") and their weights (> 0); at least one
//	client_timeout           duration               "60s"        a client gives up on a request after this long; 0: never
//	retries                  integer                0            times a client retries a failed request; >= 0
//	retry_delay              duration               "1s"
//
//	[[workload.phase]]
//	duration   duration  required, > 0
//	shape      string    "step"   "step", "ramp" or "sine"
//	rate       number    0        new connections per second (at the start, for a ramp); >= 0
//	to         number    0        ramp: the rate at the end of the phase; >= 0
//	amplitude  number    0        sine: rate ± amplitude; 0 <= amplitude <= rate
//	period     duration  0        sine: > 0
//
// [workload.population.NAME] tables make the traffic several populations
// (open, closed or replay; README), and [workload.observer.NAME] tables,
// with the same keys (open or closed), traffic that loads the server but
// is not counted: health checks, a monitor, or runtime mode's own
// server-status requests, which `simulate validate` adds to its
// predictions (docs/model.md §9.5).
//
// # [[event]]
//
// Something that happens to the server at an instant (docs/model.md §2.3–2.7,
// §6.7); summary.json's restarts says what each cost.
//
//	at      duration  within duration
//	action  string    "graceful_restart" (apachectl graceful, SIGUSR1), "restart" (apachectl
//	                  restart, SIGHUP), "graceful_stop" (apachectl graceful-stop, SIGWINCH; see
//	                  apache.graceful_shutdown_timeout) or "touch_script" (the WSGI script's mtime
//	                  changes)
//	group   string    touch_script only: the daemon process group whose script is touched;
//	                  "" touches every script
//
// # [validate]
//
// Settings of `simulate validate` (docs/validation.md).
//
//	replications  integer  5   simulator replications (seeds seed, seed+1, ...); >= 1
//	tolerance     table    {}  metric name = tolerance (>= 0), over the defaults of package validate
//
// The metric names are ValidationMetrics; others are an error. Each metric's
// tolerance is relative (error / measured value) or absolute (in the metric's
// unit), as package validate documents, e.g.
//
//	[validate]
//	tolerance = { latency_p99 = 0.5, failures_504 = 0.05 }
//
// # [variants.NAME]
//
// A variant is a partial scenario with the same keys, applied over the file
// when chosen (`--variant NAME`); `simulate compare` runs every variant. For
// example:
//
//	[variants.daemon-event]
//	apache.mpm = "event"
//	wsgi.process_group = "app"
//	wsgi.restrict_embedded = true
//
//	[variants.daemon-event.wsgi.daemon_process.app]
//	processes = 2
//	threads = 15
//
// Unknown keys are reported in every variant, applied or not; the other
// checks apply to the resolved scenario.
//
// # Built-in scenarios
//
// Builtins lists them and LoadBuiltin loads one; DefaultBuiltin,
// "prefork-spike", is what `simulate run` runs without a file. Their sources
// in builtin/ are commented examples to copy.
package scenarios
