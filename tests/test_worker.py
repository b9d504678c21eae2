"""`nabuur worker --until-empty`: periodic jobs and queued tasks, then exit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from nabuur.lib import clock
from nabuur.operations import jobs
from nabuur.operations.models import JobRun

pytestmark = pytest.mark.django_db(transaction=True)

NEW_YEAR = "2027-01-01T08:00+01:00"
NEW_YEAR_UTC = datetime(2027, 1, 1, 7, 0, tzinfo=UTC)


@task
def add(a, b):
    return a + b


@pytest.fixture(autouse=True)
def own_jobs(monkeypatch):
    """Only the jobs a test defines run, and `--now` does not leak into the next test."""
    # Import every app's jobs.py first, so their jobs stay in the real registry.
    jobs.registered_jobs()
    monkeypatch.setattr(jobs, "_registry", {})
    yield
    clock.set_now(None)


def run_worker(*args):
    call_command("worker", "--until-empty", *args)


def test_worker_runs_a_due_job_at_the_pinned_time_and_exits():
    seen = []

    @jobs.periodic("test.greet", every=timedelta(hours=1))
    def greet(now):
        seen.append(now)
        return 1

    run_worker("--now", NEW_YEAR)

    assert seen == [NEW_YEAR_UTC]
    assert seen[0].utcoffset() == timedelta(hours=1)
    run = JobRun.objects.get(name="test.greet")
    assert (run.last_started_at, run.last_finished_at, run.last_error) == (
        NEW_YEAR_UTC,
        NEW_YEAR_UTC,
        "",
    )


def test_worker_runs_queued_tasks_until_the_queue_is_empty():
    results = [add.enqueue(1, 2), add.enqueue(20, 22)]

    run_worker()

    rows = DBTaskResult.objects.filter(id__in=[result.id for result in results])
    assert sorted((row.status, row.return_value) for row in rows) == [
        (TaskResultStatus.SUCCESSFUL, 3),
        (TaskResultStatus.SUCCESSFUL, 42),
    ]
    assert DBTaskResult.objects.ready().count() == 0


def test_a_failing_job_does_not_stop_the_others_and_its_error_is_kept():
    ran = []

    @jobs.periodic("test.a_broken", every=timedelta(hours=1))
    def broken(now):
        raise RuntimeError("the printer is on fire")

    @jobs.periodic("test.b_fine", every=timedelta(hours=1))
    def fine(now):
        ran.append(now)
        return 1

    run_worker("--now", NEW_YEAR)

    assert ran == [NEW_YEAR_UTC]
    broken_run = JobRun.objects.get(name="test.a_broken")
    assert broken_run.last_finished_at == NEW_YEAR_UTC
    assert broken_run.last_error.startswith("Traceback (most recent call last):")
    assert broken_run.last_error.rstrip().endswith("RuntimeError: the printer is on fire")
    assert JobRun.objects.get(name="test.b_fine").last_error == ""


def test_a_job_runs_at_most_once_per_period_across_invocations():
    seen = []

    @jobs.periodic("test.daily", every=timedelta(days=1))
    def daily(now):
        seen.append(now)
        return 1

    run_worker("--now", NEW_YEAR)
    run_worker("--now", "2027-01-01T23:59+01:00")
    assert seen == [NEW_YEAR_UTC]

    run_worker("--now", "2027-01-02T08:00+01:00")
    assert seen == [NEW_YEAR_UTC, NEW_YEAR_UTC + timedelta(days=1)]


def test_now_without_a_time_zone_is_refused():
    with pytest.raises(CommandError, match="--now needs a time zone"):
        run_worker("--now", "2027-01-01T08:00")
