// Package host models the machine a server runs on: CPU cores shared by every
// runnable thread (processor sharing, with Python's GIL capping each process at
// one core of Python work) or, with SetMigration, run queues a core between
// which a balancer moves tasks now and then, and a RAM + swap budget that
// slows work down when exceeded and calls the OOM killer past RAM + swap.
//
// CPU sharing is what turns a load spike into a snowball: N processes
// importing an application at once on C cores each progress at C/N of a core,
// so every import takes N/C times longer, keeping the processes busy longer
// and the parent forking more.
package host
