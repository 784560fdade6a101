# Imports slowly by CPU: 0.4 s of busy work at import.
import time
_end = time.process_time() + 0.4
while time.process_time() < _end:
    pass


def application(environ, start_response):
    # 50 ms of CPU per request to /work, nothing for others.
    if environ["PATH_INFO"] == "/work":
        end = time.process_time() + 0.05
        while time.process_time() < end:
            pass
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
