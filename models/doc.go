// Package models simulates Apache httpd 2.4's process management hosting a
// Python web application through mod_wsgi 4.9, on the sim engine.
//
// It follows httpd's and mod_wsgi's code paths, as docs/model.md describes
// mechanism by mechanism:
//
//   - the parent's 1-second maintenance loop (ap_wait_or_timeout: reap every
//     dead child, sleep 1 s, perform_idle_server_maintenance), the
//     prefork, worker and event idle counts (STARTING counts as idle, busy,
//     keep-alive and closing do not), spawning min(rate, free slots) with the
//     rate doubling 1→32, one kill per tick above the spare maximum, the
//     MaxRequestWorkers/ServerLimit caps and their log lines;
//   - children: child_init (mod_wsgi's interpreter start, or a preloaded
//     import), the accept queue (ListenBacklog), the keep-alive loop
//     (MaxKeepAliveRequests allows N+1 requests, KeepAliveTimeout holds a
//     prefork process or worker thread, event parks the connection without
//     a thread), lingering close, MaxConnectionsPerChild, graceful restarts;
//   - mod_wsgi embedded mode (lazy import on each process's first request,
//     under the per-process module lock, while the worker is BUSY) and daemon
//     mode (fixed process groups, the group socket's backlog, connect-timeout
//     503s, queue-timeout 504s at dequeue, socket-timeout, maximum-requests,
//     restart-interval, inactivity-timeout, request-timeout, graceful-timeout,
//     shutdown-timeout, the monitor-thread quirk, script reloading);
//   - the Python app (import CPU and memory, per-request CPU under the GIL and
//     I/O wait, memory growth) on a host whose cores are shared by processor
//     sharing, whose memory swaps and whose OOM killer kills the largest
//     process;
//   - clients that open connections on the scenario's schedule, send several
//     requests per connection with think time, keep idle connections open,
//     time out and retry.
//
// Simulate runs a scenario and returns results in the format runtime mode
// also writes.
package models
