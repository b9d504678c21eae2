"""Each zone is the data controller (issue 18, point 8): a person's erasure in zone B reaches
only what zone B holds, their account goes with the last zone; the member's own "erase my
data" on zone B's site; the erasure register and its replay after a restore; a zone's export
and offboarding."""

import io
import json
import zipfile
from html import unescape

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.audit.services import verify_chain
from nabuur.members.models import Consent, Membership
from nabuur.members.services import erasure
from nabuur.messaging.models import Delivery, Reply
from nabuur.privacy import erasures
from nabuur.staff.models import Role, RoleAssignment
from nabuur.zones.documents import publish_house_rules
from nabuur.zones.models import Zone

from . import factories
from .i18n import nl


@pytest.fixture(autouse=True)
def register(settings, tmp_path):
    """The erasure register of this test, outside the database as in production."""
    settings.ERASURE_REGISTER = str(tmp_path / "register" / "erasures.jsonl")
    return tmp_path / "register" / "erasures.jsonl"


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-other", name="Politiezone Ander")


@pytest.fixture
def bin_z(zone_b):
    municipality = factories.MunicipalityFactory(nis_code="12002", name_nl="Berlaar", zone=zone_b)
    return factories.NetworkFactory(municipality=municipality, name="BIN Berlaar", slug="berlaar")


@pytest.fixture
def person(bin_a, bin_z, zone, zone_b):
    """A member of BIN A (zone A) and of BIN Berlaar (zone B), coordinator in zone B too,
    with a delivery, a reply and a consent in each zone."""
    user = factories.UserFactory(email="els@example.org", first_name="Els", last_name="Claes")
    for network, the_zone in ((bin_a, zone), (bin_z, zone_b)):
        factories.MembershipFactory(user=user, network=network, house_number=5)
        Consent.objects.create(user=user, document=publish_house_rules(the_zone), channel="web")
        delivery = factories.DeliveryFactory(
            user=user, message=factories.MessageFactory(targets=[network])
        )
        Reply.objects.create(
            delivery=delivery, network=network, received_at=timezone.now(), text="Dank u"
        )
    factories.RoleFactory(user=user, role=Role.COORDINATOR, network=bin_z)
    return user


def zone_of_row(row):
    return row.network.municipality.zone.slug


def test_erasure_in_zone_b_leaves_the_membership_of_zone_a_alone(person, zone, zone_b, register):
    assert erasure.erase_in_zone(person, zone_b) is False

    person.refresh_from_db()
    assert (person.email, person.first_name, person.is_active) == ("els@example.org", "Els", True)
    kept = Membership.objects.get(user=person)
    assert (zone_of_row(kept), kept.status, kept.house_number) == ("pz-test", "active", 5)
    erased = Membership.objects.get(network__slug="berlaar")
    stand_in = erased.user
    assert stand_in != person
    assert (stand_in.email, stand_in.first_name, stand_in.last_name, stand_in.is_active) == (
        None,
        "—",
        "—",
        False,
    )
    assert (erased.status, erased.end_reason, erased.house_number) == ("left", "erased", 0)
    assert [c.document.zone.slug for c in Consent.objects.filter(user=person)] == ["pz-test"]
    assert Consent.objects.filter(document__zone=zone_b).count() == 0
    assert [(d.user_id, d.email) for d in Delivery.objects.order_by("pk")] == [
        (person.pk, "els@example.org"),
        (stand_in.pk, ""),
    ]
    assert [r.network.slug for r in Reply.objects.all()] == ["centrum"]
    role = RoleAssignment.objects.get(network__slug="berlaar")
    assert role.user == stand_in
    assert role.ended_on is not None
    assert not RoleAssignment.objects.filter(user=person).exists()

    entry = AuditEntry.objects.get(action="privacy.erase_person")
    assert (entry.actor_id, entry.actor_role, entry.zone_id, entry.details) == (
        None,
        "system",
        zone_b.pk,
        {"person": person.pk, "whole": False},
    )
    lines = [json.loads(line) for line in register.read_text().splitlines()]
    assert [(line["kind"], line["person"], line["zone"]) for line in lines] == [
        ("person", person.pk, "pz-other")
    ]
    # The register keeps no address: only a keyed hash of it.
    assert "els@example.org" not in register.read_text()
    assert lines[0]["email_key"] == erasures.email_key("els@example.org")

    # The last zone that holds the person erases them: the account goes too.
    assert erasure.erase_in_zone(person, zone) is True
    person.refresh_from_db()
    assert (person.email, person.first_name, person.is_active) == (None, "—", False)
    assert Consent.objects.count() == 0


def test_a_person_s_export_on_zone_b_holds_zone_b_s_data(person, zone_b):
    from nabuur.privacy.registry import export_person

    data = export_person(person, zone_b)
    assert [m["network"] for m in data["members.Membership"]] == ["BIN Berlaar"]
    assert [r["network"] for r in data["staff.RoleAssignment"]] == ["BIN Berlaar"]
    assert len(data["messaging.Delivery"]) == 1
    assert len(data["members.Consent"]) == 1
    # The account serves every zone: it is in every zone's export.
    assert data["accounts.User"][0]["email"] == "els@example.org"
    everything = export_person(person)
    assert sorted(m["network"] for m in everything["members.Membership"]) == [
        "BIN Berlaar",
        "BIN Centrum",
    ]


def test_offboarding_a_zone_keeps_its_people_s_other_zones_and_the_audit_chain(
    person, member_a, zone, zone_b, bin_z, register, tmp_path
):
    only_b = factories.MembershipFactory(network=bin_z).user
    out = tmp_path / "pz-other.zip"
    call_command("export_zone", zone="pz-other", out=str(out), stdout=io.StringIO())
    archive = zipfile.ZipFile(out)
    memberships = json.loads(archive.read("members.Membership.json"))
    assert sorted(row["fields"]["user"] for row in memberships) == sorted([person.pk, only_b.pk])
    assert [row["fields"]["name"] for row in json.loads(archive.read("networks.Network.json"))] == [
        "BIN Berlaar"
    ]
    assert len(json.loads(archive.read("messaging.Message.json"))) == 1
    people = json.loads(archive.read("people.json"))
    assert sorted(people) == sorted([str(person.pk), str(only_b.pk)])
    assert [m["network"] for m in people[str(person.pk)]["members.Membership"]] == ["BIN Berlaar"]

    with pytest.raises(Exception, match="--confirm must repeat"):
        call_command("offboard_zone", zone="pz-other", confirm="pz-test")
    output = io.StringIO()
    call_command("offboard_zone", zone="pz-other", confirm="pz-other", stdout=output)
    assert output.getvalue() == (
        "Offboarded Politiezone Ander: erased the data of 2 people it held.\n"
    )

    assert not Zone.objects.filter(slug="pz-other").exists()
    person.refresh_from_db()
    assert person.email == "els@example.org"
    assert [m.network.slug for m in Membership.objects.filter(user=person)] == ["centrum"]
    assert User.objects.get(pk=only_b.pk).email is None
    assert User.objects.get(pk=member_a.pk).email is not None
    assert Delivery.objects.filter(user=person).count() == 1
    assert verify_chain() is None
    assert [
        (line["kind"], line["zone"]) for line in map(json.loads, register.read_text().splitlines())
    ] == [("zone", "pz-other")]


@pytest.fixture
def on_hosts(settings, zone, zone_b):
    settings.ALLOWED_HOSTS = [".localhost", "testserver"]
    zone.host = "a.localhost"
    zone.save(update_fields=["host"])
    zone_b.host = "b.localhost"
    zone_b.save(update_fields=["host"])


@pytest.fixture
def mia(bin_a, bin_z, client):
    """A member of BIN A (zone A) and of BIN Berlaar (zone B), logged in."""
    user = factories.UserFactory(email="mia@example.org", first_name="Mia", last_name="Janssens")
    factories.MembershipFactory(user=user, network=bin_a, house_number=3)
    factories.MembershipFactory(user=user, network=bin_z, house_number=9)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def test_the_export_on_zone_b_s_site_holds_zone_b_s_data_and_says_so(on_hosts, mia, client):
    response = client.get("/nl/me/export/", HTTP_HOST="b.localhost")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("nabuur.json"))
    assert [m["network"] for m in data["members.Membership"]] == ["BIN Berlaar"]
    assert (
        archive.read("about.txt").decode()
        == nl(
            "These are the personal data that %(zone)s holds about you, the data controller of "
            "this site, and your account, which serves every police zone. Another police zone "
            "where you are a member gives you its data on its own site.",
            zone="Politiezone Ander",
        )
        + "\n"
    )


def test_erasing_on_zone_b_s_site_keeps_the_membership_of_zone_a(on_hosts, mia, client, mailoutbox):
    page = client.get("/nl/me/erase/", HTTP_HOST="b.localhost")
    assert "Politiezone Ander" in page.text
    response = client.post("/nl/me/erase/", HTTP_HOST="b.localhost")
    assert response.status_code == 200
    assert nl("Your data are erased") in response.text

    mia.refresh_from_db()
    assert (mia.email, mia.first_name, mia.is_active) == ("mia@example.org", "Mia", True)
    kept = Membership.objects.get(user=mia)
    assert (kept.network.slug, kept.status, kept.house_number) == ("centrum", "active", 3)
    erased = Membership.objects.get(network__slug="berlaar")
    assert (erased.user.first_name, erased.status, erased.end_reason, erased.house_number) == (
        "—",
        "left",
        "erased",
        0,
    )
    assert [m.to for m in mailoutbox] == [["mia@example.org"]]
    assert mailoutbox[0].subject == nl(
        "%(zone)s erased your personal data", zone="Politiezone Ander"
    )
    entry = AuditEntry.objects.get(action="privacy.erase_person")
    assert (entry.actor_id, entry.actor_role, entry.details) == (
        mia.pk,
        "member",
        {"person": mia.pk, "whole": False, "via": "self"},
    )

    # On zone A's site, the last zone: the account goes.
    client.force_login(mia, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/nl/me/erase/", HTTP_HOST="a.localhost")
    assert nl("Your account is erased") in response.text
    mia.refresh_from_db()
    assert (mia.email, mia.is_active) == (None, False)
    assert mailoutbox[-1].to == ["mia@example.org"]


def test_a_zone_administrator_erases_what_the_zone_holds_about_a_member(
    bin_a, bin_z, zone_b, client, mailoutbox
):
    admin_b = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone_b).user
    # Staff pages need an enrolled second factor.
    TOTP.activate(admin_b, generate_totp_secret())
    noor = factories.UserFactory(email="noor@example.org", first_name="Noor", last_name="Aerts")
    factories.MembershipFactory(user=noor, network=bin_a)
    membership = factories.MembershipFactory(user=noor, network=bin_z)
    client.force_login(admin_b)
    with translation.override("nl"):
        member_page = reverse("members_staff:member", args=["berlaar", membership.pk])
        url = reverse("members_staff:erase", args=["berlaar", membership.pk])
    assert url in client.get(member_page).text
    page = client.get(url)
    assert page.status_code == 200
    assert nl(
        "Erase the data that %(zone)s holds about %(name)s",
        zone="Politiezone Ander",
        name="Noor Aerts",
    ) in unescape(page.text)

    response = client.post(url)
    assert response.status_code == 302
    noor.refresh_from_db()
    assert (noor.email, noor.is_active) == ("noor@example.org", True)
    assert [m.network.slug for m in Membership.objects.filter(user=noor)] == ["centrum"]
    membership.refresh_from_db()
    assert (membership.user.first_name, membership.end_reason) == ("—", "erased")
    assert [m.to for m in mailoutbox] == [["noor@example.org"]]
    entry = AuditEntry.objects.get(action="privacy.erase_person")
    assert (entry.actor_id, entry.actor_role, entry.zone_id, entry.details) == (
        admin_b.pk,
        "zone_admin",
        zone_b.pk,
        {"person": noor.pk, "whole": False, "via": "zone_admin"},
    )
    # The member page no longer offers it: the membership names no one now.
    assert url not in client.get(member_page).text
