"""Run the whole product in one terminal: the web server and the worker.

`make run` uses this. gunicorn serves the site; `nabuur worker` runs beside it and both stop
together on Ctrl+C.
"""

import contextlib
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and the worker together (for the demo and small installs)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host, port, web_workers, **options):
        bindir = os.path.dirname(sys.executable)
        environment = served_environment(host, port)
        worker = subprocess.Popen([os.path.join(bindir, "nabuur"), "worker"], env=environment)
        web = subprocess.Popen(
            [
                os.path.join(bindir, "gunicorn"),
                "nabuur.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--access-logfile",
                "-",
                # Else gunicorn opens ~/.gunicorn/gunicorn.ctl, shared by every server on the
                # machine: a second `make run` (another port) would take the first one's socket.
                "--no-control-socket",
            ],
            env=environment,
        )
        self.stdout.write(f"Nabuur is running on http://{host}:{port}/ (Ctrl+C stops it)")
        try:
            # Whichever stops first takes the other down with it.
            while worker.poll() is None and web.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    web.wait(timeout=1)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def served_environment(host, port):
    """The environment of the web server and the worker.

    In the demo, links in e-mails lead to the address actually served (`make run PORT=8123`),
    unless NABUUR_BASE_URL says otherwise; a production site always names its address.
    """
    environment = dict(os.environ)
    if settings.DEMO and not environment.get("NABUUR_BASE_URL"):
        # A server listening on every interface is still reached on this machine as 127.0.0.1.
        reachable = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
        if ":" in reachable:
            reachable = f"[{reachable}]"
        environment["NABUUR_BASE_URL"] = f"http://{reachable}:{port}"
    return environment
