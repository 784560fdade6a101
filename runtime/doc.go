// Package runtime plays a scenario against a real Apache httpd with mod_wsgi
// on this machine and measures it, producing the same results.Run the
// simulator produces.
//
// A run (Run) locates Debian's apache2 and modules (Locate), writes a
// self-contained httpd.conf into a private temporary ServerRoot (Config),
// ships a synthetic WSGI application driven by the scenario's [app] profile
// (app.py, embedded in the binary), starts Apache in its own process group on
// a free port of 127.0.0.1, replays the workload open-loop from Go (load.go),
// samples the process tree, memory, CPU, mod_status scoreboard and error log
// every 100 ms (sampler.go), and aggregates everything into timeseries rows
// and a summary (aggregate.go). Apache is always stopped and its files removed,
// on success, error, panic and cancellation (SIGINT/SIGTERM via the context).
//
// The package never imports models: predictions are the command's business.
package runtime
