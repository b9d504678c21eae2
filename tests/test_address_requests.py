"""Sign-ups from outside every BIN: the zone's police put them in a BIN or close them."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils.html import escape

from nabuur.audit.models import AuditEntry
from nabuur.members.models import AddressRequest, AddressRequestStatus, MembershipStatus
from nabuur.members.services import request_address_check

from . import factories
from .i18n import nl

pytestmark = pytest.mark.django_db


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


@pytest.fixture
def waiting(zone, django_capture_on_commit_callbacks):
    item = request_address_check(
        zone=zone,
        first_name="Ann",
        last_name="Peeters",
        email="ann.peeters@example.org",
        phone="0470 12 34 56",
        street_name="Veldstr.",
        house_number="12",
        postcode="2650",
        language="nl",
    )
    mail.outbox.clear()
    return item


@pytest.fixture
def veldstraat(municipality):
    return factories.StreetFactory(municipality=municipality, name_nl="Veldstraat", postcode="2650")


def test_the_zone_admin_sees_the_waiting_sign_ups(client, zone_admin, waiting):
    response = staff(client, zone_admin).get("/nl/staff/members/zone/pz-test/requests/")
    assert response.status_code == 200
    assert [item.pk for item in response.context["waiting"]] == [waiting.pk]
    assert f'href="/nl/staff/members/zone/pz-test/requests/{waiting.pk}/"' in response.text
    entry = AuditEntry.objects.get(action="members.address_requests_viewed")
    assert entry.details["requests"] == [waiting.pk]


def test_the_dashboard_counts_them_for_the_zone_admin(client, zone_admin, bin_a, waiting):
    response = staff(client, zone_admin).get("/nl/staff/")
    assert 'href="/nl/staff/members/zone/pz-test/requests/"' in response.text


def test_putting_the_person_in_a_bin_asks_them_to_confirm(
    client, zone_admin, bin_a, veldstraat, waiting
):
    response = staff(client, zone_admin).post(
        f"/nl/staff/members/zone/pz-test/requests/{waiting.pk}/",
        {
            "action": "assign",
            "network": bin_a.pk,
            "street": veldstraat.pk,
            "house_number": "12",
            "house_number_suffix": "",
        },
    )
    assert response.status_code == 302
    membership = bin_a.memberships.get(user__email="ann.peeters@example.org")
    assert (membership.status, membership.street, membership.house_number) == (
        MembershipStatus.PENDING,
        veldstraat,
        12,
    )
    assert membership.user.phone == "0470 12 34 56"
    assert [message.to for message in mail.outbox] == [["ann.peeters@example.org"]]
    waiting.refresh_from_db()
    # The membership holds the person's data now; the request keeps none.
    assert (waiting.status, waiting.network, waiting.first_name, waiting.email) == (
        AddressRequestStatus.ASSIGNED,
        bin_a,
        "",
        "",
    )
    entry = AuditEntry.objects.get(action="members.address_request_assign")
    assert entry.details == {"network": bin_a.pk, "membership": membership.pk}


def test_the_form_explains_a_missing_choice(client, zone_admin, bin_a, waiting):
    response = staff(client, zone_admin).post(
        f"/nl/staff/members/zone/pz-test/requests/{waiting.pk}/", {"action": "assign"}
    )
    assert response.status_code == 200
    assert set(response.context["assign_form"].errors) == {"network", "street", "house_number"}
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN


def test_closing_tells_the_person_and_keeps_nothing(client, zone_admin, waiting):
    response = staff(client, zone_admin).post(
        f"/nl/staff/members/zone/pz-test/requests/{waiting.pk}/",
        {"action": "close", "reason": "Uw straat krijgt volgend jaar een BIN."},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["ann.peeters@example.org"]
    assert message.subject == nl("No neighbourhood information network covers your address yet")
    assert "Uw straat krijgt volgend jaar een BIN." in message.body
    assert "101" in message.body
    waiting.refresh_from_db()
    assert (waiting.status, waiting.email, waiting.phone) == (AddressRequestStatus.CLOSED, "", "")


def test_a_handled_request_is_gone_from_the_queue(client, zone_admin, waiting):
    url = f"/nl/staff/members/zone/pz-test/requests/{waiting.pk}/"
    staff(client, zone_admin).post(url, {"action": "close"})
    assert client.get(url).status_code == 404
    listing = client.get("/nl/staff/members/zone/pz-test/requests/")
    assert listing.context["waiting"] == []
    assert escape(nl("No sign-up is waiting.")) in listing.text


def test_a_coordinator_does_not_see_the_zones_queue(client, coordinator_a, waiting):
    url = "/nl/staff/members/zone/pz-test/requests/"
    assert staff(client, coordinator_a).get(url).status_code == 404
