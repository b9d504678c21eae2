"""Quiet hours: an e-mail due while the member asked for none waits until their quiet hours end.

Members save "no messages between 22:00 and 07:00" per membership (Membership.quiet_from and
quiet_to, Belgian time). Queueing sets each e-mail's first attempt after them
(messaging.recipients decides), and the worker holds back a row that comes due in them later
(a retry, a pause that ends at midnight, quiet hours saved after queueing). A held e-mail counts
as waiting, and the message is sent once nothing but such e-mails remain.
"""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nabuur.lib import clock
from nabuur.members.forms import QuietHoursForm
from nabuur.members.models import MembershipStatus
from nabuur.members.services import set_quiet_hours
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import (
    Delivery,
    DeliveryState,
    HoldReason,
    Message,
    MessageKind,
    MessageState,
)
from nabuur.messaging.recipients import after_quiet_hours
from nabuur.messaging.services import queue_message

from . import factories
from .smtp_sink import SmtpSink
from .test_delivery import add_variant
from .test_outbox import make_message

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
NIGHT = (datetime.time(22), datetime.time(7))
LUNCH = (datetime.time(12), datetime.time(14))


def local(*args):
    """An aware moment in Belgian time."""
    return datetime.datetime(*args, tzinfo=BRUSSELS)


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def sink(settings):
    server = SmtpSink().start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


def member(network, quiet=None, **fields):
    quiet_from, quiet_to = quiet or (None, None)
    return factories.MembershipFactory(
        network=network, quiet_from=quiet_from, quiet_to=quiet_to, **fields
    )


def queued_to(*networks, now, kind=MessageKind.PREVENTION):
    message = make_message(*networks, kind=kind)
    add_variant(message)
    queue_message(message, now=now)
    return message


def row_of(membership):
    return Delivery.objects.get(user=membership.user)


# --- The rule ----------------------------------------------------------------------------------


def test_a_night_window_ends_the_next_morning_in_belgian_time():
    assert after_quiet_hours(local(2027, 3, 1, 23, 30), [NIGHT]) == local(2027, 3, 2, 7)
    assert after_quiet_hours(local(2027, 3, 2, 6, 59), [NIGHT]) == local(2027, 3, 2, 7)
    # The window starts at 22:00 sharp and is over at 07:00 sharp.
    assert after_quiet_hours(local(2027, 3, 1, 22), [NIGHT]) == local(2027, 3, 2, 7)
    assert after_quiet_hours(local(2027, 3, 2, 7), [NIGHT]) == local(2027, 3, 2, 7)
    assert after_quiet_hours(local(2027, 3, 1, 21, 59), [NIGHT]) == local(2027, 3, 1, 21, 59)


def test_a_night_across_the_change_to_summer_time_ends_at_seven_local():
    # 28 March 2027, 02:00 CET becomes 03:00 CEST: the night is an hour shorter.
    late = local(2027, 3, 27, 23)
    assert late == utc(2027, 3, 27, 22)
    assert after_quiet_hours(late, [NIGHT]) == utc(2027, 3, 28, 5)
    # 31 October 2027, 03:00 CEST becomes 02:00 CET: an hour longer.
    assert after_quiet_hours(utc(2027, 10, 30, 21), [NIGHT]) == utc(2027, 10, 31, 6)


def test_a_window_within_one_day():
    assert after_quiet_hours(local(2027, 3, 1, 12, 30), [LUNCH]) == local(2027, 3, 1, 14)
    assert after_quiet_hours(local(2027, 3, 1, 11, 59), [LUNCH]) == local(2027, 3, 1, 11, 59)
    assert after_quiet_hours(local(2027, 3, 1, 14), [LUNCH]) == local(2027, 3, 1, 14)
    assert after_quiet_hours(local(2027, 3, 1, 23), [LUNCH]) == local(2027, 3, 1, 23)


def test_of_two_memberships_quiet_hours_the_e_mail_waits_for_the_later_end():
    later = (datetime.time(23), datetime.time(8))
    assert after_quiet_hours(local(2027, 3, 1, 23, 30), [NIGHT, later]) == local(2027, 3, 2, 8)
    # Only the first has begun at 22:30; at its end the second still runs.
    assert after_quiet_hours(local(2027, 3, 1, 22, 30), [NIGHT, later]) == local(2027, 3, 2, 8)
    # Windows that do not touch: only the one the moment falls in counts.
    assert after_quiet_hours(local(2027, 3, 1, 13), [NIGHT, LUNCH]) == local(2027, 3, 1, 14)


def test_no_quiet_hours_and_an_empty_window_hold_nothing():
    moment = local(2027, 3, 1, 23)
    assert after_quiet_hours(moment, []) == moment
    assert after_quiet_hours(moment, [(datetime.time(22), datetime.time(22))]) == moment


def test_windows_that_cover_the_whole_day_do_not_hold_the_e_mail_for_ever():
    day = [(datetime.time(0), datetime.time(12)), (datetime.time(12), datetime.time(0))]
    held = after_quiet_hours(local(2027, 3, 1, 9), day)
    assert local(2027, 3, 1, 9) <= held <= local(2027, 3, 2, 12)


# --- Queueing ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MessageKind.values)
def test_queueing_in_quiet_hours_holds_every_class_of_message_until_they_end(bin_a, kind):
    quiet = member(bin_a, NIGHT)
    awake = member(bin_a)

    queued_to(bin_a, now=local(2027, 3, 1, 23, 30), kind=kind)

    held = row_of(quiet)
    assert (held.next_attempt_at, held.held_for) == (local(2027, 3, 2, 7), HoldReason.QUIET_HOURS)
    free = row_of(awake)
    assert (free.next_attempt_at, free.held_for) == (local(2027, 3, 1, 23, 30), "")


@pytest.mark.django_db
def test_queueing_outside_quiet_hours_holds_nothing(bin_a):
    quiet = member(bin_a, NIGHT)
    queued_to(bin_a, now=local(2027, 3, 1, 21))
    assert (row_of(quiet).next_attempt_at, row_of(quiet).held_for) == (local(2027, 3, 1, 21), "")


@pytest.mark.django_db
def test_queueing_across_the_change_to_summer_time(bin_a):
    quiet = member(bin_a, NIGHT)
    queued_to(bin_a, now=utc(2027, 3, 27, 22, 30))
    assert row_of(quiet).next_attempt_at == utc(2027, 3, 28, 5)


@pytest.mark.django_db
def test_queueing_in_a_window_within_one_day(bin_a):
    quiet = member(bin_a, LUNCH)
    queued_to(bin_a, now=local(2027, 3, 1, 12, 30))
    assert row_of(quiet).next_attempt_at == local(2027, 3, 1, 14)


@pytest.mark.django_db
def test_an_e_mail_for_two_memberships_waits_for_the_later_end(bin_a, bin_b, municipality):
    both = member(bin_a, NIGHT)
    member(bin_b, (datetime.time(23), datetime.time(8)), user=both.user)
    # A BIN the message does not go to: its quiet hours are not this e-mail's.
    elsewhere = factories.NetworkFactory(municipality=municipality)
    member(elsewhere, (datetime.time(0), datetime.time(10)), user=both.user)

    queued_to(bin_a, bin_b, now=local(2027, 3, 1, 22, 30))

    assert row_of(both).next_attempt_at == local(2027, 3, 2, 8)


@pytest.mark.django_db
def test_a_pause_that_ends_in_quiet_hours_waits_for_their_end_too(bin_a):
    paused = member(
        bin_a, NIGHT, status=MembershipStatus.PAUSED, paused_until=datetime.date(2027, 3, 10)
    )
    queued_to(bin_a, now=local(2027, 3, 1, 10))
    # The pause ends at local midnight after its last day, inside the night's quiet hours.
    held = row_of(paused)
    assert (held.next_attempt_at, held.held_for) == (local(2027, 3, 11, 7), HoldReason.PAUSE)


@pytest.mark.django_db
def test_queueing_with_quiet_hours_takes_as_many_queries_for_three_people_as_for_one(bin_a):
    def queries_to_queue(people):
        network = factories.NetworkFactory(municipality=bin_a.municipality)
        for _ in range(people):
            member(network, NIGHT)
            member(network, LUNCH)
            member(network)
        message = make_message(network)
        with CaptureQueriesContext(connection) as queries:
            queue_message(message, now=local(2027, 3, 1, 23))
        held = message.deliveries.filter(held_for=HoldReason.QUIET_HOURS)
        assert held.count() == people
        return len(queries)

    assert queries_to_queue(1) == queries_to_queue(3)


# --- The worker -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_held_e_mail_counts_as_waiting_and_goes_out_when_quiet_hours_end(sink, bin_a):
    quiet = member(bin_a, NIGHT)
    member(bin_a)
    message = queued_to(bin_a, now=local(2027, 3, 27, 23))

    with clock.frozen_at(local(2027, 3, 27, 23)):
        assert deliver_due() == 1
    message.refresh_from_db()
    # Nothing but the held e-mail remains: the message is sent, the e-mail waits.
    assert message.state == MessageState.SENT
    assert message.delivery_totals == {"sent": 1, "waiting_quiet_hours": 1}
    assert row_of(quiet).state == DeliveryState.QUEUED

    with clock.frozen_at(utc(2027, 3, 28, 4, 59)):
        assert deliver_due() == 0
    with clock.frozen_at(utc(2027, 3, 28, 5)):
        assert deliver_due() == 1
    assert row_of(quiet).state == DeliveryState.SENT
    assert len(sink.envelopes) == 2
    message.refresh_from_db()
    assert message.delivery_totals == {"sent": 2}


@pytest.mark.django_db
def test_a_retry_that_falls_in_quiet_hours_waits_until_they_end(sink, bin_a):
    quiet = member(bin_a, NIGHT)
    message = queued_to(bin_a, now=local(2027, 3, 1, 21, 59, 30))
    sink.fail_next(1, "451 4.3.0 Try again later")

    with clock.frozen_at(local(2027, 3, 1, 21, 59, 30)):
        assert deliver_due() == 1
    row = row_of(quiet)
    assert (row.state, row.next_attempt_at) == (
        DeliveryState.DEFERRED,
        local(2027, 3, 1, 22, 0, 30),
    )

    with clock.frozen_at(local(2027, 3, 1, 22, 0, 30)):
        assert deliver_due() == 0
    row.refresh_from_db()
    # Held back, not tried: the attempt is not counted, the retry keeps the message open.
    assert (row.state, row.attempts, row.next_attempt_at) == (
        DeliveryState.DEFERRED,
        1,
        local(2027, 3, 2, 7),
    )
    assert sink.envelopes == []
    message.refresh_from_db()
    assert message.state == MessageState.SENDING

    with clock.frozen_at(local(2027, 3, 2, 7)):
        assert deliver_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.SENT, 2)
    message.refresh_from_db()
    assert (message.state, message.delivery_totals) == (MessageState.SENT, {"sent": 1})


@pytest.mark.django_db
def test_quiet_hours_saved_after_queueing_hold_the_e_mail_within_one_day(sink, bin_a):
    quiet = member(bin_a)
    message = queued_to(bin_a, now=local(2027, 3, 1, 11, 59))
    set_quiet_hours(quiet, *LUNCH)

    with clock.frozen_at(local(2027, 3, 1, 12)):
        assert deliver_due() == 0
    row = row_of(quiet)
    assert (row.state, row.held_for, row.attempts, row.next_attempt_at) == (
        DeliveryState.QUEUED,
        HoldReason.QUIET_HOURS,
        0,
        local(2027, 3, 1, 14),
    )
    message.refresh_from_db()
    assert (message.state, message.delivery_totals) == (
        MessageState.SENT,
        {"waiting_quiet_hours": 1},
    )
    with clock.frozen_at(local(2027, 3, 1, 14)):
        assert deliver_due() == 1
    assert row_of(quiet).state == DeliveryState.SENT


@pytest.mark.django_db
def test_the_worker_holds_an_e_mail_for_two_memberships_until_the_later_end(sink, bin_a, bin_b):
    both = member(bin_a)
    member(bin_b, user=both.user)
    queued_to(bin_a, bin_b, now=local(2027, 3, 1, 22))
    set_quiet_hours(both, *NIGHT)
    set_quiet_hours(both.user.memberships.get(network=bin_b), datetime.time(23), datetime.time(8))

    with clock.frozen_at(local(2027, 3, 1, 22, 30)):
        assert deliver_due() == 0
    assert row_of(both).next_attempt_at == local(2027, 3, 2, 8)


@pytest.mark.django_db
def test_a_pause_that_ends_at_midnight_meets_quiet_hours_saved_meanwhile(sink, bin_a):
    paused = member(bin_a, status=MembershipStatus.PAUSED, paused_until=datetime.date(2027, 3, 27))
    queued_to(bin_a, now=local(2027, 3, 20, 10))
    set_quiet_hours(paused, *NIGHT)
    # The pause's last day is 27 March: the e-mail comes due at midnight, in the night that
    # moves the clocks forward.
    assert row_of(paused).next_attempt_at == local(2027, 3, 28, 0)

    with clock.frozen_at(local(2027, 3, 20, 10)):
        assert deliver_due() == 0
    message = Message.objects.get()
    assert (message.state, message.delivery_totals) == (MessageState.SENT, {"waiting_pause": 1})

    with clock.frozen_at(local(2027, 3, 28, 0)):
        assert deliver_due() == 0
    row = row_of(paused)
    assert (row.next_attempt_at, row.held_for) == (utc(2027, 3, 28, 5), HoldReason.QUIET_HOURS)
    message.refresh_from_db()
    assert message.delivery_totals == {"waiting_quiet_hours": 1}
    with clock.frozen_at(utc(2027, 3, 28, 5)):
        assert deliver_due() == 1
    message.refresh_from_db()
    assert message.delivery_totals == {"sent": 1}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"quiet_from": "22:00", "quiet_to": "07:00"}, {}),
        ({"quiet_from": "", "quiet_to": ""}, {}),
        (
            {"quiet_from": "22:00", "quiet_to": "22:00"},
            {"__all__": ["The quiet hours must start and end at different times."]},
        ),
        ({"quiet_from": "22:00", "quiet_to": ""}, {"__all__": ["Fill in both times, or neither."]}),
    ],
)
def test_the_quiet_hours_form_refuses_a_window_that_starts_where_it_ends(data, errors):
    with translation.override("en"):
        form = QuietHoursForm(data)
        assert form.is_valid() == (not errors)
        assert form.errors == errors
