"""The zone administrator's dashboard says whether the install works (#18 point 5): the worker,
the outbox and what failed, as /healthz does for machines."""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from nabuur.lib import clock
from nabuur.operations.models import JobRun, WorkerHeartbeat

from . import factories
from .i18n import nl

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock():
    with clock.frozen_at(NOW):
        yield


def dashboard(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    response = client.get("/nl/staff/")
    assert response.status_code == 200
    return response


def beat(seconds_ago):
    moment = NOW - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(host="web1", pid=1, started_at=moment, last_seen=moment)


def health(response):
    return next(p for p in response.context["panels"] if "health" in p.context).context["health"]


def test_a_running_worker_and_an_empty_outbox_read_as_working(client, zone_admin):
    beat(seconds_ago=20)
    response = dashboard(client, zone_admin)
    state = health(response)
    assert (state.worker_alive, state.due, state.failed_jobs, state.healthy) == (
        True,
        0,
        [],
        True,
    )
    assert escape(nl("Is Nabuur working?")) in response.text
    assert nl("Working") in response.text
    assert escape(nl("No e-mail is waiting to be sent.")) in response.text


def test_a_stopped_worker_and_stuck_e_mails_need_attention(client, zone_admin, bin_a):
    beat(seconds_ago=2 * 3600)
    message = factories.MessageFactory(targets=[bin_a])
    for minutes in (90, 5):
        factories.DeliveryFactory(
            message=message, state="queued", next_attempt_at=NOW - timedelta(minutes=minutes)
        )
    factories.DeliveryFactory(message=message, state="queued", next_attempt_at=NOW + timedelta(1))
    response = dashboard(client, zone_admin)
    state = health(response)
    assert (state.worker_alive, state.due, state.oldest_due_at, state.healthy) == (
        False,
        2,
        NOW - timedelta(minutes=90),
        False,
    )
    assert nl("Needs attention") in response.text
    # Django's own words for durations, with its no-break spaces.
    assert "2\xa0uur" in response.text
    assert "1\xa0uur, 30\xa0minuten" in response.text


def test_a_worker_that_never_ran_is_named(client, zone_admin):
    response = dashboard(client, zone_admin)
    assert health(response).last_heartbeat is None
    assert (
        escape(nl("The worker that sends e-mail and runs the reminders has never run."))
        in response.text
    )


def test_failed_and_bounced_e_mails_and_failing_tasks_are_counted(client, zone_admin, bin_a):
    beat(seconds_ago=5)
    message = factories.MessageFactory(targets=[bin_a])
    for state in ("failed", "bounced", "bounced", "sent"):
        factories.DeliveryFactory(message=message, state=state)
    JobRun.objects.create(name="messaging.escalate", last_error="Traceback …")
    JobRun.objects.create(name="members.end_pauses", last_error="")
    response = dashboard(client, zone_admin)
    state = health(response)
    assert state.failures == [
        (nl("E-mails that could not be sent after every attempt"), 1),
        (nl("E-mails returned as undeliverable (bounced)"), 2),
    ]
    assert [job.name for job in state.failed_jobs] == ["messaging.escalate"]
    assert state.healthy is False
    assert "<code>messaging.escalate</code>" in response.text
    assert "members.end_pauses" not in response.text


def test_only_zone_administrators_see_it(client, coordinator_a, municipality_contact):
    for person in (coordinator_a, municipality_contact):
        client.logout()
        response = dashboard(client, person)
        assert [p for p in response.context["panels"] if "health" in p.context] == []
        assert escape(nl("Is Nabuur working?")) not in response.text


def test_the_panel_costs_four_queries_whatever_the_outbox_holds(client, zone_admin, bin_a):
    beat(seconds_ago=5)

    def panel_queries():
        from nabuur.operations import health as health_module

        with CaptureQueriesContext(connection) as queries:
            health_module.overview()
        return len(queries)

    before = panel_queries()
    message = factories.MessageFactory(targets=[bin_a])
    for state in ("queued", "failed", "bounced") * 5:
        factories.DeliveryFactory(message=message, state=state, next_attempt_at=NOW)
    JobRun.objects.create(name="messaging.escalate", last_error="Traceback …")
    assert (before, panel_queries()) == (4, 4)
    dashboard(client, zone_admin)
