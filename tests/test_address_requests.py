"""Sign-ups from outside every BIN: the zone's police put them in a BIN or close them."""

import datetime
import threading

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django import forms
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members import services
from nabuur.members.models import (
    AddressRequest,
    AddressRequestStatus,
    BlockedPerson,
    Membership,
    MembershipStatus,
)
from nabuur.members.personal_data import export_address_requests
from nabuur.members.services import request_address_check
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_privacy_notice

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db

QUEUE = "/nl/staff/members/zone/pz-test/requests/"


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def fr(msgid):
    with translation.override("fr"):
        return gettext(msgid)


def ask(zone, **fields):
    """A sign-up from outside every BIN in `zone`, without its receipt e-mail in the outbox."""
    values = {
        "first_name": "Ann",
        "last_name": "Peeters",
        "email": "ann.peeters@example.org",
        "phone": "0470 12 34 56",
        "street_name": "Veldstr.",
        "house_number": "12",
        "box": "2",
        "postcode": "2650",
        "language": "nl",
        **fields,
    }
    item = request_address_check(zone=zone, **values)
    mail.outbox.clear()
    return item


@pytest.fixture
def waiting(zone):
    return ask(zone)


@pytest.fixture
def veldstraat(municipality):
    return factories.StreetFactory(municipality=municipality, name_nl="Veldstraat", postcode="2650")


@pytest.fixture
def zone_b(db):
    """Another police zone with one BIN, its own street and its own administrator."""
    zone = factories.ZoneFactory(slug="pz-b", name="Politiezone B")
    municipality = factories.MunicipalityFactory(
        nis_code="12021", name_nl="Lier", name_fr="Lierre", zone=zone
    )
    return {
        "zone": zone,
        "bin": factories.NetworkFactory(municipality=municipality, name="BIN Lier", slug="lier"),
        "street": factories.StreetFactory(municipality=municipality, name_nl="Kloosterstraat"),
        "admin": factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user,
    }


def assign_data(network, street, number="12"):
    return {
        "action": "assign",
        "network": network.pk,
        "street": street.pk,
        "house_number": number,
        "house_number_suffix": "",
    }


# Written out here rather than imported, so that the test fails if the service forgets one.
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "enterprise_number",
    "street_name",
    "house_number",
    "box",
)
NOTHING = dict.fromkeys(PERSONAL_FIELDS, "")


def kept(item):
    """What a request row holds about the person."""
    item.refresh_from_db()
    return {name: getattr(item, name) for name in PERSONAL_FIELDS}


def flashed(client):
    return [str(message) for message in client.get(QUEUE).context["messages"]]


# --- The queue and one request ----------------------------------------------------------------


def test_the_zone_admin_sees_the_waiting_sign_ups(client, zone_admin, waiting):
    response = staff(client, zone_admin).get(QUEUE)
    assert response.status_code == 200
    assert [item.pk for item in response.context["waiting"]] == [waiting.pk]
    assert f'href="{QUEUE}{waiting.pk}/"' in response.text
    deleted_on = response.context["waiting"][0].deleted_on
    assert deleted_on == waiting.requested_at + datetime.timedelta(days=30)
    with translation.override("nl"):
        local = timezone.localtime(deleted_on)
        assert f"<td>{date_format(local, 'SHORT_DATE_FORMAT')}</td>" in response.text
    entry = AuditEntry.objects.get(action="members.address_requests_viewed")
    assert (entry.actor_id, entry.details["requests"]) == (zone_admin.pk, [waiting.pk])


def test_the_dashboard_counts_them_for_the_zone_admin(client, zone_admin, bin_a, waiting):
    response = staff(client, zone_admin).get("/nl/staff/")
    assert 'href="/nl/staff/members/zone/pz-test/requests/"' in response.text


def test_opening_a_request_shows_it_and_is_recorded(client, zone_admin, waiting):
    response = staff(client, zone_admin).get(f"{QUEUE}{waiting.pk}/")

    assert response.status_code == 200
    assert "<dd>Veldstr. 12 " in response.text
    assert "<dd>ann.peeters@example.org</dd>" in response.text
    entry = AuditEntry.objects.get(action="members.address_request_viewed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        zone_admin.pk,
        "members.addressrequest",
        str(waiting.pk),
    )


# --- Zone scoping -----------------------------------------------------------------------------


def test_an_admin_of_another_zone_finds_neither_the_queue_nor_a_request(
    client, zone_admin, waiting, zone_b
):
    other = ask(zone_b["zone"], email="bert@example.org")
    client = staff(client, zone_admin)
    b_queue = "/nl/staff/members/zone/pz-b/requests/"

    answers = [
        client.get(b_queue).status_code,
        client.get(f"{b_queue}{other.pk}/").status_code,
        # B's request through A's own queue looks missing too.
        client.get(f"{QUEUE}{other.pk}/").status_code,
        client.post(f"{QUEUE}{other.pk}/", {"action": "close"}).status_code,
        client.post(
            f"{QUEUE}{other.pk}/", assign_data(zone_b["bin"], zone_b["street"])
        ).status_code,
        client.post(f"{b_queue}{other.pk}/", {"action": "close"}).status_code,
    ]

    assert answers == [404] * 6
    other.refresh_from_db()
    assert (other.status, other.email) == (AddressRequestStatus.OPEN, "bert@example.org")
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(object_type="members.addressrequest").exists()
    # And the other way round: B's admin does not see A's request.
    staff(client, zone_b["admin"])
    assert client.get(f"/nl/staff/members/zone/pz-b/requests/{waiting.pk}/").status_code == 404


def test_a_coordinator_does_not_see_the_zones_queue(client, coordinator_a, waiting):
    client = staff(client, coordinator_a)
    assert client.get(QUEUE).status_code == 404
    assert client.get(f"{QUEUE}{waiting.pk}/").status_code == 404


def test_the_services_refuse_who_does_not_manage_the_zone(
    coordinator_a, bin_a, veldstraat, waiting
):
    with pytest.raises(PermissionDenied):
        services.assign_address_request(
            coordinator_a, waiting, network=bin_a, street=veldstraat, house_number=12
        )
    with pytest.raises(PermissionDenied):
        services.close_address_request(coordinator_a, waiting)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.email) == (AddressRequestStatus.OPEN, "ann.peeters@example.org")
    assert mail.outbox == []


def test_a_bin_of_another_zone_is_refused(client, zone_admin, waiting, veldstraat, zone_b):
    response = staff(client, zone_admin).post(
        f"{QUEUE}{waiting.pk}/", assign_data(zone_b["bin"], veldstraat)
    )

    assert response.status_code == 200
    with translation.override("nl"):
        # Django's own message, read from the field so that it is not extracted into ours.
        invalid = str(forms.ModelChoiceField.default_error_messages["invalid_choice"])
    assert response.context["assign_form"].errors == {"network": [invalid]}
    # The service holds the same rule for any other caller.
    with pytest.raises(PermissionDenied):
        services.assign_address_request(
            zone_admin, waiting, network=zone_b["bin"], street=veldstraat, house_number=12
        )
    assert Membership.objects.count() == 0
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN


# --- Putting the person in a BIN --------------------------------------------------------------


def test_putting_the_person_in_a_bin_asks_them_to_confirm(
    client, zone_admin, bin_a, veldstraat, waiting
):
    client = staff(client, zone_admin)
    response = client.post(f"{QUEUE}{waiting.pk}/", assign_data(bin_a, veldstraat))

    assert (response.status_code, response["Location"]) == (302, QUEUE)
    membership = bin_a.memberships.get(user__email="ann.peeters@example.org")
    assert (membership.status, membership.street, membership.house_number, membership.box) == (
        MembershipStatus.PENDING,
        veldstraat,
        12,
        "2",
    )
    assert (membership.user.phone, membership.user.language) == ("0470 12 34 56", "nl")
    [message] = mail.outbox
    assert message.to == ["ann.peeters@example.org"]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.network, waiting.postcode) == (
        AddressRequestStatus.ASSIGNED,
        bin_a,
        "2650",
    )
    assert waiting.handled_at is not None
    entry = AuditEntry.objects.get(action="members.address_request_assign")
    assert (entry.actor_id, entry.object_id, entry.subjects, entry.details) == (
        zone_admin.pk,
        str(waiting.pk),
        [membership.user_id],
        {"network": bin_a.pk, "membership": membership.pk},
    )
    assert flashed(client) == [
        nl(
            "The person is asked by e-mail to confirm their membership of %(name)s.",
            name="BIN Centrum",
        )
    ]


def test_a_placed_request_keeps_no_personal_data(client, zone_admin, bin_a, veldstraat, waiting):
    assert kept(waiting)["street_name"] == "Veldstr."
    staff(client, zone_admin).post(f"{QUEUE}{waiting.pk}/", assign_data(bin_a, veldstraat))

    # The membership holds the person's data now; the request keeps only the postcode.
    assert kept(waiting) == NOTHING
    assert waiting.postcode == "2650"
    person = Membership.objects.get().user
    assert export_address_requests(person) == []


def test_placing_twice_makes_one_membership(client, zone_admin, bin_a, veldstraat, waiting):
    client = staff(client, zone_admin)
    url = f"{QUEUE}{waiting.pk}/"
    first = client.post(url, assign_data(bin_a, veldstraat))
    second = client.post(url, assign_data(bin_a, veldstraat))

    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == QUEUE
    assert Membership.objects.count() == 1
    assert AuditEntry.objects.filter(action="members.address_request_assign").count() == 1
    assert len(mail.outbox) == 1
    assert flashed(client) == [
        nl(
            "The person is asked by e-mail to confirm their membership of %(name)s.",
            name="BIN Centrum",
        ),
        nl("This request was already handled."),
    ]


def test_a_stale_page_cannot_place_a_closed_request_or_close_a_placed_one(
    zone_admin, zone, bin_a, veldstraat
):
    closed, placed = ask(zone), ask(zone, email="bert@example.org")
    # Both objects were read while the requests were open, as two open pages would.
    services.close_address_request(zone_admin, AddressRequest.objects.get(pk=closed.pk))
    services.assign_address_request(
        zone_admin,
        AddressRequest.objects.get(pk=placed.pk),
        network=bin_a,
        street=veldstraat,
        house_number=12,
    )
    mail.outbox.clear()

    with pytest.raises(services.AlreadyHandled):
        services.assign_address_request(
            zone_admin, closed, network=bin_a, street=veldstraat, house_number=12
        )
    with pytest.raises(services.AlreadyHandled):
        services.close_address_request(zone_admin, placed)

    closed.refresh_from_db()
    placed.refresh_from_db()
    assert (closed.status, placed.status) == (
        AddressRequestStatus.CLOSED,
        AddressRequestStatus.ASSIGNED,
    )
    assert [m.user.email for m in Membership.objects.all()] == ["bert@example.org"]
    assert mail.outbox == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_placing_and_closing_at_once_lets_one_through(zone, zone_admin, bin_a, veldstraat):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    second_admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user
    item = ask(zone)
    start = threading.Barrier(2)
    results, errors = [], []

    def act(handle):
        try:
            start.wait()
            handle()
            results.append("done")
        except services.AlreadyHandled:
            results.append("already handled")
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def place():
        services.assign_address_request(
            zone_admin, item, network=bin_a, street=veldstraat, house_number=12
        )

    def close():
        services.close_address_request(second_admin, item)

    threads = [threading.Thread(target=act, args=(handle,)) for handle in (place, close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == ["already handled", "done"]
    item.refresh_from_db()
    assert item.status != AddressRequestStatus.OPEN
    assert Membership.objects.count() == (1 if item.status == AddressRequestStatus.ASSIGNED else 0)
    assert AuditEntry.objects.filter(object_type="members.addressrequest").count() == 1
    assert len(mail.outbox) == 1


def test_the_form_explains_a_missing_choice(client, zone_admin, bin_a, waiting):
    response = staff(client, zone_admin).post(f"{QUEUE}{waiting.pk}/", {"action": "assign"})
    assert response.status_code == 200
    assert set(response.context["assign_form"].errors) == {"network", "street", "house_number"}
    assert '<div class="error-summary" role="alert"' in response.text
    title = nl("Sign-up of %(first)s %(last)s", first="Ann", last="Peeters")
    assert f"<title>{nl('Error')}: {title} · Nabuur" in response.text
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN


def test_a_street_of_another_municipality_is_refused_for_the_bin(
    client, zone, zone_admin, bin_a, waiting
):
    elsewhere = factories.MunicipalityFactory(zone=zone, name_nl="Mortsel", name_fr="Mortsel")
    street = factories.StreetFactory(municipality=elsewhere, name_nl="Veldstraat", postcode="2650")
    response = staff(client, zone_admin).post(f"{QUEUE}{waiting.pk}/", assign_data(bin_a, street))

    assert response.status_code == 200
    assert response.context["assign_form"].errors["street"] == [
        nl(
            "%(street)s lies in %(municipality)s, outside the municipality of %(bin)s.",
            street="Veldstraat",
            municipality="Mortsel",
            bin="BIN Centrum",
        )
    ]
    assert Membership.objects.count() == 0
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN


def test_a_person_already_in_the_bin_is_explained(
    client, zone_admin, bin_a, veldstraat, waiting, member_a
):
    member_a.email = "ann.peeters@example.org"
    member_a.save(update_fields=["email"])
    response = staff(client, zone_admin).post(
        f"{QUEUE}{waiting.pk}/", assign_data(bin_a, veldstraat)
    )

    assert response.status_code == 200
    assert response.context["assign_form"].errors == {
        "network": [nl("This person is already a member of that BIN.")]
    }
    assert kept(waiting)["email"] == "ann.peeters@example.org"
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN
    assert mail.outbox == []


def test_a_permanently_suspended_person_is_not_placed_and_the_admin_is_told(
    client, zone, zone_admin, bin_a, veldstraat, waiting
):
    BlockedPerson.objects.create(
        zone=zone,
        value_hash=services.block_hash("email:ann.peeters@example.org"),
        expires_at=clock.now() + datetime.timedelta(days=30),
    )
    client = staff(client, zone_admin)
    response = client.post(f"{QUEUE}{waiting.pk}/", assign_data(bin_a, veldstraat))

    assert response.status_code == 302
    assert Membership.objects.count() == 0
    assert mail.outbox == []
    waiting.refresh_from_db()
    assert (waiting.status, waiting.network) == (AddressRequestStatus.CLOSED, None)
    assert kept(waiting) == NOTHING
    entry = AuditEntry.objects.get(action="members.address_request_assign")
    assert (entry.subjects, entry.details) == ([], {"network": bin_a.pk, "membership": None})
    assert flashed(client) == [
        nl("This person was permanently suspended in this zone and cannot join again.")
    ]


def test_an_email_that_cannot_leave_keeps_the_request_open(
    client, settings, zone_admin, bin_a, veldstraat, waiting
):
    sink = SmtpSink().start()
    try:
        settings.MAILERS = sink.mailers()
        sink.fail_next(2, "451 4.3.0 try later")
        client = staff(client, zone_admin)
        placed = client.post(f"{QUEUE}{waiting.pk}/", assign_data(bin_a, veldstraat))
        closed = client.post(f"{QUEUE}{waiting.pk}/", {"action": "close", "reason": "Geen BIN"})
    finally:
        sink.stop()

    assert (placed.status_code, closed.status_code) == (200, 200)
    assert placed.context["assign_form"].non_field_errors() == [
        nl("We could not send the confirmation e-mail just now. Please try again later.")
    ]
    assert closed.context["close_form"].non_field_errors() == [
        nl(
            "We could not send the e-mail to the person just now. The request stays open: "
            "try again later."
        )
    ]
    assert sink.envelopes == []
    assert Membership.objects.count() == 0
    assert kept(waiting)["email"] == "ann.peeters@example.org"
    assert waiting.status == AddressRequestStatus.OPEN
    assert not AuditEntry.objects.filter(
        action__in=["members.address_request_assign", "members.address_request_close"]
    ).exists()


# --- Closing ----------------------------------------------------------------------------------


def test_closing_tells_the_person_and_keeps_nothing(client, zone_admin, waiting):
    client = staff(client, zone_admin)
    response = client.post(
        f"{QUEUE}{waiting.pk}/",
        {"action": "close", "reason": "Uw straat krijgt volgend jaar een BIN."},
    )

    assert (response.status_code, response["Location"]) == (302, QUEUE)
    [message] = mail.outbox
    assert message.to == ["ann.peeters@example.org"]
    assert message.subject == nl("No neighbourhood information network covers your address yet")
    assert "Uw straat krijgt volgend jaar een BIN." in message.body
    assert "info@pz-test.example" in message.body
    assert kept(waiting) == NOTHING
    assert (waiting.status, waiting.postcode) == (AddressRequestStatus.CLOSED, "2650")
    entry = AuditEntry.objects.get(action="members.address_request_close")
    assert (entry.actor_id, entry.object_id, entry.subjects, entry.details) == (
        zone_admin.pk,
        str(waiting.pk),
        [],
        {},
    )
    assert flashed(client) == [nl("The request is closed and the person told.")]


def test_a_message_over_1000_characters_is_refused(client, zone_admin, waiting):
    response = staff(client, zone_admin).post(
        f"{QUEUE}{waiting.pk}/", {"action": "close", "reason": "x" * 1001}
    )

    assert response.status_code == 200
    assert list(response.context["close_form"].errors) == ["reason"]
    assert '<a href="#id_reason">' in response.text
    assert AddressRequest.objects.get().status == AddressRequestStatus.OPEN
    assert mail.outbox == []


def test_a_handled_request_is_gone_from_the_queue(client, zone_admin, waiting):
    url = f"{QUEUE}{waiting.pk}/"
    client = staff(client, zone_admin)
    client.post(url, {"action": "close"})

    again = client.get(url)

    assert (again.status_code, again["Location"]) == (302, QUEUE)
    listing = client.get(QUEUE)
    assert listing.context["waiting"] == []
    assert escape(nl("No sign-up is waiting.")) in listing.text
    assert [str(m) for m in listing.context["messages"]] == [
        nl("The request is closed and the person told."),
        nl("This request was already handled."),
    ]
    assert len(mail.outbox) == 1


# --- Language ---------------------------------------------------------------------------------


@pytest.fixture
def french_zone(db):
    """A zone of one French-only municipality: its sign-up form asks no language."""
    zone = factories.ZoneFactory(slug="zp-fr", name="Zone de police Sud")
    factories.MunicipalityFactory(
        nis_code="92094",
        name_nl="Namen",
        name_fr="Namur",
        zone=zone,
        language_regime=LanguageRegime.FRENCH,
    )
    return zone


def test_without_a_chosen_language_the_zone_writes_in_its_own(french_zone):
    item = request_address_check(
        zone=french_zone,
        first_name="Luc",
        last_name="Dubois",
        email="luc@example.org",
        street_name="Rue Haute",
        house_number="3",
        postcode="5000",
    )

    assert item.language == "fr"
    [message] = mail.outbox
    assert message.subject == fr(
        "We received your request to join a neighbourhood information network"
    )


def test_a_language_the_zone_does_not_use_is_not_kept(zone, municipality):
    item = ask(zone, language="fr")
    assert item.language == "nl"


def test_closing_an_older_request_without_a_language_writes_in_the_zones(french_zone):
    item = ask(french_zone, language="")
    AddressRequest.objects.filter(pk=item.pk).update(language="")
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=french_zone).user

    services.close_address_request(admin, AddressRequest.objects.get(pk=item.pk))

    [message] = mail.outbox
    assert message.subject == fr("No neighbourhood information network covers your address yet")


# --- Retention --------------------------------------------------------------------------------


def test_a_request_nobody_handled_is_deleted_after_the_zones_days_and_the_person_told(zone):
    zone.retention_address_requests_days = 10
    zone.save(update_fields=["retention_address_requests_days"])
    old = ask(zone)
    young = ask(zone, email="bert@example.org")
    AddressRequest.objects.filter(pk=old.pk).update(
        requested_at=clock.now() - datetime.timedelta(days=10, minutes=1)
    )
    AddressRequest.objects.filter(pk=young.pk).update(
        requested_at=clock.now() - datetime.timedelta(days=9, hours=23)
    )

    assert services.expire_address_requests() == 1
    assert services.expire_address_requests() == 0

    assert kept(old) == NOTHING
    assert (old.status, old.postcode, old.handled_at is not None) == (
        AddressRequestStatus.CLOSED,
        "2650",
        True,
    )
    assert kept(young)["email"] == "bert@example.org"
    assert young.status == AddressRequestStatus.OPEN
    [message] = mail.outbox
    assert message.to == ["ann.peeters@example.org"]
    assert message.subject == nl("Your request to join a neighbourhood information network")
    assert "10" in message.body and "info@pz-test.example" in message.body
    assert "112 BE" in message.body
    entry = AuditEntry.objects.get(action="members.address_request_expire")
    assert (entry.actor_id, entry.object_id, entry.subjects, entry.details) == (
        None,
        str(old.pk),
        [],
        {"days": 10, "told": True},
    )


def test_the_deletion_happens_even_when_the_email_cannot_leave(settings, zone):
    old = ask(zone)
    AddressRequest.objects.filter(pk=old.pk).update(
        requested_at=clock.now() - datetime.timedelta(days=zone.retention_address_requests_days + 1)
    )
    sink = SmtpSink().start()
    try:
        settings.MAILERS = sink.mailers()
        sink.fail_next(1, "554 5.7.1 refused")
        assert services.expire_address_requests() == 1
    finally:
        sink.stop()

    assert kept(old) == NOTHING
    assert old.status == AddressRequestStatus.CLOSED
    entry = AuditEntry.objects.get(action="members.address_request_expire")
    assert entry.details == {"days": 30, "told": False}


def test_the_privacy_notice_names_the_days_a_request_waits(client, zone):
    zone.retention_address_requests_days = 45
    zone.save(update_fields=["retention_address_requests_days"])
    publish_privacy_notice(zone)
    response = client.get("/nl/privacy/")
    assert response.status_code == 200
    with translation.override("nl"):
        sentence = translation.ngettext(
            "A sign-up from an address outside every BIN waits for the police to place it; if "
            "nobody has done so after %(days)s day, we delete it and tell you by e-mail.",
            "A sign-up from an address outside every BIN waits for the police to place it; if "
            "nobody has done so after %(days)s days, we delete it and tell you by e-mail.",
            45,
        ) % {"days": 45}
    assert sentence in " ".join(response.text.split())
