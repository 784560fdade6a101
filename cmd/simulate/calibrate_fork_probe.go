package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/forkcast/forkcast/validate"
)

// Fork-burst probe sizes: with one child and MinSpareServers forkSpare,
// prefork's maintenance forks 1, 2, 4, 8, 16 and then 32 children at
// successive ticks (perform_idle_server_maintenance doubles
// idle_spawn_rate while too few are idle), up to forkLimit.
const (
	forkSpare  = 40
	forkLimit  = 64
	forkSample = 2 * time.Millisecond
	// forkQuiet separates two ticks' bursts: a burst's forks come
	// milliseconds apart, ticks a second.
	forkQuiet = 300 * time.Millisecond
)

// ForkBursts runs the fork-burst probe: a prefork Apache whose children
// initialise Python (as embedded mod_wsgi's do), the parent's CPU time
// (/proc/PID/schedstat) and its number of children read every forkSample
// until it has forkLimit children.
func (p *apacheProber) ForkBursts(ctx context.Context) ([]validate.ForkBurst, error) {
	root, port, user, err := probeRoot()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	conf := p.confHead(root, port, user, "mpm_prefork", "authz_core", "wsgi") + fmt.Sprintf(`StartServers 1
MinSpareServers %d
MaxSpareServers %d
ServerLimit %d
MaxRequestWorkers %d
WSGIRestrictEmbedded Off
WSGILazyInitialization On
WSGISocketPrefix %q
`, forkSpare, forkLimit, forkLimit, forkLimit, filepath.Join(root, "wsgi"))
	pid, done, output, err := p.start(root, conf)
	if err != nil {
		return nil, err
	}
	defer stopGroup(pid, done)

	type point struct {
		at  time.Time
		cpu time.Duration
		n   int
	}
	var pts []point
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := countChildren(pid)
		pts = append(pts, point{time.Now(), cpuTime(pid), n})
		if n >= forkLimit { // the last burst is done: ServerLimit
			break
		}
		select {
		case <-done:
			errLog, _ := os.ReadFile(filepath.Join(root, "error.log"))
			return nil, fmt.Errorf("apache2 exited: %s %s", strings.TrimSpace(output.String()), strings.TrimSpace(string(errLog)))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(forkSample):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("apache2 had %d of %d children after 20 s", n, forkLimit)
		}
	}
	// A burst: the samples at which the count rose, none forkQuiet after
	// the last; its CPU from the sample before its first rise to its last.
	var out []validate.ForkBurst
	start, last := -1, -1
	flush := func() {
		if start > 0 {
			out = append(out, validate.ForkBurst{Forks: pts[last].n - pts[start-1].n, CPU: pts[last].cpu - pts[start-1].cpu})
		}
		start, last = -1, -1
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].n <= pts[i-1].n {
			continue
		}
		if last >= 0 && pts[i].at.Sub(pts[last].at) > forkQuiet {
			flush()
		}
		if start < 0 {
			start = i
		}
		last = i
	}
	flush()
	return out, nil
}

// countChildren is the number of pid's children, from
// /proc/PID/task/PID/children (cheap enough to read every forkSample);
// childrenOf's scan of /proc if the kernel lacks that file.
func countChildren(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
	if err != nil {
		return len(childrenOf(pid))
	}
	return len(strings.Fields(string(b)))
}
