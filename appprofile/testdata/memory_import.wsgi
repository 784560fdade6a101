# Allocates and touches 50 MiB at import, and 1 MiB per request to /leak.
DATA = bytearray(b"\x01") * (50 << 20)
LEAKED = []


def application(environ, start_response):
    if environ["PATH_INFO"] == "/leak":
        LEAKED.append(bytearray(b"\x02") * (1 << 20))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
