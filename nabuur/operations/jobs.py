"""Periodic jobs that `nabuur worker` runs: purges, reinstatements, reminders, the outbox.

An app declares a job in its own `jobs.py`:

    from nabuur.operations.jobs import periodic

    @periodic("members.purge_unconfirmed", every=timedelta(hours=1))
    def purge_unconfirmed(now):
        ...
        return count_of_things_done

A job receives the worker's clock and returns how much work it did (0 when nothing was due),
which lets `nabuur worker --until-empty` stop once everything is done.
"""

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult

from .models import JobRun, RateCounter, WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: object


_registry: dict[str, PeriodicJob] = {}


def periodic(name, every):
    def register(func):
        _registry[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register


def registered_jobs():
    autodiscover_modules("jobs")
    return sorted(_registry.values(), key=lambda job: job.name)


def _claim(job, now):
    """Mark the job as started if it is due; False when another worker got there first."""
    JobRun.objects.get_or_create(name=job.name)
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(name=job.name)
        if run.last_started_at is not None and now < run.last_started_at + job.every:
            return False
        run.last_started_at = now
        run.save(update_fields=["last_started_at"])
    return True


def run_due_jobs(now):
    """Run every job whose period has passed; return the total work they reported."""
    done = 0
    for job in registered_jobs():
        if not _claim(job, now):
            continue
        error = ""
        try:
            done += job.func(now) or 0
        except Exception:
            # One failing job must not stop the others; the error is kept for `nabuur stats`.
            error = traceback.format_exc()
            logger.exception("periodic job %s failed", job.name)
        JobRun.objects.filter(name=job.name).update(last_finished_at=now, last_error=error)
    return done


@periodic("operations.delete_expired_rate_counters", every=timedelta(hours=1))
def delete_expired_rate_counters(now):
    return RateCounter.objects.delete_expired(now)


# A finished task's row keeps its arguments: a visitor's e-mail address, name and address for a
# sign-up. Nothing needs them a day later.
@periodic("operations.prune_finished_tasks", every=timedelta(hours=1))
def prune_finished_tasks(now):
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=1))
    return finished.delete()[0]


# A stopped worker's heartbeat tells how long ago it stopped; after a day the row only grows the
# table (every start makes one: a new pid).
@periodic("operations.delete_old_heartbeats", every=timedelta(hours=1))
def delete_old_heartbeats(now):
    return WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()[0]
