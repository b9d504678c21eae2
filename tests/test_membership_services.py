"""Membership services that coordinators and the worker use."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members import services
from nabuur.members.models import (
    BlockedPerson,
    Consent,
    ConsentChannel,
    Membership,
    MembershipStatus,
)
from nabuur.operations.jobs import registered_jobs
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice

from . import factories
from .i18n import nl


@pytest.fixture
def confirmed_request(bin_a):
    """A resident who confirmed their e-mail address and waits for BIN A's approval."""
    return factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PENDING, approved_at=None
    )


def test_only_a_coordinator_of_the_bin_approves(confirmed_request, coordinator_b, mailoutbox):
    with pytest.raises(PermissionDenied):
        services.approve_membership(coordinator_b, confirmed_request)
    with pytest.raises(PermissionDenied):
        services.decline_membership(coordinator_b, confirmed_request)
    confirmed_request.refresh_from_db()
    assert confirmed_request.status == MembershipStatus.PENDING
    assert mailoutbox == []


def test_approving_twice_sends_one_welcome(confirmed_request, coordinator_a, mailoutbox):
    results = [services.approve_membership(coordinator_a, confirmed_request) for _ in range(2)]
    assert results == [True, False]
    assert [m.subject for m in mailoutbox] == [nl("Welcome to %(name)s", name="BIN Centrum")]


def test_a_declined_request_cannot_be_approved_afterwards(confirmed_request, coordinator_a):
    assert services.decline_membership(coordinator_a, confirmed_request) is True
    assert services.approve_membership(coordinator_a, confirmed_request) is False
    assert Membership.objects.get().status == MembershipStatus.LEFT


@pytest.mark.parametrize(
    ("regime", "expected_prefix"),
    [(LanguageRegime.BRUSSELS, "/fr/"), (LanguageRegime.DUTCH, "/nl/")],
)
def test_the_welcome_speaks_the_language_the_regime_allows(
    confirmed_request, coordinator_a, mailoutbox, regime, expected_prefix
):
    municipality = confirmed_request.network.municipality
    municipality.language_regime = regime
    municipality.save()
    confirmed_request.user.language = "fr"
    confirmed_request.user.save()
    services.approve_membership(coordinator_a, confirmed_request)
    assert f"http://127.0.0.1:8000{expected_prefix}me/login/" in mailoutbox[0].body
    assert mailoutbox[0].alternatives[0].mimetype == "text/html"


def test_the_worker_knows_the_members_jobs():
    names = {job.name for job in registered_jobs()}
    assert {
        "members.purge_unconfirmed",
        "members.end_pauses",
        "members.erase_after_retention",
    } <= names


# --- A sign-up and a coordinator's addition create a member the same way -----------------------


def person(street, email, **changes):
    """What both ways of becoming a member ask: the person and their address in BIN A."""
    return {
        "street": street,
        "house_number": 12,
        "house_number_suffix": "b",
        "box": " Bus 3 ",
        "postcode": "2650",
        "first_name": "Marie",
        "last_name": "Claes",
        "email": email,
        **changes,
    }


def test_a_sign_up_and_an_addition_by_hand_refuse_a_blocked_address_alike(
    bin_a, zone, coordinator_a, mailoutbox
):
    street = factories.StreetFactory(municipality=bin_a.municipality, postcode="2650")
    # Blocked as the confirmation of a permanent suspension stores it, typed differently here.
    blocked = services.address_key(street, 12, "B", "bus3", "2650")
    BlockedPerson.objects.create(
        zone=zone,
        value_hash=services.block_hash(f"address:{blocked}"),
        expires_at=clock.now() + timedelta(days=30),
    )

    signed_up = services.request_membership(
        network=bin_a, **person(street, "marie@example.org"), documents=()
    )
    with pytest.raises(services.PersonBlocked):
        services.add_member_by_hand(coordinator_a, bin_a, **person(street, "marie@example.org"))

    assert signed_up is None
    entry = AuditEntry.objects.get(action="members.rejoin_refused")
    assert (entry.actor_id, entry.actor_role, entry.object_id) == (None, "system", str(bin_a.pk))
    assert not AuditEntry.objects.filter(action="members.add_by_hand").exists()
    assert not User.objects.filter(email="marie@example.org").exists()
    assert not Membership.objects.filter(network=bin_a).exists()
    assert mailoutbox == []


def test_a_sign_up_and_an_addition_by_hand_record_the_same_agreed_documents(
    bin_a, zone, coordinator_a
):
    street = factories.StreetFactory(municipality=bin_a.municipality, postcode="2650")
    documents = [publish_house_rules(zone), publish_privacy_notice(zone)]
    note = "  List of the neighbourhood party, 3 May  "

    signed_up = services.request_membership(
        network=bin_a,
        **person(street, "marie@example.org"),
        documents=services.current_documents(zone),
        channel=ConsentChannel.IMPORT,
        source_note=note,
    )
    added = services.add_member_by_hand(
        coordinator_a,
        bin_a,
        **person(street, "jan@example.org", first_name="Jan"),
        channel=ConsentChannel.IMPORT,
        source_note=note,
    )

    def agreed(membership):
        consents = Consent.objects.filter(user=membership.user).order_by("document__kind")
        return [
            (c.document, c.channel, c.source_note, c.accepted_at == membership.requested_at)
            for c in consents
        ]

    expected = [
        (document, ConsentChannel.IMPORT, "List of the neighbourhood party, 3 May", True)
        for document in sorted(documents, key=lambda d: d.kind)
    ]
    assert agreed(signed_up) == expected
    assert agreed(added) == expected
    assert [
        (m.status, m.house_number_suffix, m.box, m.approved_at == m.requested_at)
        for m in (signed_up, added)
    ] == [
        (MembershipStatus.PENDING, "b", "Bus 3", False),
        (MembershipStatus.ACTIVE, "b", "Bus 3", True),
    ]
