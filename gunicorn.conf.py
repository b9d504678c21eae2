"""gunicorn's settings for Nabuur: gunicorn reads this file when it starts in the checkout
(`nabuur serve`, `make bench`); a deployment that starts it elsewhere passes `-c` with this path.
"""

import gc

# After a worker's first requests, Django holds what it keeps for the life of the process: URL
# patterns, compiled templates, translation catalogues, some 120,000 objects. Each full pass of
# Python's garbage collector walks them all, a pause of about 50 ms every few hundred requests
# on a 2-core server, which the requests queued behind it feel. Frozen after one collection,
# they are left out of those passes, which then take a few milliseconds.
WARM_UP_REQUESTS = 20


def post_request(worker, req, environ, resp):
    worker.nabuur_requests = getattr(worker, "nabuur_requests", 0) + 1
    if worker.nabuur_requests == WARM_UP_REQUESTS:
        gc.collect()
        gc.freeze()


# Access log lines name the URL pattern, not the path: links carry tokens (operations.access_log).
logger_class = "nabuur.operations.access_log.AccessLogger"
