// Package inspect looks at a running Apache httpd on this machine, read-only:
// its parent (the PidFile, or the process tree), every child's and mod_wsgi
// daemon's memory from /proc/PID/smaps_rollup, the scoreboard from
// mod_status on localhost, the host's cores, RAM, swap and the cgroup memory
// limit of Apache's cgroup, and the Apache and mod_wsgi versions. It never
// signals or reconfigures the server.
package inspect

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/forkcast/forkcast/appprofile"
)

// Proc is one process of the server.
type Proc struct {
	Pid                       int
	Kind                      string // parent, child, daemon
	Group                     string // a daemon's process group (display-name)
	RSS, PSS, Private, Shared int64  // bytes, smaps_rollup
}

// Report is what inspect found.
type Report struct {
	Parent      int
	Found       string // how the parent was found
	Binary      string
	Procs       []Proc
	CPUs        int
	RAM, Swap   int64
	Available   int64 // MemAvailable
	CgroupLimit int64 // 0: none
	Cgroup      string
	Apache      string // apache2 -v's version line
	ModWSGI     appprofile.ModWSGI
	Scoreboard  string // server-status?auto's Scoreboard line; "" if unreachable
	StatusURL   string
	Notes       []string
}

// apacheNames are the executable names of httpd.
var apacheNames = map[string]bool{"apache2": true, "httpd": true}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

type stat struct{ pid, ppid, pgrp int }

func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 || f[0] == "Z" {
		return stat{}, false
	}
	s := stat{pid: pid}
	s.ppid, _ = strconv.Atoi(f[1])
	s.pgrp, _ = strconv.Atoi(f[2])
	return s, true
}

func allStats() []stat {
	ents, _ := os.ReadDir("/proc")
	var out []stat
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if s, ok := readStat(pid); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// FindParents returns the Apache parents running here: apache2 or httpd
// processes whose own parent is not one.
func FindParents() []int {
	var out []int
	for _, s := range allStats() {
		if apacheNames[comm(s.pid)] && !apacheNames[comm(s.ppid)] {
			out = append(out, s.pid)
		}
	}
	sort.Ints(out)
	return out
}

// Options say what to inspect.
type Options struct {
	Pid       int    // the parent; 0: from PidFile, else the process tree
	PidFile   string // from the configuration
	StatusURL string // e.g. http://127.0.0.1:80/server-status?auto; "" to skip
}

// Inspect looks at the server.
func Inspect(opt Options) (*Report, error) {
	r := &Report{}
	switch {
	case opt.Pid > 0:
		r.Parent, r.Found = opt.Pid, "--pid"
	case opt.PidFile != "":
		if b, err := os.ReadFile(opt.PidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && apacheNames[comm(pid)] {
				r.Parent, r.Found = pid, "PidFile "+opt.PidFile
			}
		}
	}
	if r.Parent == 0 {
		ps := FindParents()
		switch len(ps) {
		case 0:
			return nil, fmt.Errorf("no running Apache found (no apache2 or httpd process)")
		case 1:
			r.Parent, r.Found = ps[0], "the process tree"
		default:
			return nil, fmt.Errorf("several Apache parents run here (%v): choose one with --pid", ps)
		}
	}
	if !apacheNames[comm(r.Parent)] {
		return nil, fmt.Errorf("process %d is not apache2 or httpd (%q)", r.Parent, comm(r.Parent))
	}
	r.Binary, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", r.Parent))

	// The parent's process group, and its descendants.
	children := map[int][]int{}
	for _, s := range allStats() {
		children[s.ppid] = append(children[s.ppid], s.pid)
		if s.pgrp == r.Parent && s.pid != r.Parent && s.ppid != r.Parent {
			children[r.Parent] = append(children[r.Parent], s.pid)
		}
	}
	seen := map[int]bool{r.Parent: true}
	r.Procs = append(r.Procs, readProc(r.Parent, "parent"))
	queue := append([]int(nil), children[r.Parent]...)
	sort.Ints(queue)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] || !apacheNames[comm(pid)] {
			continue
		}
		seen[pid] = true
		p := readProc(pid, "child")
		if g := daemonGroup(pid); g != "" {
			p.Kind, p.Group = "daemon", g
		}
		r.Procs = append(r.Procs, p)
		queue = append(queue, children[pid]...)
	}

	r.CPUs = goruntime.NumCPU()
	mem := meminfo()
	r.RAM, r.Swap, r.Available = mem["MemTotal"], mem["SwapTotal"], mem["MemAvailable"]
	r.CgroupLimit, r.Cgroup = cgroupLimit(r.Parent)
	if r.Binary != "" {
		if out, err := exec.Command(r.Binary, "-v").Output(); err == nil {
			line, _, _ := strings.Cut(string(out), "\n")
			r.Apache = strings.TrimSpace(strings.TrimPrefix(line, "Server version:"))
		}
	}
	if so := loadedModule(r.Parent, "mod_wsgi"); so != "" {
		r.ModWSGI, _ = appprofile.ReadModWSGI(so)
	}
	if opt.StatusURL != "" {
		r.StatusURL = opt.StatusURL
		r.Scoreboard = scoreboard(opt.StatusURL)
		if r.Scoreboard == "" {
			r.Notes = append(r.Notes, "mod_status did not answer at "+opt.StatusURL)
		}
	}
	return r, nil
}

// daemonGroup is a mod_wsgi daemon's group from its display-name,
// "(wsgi:GROUP)"; "" for other processes.
func daemonGroup(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	a0 := strings.TrimSpace(string(bytes.SplitN(b, []byte{0}, 2)[0]))
	if strings.HasPrefix(a0, "(wsgi:") && strings.HasSuffix(a0, ")") {
		return a0[len("(wsgi:") : len(a0)-1]
	}
	return ""
}

func readProc(pid int, kind string) Proc {
	p := Proc{Pid: pid, Kind: kind}
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return p
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		n *= 1024
		switch k {
		case "Rss":
			p.RSS = n
		case "Pss":
			p.PSS = n
		case "Private_Clean", "Private_Dirty":
			p.Private += n
		case "Shared_Clean", "Shared_Dirty":
			p.Shared += n
		}
	}
	return p
}

func meminfo() map[string]int64 {
	out := map[string]int64{}
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) > 0 {
			n, _ := strconv.ParseInt(fs[0], 10, 64)
			out[k] = n * 1024
		}
	}
	return out
}

// cgroupLimit reads the memory limit of a process's cgroup: v2 memory.max,
// else v1 memory.limit_in_bytes; 0 when unlimited or unknown. Limits of
// the ancestors count too (the smallest wins).
func cgroupLimit(pid int) (int64, string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return 0, ""
	}
	var limit int64
	var where string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var base, file string
		switch {
		case f[0] == "0" && f[1] == "":
			base, file = "/sys/fs/cgroup", "memory.max"
		case strings.Contains(","+f[1]+",", ",memory,"):
			base, file = "/sys/fs/cgroup/memory", "memory.limit_in_bytes"
		default:
			continue
		}
		for dir := f[2]; ; dir = filepath.Dir(dir) {
			if v, err := os.ReadFile(filepath.Join(base, dir, file)); err == nil {
				s := strings.TrimSpace(string(v))
				if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<60 && (limit == 0 || n < limit) {
					limit, where = n, filepath.Join(base, dir, file)
				}
			}
			if dir == "/" || dir == "." || dir == "" {
				break
			}
		}
	}
	return limit, where
}

// loadedModule finds a shared object mapped into a process by name.
func loadedModule(pid int, name string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && strings.Contains(filepath.Base(f[5]), name) && strings.Contains(filepath.Base(f[5]), ".so") {
			return f[5]
		}
	}
	return ""
}

// scoreboard fetches mod_status's machine-readable page.
func scoreboard(url string) string {
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Scoreboard: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Kinds sums the processes by kind: count, PSS, largest RSS, mean private.
type Kind struct {
	Name               string
	N                  int
	PSS, Private       int64
	MaxRSS, MaxPrivate int64
	MeanPSS            int64
}

// ByKind groups the processes.
func (r *Report) ByKind() []Kind {
	idx := map[string]*Kind{}
	var order []string
	for _, p := range r.Procs {
		name := p.Kind
		if p.Kind == "daemon" {
			name = "daemon " + p.Group
		}
		k := idx[name]
		if k == nil {
			k = &Kind{Name: name}
			idx[name] = k
			order = append(order, name)
		}
		k.N++
		k.PSS += p.PSS
		k.Private += p.Private
		k.MaxRSS = max(k.MaxRSS, p.RSS)
		k.MaxPrivate = max(k.MaxPrivate, p.Private)
	}
	var out []Kind
	for _, n := range order {
		k := idx[n]
		k.MeanPSS = k.PSS / int64(k.N)
		out = append(out, *k)
	}
	return out
}

// Memory is the RAM Apache may use: the cgroup limit when lower.
func (r *Report) Memory() int64 {
	if r.CgroupLimit > 0 && r.CgroupLimit < r.RAM {
		return r.CgroupLimit
	}
	return r.RAM
}

// Apache2buddy is apache2buddy's recommendation: the RAM not used by other
// programs divided by the largest Apache process's RSS.
func (r *Report) Apache2buddy() (remaining, largest int64, workers int64) {
	var apacheRSS int64
	for _, p := range r.Procs {
		apacheRSS += p.RSS
		largest = max(largest, p.RSS)
	}
	others := r.RAM - r.Available - apacheRSS
	remaining = r.Memory() - max(others, 0)
	if largest > 0 {
		workers = remaining / largest
	}
	return remaining, largest, workers
}
