# forkcast's harness: import a WSGI script as mod_wsgi would, and measure.
# Usage: python3 harness.py SPEC_JSON ; writes one JSON document to fd 3.
import gc, hashlib, io, json, os, sys, time, traceback, types

spec = json.loads(sys.argv[1])
out = os.fdopen(3, "w")


def schedstat():
    # (cpu ns, run-queue delay ns) summed over the process's threads.
    cpu = delay = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/schedstat" % tid) as f:
                a = f.read().split()
            cpu += int(a[0])
            delay += int(a[1])
        except OSError:
            pass
    return cpu, delay


def private():
    kb = 0
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Private_Clean", "Private_Dirty"):
                kb += int(v.split()[0])
    return kb * 1024


def measure(fn):
    gc.collect()
    m0 = private()
    c0, d0 = schedstat()
    w0 = time.perf_counter_ns()
    err = None
    try:
        fn()
    except BaseException:
        err = traceback.format_exc()
    w1 = time.perf_counter_ns()
    c1, d1 = schedstat()
    m1 = private()
    return {"cpu": (c1 - c0) / 1e9, "wall": (w1 - w0) / 1e9, "delay": (d1 - d0) / 1e9,
            "memory": m1 - m0, "error": err}


# The mod_wsgi module as a script sees it (wsgi_interp.c).
mw = types.ModuleType("mod_wsgi")
mw.version = tuple(spec["version"])
mw.process_group = spec["process_group"]
mw.application_group = spec["application_group"]
mw.maximum_processes = spec["maximum_processes"]
mw.threads_per_process = spec["threads_per_process"]
sys.modules["mod_wsgi"] = mw

script = spec["script"]
sys.path.insert(0, os.path.dirname(script))
name = "_mod_wsgi_" + hashlib.md5(script.encode()).hexdigest()
module = types.ModuleType(name)
module.__file__ = script
sys.modules[name] = module


def load():
    with open(script, "rb") as f:
        code = compile(f.read(), script, "exec")
    exec(code, module.__dict__)


result = {"import": measure(load), "requests": []}
app = getattr(module, spec["callable"], None)
if result["import"]["error"] is None and app is None:
    result["import"]["error"] = "mod_wsgi would answer 500: Target WSGI script '%s' does not contain WSGI application '%s'." % (script, spec["callable"])

if result["import"]["error"] is None:
    for url in spec["urls"]:
        path, _, query = url.partition("?")
        for _ in range(spec["requests"]):
            status = []

            def start_response(s, headers, exc_info=None):
                status.append(s)
                return lambda data: None

            environ = {
                "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
                "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "REQUEST_URI": url,
                "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr, "wsgi.multithread": spec["threads_per_process"] != 1,
                "wsgi.multiprocess": spec["maximum_processes"] != 1, "wsgi.run_once": False,
                "wsgi.input_terminated": True,
                "mod_wsgi.process_group": spec["process_group"],
                "mod_wsgi.application_group": spec["application_group"],
                "mod_wsgi.version": tuple(spec["version"]),
            }

            def call():
                body = app(environ, start_response)
                try:
                    for _ in body:
                        pass
                finally:
                    if hasattr(body, "close"):
                        body.close()

            r = measure(call)
            r["url"] = url
            r["status"] = status[0] if status else ""
            result["requests"].append(r)
            if r["error"]:
                break
json.dump(result, out)
out.close()
