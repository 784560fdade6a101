# forkcast runtime mode: a synthetic WSGI application driven by a scenario's
# [app] profile. The Go side prepends FORKCAST_PARAMS (the path of app.json)
# and ships this file as the WSGI script.
#
# At import (once per process and application group: lazily at the first
# request, or at process start when preloaded) it burns import_cpu of CPU,
# sleeps import_wait (as an import that reads files or connects to a
# database waits, off the CPU) and allocates and touches import_memory, so
# it is resident and private, in IMPORT_STEPS steps of CPU, wait, then
# memory, as a real import goes module after module (the simulator's
# models.importSteps is the same). Each
# request burns request_cpu of CPU (holding the GIL), sleeps request_wait
# (GIL released) and keeps request_memory_growth bytes for good.
#
# import_cpu and request_cpu are the CPU of the whole import or request,
# touching its memory included, as `simulate profile` measures a real app's:
# writing fresh pages costs CPU in page faults (about 3 ms per MiB on the
# project's VM), so the burns aim at a running total of the thread's CPU
# time and leave to the touching what it takes. A touch that costs more
# than the CPU it is given overruns it.
#
# Distributions are sampled here, with Python's random seeded from the
# scenario seed and the pid, from the kind and parameters of Go's
# scenarios.Dist (Dist.Params): const a; exp mean a; uniform [a, b];
# lognormal mu a, sigma b; gamma shape a, rate b. Means agree with Go's.
#
# It appends "import PID START END ARGV0" to import.log (times in seconds since
# the epoch; START is written first as "begin PID START ARGV0" so an import in
# progress is visible), and keeps the number of requests in progress in
# active/PID, both under the run's var directory.
import json
import os
import random
import threading
import time

_t0 = time.time()
with open(FORKCAST_PARAMS) as _f:  # noqa: F821 (prepended by the Go side)
    P = json.load(_f)

_pid = os.getpid()
try:
    with open("/proc/self/cmdline", "rb") as _f:
        _argv0 = _f.read().split(b"\0")[0].decode("utf-8", "replace").strip().replace(" ", "_") or "?"
except OSError:
    _argv0 = "?"

_rng = random.Random((int(P["seed"]) << 32) ^ _pid)
_rng_lock = threading.Lock()


def sample(d):
    kind, a, b = d["kind"], float(d["a"]), float(d["b"])
    with _rng_lock:
        if kind == "const":
            v = a
        elif kind == "exp":
            v = _rng.expovariate(1.0 / a) if a > 0 else 0.0
        elif kind == "uniform":
            v = _rng.uniform(a, b)
        elif kind == "lognormal":
            v = _rng.lognormvariate(a, b)
        elif kind == "gamma":
            v = _rng.gammavariate(a, 1.0 / b)
        else:
            raise ValueError("unknown distribution " + kind)
    return max(0.0, v)


def burn(seconds):
    """Spend this thread's CPU time, not wall time, so contention stretches it."""
    if seconds <= 0:
        return
    burn_until(time.thread_time() + seconds)


def burn_until(end):
    """Spend this thread's CPU time until its total reaches end."""
    while time.thread_time() < end:
        for _ in range(200):
            pass


def touch(n):
    """n bytes, every page written, so they are resident and private."""
    if n <= 0:
        return None
    return bytearray(b"\x01") * n


def _append(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


_var = P["var_dir"]
_append(os.path.join(_var, "import.log"), "begin %d %.6f %s\n" % (_pid, _t0, _argv0))
IMPORT_STEPS = 10
_import_cpu = sample(P["import_cpu"])
_import_wait = sample(P["import_wait"]) if "import_wait" in P else 0.0
_ballast = []
_step_bytes = int(P["import_memory"]) // IMPORT_STEPS
# With touch_cpu_per_byte (host.memory_touch_cpu), the import's own work
# is import_cpu less that for its memory, and its touches take what they
# take: more on a host that no longer backs the memory, as a real import's
# would. Without it, each step leaves room for what the last touch cost.
_warm_rate = float(P.get("touch_cpu_per_byte", 0.0))
_cpu0 = time.thread_time()
_touch_cpu = 0.0  # what the last step's touch cost: the next one leaves room for it
_touched = 0.0  # what the touches cost in all
for _i in range(IMPORT_STEPS):
    if _warm_rate > 0:
        burn_until(_cpu0 + max(0.0, _import_cpu - _warm_rate * _step_bytes * IMPORT_STEPS) * (_i + 1) / IMPORT_STEPS + _touched)
    else:
        burn_until(_cpu0 + _import_cpu * (_i + 1) / IMPORT_STEPS - _touch_cpu)
    if _import_wait > 0:
        time.sleep(_import_wait / IMPORT_STEPS)
    _a = time.thread_time()
    _ballast.append(touch(_step_bytes))
    _touch_cpu = time.thread_time() - _a
    _touched += _touch_cpu
_touch_rate = _touch_cpu / _step_bytes if _step_bytes > 0 else 0.0  # CPU per byte touched
if _warm_rate > 0:
    _touch_rate = _warm_rate
_t1 = time.time()
_append(os.path.join(_var, "import.log"), "import %d %.6f %.6f %s\n" % (_pid, _t0, _t1, _argv0))

_retained = []
_active = 0
_active_lock = threading.Lock()
_active_fd = os.open(os.path.join(_var, "active", str(_pid)), os.O_WRONLY | os.O_CREAT, 0o666)
_growth = int(P["request_memory_growth"])


def _set_active(delta):
    global _active
    with _active_lock:
        _active += delta
        os.pwrite(_active_fd, b"%8d\n" % _active, 0)


_urls = sorted(P.get("urls", {}).items(), key=lambda kv: -len(kv[0]))


def costs(path):
    """The request costs of path: those of the longest [app.urls] prefix
    that matches it, else the app's (scenarios.App.CostFor)."""
    for prefix, c in _urls:
        if path.startswith(prefix):
            return c["request_cpu"], c["request_wait"], int(c["request_memory_growth"])
    return P["request_cpu"], P["request_wait"], _growth


def application(environ, start_response):
    _set_active(1)
    try:
        cpu, wait, growth = costs(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        global _touch_rate
        # The burn leaves room for the touch at the end, at the cost per
        # byte the last touch in this process had (or, with
        # touch_cpu_per_byte, at that: a dearer touch takes longer).
        burn(sample(cpu) - growth * _touch_rate)
        w = sample(wait)
        if w > 0:
            time.sleep(w)
        if growth > 0:
            a = time.thread_time()
            _retained.append(touch(growth))
            if _warm_rate <= 0:
                _touch_rate = (time.thread_time() - a) / growth
    finally:
        _set_active(-1)
    group = environ.get("mod_wsgi.process_group", "")
    body = ("ok pid=%d group=%s\n" % (_pid, group)).encode()
    start_response("200 OK", [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
        ("X-Forkcast-Pid", str(_pid)),
        ("X-Forkcast-Group", group),
        ("X-Forkcast-Imported", "%.6f" % _t1),
    ])
    return [body]
