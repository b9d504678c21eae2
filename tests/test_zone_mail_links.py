"""E-mails sent outside a request link to their own zone's site (#18 point 8).

One install serves zone A (host a.localhost) and zone B (host b.localhost); NABUUR_BASE_URL is
neither. The worker, the periodic jobs and the commands serve every zone at once, so each
e-mail they send must take its links from the zone of what it is about: every link of every
e-mail (the hrefs of the HTML, the addresses in the text, List-Unsubscribe) starts with the
site of the recipient's zone. Each test triggers its path as the worker, the timer or the
command does, with the pinned clock where deadlines matter, for a BIN in each zone.

The jobs also keep to each zone's own settings (deadlines, retention), and a resident of two
zones who asks for a login link on zone B's site gets one to zone B's site.
"""

import datetime
import io
import mailbox
import re
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase

from nabuur.evaluation import services as evaluation_services
from nabuur.imports.models import ConsentChoice
from nabuur.imports.services import check_batch, choose_consent, run_import, upload_list
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members import tasks
from nabuur.members.models import (
    AddressRequest,
    AddressRequestStatus,
    MeasureKind,
    Membership,
    MembershipStatus,
)
from nabuur.members.services.measures import propose_measure
from nabuur.messaging import compose
from nabuur.messaging.emails import REPLY, tagged_address
from nabuur.messaging.models import Delivery, DeliveryState, MessageKind, MessageState, Reply
from nabuur.messaging.services import queue_message
from nabuur.networks import services as network_services
from nabuur.operations.jobs import registered_jobs
from nabuur.staff.models import Role

from . import factories
from .test_delivery import add_variant
from .test_outbox import make_message

UTC = datetime.UTC
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
INSTALL = "http://127.0.0.1:8000"
HOSTS = {"a": "a.localhost", "b": "b.localhost"}
IMPORT_HEADER = "Voornaam,Naam,Straat,Huisnummer,Bus,Postcode,E-mail"

# Every address in a text part or a header; every href of an HTML part (relative ones too).
URL = re.compile(r"""https?://[^\s<>"')\]]+""")
HREF = re.compile(r"""href=["']([^"']*)["']""")


@dataclass
class Site:
    """A zone's site and the people of its one BIN."""

    key: str
    base: str
    zone: object
    network: object
    coordinator: object
    co_coordinator: object
    officer: object
    members: list = field(default_factory=list)
    # Addresses of this zone without an account (an address request's sender).
    others: list = field(default_factory=list)

    def addresses(self):
        people = [self.coordinator, self.co_coordinator, self.officer, *self.members]
        return {person.email.lower() for person in people} | set(self.others)


class Sites(dict):
    def of(self, address):
        """The site of the zone `address` belongs to (each test person lives in one zone)."""
        for site in self.values():
            if address.lower() in site.addresses():
                return site
        raise AssertionError(f"{address} belongs to no zone of the test")


def _people_of(network, count=2):
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=network).user
    co_coordinator = factories.RoleFactory(role=Role.CO_COORDINATOR, network=network).user
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    members = [factories.MembershipFactory(network=network).user for _ in range(count)]
    return coordinator, co_coordinator, officer, members


@pytest.fixture
def sites(settings, zone, bin_a):
    """Zone A (the suite's zone, BIN Centrum) and zone B (BIN Citadelle), each on its host."""
    settings.BASE_URL = INSTALL
    settings.ALLOWED_HOSTS = [".localhost", "testserver", "127.0.0.1"]
    zone.host = HOSTS["a"]
    zone.save(update_fields=["host"])
    zone_b = factories.ZoneFactory(slug="pz-bravo", name="Politiezone Bravo", host=HOSTS["b"])
    municipality_b = factories.MunicipalityFactory(
        nis_code="21015",
        name_nl="Schaarbeek",
        name_fr="Schaerbeek",
        zone=zone_b,
        language_regime=LanguageRegime.DUTCH,
    )
    bin_b = factories.NetworkFactory(
        municipality=municipality_b, name="BIN Citadelle", slug="citadelle"
    )
    found = Sites()
    for key, network in (("a", bin_a), ("b", bin_b)):
        found[key] = Site(
            key,
            f"http://{HOSTS[key]}:8000",
            network.municipality.zone,
            network,
            *_people_of(network),
        )
    mail.outbox.clear()
    return found


def parts(message):
    """(content type, text) of each text part of a sent e-mail."""
    for part in message.message().walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            yield part.get_content_type(), payload.decode(part.get_content_charset() or "utf-8")


def links(message):
    """Every link of a sent e-mail: addresses in its parts and List-Unsubscribe, and the HTML's
    hrefs."""
    found = URL.findall(str(message.message().get("List-Unsubscribe", "")))
    for content_type, text in parts(message):
        found += URL.findall(text)
        if content_type == "text/html":
            found += HREF.findall(text)
    return found


def check(sites, *, linkless=()):
    """Assert that every link of every e-mail sent so far leads to its recipient's zone's site,
    and that each e-mail has links (but those to the addresses in `linkless`, or to anyone if
    it is True: those e-mails carry none). Returns {zone key: e-mails}; forgets the e-mails."""
    problems, sent = [], Counter()
    for message in mail.outbox:
        [to] = message.to
        site = sites.of(to)
        sent[site.key] += 1
        found = links(message)
        if not found and not (linkless is True or to in linkless):
            problems.append(f"{message.subject!r} to {to} ({site.key}): no link")
        wrong = sorted({link for link in found if not link.startswith(site.base + "/")})
        if wrong:
            problems.append(f"{message.subject!r} to {to} ({site.key}): {wrong}")
    mail.outbox.clear()
    assert problems == [], "\n".join(problems)
    return dict(sent)


def run(name, moment):
    """Run the periodic job `name` as `nabuur worker` does at `moment`."""
    job = next(job for job in registered_jobs() if job.name == name)
    with clock.frozen_at(moment), TestCase.captureOnCommitCallbacks(execute=True):
        return job.func(moment)


def outside_a_request(function, *args, **kwargs):
    """Call a service or a command as a script would, at NOW, and run what it leaves for after
    the commit (the e-mails)."""
    with clock.frozen_at(NOW), TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


# --- Escalation: the reminder and the hand-over -----------------------------------------------


@pytest.mark.django_db
def test_police_message_notice_reminder_and_hand_over_link_to_the_bins_zone(sites, tmp_path):
    body = tmp_path / "body.md"
    body.write_text("Sluit uw ramen en deuren.", encoding="utf-8")
    for site in sites.values():
        # `nabuur send_message`, as a script of the police would run it.
        outside_a_request(
            call_command,
            "send_message",
            "--bin",
            site.network.slug,
            "--kind",
            MessageKind.FEEDBACK,
            "--subject",
            "nl=Inbraken in de wijk",
            "--body-file",
            f"nl={body}",
            "--author",
            site.officer.email,
            stdout=io.StringIO(),
        )
    # The coordinator and co-coordinator are told that a police message waits for them.
    assert check(sites) == {"a": 2, "b": 2}
    # The coordinator is reminded; the co-coordinator and the officer get the hand-over.
    assert run("messaging.escalate", NOW + 48 * HOUR) == 2
    assert check(sites) == {"a": 1, "b": 1}
    assert run("messaging.escalate", NOW + 96 * HOUR) == 2
    assert check(sites) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_sign_up_reminder_and_hand_over_link_to_the_bins_zone(sites):
    for site in sites.values():
        signup = factories.MembershipFactory(
            network=site.network,
            status=MembershipStatus.PENDING,
            confirmed_at=NOW,
            approved_at=None,
        )
        site.members.append(signup.user)
    assert run("members.escalate", NOW + 7 * DAY) == 2
    assert check(sites) == {"a": 1, "b": 1}
    assert run("members.escalate", NOW + 14 * DAY) == 2
    assert check(sites) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_measure_proposed_reminder_and_hand_over_link_to_the_bins_zone(sites):
    for site in sites.values():
        membership = site.members[0].memberships.get()
        outside_a_request(
            propose_measure,
            site.coordinator,
            membership,
            MeasureKind.WRITTEN_REPRIMAND,
            "Herhaald.",
        )
    # The officer is asked to confirm the coordinator's proposal.
    assert check(sites) == {"a": 1, "b": 1}
    assert run("members.escalate", NOW + 7 * DAY) == 2
    assert check(sites) == {"a": 1, "b": 1}
    assert run("members.escalate", NOW + 14 * DAY) == 2
    assert check(sites) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_evaluation_opened_reminder_and_hand_over_link_to_the_bins_zone(sites):
    new_year = datetime.datetime(2026, 1, 1, 6, tzinfo=UTC)
    assert run("evaluation.open_due", new_year) == 2
    # The officer, the coordinator and the co-coordinator of each BIN.
    assert check(sites) == {"a": 3, "b": 3}
    # Nobody signed: all three are reminded, and all three get the hand-over.
    assert run("evaluation.remind", datetime.datetime(2026, 1, 31, 0, tzinfo=UTC)) == 2
    assert check(sites) == {"a": 3, "b": 3}
    assert run("evaluation.remind", datetime.datetime(2026, 3, 2, 0, tzinfo=UTC)) == 2
    assert check(sites) == {"a": 3, "b": 3}


# --- The charter and the survey ---------------------------------------------------------------


@pytest.mark.django_db
def test_charter_changed_links_to_the_bins_zone(sites):
    for site in sites.values():
        outside_a_request(evaluation_services.start_charter, site.network, site.officer)
        # A new coordinator without a service (so no signal): the hourly job finds it.
        newcomer = factories.RoleFactory(role=Role.COORDINATOR, network=site.network).user
        site.members.append(newcomer)
    mail.outbox.clear()
    assert run("evaluation.refresh_charters", NOW) == 2
    sent = check(sites)
    assert sent["a"] == sent["b"] >= 3


@pytest.mark.django_db
def test_survey_invitation_links_to_the_bins_zone(sites):
    evaluations = {
        key: outside_a_request(evaluation_services.open_evaluation, site.network, 2026)
        for key, site in sites.items()
    }
    mail.outbox.clear()
    for key, site in sites.items():
        outside_a_request(evaluation_services.start_survey, evaluations[key], site.officer)
    assert check(sites) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_an_imported_member_list_asks_each_member_to_confirm_on_the_zones_site(sites):
    for key, site in sites.items():
        postcode = site.network.municipality.nis_code[:4]
        street = factories.SearchableStreetFactory(
            municipality=site.network.municipality, name_nl="Kerkstraat", postcode=postcode
        )
        factories.SegmentFactory(network=site.network, street=street)
        address = f"nieuw@{key}.example.org"
        site.others.append(address)
        table = f"{IMPORT_HEADER}\nNina,Nieuw,Kerkstraat,2,,{postcode},{address}\n"
        batch = upload_list(site.network, site.coordinator, table.encode(), "leden.csv")
        # What the worker's tasks run: the check, then (after the consent) the import.
        check_batch(batch.pk)
        choose_consent(batch, site.coordinator, ConsentChoice.ASK)
        outside_a_request(run_import, batch.pk)
    assert check(sites) == {"a": 1, "b": 1}


# --- Messages to members, replies and bounces -------------------------------------------------


def queue_and_deliver(sites):
    """A prevention tip to the members of each BIN, delivered by the worker's job."""
    for site in sites.values():
        message = make_message(site.network)
        add_variant(message)
        queue_message(message, now=NOW)
    assert run("messaging.deliver", NOW) == 4


@pytest.mark.django_db
def test_a_message_to_members_links_to_their_zone(sites):
    queue_and_deliver(sites)
    assert check(sites) == {"a": 2, "b": 2}


def reply_from(delivery, text):
    """The member's reply to the e-mail of `delivery`, as their mail program sends it."""
    reply = EmailMessage()
    reply["From"] = delivery.email
    reply["To"] = tagged_address(REPLY, delivery.token)
    reply["Subject"] = "Re: Preventietip"
    reply["Message-ID"] = f"<reply-{delivery.pk}@voorbeeld-mail.test>"
    reply.set_content(text)
    return reply.as_bytes()


@pytest.mark.django_db
def test_the_answer_to_a_reply_and_the_officers_urgent_notice_link_to_the_zone(sites, tmp_path):
    queue_and_deliver(sites)
    mail.outbox.clear()
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for site in sites.values():
        delivery = Delivery.objects.filter(user=site.members[0]).get()
        box.add(reply_from(delivery, "Er staat nu een verdachte man aan de achterdeur, dringend!"))
    with clock.frozen_at(NOW + HOUR):
        call_command("process_bounces", maildir=str(box._path), stdout=io.StringIO())
    assert Reply.objects.filter(answered=True, urgent=True).count() == 2
    # Each member gets the answer (no link in it); each BIN's officer the urgent reply.
    members = {site.members[0].email for site in sites.values()}
    assert check(sites, linkless=members) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_the_undeliverable_notice_goes_to_the_bins_zone(settings, sites, tmp_path):
    settings.BOUNCE_LIMIT = 1
    queue_and_deliver(sites)
    mail.outbox.clear()
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for site in sites.values():
        delivery = Delivery.objects.filter(user=site.members[0]).get()
        box.add(
            (
                "From: MAILER-DAEMON@mx.example.org\n"
                f"To: bounces+{delivery.token}@nabuur.example\n"
                "Subject: Undelivered Mail Returned to Sender\n"
                "Content-Type: text/plain\n\n"
                f"<{delivery.email}>: host mx.example.org said: 550 5.1.1 User unknown\n"
            ).encode()
        )
    with clock.frozen_at(NOW + HOUR):
        call_command("process_bounces", maildir=str(box._path), stdout=io.StringIO())
    assert Delivery.objects.filter(state=DeliveryState.BOUNCED).count() == 2
    # The BIN's coordinator and co-coordinator are told. The notice names no page; whatever
    # it links to must be the zone's own site.
    assert check(sites, linkless=True) == {"a": 2, "b": 2}


# --- A BIN stopped or merged, an address request expired -------------------------------------


@pytest.mark.django_db
def test_network_stopped_notice_links_to_the_zone(sites):
    for site in sites.values():
        outside_a_request(
            network_services.stop_network, None, site.network, "De wijk is opgeheven."
        )
    sent = check(sites)
    assert sent == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_network_merged_notice_goes_to_the_zone(sites):
    for site in sites.values():
        target = factories.NetworkFactory(municipality=site.network.municipality)
        outside_a_request(network_services.merge_networks, None, site.network, target)
    # The notice names no page; whatever it links to must be the zone's own site.
    assert check(sites, linkless=True) == {"a": 2, "b": 2}


@pytest.mark.django_db
def test_an_expired_address_request_notice_goes_to_its_zone(sites):
    for site in sites.values():
        request = AddressRequest.objects.create(
            zone=site.zone,
            email=f"bewoner@{site.key}.example.org",
            first_name="Bea",
            last_name="Bewoner",
            street_name="Dorpsstraat",
            house_number="3",
            postcode="1030",
            language="nl",
            requested_at=NOW - 60 * DAY,
        )
        site.others.append(request.email)
    assert run("members.expire_address_requests", NOW) == 2
    assert AddressRequest.objects.filter(status=AddressRequestStatus.OPEN).count() == 0
    assert check(sites, linkless=True) == {"a": 1, "b": 1}


@pytest.mark.django_db
def test_invite_admin_invites_to_the_zones_site(sites):
    for site in sites.values():
        out = io.StringIO()
        address = f"beheer@{site.key}.example.org"
        site.others.append(address)
        outside_a_request(call_command, "invite_admin", address, zone=site.zone.slug, stdout=out)
        assert f"{site.base}/" in out.getvalue()
    assert check(sites) == {"a": 1, "b": 1}


# --- Each zone's own settings -----------------------------------------------------------------


@pytest.mark.django_db
def test_each_zone_escalates_by_its_own_deadline(sites):
    sites["b"].zone.deadline_forward_hours = 4
    sites["b"].zone.save(update_fields=["deadline_forward_hours"])
    for site in sites.values():
        outside_a_request(_police_message, site.officer, site.network)
    mail.outbox.clear()
    assert run("messaging.escalate", NOW + 4 * HOUR) == 1
    assert check(sites) == {"b": 1}
    # Zone A's coordinator is reminded after its 48 hours; zone B's message, waiting past
    # twice its 4 hours, is handed over to its co-coordinator and officer.
    assert run("messaging.escalate", NOW + 48 * HOUR) == 2
    assert check(sites) == {"a": 1, "b": 2}


@pytest.mark.django_db
def test_each_zone_keeps_replies_unconfirmed_sign_ups_and_address_requests_its_own_time(sites):
    zone_b = sites["b"].zone
    zone_b.retention_replies_days = 7
    zone_b.retention_unconfirmed_days = 2
    zone_b.retention_address_requests_days = 10
    zone_b.save(
        update_fields=[
            "retention_replies_days",
            "retention_unconfirmed_days",
            "retention_address_requests_days",
        ]
    )
    queue_and_deliver(sites)
    mail.outbox.clear()
    for site in sites.values():
        delivery = Delivery.objects.filter(user=site.members[0]).get()
        Reply.objects.create(delivery=delivery, network=site.network, received_at=NOW - 8 * DAY)
        factories.MembershipFactory(
            network=site.network,
            status=MembershipStatus.PENDING,
            confirmed_at=None,
            approved_at=None,
            requested_at=NOW - 3 * DAY,
        )
        AddressRequest.objects.create(
            zone=site.zone,
            email=f"bewoner@{site.key}.example.org",
            first_name="Bea",
            last_name="Bewoner",
            street_name="Dorpsstraat",
            house_number="3",
            postcode="1030",
            language="nl",
            requested_at=NOW - 11 * DAY,
        )
        site.others.append(f"bewoner@{site.key}.example.org")
    assert run("messaging.delete_old_replies", NOW) == 1
    assert run("members.purge_unconfirmed", NOW) == 1
    assert run("members.expire_address_requests", NOW) == 1
    assert set(Reply.objects.values_list("network__municipality__zone", flat=True)) == {
        sites["a"].zone.pk
    }
    pending = MembershipStatus.PENDING
    assert set(
        Membership.objects.filter(status=pending, confirmed_at=None).values_list(
            "network__municipality__zone", flat=True
        )
    ) == {sites["a"].zone.pk}
    assert set(
        AddressRequest.objects.filter(status=AddressRequestStatus.OPEN).values_list(
            "zone", flat=True
        )
    ) == {sites["a"].zone.pk}
    assert check(sites, linkless=True) == {"b": 1}


@pytest.mark.django_db
def test_zone_b_erases_a_member_who_left_it_though_they_live_on_in_zone_a(sites):
    resident = sites["a"].members[0]
    factories.MembershipFactory(
        user=resident,
        network=sites["b"].network,
        status=MembershipStatus.LEFT,
        left_at=NOW - 60 * DAY,
    )
    run("members.erase_after_retention", NOW)
    zones = resident.memberships.values_list("network__municipality__zone", flat=True)
    assert list(zones) == [sites["a"].zone.pk]


def _police_message(officer, network):
    draft = compose.create_draft(
        officer,
        kind=MessageKind.FEEDBACK,
        networks=[network],
        variants={"nl": ("Inbraken", "Sluit uw ramen.")},
    )
    [message] = compose.submit_message(draft, officer, now=NOW)
    assert message.state == MessageState.AWAITING_FORWARD
    return message


# --- A login link asked for on zone B's site --------------------------------------------------


@pytest.fixture
def resident_of_two_zones(settings, sites):
    """A resident (no password) of BIN Citadelle in zone B who joined BIN Centrum in zone A
    later; login-link tasks run at once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()
    resident = factories.UserFactory(email="twee@example.org", password=None)
    resident.set_unusable_password()
    resident.save()
    factories.MembershipFactory(
        user=resident, network=sites["b"].network, requested_at=NOW - 30 * DAY
    )
    factories.MembershipFactory(user=resident, network=sites["a"].network, requested_at=NOW)
    yield resident
    cache.clear()


def login_links():
    """The login links of the e-mails sent so far; forgets the e-mails."""
    found = [link for message in mail.outbox for link in links(message) if "/me/login/" in link]
    mail.outbox.clear()
    return sorted(set(found))


def site_of(link):
    return re.match(r"https?://[^/]+", link).group(0)


@pytest.mark.django_db
def test_the_login_link_task_links_to_the_zone_it_was_asked_on(sites, resident_of_two_zones):
    tasks.send_login_link.enqueue(resident_of_two_zones.email, sites["b"].zone.pk)
    assert [site_of(link) for link in login_links()] == [sites["b"].base]
    tasks.send_login_link.enqueue(resident_of_two_zones.email, sites["a"].zone.pk)
    assert [site_of(link) for link in login_links()] == [sites["a"].base]
    # Asked without a zone (a task queued before this change): the zone joined last.
    tasks.send_login_link.enqueue(resident_of_two_zones.email)
    assert [site_of(link) for link in login_links()] == [sites["a"].base]


@pytest.mark.django_db
def test_the_login_link_of_a_zone_where_the_resident_is_no_member_leads_to_their_zone(
    sites, resident_of_two_zones
):
    zone_c = factories.ZoneFactory(slug="pz-charlie", host="c.localhost")
    tasks.send_login_link.enqueue(resident_of_two_zones.email, zone_c.pk)
    assert [site_of(link) for link in login_links()] == [sites["a"].base]


@pytest.mark.django_db
def test_a_resident_of_two_zones_gets_a_login_link_to_the_site_they_asked_on(
    client, sites, resident_of_two_zones
):
    for key in ("b", "a"):
        client.post("/nl/me/login/", {"email": resident_of_two_zones.email}, HTTP_HOST=HOSTS[key])
        assert [site_of(link) for link in login_links()] == [sites[key].base]
