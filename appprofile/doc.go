// Package appprofile measures a real WSGI application the way mod_wsgi
// would load it: its script imported in a fresh Python process (the Python
// mod_wsgi is linked against) with the environment mod_wsgi provides — a
// `mod_wsgi` module with process_group, application_group and version, the
// script's directory on sys.path, the module named _mod_wsgi_<md5 of the
// path> (mod_wsgi.c wsgi_module_name) — and, optionally, its application
// called with a WSGI environ per URL, without a server.
//
// What it measures, per import and per request: CPU time (all threads of
// the process, /proc/self/task/*/schedstat), wall time, time spent runnable
// but not running (the run-queue delay, also from schedstat) and the
// private memory (smaps_rollup Private_Clean + Private_Dirty) the import or
// request leaves. The wait, import_wait or request_wait, is wall time minus
// CPU time minus run-queue delay: time off the CPU because the code waited
// (sleep, I/O, a database), not because the machine was busy.
//
// Each import runs in its own process, several times, for a distribution.
package appprofile
