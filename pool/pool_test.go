package pool

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMapReturnsResultsInJobOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 16} {
		got, err := Map(context.Background(), workers, 50, func(i int) (int, error) {
			time.Sleep(time.Duration((i*7)%5) * time.Millisecond) // finish out of order
			return i * i, nil
		})
		require.NoError(t, err)
		for i, v := range got {
			require.Equal(t, i*i, v, "workers %d, job %d", workers, i)
		}
	}
}

func TestMapRunsAtMostWorkersAtOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		var running, peak atomic.Int64
		_, err := Map(context.Background(), workers, 40, func(i int) (struct{}, error) {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			return struct{}{}, nil
		})
		require.NoError(t, err)
		assert.LessOrEqual(t, peak.Load(), int64(workers))
		if workers > 1 {
			assert.Greater(t, peak.Load(), int64(1), "workers %d never ran two jobs at once", workers)
		}
	}
}

func TestMapReturnsTheLowestFailedJobsError(t *testing.T) {
	for _, workers := range []int{1, 2, 8} {
		var ran atomic.Int64
		_, err := Map(context.Background(), workers, 100, func(i int) (int, error) {
			ran.Add(1)
			time.Sleep(time.Duration(i%3) * time.Millisecond)
			if i == 7 || i == 9 || i == 60 {
				return 0, fmt.Errorf("job %d failed", i)
			}
			return i, nil
		})
		require.EqualError(t, err, "job 7 failed", "workers %d", workers)
		assert.Less(t, ran.Load(), int64(100), "jobs kept starting after a failure")
	}
}

func TestMapStopsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int64
	_, err := Map(ctx, 2, 1000, func(i int) (int, error) {
		if ran.Add(1) == 10 {
			cancel()
		}
		return i, nil
	})
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Less(t, ran.Load(), int64(20))
}

func TestWorkersDefaultsToGOMAXPROCS(t *testing.T) {
	assert.Equal(t, 3, Workers(3))
	assert.GreaterOrEqual(t, Workers(0), 1)
	assert.Equal(t, Workers(0), Workers(-1))
}
