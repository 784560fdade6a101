package pool

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns n when n > 0, else GOMAXPROCS: the number of goroutines
// Map uses for a --jobs flag's value (0 meaning "every core").
func Workers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Map calls f(i) for every i in [0, n) on at most Workers(workers)
// goroutines and returns the results indexed by i. The calls must not
// depend on each other; each result lands in its own slot, so the returned
// slice is the same whatever the number of workers.
//
// Jobs start in index order. When a call fails, Map starts no new job,
// waits for the running ones and returns the error of the lowest index that
// failed. Every job below a failed one has started by then, so that error
// too is the same whatever the number of workers. When ctx is done, Map
// starts no new job and, once the running ones end, returns ctx.Err()
// (unless a job failed). The results are nil whenever the error is not.
func Map[T any](ctx context.Context, workers, n int, f func(i int) (T, error)) ([]T, error) {
	out := make([]T, n)
	errs := make([]error, n)
	var next atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range min(Workers(workers), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				v, err := f(i)
				if err != nil {
					errs[i] = err
					stop.Store(true)
					return
				}
				out[i] = v
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil && int(next.Load()) < n {
		return nil, err
	}
	return out, nil
}
