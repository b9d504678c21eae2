"""When the worker reminds a coordinator of a police message left waiting (issue 16, point 1),
on the pinned clock: not at 47 h 59 min, at 48 h 01 min, and only once however often the worker
runs. The real `nabuur worker` sends over SMTP to aiosmtpd."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import TestCase

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.messaging import compose
from nabuur.messaging.models import MessageKind, MessageState

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DEADLINE = datetime.timedelta(hours=48)
REMINDER = "Reminder: something in %(name)s waits for you"


@pytest.fixture
def sink(settings):
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    yield sink
    sink.stop()


@pytest.fixture
def waiting_message(bin_a, coordinator_a, officer_a, sink):
    """A police message submitted at NOW, waiting for BIN A's coordinator; the e-mails of the
    submission already sent."""
    # A BIN that began this year: last year's evaluation does not wait for signatures too.
    bin_a.start_date = datetime.date(2027, 1, 15)
    bin_a.save(update_fields=["start_date"])
    factories.MembershipFactory(network=bin_a)
    with clock.frozen_at(NOW), TestCase.captureOnCommitCallbacks(execute=True):
        draft = compose.create_draft(
            officer_a,
            kind=MessageKind.FEEDBACK,
            networks=[bin_a],
            variants={"nl": ("Inbraken in de wijk", "Sluit uw ramen en deuren.")},
        )
        [message] = compose.submit_message(draft, officer_a, now=NOW)
    assert message.state == MessageState.AWAITING_FORWARD
    work(NOW)
    sink.envelopes.clear()
    return message


def work(moment):
    """`nabuur worker --until-empty` at `moment`."""
    with clock.frozen_at(moment):
        call_command("worker", "--until-empty")


def reminders(sink, coordinator):
    return [
        received.rcpt_tos
        for received in sink.envelopes
        if received.message["Subject"] == nl(REMINDER, name="BIN Centrum")
        and coordinator.email in received.rcpt_tos
    ]


def test_no_reminder_at_47_h_59_min(waiting_message, sink, coordinator_a):
    work(NOW + DEADLINE - MINUTE)
    assert sink.envelopes == []
    waiting_message.refresh_from_db()
    assert waiting_message.reminded_at is None
    assert not AuditEntry.objects.filter(action="escalation.reminded").exists()


def test_one_reminder_at_48_h_01_min_however_often_the_worker_runs(
    waiting_message, sink, coordinator_a
):
    work(NOW + DEADLINE + MINUTE)
    assert [received.rcpt_tos for received in sink.envelopes] == [[coordinator_a.email]]
    assert reminders(sink, coordinator_a) == [[coordinator_a.email]]
    waiting_message.refresh_from_db()
    assert waiting_message.reminded_at == NOW + DEADLINE + MINUTE

    # The worker again at once, and at each of its rounds until just before the hand-over.
    work(NOW + DEADLINE + MINUTE)
    work(NOW + DEADLINE + 30 * MINUTE)
    work(NOW + 2 * DEADLINE - MINUTE)
    assert len(sink.envelopes) == 1
    assert AuditEntry.objects.filter(action="escalation.reminded").count() == 1
    waiting_message.refresh_from_db()
    assert (waiting_message.reminded_at, waiting_message.handed_over_at) == (
        NOW + DEADLINE + MINUTE,
        None,
    )


def test_a_worker_that_looked_just_before_the_deadline_reminds_at_its_next_round(
    waiting_message, sink, coordinator_a
):
    # The job looks every quarter of an hour: the reminder is at most that late.
    work(NOW + DEADLINE - MINUTE)
    work(NOW + DEADLINE + 14 * MINUTE)
    assert reminders(sink, coordinator_a) == [[coordinator_a.email]]
    waiting_message.refresh_from_db()
    assert waiting_message.reminded_at == NOW + DEADLINE + 14 * MINUTE


# --- An evaluation opened late ------------------------------------------------------------


def test_an_evaluation_opened_after_its_deadline_is_not_reminded_at_once(
    bin_a, coordinator_a, officer_a, sink
):
    """A BIN that ran last year, on an install that starts in March: its evaluation opens
    then, and its partners are told it is open; a reminder in the same minute, and a hand-over
    to the others, would be for something nobody could have done yet."""
    bin_a.start_date = datetime.date(2026, 1, 1)
    bin_a.save(update_fields=["start_date"])
    work(NOW)
    evaluation = bin_a.evaluations.get()
    assert (evaluation.year, evaluation.opened_at) == (2026, NOW)
    assert sorted(address for received in sink.envelopes for address in received.rcpt_tos) == (
        sorted([coordinator_a.email, officer_a.email])
    )
    assert not AuditEntry.objects.filter(action__startswith="escalation.").exists()

    # The zone's 30 days count from the day of the opening, Belgian time (the job looks
    # every 6 hours).
    sink.envelopes.clear()
    deadline = datetime.datetime(2027, 3, 31, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    work(deadline - 6 * HOUR)
    assert sink.envelopes == []
    work(deadline + MINUTE)
    # Neither side has signed: both are reminded.
    assert sorted(address for received in sink.envelopes for address in received.rcpt_tos) == (
        sorted([coordinator_a.email, officer_a.email])
    )
    evaluation.refresh_from_db()
    assert (evaluation.last_reminder_at, evaluation.handed_over_at) == (deadline + MINUTE, None)
