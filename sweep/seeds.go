package sweep

// Seed is the seed of replication r of a sweep whose scenario has seed
// base. Replication 0 runs with base itself, so it is exactly the run
// `simulate run` makes of the same point; replication r ≥ 1 runs with a
// SplitMix64 hash of (base, r), kept below 2⁶³ so that it is a valid
// scenario seed (--seed, a TOML integer). Every point runs replication r
// with the same seed: common random numbers, so that the same clients
// send the same requests at every point and differences between points are
// the configuration's, not noise.
func Seed(base uint64, r int) uint64 {
	if r == 0 {
		return base
	}
	z := base + uint64(r)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return (z ^ (z >> 31)) >> 1
}

// Seeds returns the seeds of replications 0 … n-1.
func Seeds(base uint64, n int) []uint64 {
	out := make([]uint64, n)
	for r := range out {
		out[r] = Seed(base, r)
	}
	return out
}
