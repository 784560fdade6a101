package main

import (
	"io"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"testing"
)

// BenchmarkRunHour is docs/speed.sh's CLI run: one simulated hour of the
// prefork spike at 500 requests/s, output files included, without figures
// (as docs/speed.sh) and with them, at the GOGC the command sets. Profile
// it with -cpuprofile.
func BenchmarkRunHour(b *testing.B) {
	for _, bc := range []struct {
		name  string
		plots []string
	}{{"no-plots", []string{"--no-plots"}}, {"figures", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				debug.SetGCPercent(400) // main's; run sets it back to 100
				args := append([]string{"run", "prefork-spike", "--duration", "1h",
					"--out", filepath.Join(dir, strconv.Itoa(i)),
					"--set", "host.cpus=4", "--set", `app.request_cpu="exp(1ms)"`, "--set", `app.import_cpu="const(500ms)"`,
					"--set", `workload.phase[0].duration="60s"`, "--set", "workload.phase[0].rate=50",
					"--set", `workload.phase[1].duration="1h"`, "--set", "workload.phase[1].rate=500"}, bc.plots...)
				if code := runMain(args, io.Discard, io.Discard); code != 0 {
					b.Fatalf("run exited %d", code)
				}
			}
		})
	}
}
