"""Join, double opt-in and approval, through the pages a resident sees."""

import re
from datetime import timedelta

import pytest

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.members import services
from nabuur.members.models import AddressRequest, Consent, Membership, MembershipStatus
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Postcode

from . import factories
from .i18n import nl


@pytest.fixture(autouse=True)
def _immediate_tasks(db, settings):
    # The e-mails of a visitor's request are tasks; here they run at once. Rate counters live
    # in the database and roll back with each test.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def kerkstraat(municipality, bin_a):
    """Kerkstraat, 2650 Edegem: numbers 1–50 are in BIN A (Centrum); from 51 in no BIN."""
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=bin_a, street=street, number_from=1, number_to=50)
    return street


@pytest.fixture
def documents(zone):
    return [publish_house_rules(zone), publish_privacy_notice(zone)]


def form_data(**changes):
    data = {
        "first_name": "Marie-Thérèse",
        "last_name": "D'Hondt",
        "street": "kerkstraat",
        "house_number": "12b",
        "box": "",
        "postcode": "2650",
        "email": "mt.dhondt@example.org",
        "phone": "0470 12 34 56",
        "basis": "lives",
        "enterprise_number": "",
        "adult": "on",
        "accept": "on",
        "website": "",
    }
    data.update(changes)
    return data


def link_from(message):
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/)", message.body).group(1)


def test_join_confirm_approve_makes_an_active_member(
    client, kerkstraat, documents, bin_a, coordinator_a, mailoutbox
):
    response = client.post("/nl/join/?bin=centrum", form_data())

    assert response.status_code == 302
    assert response["Location"] == "/nl/join/sent/"
    membership = Membership.objects.get()
    assert (membership.network, membership.street, membership.house_number) == (
        bin_a,
        kerkstraat,
        12,
    )
    assert membership.house_number_suffix == "B"
    assert membership.status == MembershipStatus.PENDING
    assert membership.user.full_name == "Marie-Thérèse D'Hondt"
    assert membership.user.has_usable_password() is False
    assert membership.user.language == "nl"
    assert sorted(Consent.objects.values_list("document__kind", "channel")) == [
        ("house_rules", "web"),
        ("privacy_notice", "web"),
    ]
    assert [m.to for m in mailoutbox] == [["mt.dhondt@example.org"]]
    assert mailoutbox[0].subject == nl("Confirm your membership of %(name)s", name="BIN Centrum")
    assert "D&#x27;Hondt" not in mailoutbox[0].body
    confirm_url = link_from(mailoutbox[0])
    assert confirm_url.startswith("/nl/join/confirm/")

    # Opening the link (a mail scanner does) changes nothing; the button does.
    page = client.get(confirm_url)
    assert nl("Confirm my membership") in page.text
    membership.refresh_from_db()
    assert membership.confirmed_at is None

    page = client.post(confirm_url)
    assert "Een coördinator van BIN Centrum bekijkt nu uw aanvraag" in page.text
    membership.refresh_from_db()
    assert (membership.status, membership.confirmed_at is not None) == ("pending", True)
    assert [m.to for m in mailoutbox[1:]] == [["mt.dhondt@example.org"], [coordinator_a.email]]

    assert services.approve_membership(coordinator_a, membership) is True
    assert services.approve_membership(coordinator_a, membership) is False
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert mailoutbox[-1].subject == nl("Welcome to %(name)s", name="BIN Centrum")
    entry = AuditEntry.objects.get(action="members.approve")
    assert (entry.actor_id, entry.subjects) == (coordinator_a.pk, [membership.user_id])


def test_a_sign_up_to_a_bin_without_coordinator_goes_to_its_officer(
    client, kerkstraat, documents, bin_a, officer_a, mailoutbox
):
    # A BIN in preparation accepts sign-ups before it has a coordinator; its officer decides.
    client.post("/nl/join/?bin=centrum", form_data())
    client.post(link_from(mailoutbox[0]))

    assert [m.to for m in mailoutbox[1:]] == [["mt.dhondt@example.org"], [officer_a.email]]
    membership = Membership.objects.get()
    assert services.approve_membership(officer_a, membership) is True


def test_confirmation_activates_at_once_without_approval(client, kerkstraat, bin_a, mailoutbox):
    bin_a.requires_approval = False
    bin_a.save()
    client.post("/nl/join/", form_data())
    page = client.post(link_from(mailoutbox[0]))
    assert "U bent nu lid van BIN Centrum" in page.text
    assert Membership.objects.get().status == MembershipStatus.ACTIVE
    assert mailoutbox[1].subject == nl("Welcome to %(name)s", name="BIN Centrum")


def test_decline_ends_the_request_and_tells_the_resident(
    client, kerkstraat, coordinator_a, mailoutbox
):
    client.post("/nl/join/", form_data())
    client.post(link_from(mailoutbox[0]))
    membership = Membership.objects.get()
    assert services.decline_membership(coordinator_a, membership, "not in our street") is True
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == ("left", "declined")
    assert "not in our street" in mailoutbox[-1].body
    assert membership.end_note == "not in our street"
    # The audit log cannot be erased: it says only that a reason was given.
    assert AuditEntry.objects.get(action="members.decline").details == {"with_note": True}


def test_a_confirmation_link_works_once(client, kerkstraat, mailoutbox):
    client.post("/nl/join/", form_data())
    url = link_from(mailoutbox[0])
    client.post(url)
    again = client.post(url)
    assert again.status_code == 200
    assert nl("This link was already used") in again.text
    assert Membership.objects.count() == 1


def test_an_expired_confirmation_link_says_so(client, kerkstraat, mailoutbox, settings):
    settings.NABUUR_CONFIRM_HOURS = 72
    client.post("/nl/join/", form_data())
    url = link_from(mailoutbox[0])
    with clock.frozen_at(clock.now() + timedelta(hours=73)):
        page = client.post(url)
    assert nl("This link has expired") in page.text
    assert Membership.objects.get().confirmed_at is None


def test_a_link_after_the_purge_finds_nothing(client, kerkstraat, zone, mailoutbox):
    client.post("/nl/join/", form_data())
    url = link_from(mailoutbox[0])
    with clock.frozen_at(clock.now() + timedelta(days=zone.retention_unconfirmed_days, hours=1)):
        assert services.purge_unconfirmed() == 1
    assert Membership.objects.count() == 0
    assert User.objects.filter(email="mt.dhondt@example.org").exists() is False
    page = client.post(url)
    assert page.status_code == 404
    assert nl("We do not find this request") in page.text


def test_the_purge_keeps_young_requests_and_people_with_other_memberships(
    client, kerkstraat, member_a, zone, mailoutbox
):
    client.post("/nl/join/", form_data(email=member_a.email))
    client.post("/nl/join/", form_data())
    with clock.frozen_at(clock.now() + timedelta(days=zone.retention_unconfirmed_days - 1)):
        assert services.purge_unconfirmed() == 0
    with clock.frozen_at(clock.now() + timedelta(days=zone.retention_unconfirmed_days, hours=1)):
        assert services.purge_unconfirmed() == 1
    assert User.objects.filter(pk=member_a.pk).exists()
    assert list(Membership.objects.values_list("user", "status")) == [(member_a.pk, "active")]


def test_a_known_and_an_unknown_email_get_the_same_answer(client, kerkstraat, member_a, mailoutbox):
    member_a.memberships.update(street=kerkstraat)
    known = client.post("/nl/join/", form_data(email=member_a.email.upper()))
    unknown = client.post("/nl/join/", form_data(email="new@example.org"))
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert Membership.objects.filter(user=member_a).count() == 1
    assert [m.to for m in mailoutbox] == [[member_a.email], ["new@example.org"]]
    assert mailoutbox[0].subject == nl("Your request to join %(name)s", name="BIN Centrum")


def test_a_double_submission_creates_one_membership(client, kerkstraat, mailoutbox):
    client.post("/nl/join/", form_data())
    client.post("/nl/join/", form_data())
    assert Membership.objects.count() == 1
    assert User.objects.count() == 1
    # The second e-mail carries a fresh confirmation link.
    assert "/nl/join/confirm/" in mailoutbox[1].body


def test_the_honeypot_silently_drops_robots(client, kerkstraat, mailoutbox):
    response = client.post("/nl/join/", form_data(website="http://spam.example"))
    assert response["Location"] == "/nl/join/sent/"
    assert Membership.objects.count() == 0
    assert mailoutbox == []


def test_sign_ups_per_address_are_limited(client, kerkstraat, settings, mailoutbox):
    settings.NABUUR_JOIN_LIMIT_PER_ADDRESS = 2
    statuses = [
        client.post("/nl/join/", form_data(email=f"p{n}@example.org")).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Membership.objects.count() == 2


def test_sign_ups_per_ip_are_limited(client, kerkstraat, settings):
    settings.NABUUR_JOIN_LIMIT_PER_IP = 1
    first = client.post("/nl/join/", form_data())
    second = client.post("/nl/join/", form_data(street="Kerkstraat", house_number="14"))
    assert (first.status_code, second.status_code) == (302, 429)
    assert nl("Too many attempts") in second.text


def test_an_address_outside_every_bin_goes_to_the_police_queue(
    client, kerkstraat, zone, documents, mailoutbox
):
    response = client.post("/nl/join/", form_data(house_number="51"))
    assert response["Location"] == "/nl/join/sent/"
    assert Membership.objects.count() == 0
    request = AddressRequest.objects.get()
    assert (request.zone, request.street_name, request.house_number, request.status) == (
        zone,
        "kerkstraat",
        "51",
        "open",
    )
    assert sorted(request.documents.values_list("kind", flat=True)) == [
        "house_rules",
        "privacy_notice",
    ]
    assert mailoutbox[0].to == ["mt.dhondt@example.org"]


def test_an_unknown_street_is_an_error_on_the_form(client, kerkstraat):
    response = client.post("/nl/join/", form_data(street="Nergensstraat"))
    assert response.status_code == 200
    assert 'href="#id_street"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert Membership.objects.count() == 0


def test_the_form_lists_missing_answers_at_the_top(client, kerkstraat):
    response = client.post("/nl/join/", form_data(adult="", accept=""))
    assert response.status_code == 200
    assert nl("Only adults can join a neighbourhood information network.") in response.text
    assert 'role="alert"' in response.text
    assert 'href="#id_accept"' in response.text


def test_a_business_can_join_only_a_business_network(client, kerkstraat):
    response = client.post("/nl/join/", form_data(basis="business"))
    assert (
        nl("%(bin)s is a network for residents: choose “live” or “work”.", bin="BIN Centrum")
        in response.text
    )
    assert Membership.objects.count() == 0


def test_the_join_page_offers_a_language_only_where_the_regime_allows(client, kerkstraat):
    page = client.get("/nl/join/?bin=centrum")
    assert page.status_code == 200
    assert 'name="language"' not in page.text
    assert 'autocomplete="given-name"' in page.text
    assert 'autocomplete="postal-code"' in page.text


def test_an_unreachable_mail_server_keeps_nothing_and_answers_as_always(
    client, kerkstraat, settings
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    response = client.post("/nl/join/", form_data())
    # The same answer as when the e-mail leaves: the page tells nobody whether it did.
    assert response.status_code == 302
    assert response["Location"] == "/nl/join/sent/"
    assert (Membership.objects.count(), User.objects.count(), Consent.objects.count()) == (0, 0, 0)


def test_a_brussels_resident_chooses_french(client, kerkstraat, municipality, mailoutbox):
    municipality.language_regime = "nl+fr"
    municipality.save()
    page = client.get("/fr/join/?bin=centrum")
    assert 'name="language"' in page.text
    client.post("/fr/join/?bin=centrum", form_data(language="fr"))
    assert User.objects.get().language == "fr"
    assert "http://127.0.0.1:8000/fr/join/confirm/" in mailoutbox[0].body
