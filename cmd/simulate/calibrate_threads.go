package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/forkcast/forkcast/validate"
)

// sleeperScript is the threads probe's app: it sleeps as many seconds as
// its query string says, and imports nothing else.
const sleeperScript = `import time
def application(environ, start_response):
    t = float(environ.get('QUERY_STRING') or 0)
    if t > 0:
        time.sleep(t)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok']
`

// Threads runs the threads probe (validate.ThreadsProbe): an event apache2
// of one child on 127.0.0.1, from a private ServerRoot, stopped (its
// process group) before returning.
func (p *apacheProber) Threads(ctx context.Context, probe validate.ThreadsProbe) (validate.ThreadsSample, error) {
	var s validate.ThreadsSample
	root, port, user, err := probeRoot()
	if err != nil {
		return s, err
	}
	defer os.RemoveAll(root)
	script := filepath.Join(root, "sleeper.wsgi")
	if err := os.WriteFile(script, []byte(sleeperScript), 0o644); err != nil {
		return s, err
	}
	t := probe.Threads
	wsgi := fmt.Sprintf("WSGIRestrictEmbedded Off\nWSGIApplicationGroup %%{GLOBAL}\nWSGIImportScript %q process-group=%%{GLOBAL} application-group=%%{GLOBAL}\n", script)
	if probe.Daemon {
		wsgi = fmt.Sprintf("WSGIRestrictEmbedded On\nWSGIDaemonProcess probe processes=1 threads=%d display-name=(wsgi:probe)\nWSGIProcessGroup probe\nWSGIApplicationGroup %%{GLOBAL}\nWSGIImportScript %q process-group=probe application-group=%%{GLOBAL}\n", t, script)
	}
	conf := p.confHead(root, port, user, "mpm_event", "authz_core", "status", "wsgi") + fmt.Sprintf(`StartServers 1
ServerLimit 1
ThreadsPerChild %d
ThreadLimit %d
MaxRequestWorkers %d
MinSpareThreads 1
MaxSpareThreads %d
KeepAlive Off
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
</Location>
WSGILazyInitialization On
WSGISocketPrefix %q
WSGIScriptAlias / %q
%s`, t, t, t, t, filepath.Join(root, "wsgi"), script, wsgi)
	pid, done, output, err := p.start(root, conf)
	if err != nil {
		return s, err
	}
	defer stopGroup(pid, done)

	want := 1
	if probe.Daemon {
		want = 2
	}
	var child, daemon int
	ready := func() bool {
		child, daemon = 0, 0
		for _, c := range childrenOf(pid) {
			if isProbeDaemon(c) {
				daemon = c
			} else {
				child = c
			}
		}
		return child != 0 && (daemon != 0 || !probe.Daemon)
	}
	if err := waitForApache(ctx, root, done, output, ready, func() string {
		return fmt.Sprintf("%d of its %d processes", len(childrenOf(pid)), want)
	}); err != nil {
		return s, err
	}
	settle := func(d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	sample := func(i int) {
		s.Child[i] = readMemory(child)
		if daemon != 0 {
			s.Daemon[i] = readMemory(daemon)
		}
	}
	if err := settle(2 * time.Second); err != nil { // child_init, the preload
		return s, err
	}
	sample(validate.AtRest)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(sleep time.Duration) error {
		req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://127.0.0.1:%d/?%g", port, sleep.Seconds()), nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("the probe's app answered %s", resp.Status)
		}
		return nil
	}
	for range probe.Sequential {
		if err := get(0); err != nil {
			return s, err
		}
	}
	if err := settle(300 * time.Millisecond); err != nil {
		return s, err
	}
	sample(validate.AfterSequential)
	if probe.Status > 0 {
		for range probe.Status {
			if err := getStatus(ctx, client, port); err != nil {
				return s, err
			}
		}
		if err := settle(300 * time.Millisecond); err != nil {
			return s, err
		}
		sample(validate.AfterStatus)
	}
	// Requests at once, twice: each takes a connection and a pool of its
	// own, the first time new pools, the second time the same ones, which
	// the listener recycled.
	for _, at := range []int{validate.AfterOnce, validate.AfterTwice} {
		if probe.Once == 0 {
			break
		}
		errs := make(chan error, probe.Once)
		for range probe.Once {
			go func() { errs <- get(validate.CalOnceSleep) }()
		}
		for range probe.Once {
			if err := <-errs; err != nil {
				return s, err
			}
		}
		if err := settle(300 * time.Millisecond); err != nil {
			return s, err
		}
		sample(at)
	}
	if probe.Load > 0 {
		if err := load(ctx, t, probe.Load, get, func() { s.ChildLoad = append(s.ChildLoad, readMemory(child)) }); err != nil {
			return s, err
		}
	}
	if err := settle(300 * time.Millisecond); err != nil {
		return s, err
	}
	sample(validate.AfterLoad)
	return s, nil
}

// load runs clients that each send a request (get) as soon as their last
// was answered, for d, and calls sample every second meanwhile. It stops
// at the first error.
func load(ctx context.Context, clients int, d time.Duration, get func(time.Duration) error, sample func()) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := get(validate.CalServeSleep); err != nil && ctx.Err() == nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-tick.C:
			sample()
		case <-ctx.Done():
			done = true
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// getStatus asks mod_status for the scoreboard, as runtime mode's sampler
// does, and makes sure mod_status answered, not the app.
func getStatus(ctx context.Context, client *http.Client, port int) error {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://127.0.0.1:%d/server-status?auto", port), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Scoreboard:")) {
		return fmt.Errorf("/server-status answered %s without a scoreboard", resp.Status)
	}
	return nil
}

// isProbeDaemon reports whether pid is the threads probe's daemon process
// (display-name=(wsgi:probe) sets its argv[0]).
func isProbeDaemon(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && bytes.HasPrefix(b, []byte("(wsgi:probe)"))
}
