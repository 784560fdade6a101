package advise

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/forkcast/forkcast/scenarios"
)

// families lists the MPM and mode combinations the search may use: the
// scenario's own, the other MPMs with allowMPM, daemon mode with
// allowDaemon (from embedded mode).
func families(sc *scenarios.Scenario, g Goals, allowMPM, allowDaemon bool) ([]family, error) {
	mpms := []string{sc.Apache.MPM}
	if allowMPM {
		for _, m := range []string{"prefork", "worker", "event"} {
			if m != sc.Apache.MPM {
				mpms = append(mpms, m)
			}
		}
	}
	var fs []family
	if len(sc.WSGI.Routes) > 0 || isDaemon(sc) && len(sc.WSGI.DaemonProcesses) != 1 {
		return nil, fmt.Errorf("advise sizes one process group serving every URL; this scenario has %d daemon groups and %d routes (wsgi.routes)%w",
			len(sc.WSGI.DaemonProcesses), len(sc.WSGI.Routes), quiet(ErrUnsupported))
	}
	if isDaemon(sc) {
		for _, m := range mpms {
			fs = append(fs, daemonFamily(sc, g, m, sc.WSGI.GroupFor("/"), false))
		}
		return fs, nil
	}
	for _, m := range mpms {
		if m == "prefork" {
			fs = append(fs, preforkFamily(sc, g, m != sc.Apache.MPM))
		} else {
			fs = append(fs, threadedFamily(sc, g, m))
		}
	}
	if allowDaemon {
		daemonMPMs := []string{sc.Apache.MPM}
		if allowMPM && sc.Apache.MPM != "event" {
			daemonMPMs = []string{"event", sc.Apache.MPM}
		}
		for _, m := range daemonMPMs {
			fs = append(fs, daemonFamily(sc, g, m, "app", true))
		}
	}
	return fs, nil
}

// Supports returns an error when the search cannot size sc's server
// (ErrUnsupported): URL routes to several process groups.
func Supports(sc *scenarios.Scenario) error {
	_, err := families(sc, Goals{MemoryBudget: sc.Host.RAM}, false, false)
	return err
}

// apacheFor is the scenario's Apache settings when it runs mpm, else
// Debian's defaults for mpm.
func apacheFor(sc *scenarios.Scenario, mpm string) scenarios.Apache {
	if sc.Apache.MPM == mpm {
		e, _ := sc.Apache.Effective()
		return e
	}
	return scenarios.DefaultApache(mpm)
}

// fits is how many processes of each MB fit in what the budget leaves
// beside the shared pages and other MB.
func fits(g Goals, sc *scenarios.Scenario, other, each float64) int {
	n := (g.MemoryBudget.MiBs() - SharedMB(sc) - other) / each
	return max(int(math.Floor(n)), 0)
}

// maxGrid bounds a search's largest value: the most processes that fit,
// plus one (so that the boundary is searched), at most this many.
const maxGrid = 1024

// preforkFamily searches MaxRequestWorkers (= ServerLimit) with the
// scenario's spare settings, clamped to it.
func preforkFamily(sc *scenarios.Scenario, g Goals, switched bool) family {
	cur := apacheFor(sc, "prefork")
	var base []scenarios.Override
	if switched {
		base = append(base, ov("apache.mpm", "prefork"))
	}
	n := fits(g, sc, 0, ChildMB(sc, 0))
	hi := max(cur.MaxRequestWorkers, min(n+1, maxGrid))
	return family{
		name: "prefork, embedded", base: base, inner: []int{0}, lo: 1,
		hi: func(int) int { return hi },
		make: func(k, _ int) (string, []scenarios.Override) {
			start, minS := min(cur.StartServers, k), min(cur.MinSpareServers, k)
			maxS := max(min(cur.MaxSpareServers, k), minS+1)
			return preforkSets(k, start, minS, maxS)
		},
		extras: func(k, _ int) []variant {
			q := max(k/4, 1)
			var vs []variant
			for _, s := range [][3]int{{q, q, max(k/2, q+1)}, {k, k, k + 1}} {
				label, sets := preforkSets(k, s[0], s[1], s[2])
				vs = append(vs, variant{label, append(append([]scenarios.Override(nil), base...), sets...)})
			}
			return vs
		},
	}
}

func preforkSets(k, start, minS, maxS int) (string, []scenarios.Override) {
	return fmt.Sprintf("prefork: MaxRequestWorkers %d (ServerLimit %d), StartServers %d, MinSpareServers %d, MaxSpareServers %d", k, k, start, minS, maxS),
		[]scenarios.Override{ov("apache.max_request_workers", k), ov("apache.server_limit", k),
			ov("apache.start_servers", start), ov("apache.min_spare_servers", minS), ov("apache.max_spare_servers", maxS)}
}

// threadedFamily searches worker's or event's processes (ServerLimit;
// MaxRequestWorkers = ServerLimit × ThreadsPerChild) for a few
// ThreadsPerChild: embedded Python threads of one process share its GIL,
// so fewer threads per process buy more cores' worth of Python.
func threadedFamily(sc *scenarios.Scenario, g Goals, mpm string) family {
	cur := apacheFor(sc, mpm)
	var base []scenarios.Override
	if mpm != sc.Apache.MPM {
		base = append(base, ov("apache.mpm", mpm))
	}
	inner := uniqueSorted([]int{5, cur.ThreadsPerChild, 25})
	return family{
		name: mpm + ", embedded", base: base, inner: inner, lo: 1,
		hi: func(t int) int {
			n := fits(g, sc, 0, ChildMB(sc, t))
			if cur.ThreadsPerChild == t {
				return max(cur.MaxRequestWorkers/t, min(n+1, maxGrid))
			}
			return max(min(n+1, maxGrid), 1)
		},
		make: func(k, t int) (string, []scenarios.Override) {
			minT := min(cur.MinSpareThreads, k*t)
			maxT := max(cur.MaxSpareThreads, minT+t+1)
			return threadedSets(mpm, k, t, min(cur.StartServers, k), minT, maxT)
		},
		extras: func(k, t int) []variant {
			label, sets := threadedSets(mpm, k, t, k, k*t, k*t+t+1)
			return []variant{{label, append(append([]scenarios.Override(nil), base...), sets...)}}
		},
	}
}

func threadedSets(mpm string, k, t, start, minT, maxT int) (string, []scenarios.Override) {
	return fmt.Sprintf("%s: ServerLimit %d × ThreadsPerChild %d = MaxRequestWorkers %d, StartServers %d, MinSpareThreads %d, MaxSpareThreads %d",
			mpm, k, t, k*t, start, minT, maxT),
		[]scenarios.Override{ov("apache.threads_per_child", t), ov("apache.thread_limit", max(t, 64)),
			ov("apache.server_limit", k), ov("apache.max_request_workers", k*t),
			ov("apache.start_servers", start), ov("apache.min_spare_threads", minT), ov("apache.max_spare_threads", maxT)}
}

// daemonFamily searches a daemon group's threads for a few process
// counts — one, two, the cores, twice the cores: a process runs Python on
// at most one core at a time (the GIL), threads cover the waits. Apache's
// MPM keeps its settings (its children only proxy).
func daemonFamily(sc *scenarios.Scenario, g Goals, mpm, group string, switched bool) family {
	var base []scenarios.Override
	if mpm != sc.Apache.MPM {
		base = append(base, ov("apache.mpm", mpm))
	}
	if switched {
		base = append(base, ov("wsgi.process_group", group), ov("wsgi.restrict_embedded", true))
	}
	cur := apacheFor(sc, mpm)
	threads := 0
	if mpm != "prefork" {
		threads = cur.ThreadsPerChild
	}
	procs := cur.MaxRequestWorkers
	if mpm != "prefork" {
		procs = cur.MaxRequestWorkers / cur.ThreadsPerChild
	}
	proxies := float64(procs) * ProxyChildMB(sc, threads)
	most := max(fits(g, sc, proxies, DaemonMB(sc, 1)), 1)
	var inner []int
	for _, p := range uniqueSorted([]int{1, 2, sc.Host.CPUs, 2 * sc.Host.CPUs}) {
		if p <= most {
			inner = append(inner, p)
		}
	}
	if len(inner) == 0 {
		inner = []int{1}
	}
	key := "wsgi.daemon_process." + quoteKey(group)
	size := func(k, p int) (string, []scenarios.Override) {
		return fmt.Sprintf("%s, daemon mode: WSGIDaemonProcess %s processes=%d threads=%d", mpm, group, p, k),
			[]scenarios.Override{ov(key+".processes", p), ov(key+".threads", k)}
	}
	return family{
		name: mpm + ", daemon mode", base: base, inner: inner, lo: 1, stopEarly: true,
		hi:   func(int) int { return maxThreads },
		make: size,
		// queue-timeout answers 504 to a request that waited longer in
		// the daemon's backlog (checked when a thread takes it,
		// wsgi_execute_remote): under overload it sheds the requests whose
		// clients would give up anyway, so the rest are served sooner.
		extras: func(k, p int) []variant {
			var vs []variant
			for _, qt := range queueTimeouts {
				label, sets := size(k, p)
				sets = append(append(append([]scenarios.Override(nil), base...), sets...), ov(key+".queue_timeout", qt))
				vs = append(vs, variant{label + " queue-timeout=" + strings.TrimSuffix(qt, "s"), sets})
			}
			return vs
		},
	}
}

// queueTimeouts are the daemon queue-timeouts tried around the best size:
// mod_wsgi-express's 45 s and shorter.
var queueTimeouts = []string{"5s", "15s", "45s"}

// maxThreads is the most daemon threads per process searched.
const maxThreads = 64

func quoteKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Sprintf("%q", k)
		}
	}
	return k
}

func uniqueSorted(xs []int) []int {
	sort.Ints(xs)
	var out []int
	for _, x := range xs {
		if x > 0 && (len(out) == 0 || out[len(out)-1] != x) {
			out = append(out, x)
		}
	}
	return out
}
