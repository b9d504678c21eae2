"""Run the whole product in one terminal: the web server and the worker.

`make run` uses this. gunicorn serves the site; `nabuur worker` runs beside it and both stop
together on Ctrl+C.
"""

import contextlib
import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and the worker together (for the demo and small installs)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, host, port, web_workers, **options):
        bindir = os.path.dirname(sys.executable)
        worker = subprocess.Popen([os.path.join(bindir, "nabuur"), "worker"])
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
            ]
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
