"""gunicorn's settings for Nabuur: gunicorn reads this file when it starts in the checkout
(`nabuur serve`, `make bench`); a deployment that starts it elsewhere passes `-c` with this path.
"""

import gc
import logging
import threading

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


def _warm_pdf():
    try:
        from nabuur.lib import pdf

        pdf.prepare()
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first PDF pays it
        logging.getLogger("nabuur.pdf").warning("PDF engine not prepared", exc_info=True)


def post_worker_init(worker):
    # WeasyPrint's import and stylesheet cost about 2 s of CPU (and 37 MB): paid in the
    # background when a worker starts, not by the first person who asks for a charter or an
    # evaluation. A thread, so the worker answers requests at once.
    threading.Thread(target=_warm_pdf, name="warm-pdf", daemon=True).start()


# Access log lines name the URL pattern, not the path: links carry tokens (operations.access_log).
logger_class = "nabuur.operations.access_log.AccessLogger"
