package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On the real Apache, the fork-burst probe sees prefork's maintenance
// double its forks tick after tick, 8, 16 and then 32 children (the last
// up to ServerLimit), each burst with the parent's CPU for its forks, and
// leaves no Apache behind.
func TestForkBurstsOnTheRealApache(t *testing.T) {
	needApache(t)
	p, err := newApacheProber("")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bursts, err := p.ForkBursts(ctx)
	require.NoError(t, err)
	var sizes []int
	for _, b := range bursts {
		sizes = append(sizes, b.Forks)
		if b.Forks >= 8 {
			perFork := b.CPU / time.Duration(b.Forks)
			// fork() of a small parent: tens of µs at the least, and
			// never tens of ms.
			assert.Greater(t, perFork, 20*time.Microsecond, "burst of %d", b.Forks)
			assert.Less(t, perFork, 10*time.Millisecond, "burst of %d", b.Forks)
		}
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	// Every child counted once, in some burst; the StartServers child
	// may be up before the first reading.
	assert.LessOrEqual(t, total, forkLimit, "%v", sizes)
	assert.GreaterOrEqual(t, total, forkLimit-1, "%v", sizes)
	assert.Subset(t, sizes, []int{8, 16, 32}, "the doubling: %v", sizes)
}
