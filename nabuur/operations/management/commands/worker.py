"""`nabuur worker`: runs the task queue and the periodic jobs, forever or until nothing is due."""

import signal
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from nabuur.lib import clock
from nabuur.operations.health import beat
from nabuur.operations.jobs import run_due_jobs


def run_queued_tasks():
    """Run every task that is ready now; return how many there were."""
    before = DBTaskResult.objects.ready().count()
    if not before:
        return 0
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    ).run()
    return before


class Command(BaseCommand):
    help = "Run queued tasks and periodic jobs (purges, reinstatements, reminders, e-mail)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="Run what is due now, then exit.",
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between rounds.")
        parser.add_argument(
            "--now",
            help="Pretend it is this moment (ISO 8601 with a time zone), for tests and rehearsals.",
        )

    def handle(self, *args, until_empty, interval, now, **options):
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now: {error}") from error
            if moment.tzinfo is None:
                raise CommandError("--now needs a time zone, e.g. 2027-01-01T08:00+01:00.")
            clock.set_now(moment)

        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        # The health check counts a worker alive from its first round, not after BEAT_EVERY.
        beat(force=True)
        while self.running:
            close_old_connections()
            beat()
            done = run_due_jobs(clock.now()) + run_queued_tasks()
            if until_empty and not done:
                break
            if not done:
                time.sleep(interval)
