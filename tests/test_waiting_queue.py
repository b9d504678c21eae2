"""The staff dashboard's "To handle" queue (issue 15 point 3, issue 16 point 2): each waiting
item the person can act on, with its BIN, age, deadline, an overdue marker in words and a
link; for an officer and a zone administrator also the overdue items of their BINs; the BINs
where nobody acted for a long time for the zone administrator; a bounded query count."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nabuur.lib import clock
from nabuur.members.models import MeasureKind, MembershipStatus
from nabuur.members.services.measures import propose_measure
from nabuur.messaging import compose
from nabuur.messaging.models import MessageKind
from nabuur.staff import waiting
from nabuur.staff.models import Role

from . import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
T0 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)
TEXT = {"nl": ("Inbraken in de wijk", "Sluit uw ramen en deuren.")}


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def police_message(officer, network):
    with clock.frozen_at(T0), TestCase.captureOnCommitCallbacks(execute=True):
        draft = compose.create_draft(
            officer, kind=MessageKind.FEEDBACK, networks=[network], variants=TEXT
        )
        [message] = compose.submit_message(draft, officer, now=T0)
    return message


def signup(network):
    return factories.MembershipFactory(
        network=network, status=MembershipStatus.PENDING, confirmed_at=T0, approved_at=None
    )


def measure(coordinator, network):
    membership = factories.MembershipFactory(network=network)
    with clock.frozen_at(T0):
        return propose_measure(coordinator, membership, MeasureKind.WRITTEN_REPRIMAND, "Twee keer.")


@pytest.fixture
def waiting_in_a(bin_a, coordinator_a, officer_a):
    """A police message to forward, a sign-up to approve and a coordinator's measure for the
    officer to confirm, all in BIN A since T0."""
    return {
        "message": police_message(officer_a, bin_a),
        "signup": signup(bin_a),
        "measure": measure(coordinator_a, bin_a),
    }


def queue(user, moment):
    with clock.frozen_at(moment):
        return {
            group.kind.name: [(item.url, item.may_act, item.overdue) for item in group.items]
            for group in waiting.queue_for(user, moment)
        }


def test_the_coordinator_sees_what_waits_for_them(coordinator_a, waiting_in_a):
    message, member = waiting_in_a["message"], waiting_in_a["signup"]
    with translation.override("nl"):
        assert queue(coordinator_a, T0 + DAY) == {
            "messaging.forward": [(f"/nl/staff/messages/{message.pk}/", True, False)],
            "members.signup": [(f"/nl/staff/members/centrum/{member.pk}/", True, False)],
        }
        # Past its 48 hours the message is overdue; the sign-up has 7 days.
        assert queue(coordinator_a, T0 + 3 * DAY) == {
            "messaging.forward": [(f"/nl/staff/messages/{message.pk}/", True, True)],
            "members.signup": [(f"/nl/staff/members/centrum/{member.pk}/", True, False)],
        }


def test_the_officer_sees_their_measure_and_only_the_overdue_work_of_others(
    officer_a, waiting_in_a
):
    message, member = waiting_in_a["message"], waiting_in_a["signup"]
    proposed = waiting_in_a["measure"].membership
    with translation.override("nl"):
        assert queue(officer_a, T0 + DAY) == {
            "members.measure": [(f"/nl/staff/members/centrum/{proposed.pk}/", True, False)],
        }
        assert queue(officer_a, T0 + 8 * DAY) == {
            "messaging.forward": [(f"/nl/staff/messages/{message.pk}/", False, True)],
            "members.signup": [(f"/nl/staff/members/centrum/{member.pk}/", False, True)],
            "members.measure": [(f"/nl/staff/members/centrum/{proposed.pk}/", True, True)],
        }


def test_the_zone_administrator_sees_the_overdue_items_of_the_zone(zone_admin, waiting_in_a):
    assert queue(zone_admin, T0 + DAY) == {}
    overdue = queue(zone_admin, T0 + 8 * DAY)
    assert sorted(overdue) == ["members.measure", "members.signup", "messaging.forward"]
    assert all(rows == [(rows[0][0], False, True)] for rows in overdue.values())


def test_a_member_and_the_outsider_see_none(client, member_a, coordinator_b, waiting_in_a):
    assert queue(member_a, T0 + 30 * DAY) == {}
    assert queue(coordinator_b, T0 + 30 * DAY) == {}
    log_in(client, member_a)
    assert client.get("/nl/staff/").status_code == 403


def test_the_dashboard_starts_with_the_queue(client, coordinator_a, waiting_in_a):
    log_in(client, coordinator_a)
    with clock.frozen_at(T0 + 3 * DAY), translation.override("en"):
        page = client.get("/en/staff/").content.decode()
    message = waiting_in_a["message"]
    assert page.index('id="queue-heading"') < page.index('class="roles"')
    assert "To handle (2)" in page
    assert "Police messages to forward (1, 1 overdue)" in page
    assert "Sign-ups to approve (1)" in page
    assert f'<a href="/en/staff/messages/{message.pk}/">Open the message: BIN Centrum</a>' in page
    # The overdue marker is a word, not only a colour.
    assert page.count(">Overdue</span>") == 1
    assert "waiting 3 days" in page
    # 48 hours after 9:00 UTC, in Belgian time.
    assert "deadline March 3, 2027, 10:00" in page


def test_the_zone_administrator_sees_the_bins_where_nobody_acted_for_long(
    client, zone_admin, bin_b, waiting_in_a
):
    log_in(client, zone_admin)
    with clock.frozen_at(T0 + 5 * DAY), translation.override("en"):
        page = client.get("/en/staff/").content.decode()
    # Twice 48 hours have passed for the police message only.
    assert "BINs where nobody has acted for a long time" in page
    assert "BIN Centrum: 1 item" in page
    with clock.frozen_at(T0 + 15 * DAY), translation.override("en"):
        page = client.get("/en/staff/").content.decode()
    neglected = page[page.index('id="queue-neglected"') : page.index("</section>")]
    assert "BIN Centrum: 3 items" in neglected
    assert "BIN Elsdonk" not in neglected


def _bins_with_waiting_items(municipality, coordinator, officer, count, prefix="bin"):
    networks = []
    for index in range(count):
        network = factories.NetworkFactory(
            municipality=municipality, name=f"BIN {prefix} {index}", slug=f"{prefix}-{index}"
        )
        factories.RoleFactory(role=Role.COORDINATOR, network=network, user=coordinator)
        factories.RoleFactory(role=Role.OFFICER, network=network, user=officer)
        networks.append(network)
    # A person's roles are read once per user object: take a fresh one with all of them.
    officer = type(officer).objects.get(pk=officer.pk)
    for network in networks:
        police_message(officer, network)
        signup(network)
        signup(network)
        measure(officer, network)


def _queue_queries(user):
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as context:
        groups = waiting.queue_for(fresh, T0 + 8 * DAY)
    return len(context.captured_queries), sum(len(group.items) for group in groups)


@pytest.mark.parametrize("bins", [1, 10])
def test_the_query_count_does_not_grow_with_bins_or_items(
    client, django_assert_max_num_queries, municipality, bins
):
    coordinator = factories.UserFactory()
    officer = factories.UserFactory()
    _bins_with_waiting_items(municipality, coordinator, officer, bins)
    count, items = _queue_queries(coordinator)
    # Per BIN: one message, two sign-ups and a measure (the officer's, for the coordinator).
    assert items == 4 * bins
    # The person's roles, then per kind its items with their BINs (and what they need).
    assert count <= 12
    log_in(client, coordinator)
    client.get("/nl/staff/")  # the first staff page of a session writes more
    with clock.frozen_at(T0 + 8 * DAY), django_assert_max_num_queries(45):
        assert client.get("/nl/staff/").status_code == 200


def test_one_and_ten_bins_take_the_same_queries(municipality):
    one = (factories.UserFactory(), factories.UserFactory())
    ten = (factories.UserFactory(), factories.UserFactory())
    _bins_with_waiting_items(municipality, *one, 1, prefix="one")
    first = _queue_queries(one[0])
    _bins_with_waiting_items(municipality, *ten, 10, prefix="ten")
    second = _queue_queries(ten[0])
    assert (first[1], second[1]) == (4, 40)
    assert first[0] == second[0]
