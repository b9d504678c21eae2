import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from nabuur.members.models import Measure, MeasureKind, MembershipStatus
from nabuur.staff.models import Role

from . import factories
from .i18n import nl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def pending(network, count):
    for _ in range(count):
        factories.MembershipFactory(network=network, status=MembershipStatus.PENDING)


def counts(response):
    return {n.slug: n.pending_members for n in response.context["networks"]}


def test_a_coordinator_sees_their_bin_with_its_pending_members(client, coordinator_a, bin_a, bin_b):
    pending(bin_a, 2)
    pending(bin_b, 1)
    factories.MembershipFactory(network=bin_a)  # active: not counted
    log_in(client, coordinator_a)
    response = client.get("/nl/staff/")
    assert response.status_code == 200
    assert counts(response) == {"centrum": 2}
    assert escape(nl("Your BINs")) in response.text


def test_zone_admin_sees_every_bin_of_the_zone(client, zone_admin, bin_a, bin_b):
    pending(bin_b, 3)
    log_in(client, zone_admin)
    assert counts(client.get("/nl/staff/")) == {"centrum": 0, "elsdonk": 3}


def test_municipality_contact_sees_the_bins_but_no_member_counts(
    client, municipality_contact, bin_a, bin_b
):
    pending(bin_a, 1)
    log_in(client, municipality_contact)
    assert counts(client.get("/nl/staff/")) == {"centrum": None, "elsdonk": None}


def test_an_unscreened_coordinator_sees_the_notice_and_no_counts(client, bin_a):
    user = factories.RoleFactory(
        role=Role.COORDINATOR, network=bin_a, screening_result="pending"
    ).user
    pending(bin_a, 1)
    log_in(client, user)
    response = client.get("/nl/staff/")
    assert counts(response) == {}
    assert 'role="note"' in response.text


def queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get("/nl/staff/").status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_bins_or_members(client, zone_admin, municipality):
    first = factories.NetworkFactory(municipality=municipality)
    pending(first, 1)
    log_in(client, zone_admin)
    client.get("/nl/staff/")  # the first staff page of a session writes more
    one = queries(client)
    for _ in range(3):
        pending(factories.NetworkFactory(municipality=municipality), 2)
    assert queries(client) == one


# --- Every count of work waiting is a link to where the work is done -----------------------------


def nl_count(singular, plural, counter):
    with translation.override("nl"):
        return translation.ngettext(singular, plural, counter) % {"counter": counter}


def test_pending_sign_ups_link_to_the_requests_in_the_member_list(client, coordinator_a, bin_a):
    pending(bin_a, 2)
    log_in(client, coordinator_a)
    response = client.get("/nl/staff/")
    label = nl_count("%(counter)s pending member", "%(counter)s pending members", 2)
    assert f'<a href="/nl/staff/members/centrum/?status=pending">{label}</a>' in response.text


def test_a_police_message_to_forward_links_to_it(client, coordinator_a, bin_a):
    waiting = factories.MessageFactory(
        state="awaiting_forward",
        author_side="police",
        sent_at=None,
        queued_at=None,
        targets=[bin_a],
    )
    log_in(client, coordinator_a)
    response = client.get("/nl/staff/")
    one = nl_count(
        "%(counter)s police message waits for you to forward it",
        "%(counter)s police messages wait for you to forward them",
        1,
    )
    assert f'<a href="/nl/staff/messages/{waiting.pk}/">{one}</a>' in response.text

    factories.MessageFactory(
        state="awaiting_forward",
        author_side="police",
        sent_at=None,
        queued_at=None,
        targets=[bin_a],
    )
    response = client.get("/nl/staff/")
    two = nl_count(
        "%(counter)s police message waits for you to forward it",
        "%(counter)s police messages wait for you to forward them",
        2,
    )
    assert f'<a href="/nl/staff/messages/#waiting-heading">{two}</a>' in response.text


def test_a_message_to_approve_links_to_it(client, officer_a, bin_a):
    waiting = factories.MessageFactory(
        state="awaiting_approval", sent_at=None, queued_at=None, targets=[bin_a]
    )
    log_in(client, officer_a)
    response = client.get("/nl/staff/")
    one = nl_count(
        "%(counter)s message waits for your approval",
        "%(counter)s messages wait for your approval",
        1,
    )
    assert f'<a href="/nl/staff/messages/{waiting.pk}/">{one}</a>' in response.text


def test_every_measure_the_other_side_proposed_links_to_the_member(
    client, coordinator_a, officer_a, bin_a
):
    jan = factories.MembershipFactory(network=bin_a)
    els = factories.MembershipFactory(network=bin_a)
    # The officer proposes a reprimand; a coordinator's own side proposed the other one.
    theirs = Measure.objects.create(
        membership=jan,
        kind=MeasureKind.WRITTEN_REPRIMAND,
        reason="Deelde namen van verdachten.",
        proposed_by=officer_a,
        proposed_as="officer",
    )
    Measure.objects.create(
        membership=els,
        kind=MeasureKind.TEMPORARY_SUSPENSION,
        reason="Herhaalde oproepen tot eigenrichting.",
        until="2099-01-01",
        proposed_by=factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user,
        proposed_as="coordinator",
    )
    log_in(client, coordinator_a)
    response = client.get("/nl/staff/")

    [panel] = [p for p in response.context["panels"] if p.template == "members/staff/panel.html"]
    assert [measure.pk for measure in panel.context["to_confirm"]] == [theirs.pk]
    assert f'<a href="/nl/staff/members/centrum/{jan.pk}/">' in response.text
    assert f"/nl/staff/members/centrum/{els.pk}/" not in response.text
    assert nl("Measures waiting for your confirmation") in response.text
