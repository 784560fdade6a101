package models

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An import that waits (files, a database, a configuration service) holds
// the module lock but no core: 16 children importing at once on 2 cores
// take about the import's own time when it is all wait, and eight times as
// long when it is all CPU, which the cores share. The same import split
// between the two costs what its CPU costs: the waits overlap other imports.
func TestImportWaitIsNotSharedCPU(t *testing.T) {
	imported := func(cpu, wait string) float64 {
		sc := parse(t, fmt.Sprintf(`
duration = "30s"
[host]
cpus = 2
[apache]
mpm = "prefork"
start_servers = 16
min_spare_servers = 1
max_spare_servers = 32
max_request_workers = 16
[wsgi]
preload = true
application_group = "%%{GLOBAL}"
[app]
import_cpu = "const(%s)"
import_wait = "const(%s)"
import_memory = "1MiB"
[[workload.phase]]
duration = "30s"
rate = 0
`, cpu, wait), "")
		_, _, s := simulateTraced(t, sc)
		// The load starts once every preload is done: that is how long
		// the 16 imports took, from Apache's start.
		return s.loadStart.Seconds()
	}
	allWait := imported("0s", "1s")
	allCPU := imported("1s", "0s")
	half := imported("500ms", "500ms")
	t.Logf("from Apache's start to the last import: all wait %.2fs, all CPU %.2fs, half and half %.2fs", allWait, allCPU, half)
	assert.InDelta(t, 1.1, allWait, 0.15, "16 waiting imports overlap: ~1 s")
	assert.InDelta(t, 8.1, allCPU, 0.3, "16 CPU-bound imports share 2 cores: ~8 s")
	assert.InDelta(t, 4.2, half, 0.3, "half and half: while one import waits the others use the cores, so ~16 x 0.5 s / 2 cores plus a last wait")
}
