// Package sim is a small, single-threaded discrete-event simulation engine.
//
// A Sim owns a clock (integer nanoseconds, so arithmetic is exact and runs are
// reproducible) and a calendar of Timers ordered by (time, insertion sequence):
// two timers due at the same instant fire in the order they were scheduled, so
// a run never depends on heap internals, map order or goroutine scheduling.
//
// Models are written as callbacks and explicit state machines, not as one
// goroutine per simulated process: a timer's callback runs to completion,
// may schedule or cancel other timers, and returns. This is what makes the
// engine fast (see BenchmarkMMc) and deterministic. A model that keeps many
// deadlines in a queue of its own under one timer takes a Ticket for each,
// so that each fires where a timer of its own would have.
//
// The package also provides what every model needs around the calendar:
// independent seeded random streams (Streams), so that two variants of a
// model can see the same arrivals (common random numbers), and streaming
// statistics whose memory does not grow with run length (Gauge, Quantiles).
//
// The engine knows nothing about what it simulates.
package sim
