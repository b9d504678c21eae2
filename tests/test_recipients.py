"""Who receives a message, by which channel, and who is skipped and why (messaging.recipients):
the preview, queueing and the letters give one answer."""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nabuur.lib import clock
from nabuur.members.models import MembershipStatus
from nabuur.messaging import recipients
from nabuur.messaging.models import (
    Delivery,
    Message,
    MessageKind,
    SkippedRecipient,
    SkipReason,
)
from nabuur.messaging.recipients import Reach
from nabuur.messaging.services import queue_message

from . import factories

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2027, 3, 1)
PAUSE_ENDS = datetime.date(2027, 3, 10)
AFTER_PAUSE = timezone.make_aware(datetime.datetime(2027, 3, 11))
ACTIVE, PAUSED = MembershipStatus.ACTIVE, MembershipStatus.PAUSED


def make_message(*targets, kind=MessageKind.PREVENTION):
    message = Message.objects.create(kind=kind)
    message.targets.set(targets)
    return message


def member(network, status=ACTIVE, *, user=None, **fields):
    user = user or factories.UserFactory()
    factories.MembershipFactory(network=network, user=user, status=status, **fields)
    return user


@pytest.fixture
def everyone(bin_a, bin_b, municipality):
    """One person of each kind, by name; the message goes to BINs A and B (A comes first)."""
    people = {
        "active": member(bin_a),
        "in_both": member(bin_a),
        "pending": member(bin_a, MembershipStatus.PENDING),
        "left": member(bin_a, MembershipStatus.LEFT),
        "suspended": member(bin_a, MembershipStatus.SUSPENDED, suspended_until=TODAY),
        "suspension_ahead": member(bin_a, suspended_until=datetime.date(2027, 3, 5)),
        "paused": member(bin_a, PAUSED),
        "paused_in_a": member(bin_a, PAUSED),
        "until_10_march": member(bin_a, PAUSED, paused_until=PAUSE_ENDS),
        "pause_over": member(bin_a, PAUSED, paused_until=datetime.date(2027, 2, 28)),
        "until_10_march_in_a": member(bin_a, PAUSED, paused_until=PAUSE_ENDS),
        "undeliverable": member(bin_a, user=factories.UserFactory(email_undeliverable_at=NOW)),
        "undeliverable_paused": member(
            bin_a, PAUSED, user=factories.UserFactory(email_undeliverable_at=NOW)
        ),
        "no_email": member(bin_a, user=factories.UserFactory(email=None)),
        "no_email_paused": member(bin_a, PAUSED, user=factories.UserFactory(email=None)),
        "no_email_until_10_march": member(
            bin_a, PAUSED, paused_until=PAUSE_ENDS, user=factories.UserFactory(email=None)
        ),
        "no_email_suspended": member(
            bin_a, MembershipStatus.SUSPENDED, user=factories.UserFactory(email=None)
        ),
        "closed_account": member(bin_a, user=factories.UserFactory(is_active=False)),
        "elsewhere": member(factories.NetworkFactory(municipality=municipality)),
        # Their choices of message classes (the message is a prevention tip).
        "opted_out": member(bin_a, receives_prevention=False),
        "opted_out_in_a": member(bin_a, receives_prevention=False),
        "opted_out_in_both": member(bin_a, receives_prevention=False),
        "opted_out_paused": member(bin_a, PAUSED, receives_prevention=False),
        "opted_out_in_a_suspended_in_b": member(bin_a, receives_prevention=False),
        "no_email_opted_out": member(
            bin_a, user=factories.UserFactory(email=None), receives_prevention=False
        ),
        "no_newsletters": member(bin_a, receives_newsletter=False),
    }
    member(bin_b, user=people["in_both"])
    member(bin_b, user=people["paused_in_a"])
    member(bin_b, user=people["until_10_march_in_a"])
    member(bin_b, user=people["opted_out_in_a"])
    member(bin_b, user=people["opted_out_in_both"], receives_prevention=False)
    member(bin_b, MembershipStatus.SUSPENDED, user=people["opted_out_in_a_suspended_in_b"])
    return people


@pytest.mark.django_db
def test_the_preview_is_what_queueing_delivers_and_skips_reason_by_reason(everyone, bin_a, bin_b):
    message = make_message(bin_a, bin_b)

    preview = recipients.preview(message, TODAY)
    with clock.frozen_at(NOW):
        queued = queue_message(message, now=NOW)
        letters = recipients.letter_recipients(message, [bin_a, bin_b])

    skipped = SkippedRecipient.objects.filter(message=message).values_list("user_id", "reason")
    reasons = Counter(reason for _user_id, reason in skipped)
    assert preview == Reach(emails=queued, letters=len(letters), skipped=dict(reasons))
    assert preview == Reach(
        emails=8,
        letters=2,
        skipped={
            SkipReason.PAUSED: 3,
            SkipReason.SUSPENDED: 4,
            SkipReason.UNDELIVERABLE: 1,
            SkipReason.OPTED_OUT: 4,
        },
    )
    # The same people, not only the same numbers.
    name = {user.pk: key for key, user in everyone.items()}
    deliveries = Delivery.objects.filter(message=message).values_list("user_id", "next_attempt_at")
    assert {name[user_id]: next_attempt for user_id, next_attempt in deliveries} == {
        "active": NOW,
        "in_both": NOW,
        "pause_over": NOW,
        # Paused in A, active in B: B reaches them now.
        "paused_in_a": NOW,
        "until_10_march_in_a": NOW,
        "until_10_march": AFTER_PAUSE,
        # Opted out of prevention tips in A, not in B: B reaches them, once.
        "opted_out_in_a": NOW,
        "no_newsletters": NOW,
    }
    assert {name[user_id]: reason for user_id, reason in skipped} == {
        "paused": SkipReason.PAUSED,
        "no_email_paused": SkipReason.PAUSED,
        "undeliverable_paused": SkipReason.PAUSED,
        "suspended": SkipReason.SUSPENDED,
        "suspension_ahead": SkipReason.SUSPENDED,
        "no_email_suspended": SkipReason.SUSPENDED,
        "undeliverable": SkipReason.UNDELIVERABLE,
        "opted_out": SkipReason.OPTED_OUT,
        "opted_out_in_both": SkipReason.OPTED_OUT,
        "opted_out_paused": SkipReason.OPTED_OUT,
        "no_email_opted_out": SkipReason.OPTED_OUT,
        # The membership that did not opt out decides: a suspension.
        "opted_out_in_a_suspended_in_b": SkipReason.SUSPENDED,
    }
    assert sorted(name[m.user_id] for m in letters) == ["no_email", "no_email_until_10_march"]


@pytest.mark.django_db
def test_notices_that_ignore_pauses_reach_paused_members_at_once(everyone, bin_a, bin_b):
    message = make_message(bin_a, bin_b, kind=MessageKind.MISSING_PERSON)

    # Nobody can refuse them: the members who opted out of other classes receive them too.
    assert recipients.preview(message, TODAY) == Reach(
        emails=13, letters=4, skipped={SkipReason.SUSPENDED: 3, SkipReason.UNDELIVERABLE: 2}
    )
    queue_message(message, now=NOW)
    assert set(Delivery.objects.values_list("next_attempt_at", flat=True)) == {NOW}


@pytest.mark.django_db
def test_letters_go_only_to_the_bins_whose_member_list_the_person_sees(bin_a, bin_b):
    only_in_b = member(bin_b, user=factories.UserFactory(email=None))
    in_both = member(bin_a, user=factories.UserFactory(email=None))
    member(bin_b, user=in_both)
    # Suspended in A, where the person printing sees the list; B would reach them.
    suspended_in_a = member(
        bin_a, MembershipStatus.SUSPENDED, user=factories.UserFactory(email=None)
    )
    member(bin_b, user=suspended_in_a)
    message = make_message(bin_a, bin_b)

    letters = recipients.letter_recipients(message, [bin_a], TODAY)

    assert [(m.user, m.network) for m in letters] == [(in_both, bin_a)]
    everywhere = recipients.letter_recipients(message, [bin_a, bin_b], TODAY)
    assert {m.user for m in everywhere} == {only_in_b, in_both, suspended_in_a}


@pytest.mark.django_db
def test_queueing_takes_as_many_queries_for_three_people_as_for_one(bin_a):
    def queries_to_queue(people):
        network = factories.NetworkFactory(municipality=bin_a.municipality)
        for _ in range(people):
            member(network)
            member(network, PAUSED)
        message = make_message(network)
        with CaptureQueriesContext(connection) as queries:
            queue_message(message, now=NOW)
        assert message.deliveries.count() == message.skipped.count() == people
        return len(queries)

    assert queries_to_queue(1) == queries_to_queue(3)
