package scenarios

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// Format writes the fully resolved scenario as TOML, every key with its
// value, for `simulate check`. Comments at the top name the source and
// variant, the values httpd would use where they differ from the written
// ones (see Effective), and the warnings. Maps are written in sorted order,
// so the output is deterministic, and parsing it gives back the scenario
// (without its variants).
func Format(s *Scenario) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# forkcast scenario %q", s.Name)
	if s.Source != "" {
		fmt.Fprintf(&b, " from %s", s.Source)
	}
	b.WriteString("\n")
	if s.Variant != "" {
		fmt.Fprintf(&b, "# variant: %s\n", s.Variant)
	}
	if len(s.Variants) > 0 {
		fmt.Fprintf(&b, "# variants defined: %s\n", strings.Join(s.Variants, ", "))
	}
	if s.src != nil {
		for _, o := range s.src.sets {
			fmt.Fprintf(&b, "# --set %s\n", o)
		}
	}
	eff, warns := s.Effective()
	a, e := s.Apache, eff.Apache
	fmt.Fprintf(&b, "#\n# httpd runs %s with at most %d child processes and %d request workers.\n", e.MPM, e.MaxProcesses(), e.MaxRequestWorkers)
	for _, d := range []struct {
		name       string
		wrote, eff any
	}{
		{"start_servers", a.StartServers, e.StartServers},
		{"min_spare_servers", a.MinSpareServers, e.MinSpareServers},
		{"max_spare_servers", a.MaxSpareServers, e.MaxSpareServers},
		{"min_spare_threads", a.MinSpareThreads, e.MinSpareThreads},
		{"max_spare_threads", a.MaxSpareThreads, e.MaxSpareThreads},
		{"threads_per_child", a.ThreadsPerChild, e.ThreadsPerChild},
		{"thread_limit", a.ThreadLimit, e.ThreadLimit},
		{"server_limit", a.ServerLimit, e.ServerLimit},
		{"max_request_workers", a.MaxRequestWorkers, e.MaxRequestWorkers},
		{"async_request_worker_factor", a.AsyncRequestWorkerFactor, e.AsyncRequestWorkerFactor},
		{"listen_backlog", a.ListenBacklog, e.ListenBacklog},
	} {
		if d.wrote != d.eff {
			fmt.Fprintf(&b, "# effective apache.%s = %v (written %v)\n", d.name, d.eff, d.wrote)
		}
	}
	for _, n := range s.WSGI.DaemonNames() {
		w, e := s.WSGI.DaemonProcesses[n], eff.WSGI.DaemonProcesses[n]
		key := joinKey("wsgi.daemon_process", n)
		if w.ListenBacklog != e.ListenBacklog {
			fmt.Fprintf(&b, "# effective %s.listen_backlog = %d (written %d)\n", key, e.ListenBacklog, w.ListenBacklog)
		}
		if w.SocketTimeout != e.SocketTimeout {
			fmt.Fprintf(&b, "# effective %s.socket_timeout = %q (apache.timeout)\n", key, e.SocketTimeout)
		}
	}
	if len(warns) > 0 {
		b.WriteString("#\n")
		for _, w := range warns {
			fmt.Fprintf(&b, "# warning: %s\n", w)
		}
	}
	// The profile's values are in [host] below; naming the profile again
	// would make the output depend on where it is read.
	out := *s
	if out.Host.Profile != "" {
		fmt.Fprintf(&b, "#\n# host profile: %s (its values are included in [host])\n", out.Host.Profile)
		out.Host.Profile = ""
	}
	b.WriteString("\n")
	if err := toml.NewEncoder(&b).Encode(&out); err != nil {
		return nil, fmt.Errorf("scenarios: formatting %s: %w", s.Name, err)
	}
	return b.Bytes(), nil
}
