import datetime
import re

import pytest
from django.utils import timezone

from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.messaging.models import (
    TOKEN_PATTERN,
    Delivery,
    DeliveryState,
    Message,
    MessageKind,
    MessageState,
)
from nabuur.messaging.services import NotQueueable, message_id_domain, queue_message

from . import factories

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def make_message(*targets, kind=MessageKind.PREVENTION, author=None):
    message = Message.objects.create(kind=kind, author=author)
    message.targets.set(targets)
    return message


@pytest.mark.django_db
def test_queue_message_freezes_one_delivery_per_person(bin_a, bin_b):
    both = factories.UserFactory(email="both@example.org")
    factories.MembershipFactory(network=bin_a, user=both)
    factories.MembershipFactory(network=bin_b, user=both)
    only_a = factories.MembershipFactory(network=bin_a).user
    message = make_message(bin_a, bin_b)

    assert queue_message(message, now=NOW) == 2

    rows = Delivery.objects.order_by("user_id").values_list("user", "state", "next_attempt_at")
    assert list(rows) == [
        (both.pk, DeliveryState.QUEUED, NOW),
        (only_a.pk, DeliveryState.QUEUED, NOW),
    ]
    message.refresh_from_db()
    assert (message.state, message.queued_at) == (MessageState.QUEUED, NOW)
    tokens = set(Delivery.objects.values_list("token", flat=True))
    headers = set(Delivery.objects.values_list("message_id_header", flat=True))
    assert len(tokens) == len(headers) == 2


@pytest.mark.django_db
def test_a_queue_numbers_its_tokens_and_message_ids_in_the_order_of_its_rows(bin_a):
    for _ in range(3):
        factories.MembershipFactory(network=bin_a)
    message = make_message(bin_a)

    queue_message(message, now=NOW)

    rows = list(Delivery.objects.order_by("pk").values_list("token", "message_id_header"))
    assert len(rows) == 3
    domain = re.escape(message_id_domain())
    for place, (token, header) in enumerate(rows, start=1):
        assert re.fullmatch(f"{message.pk:08x}{place:08x}[0-9a-f]{{32}}", token), token
        assert re.fullmatch(rf"nabuur\.{message.pk}\.{place:08x}[0-9a-f]{{16}}@{domain}", header)
        assert re.fullmatch(TOKEN_PATTERN, token)
    # Each row still has random digits of its own.
    assert len({token[16:] for token, _header in rows}) == 3
    assert len({header.split("@")[0][-16:] for _token, header in rows}) == 3


@pytest.mark.django_db
def test_queue_message_skips_members_who_left_are_suspended_or_have_no_email(bin_a):
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.LEFT)
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.SUSPENDED)
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PENDING)
    factories.MembershipFactory(network=bin_a, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=bin_a, suspended_until=datetime.date(2027, 3, 5))
    kept = factories.MembershipFactory(network=bin_a).user

    assert queue_message(make_message(bin_a), now=NOW) == 1
    assert list(Delivery.objects.values_list("user", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_queue_message_defers_paused_members_until_the_pause_ends(bin_a):
    paused = factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PAUSED, paused_until=datetime.date(2027, 3, 10)
    ).user
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PAUSED, paused_until=None)

    assert queue_message(make_message(bin_a), now=NOW) == 1
    delivery = Delivery.objects.get()
    assert delivery.user == paused
    assert delivery.next_attempt_at == timezone.make_aware(datetime.datetime(2027, 3, 11))


@pytest.mark.django_db
def test_queue_message_sends_missing_person_notices_despite_pauses(bin_a):
    factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PAUSED, paused_until=datetime.date(2027, 3, 10)
    )
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PAUSED, paused_until=None)

    assert queue_message(make_message(bin_a, kind=MessageKind.MISSING_PERSON), now=NOW) == 2
    assert set(Delivery.objects.values_list("next_attempt_at", flat=True)) == {NOW}


@pytest.mark.django_db
def test_queue_message_writes_in_both_languages_in_brussels_when_unknown(zone):
    brussels = factories.MunicipalityFactory(zone=zone, language_regime=LanguageRegime.BRUSSELS)
    network = factories.NetworkFactory(municipality=brussels)
    unknown = factories.MembershipFactory(network=network, user__language="").user
    french = factories.MembershipFactory(network=network, user__language="fr").user

    queue_message(make_message(network), now=NOW)

    assert dict(Delivery.objects.values_list("user", "languages")) == {
        unknown.pk: "nl+fr",
        french.pk: "fr",
    }


@pytest.mark.django_db
def test_queue_message_refuses_a_message_queued_twice(bin_a):
    factories.MembershipFactory(network=bin_a)
    message = make_message(bin_a)
    queue_message(message, now=NOW)

    with pytest.raises(NotQueueable):
        queue_message(message, now=NOW)
    assert Delivery.objects.count() == 1
