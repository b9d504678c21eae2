"""Membership services that coordinators and the worker use."""

import pytest
from django.core.exceptions import PermissionDenied

from nabuur.lib.languages import LanguageRegime
from nabuur.members import services
from nabuur.members.models import Membership, MembershipStatus
from nabuur.operations.jobs import registered_jobs

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
