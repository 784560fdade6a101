package workload

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// A Population is one kind of client in a scenario's traffic, as both the
// simulator and runtime mode play it:
//
//   - open: connections arrive on the population's rate profile (its Pacer,
//     from Start), each one a client that makes one visit — a connection
//     carrying its requests — whatever the server does;
//   - closed: Users users all connect at Start; each makes a visit, then
//     thinks (ThinkTime) and connects again, until Stop (wrk, ab -c,
//     locust);
//   - replay: the requests of an Apache access log, at their logged times.
//
// After Stop no request starts; those in flight finish. Each population
// draws from streams of its own, named after it, so adding a population
// never changes another's traffic (common random numbers). A workload
// without [workload.population] tables is one open population named ""
// whose streams keep the names they have always had ("arrivals", "client"),
// so its traffic is what it always was.
type Population struct {
	Name    string
	Kind    string
	Start   time.Duration
	Stop    time.Duration // no request starts at or after it; the run's duration when the population has none
	Client  *scenarios.Client
	Targets Targets
	Users   int                   // closed
	Config  *scenarios.Population // the scenario's table; nil for the workload without populations
	// Observer: a [workload.observer.NAME] table's traffic, which loads the
	// server but is left out of the results.
	Observer bool

	seed   uint64
	phases []scenarios.Phase
	arr    string
}

// Populations returns a scenario's populations, sorted by name.
func Populations(sc *scenarios.Scenario) []*Population {
	w := &sc.Workload
	end := sc.Duration.Duration
	if len(w.Populations) == 0 {
		return []*Population{{Kind: "open", Stop: end, Client: &w.Client, Targets: NewTargets(&w.Client),
			seed: sc.Seed, phases: w.Phases, arr: w.Arrivals}}
	}
	return named(sc, w.Populations, false)
}

// Observers returns a scenario's observers ([workload.observer.NAME]),
// sorted by name. Their streams are their own ("arrivals/observer/NAME"),
// so adding one changes no population's draws.
func Observers(sc *scenarios.Scenario) []*Population {
	return named(sc, sc.Workload.Observers, true)
}

func named(sc *scenarios.Scenario, tables map[string]*scenarios.Population, observer bool) []*Population {
	end := sc.Duration.Duration
	var out []*Population
	for _, name := range sortedNames(tables) {
		c := tables[name]
		p := &Population{Name: name, Kind: c.Kind, Start: c.Start.Duration, Stop: end, Client: &c.Client,
			Targets: NewTargets(&c.Client), Users: c.Users, Config: c, Observer: observer,
			seed: sc.Seed, phases: c.Phases, arr: c.Arrivals}
		if c.Stop.Duration > 0 && c.Stop.Duration < end {
			p.Stop = c.Stop.Duration
		}
		out = append(out, p)
	}
	return out
}

// stream returns the name of one of the population's streams.
func (p *Population) stream(name string) string {
	switch {
	case p.Observer:
		return name + "/observer/" + p.Name
	case p.Name == "":
		return name
	}
	return name + "/" + p.Name
}

// StreamName names a stream of the population for a source of randomness
// outside the traffic (the simulator's service times): name itself for
// the workload without populations, name/POPULATION otherwise.
func (p *Population) StreamName(name string) string { return p.stream(name) }

// Pacer returns an open population's arrival instants, since the load's
// start: its phases played from Start, with no arrival at or after Stop.
func (p *Population) Pacer() Pacer {
	inner := NewPacer(p.phases, p.arr, sim.NewStreams(p.seed).Stream(p.stream("arrivals")))
	return &window{inner: inner, start: sim.Time(p.Start), stop: sim.Time(p.Stop)}
}

// ClientStreams are the population's clients' streams: an open population's
// i-th arriving client (from 1), or a closed population's user i (from 1).
func (p *Population) ClientStreams() sim.Substreams {
	return sim.NewStreams(p.seed).Substreams(p.stream("client"))
}

// Client returns the generator of client (or user) i's draws.
func (p *Population) ClientRand(i uint64) *rand.Rand {
	pcg := p.ClientStreams().PCG(i)
	return rand.New(&pcg)
}

// window plays a pacer shifted to start at start, and cut at stop.
type window struct {
	inner       Pacer
	start, stop sim.Time
}

// Next implements Pacer.
func (w *window) Next(now sim.Time) (sim.Time, bool) {
	local := now - w.start
	if local < 0 {
		local = -1 // before the population starts: arrivals from its own 0 on
	}
	t, ok := w.inner.Next(local)
	if !ok || t+w.start >= w.stop {
		return 0, false
	}
	return t + w.start, true
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LogPath returns where a replay population's log is: its log key, relative
// to the directory of the scenario file (scenarioSource; a built-in
// scenario's, or an absolute path, is taken as it is).
func (p *Population) LogPath(scenarioSource string) string {
	path := p.Config.Log
	if filepath.IsAbs(path) || scenarioSource == "" || strings.HasPrefix(scenarioSource, "builtin:") {
		return path
	}
	return filepath.Join(filepath.Dir(scenarioSource), path)
}

// OpenReplay opens a replay population's log and returns its replay and
// the function that closes the log. The log's format and the replay's
// options are the population's; a thinned or duplicated replay draws from
// the population's "replay" stream. Before it returns, the whole log is
// checked (CheckLog), so a log past max_malformed is refused before
// anything runs, with the file and its first bad lines. Errors are
// *scenarios.Error values naming the population's keys, so a command
// reports them as bad input.
func (p *Population) OpenReplay(scenarioSource string) (*Replay, func() error, error) {
	key := "workload.population." + p.Name
	bad := func(k string, err error) error {
		return &scenarios.Error{File: scenarioSource, Key: key + "." + k, Msg: err.Error()}
	}
	c := p.Config
	f, err := ParseLogFormat(c.LogFormat)
	if err != nil {
		return nil, nil, bad("log_format", err)
	}
	path := p.LogPath(scenarioSource)
	check, err := os.Open(path)
	if err != nil {
		return nil, nil, bad("log", fmt.Errorf("cannot read the log: %v", err))
	}
	_, err = CheckLog(check, path, f, c.MaxMalformed)
	check.Close()
	if err != nil {
		return nil, nil, bad("log", err)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, bad("log", fmt.Errorf("cannot read the log: %v", err))
	}
	o := ReplayOptions{WindowStart: c.WindowStart.Duration, WindowEnd: c.WindowEnd.Duration, Rate: c.Multiply, Speed: c.Speed, MaxMalformed: c.MaxMalformed}
	rng := sim.NewStreams(p.seed).Stream(p.stream("replay"))
	r, err := NewReplay(bufio.NewReaderSize(file, 1<<16), path, f, o, rng)
	if err != nil {
		file.Close()
		return nil, nil, bad("log", err)
	}
	return r, file.Close, nil
}
