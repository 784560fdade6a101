# Imports slowly by waiting: 0.4 s asleep, as on a slow database or network.
import time
time.sleep(0.4)
import mod_wsgi

GROUP = mod_wsgi.process_group


def application(environ, start_response):
    if environ["PATH_INFO"] == "/db":
        time.sleep(0.1)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [GROUP.encode()]
