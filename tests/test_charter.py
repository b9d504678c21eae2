"""The charter: versions with frozen contacts and plan, budget, signatures, FOD, e-mails, PDF."""

import datetime
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import TestCase
from django.utils import timezone, translation
from pypdf import PdfReader

from nabuur.audit.models import AuditEntry
from nabuur.evaluation import reports, services
from nabuur.evaluation.models import CharterState, CharterVersion, Party, Payer
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.plans import save_plan
from nabuur.networks import services as network_services
from nabuur.networks.models import MeasureKind
from nabuur.staff import services as staff_services
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(bin_a, coordinator_a, officer_a, municipality_contact):
    coordinator_a.first_name, coordinator_a.last_name = "Lotte", "Claes"
    coordinator_a.save(update_fields=["first_name", "last_name"])
    return {
        "coordinator": coordinator_a,
        "officer": officer_a,
        "municipality": municipality_contact,
    }


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def gettext_in(language, msgid):
    with translation.override(language):
        return translation.gettext(msgid)


def test_a_new_charter_freezes_contacts_plan_and_area(bin_a, partners):
    factories.SegmentFactory(network=bin_a, street__name_nl="Kerkstraat", number_to=99)
    charter = services.start_charter(bin_a, partners["officer"])
    assert charter.version == 1
    assert charter.state == CharterState.DRAFT
    assert [(c["party"], c["user"]) for c in charter.contacts] == [
        ("coordinator", partners["coordinator"].pk),
        ("officer", partners["officer"].pk),
        ("municipality", partners["municipality"].pk),
    ]
    assert charter.contacts[0]["name"] == "Lotte Claes"
    assert charter.plan_version == 0
    # Frozen as data, worded in the reader's language.
    assert charter.area == [
        {"street": {"nl": "Kerkstraat", "fr": "", "de": ""}, "from": 1, "to": 99, "side": "both"}
    ]
    with translation.override("nl"):
        assert charter.area_lines == ["Kerkstraat 1 tot 99"]
    with translation.override("fr"):
        assert charter.area_lines == ["Kerkstraat du 1 au 99"]
    # Starting again returns the open draft.
    assert services.start_charter(bin_a, partners["coordinator"]) == charter
    entry = AuditEntry.objects.get(action="evaluation.charter_started")
    assert "Lotte" not in str(entry.details)


def test_three_signatures_put_the_charter_in_force_and_replace_the_old(bin_a, partners):
    first = services.start_charter(bin_a, partners["officer"])
    for person in partners.values():
        first = services.sign_charter(first, person)
    assert first.state == CharterState.IN_FORCE
    assert sorted(first.signatures.values_list("party", flat=True)) == [
        "coordinator",
        "municipality",
        "officer",
    ]
    second = services.start_charter(bin_a, partners["coordinator"])
    assert second.version == 2
    services.sign_charter(second, partners["coordinator"])
    with pytest.raises(services.Refused):
        services.sign_charter(second, partners["coordinator"])
    services.sign_charter(second, partners["officer"])
    first.refresh_from_db()
    assert first.state == CharterState.IN_FORCE  # until the last partner signs
    services.sign_charter(second, partners["municipality"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (CharterState.SUPERSEDED, CharterState.IN_FORCE)


def test_saving_the_budget_drops_the_signatures_given(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    services.sign_charter(charter, partners["officer"])
    services.update_budget(
        charter,
        partners["coordinator"],
        lines=[
            {"item": "Straatborden", "amount": "240.00", "paid_by": Payer.MUNICIPALITY},
            {"item": "Stickers", "amount": "35.50", "paid_by": Payer.MEMBERS},
        ],
        member_contribution="gratis",
    )
    assert charter.signatures.count() == 0
    assert [(line.item, str(line.amount)) for line in charter.budget.all()] == [
        ("Straatborden", "240.00"),
        ("Stickers", "35.50"),
    ]
    # The next version starts with the same budget.
    for person in partners.values():
        services.sign_charter(charter, person)
    assert services.start_charter(bin_a, partners["officer"]).budget.count() == 2


def test_a_zone_admin_may_not_sign(bin_a, partners, zone_admin):
    charter = services.start_charter(bin_a, partners["officer"])
    with pytest.raises(Exception) as refused:
        services.sign_charter(charter, zone_admin)
    assert refused.type.__name__ == "PermissionDenied"


def test_each_persona_signs_for_its_own_side_or_not_at_all(
    bin_a, partners, zone_admin, coordinator_b, member_a
):
    people = {**partners, "zone admin": zone_admin, "outsider": coordinator_b, "member": member_a}
    assert {name: services.party_for(person, bin_a) for name, person in people.items()} == {
        "coordinator": Party.COORDINATOR,
        "officer": Party.OFFICER,
        "municipality": Party.MUNICIPALITY,
        "zone admin": None,
        "outsider": None,
        "member": None,
    }


def test_each_signature_is_audited_in_the_capacity_the_partner_signs_in(bin_a, partners):
    charter = services.start_charter(bin_a, partners["coordinator"])
    for person in partners.values():
        services.sign_charter(charter, person)
    signed = AuditEntry.objects.filter(action="evaluation.charter_signed").order_by("seq")
    assert [(e.actor_id, e.actor_role, e.details["party"]) for e in signed] == [
        (partners["coordinator"].pk, "coordinator", "coordinator"),
        (partners["officer"].pk, "officer", "officer"),
        (partners["municipality"].pk, "municipality_contact", "municipality"),
    ]
    roles = dict(
        AuditEntry.objects.filter(
            action__in=["evaluation.charter_started", "evaluation.charter_in_force"]
        ).values_list("action", "actor_role")
    )
    assert roles == {
        "evaluation.charter_started": "coordinator",
        "evaluation.charter_in_force": "municipality_contact",
    }


def test_a_zone_admin_who_also_coordinates_the_bin_signs_as_its_coordinator(bin_a, zone):
    # At a BIN a zone administrator comes before a coordinator, but only the coordinator's
    # role may sign: the signature and its audit entry both name that capacity.
    person = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user
    factories.RoleFactory(role=Role.COORDINATOR, network=bin_a, user=person)
    charter = services.start_charter(bin_a, person)
    services.sign_charter(charter, person)
    assert list(charter.signatures.values_list("party", flat=True)) == ["coordinator"]
    entry = AuditEntry.objects.get(action="evaluation.charter_signed")
    assert (entry.actor_id, entry.actor_role) == (person.pk, "coordinator")


def test_a_partner_stays_on_the_charter_to_the_end_of_the_last_day_of_the_role(bin_a, partners):
    officer_role = RoleAssignment.objects.get(user=partners["officer"])
    officer_role.ended_on = datetime.date(2026, 3, 31)
    officer_role.save(update_fields=["ended_on"])
    last_evening = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 30))
    with clock.frozen_at(last_evening):
        charter = services.start_charter(bin_a, partners["coordinator"])
        assert services.party_for(partners["officer"], bin_a) == Party.OFFICER
        assert services.refresh_charter(bin_a) is False
    assert [c["party"] for c in charter.contacts] == ["coordinator", "officer", "municipality"]
    # An hour later, the day after the last day, the hourly job takes the officer off.
    with clock.frozen_at(last_evening + datetime.timedelta(hours=1)):
        assert services.refresh_charter(bin_a) is True
    charter.refresh_from_db()
    assert [c["party"] for c in charter.contacts] == ["coordinator", "municipality"]
    entry = AuditEntry.objects.get(action="evaluation.charter_changed")
    assert (entry.actor_id, entry.actor_role, entry.details["why"]) == (None, "system", "contacts")


def test_a_new_officer_starts_a_new_version_and_tells_the_partners(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    for person in partners.values():
        services.sign_charter(charter, person)
    assert services.refresh_charters() == 0
    new_officer = factories.RoleFactory(role=Role.OFFICER, network=bin_a).user
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.refresh_charters() == 1
    latest = services.latest_charter(bin_a)
    assert (latest.version, latest.state, latest.reason) == (2, CharterState.DRAFT, "contacts")
    assert new_officer.pk in [c["user"] for c in latest.contacts]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [*(p.email for p in partners.values()), new_officer.email]
    )
    body = mail.outbox[0].body
    assert "/nl/staff/evaluation/charter/centrum/" in body
    assert "101" in body and "112" in body


def test_a_new_plan_version_updates_the_draft_and_drops_its_signatures(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    services.sign_charter(charter, partners["officer"])
    save_plan(
        bin_a,
        partners["officer"],
        police_direct_to_members=True,
        coordinator_needs_approval=False,
        allowed_kinds={},
    )
    assert services.refresh_charters() == 1
    charter.refresh_from_db()
    assert (charter.version, charter.plan_version, charter.reason) == (1, 1, "plan")
    assert charter.signatures.count() == 0
    assert CharterVersion.objects.count() == 1


def test_the_fod_exchange_is_recorded_on_a_signed_version(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    with pytest.raises(services.Refused):
        services.record_fod(
            charter,
            partners["officer"],
            sent_on=datetime.date(2025, 3, 1),
            answered_on=None,
            answer="",
        )
    for person in partners.values():
        charter = services.sign_charter(charter, person)
    services.record_fod(
        charter,
        partners["municipality"],
        sent_on=datetime.date(2025, 3, 1),
        answered_on=datetime.date(2025, 4, 2),
        answer="Ontvangen, in orde.",
    )
    charter.refresh_from_db()
    assert (charter.sent_to_fod_on, charter.fod_answer) == (
        datetime.date(2025, 3, 1),
        "Ontvangen, in orde.",
    )


def test_the_charter_pdf_is_in_dutch(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    services.sign_charter(charter, partners["officer"])
    text = pdf_text(reports.charter_pdf(charter, partners["officer"]))
    assert "BIN Centrum" in text
    assert "Lotte Claes" in text
    assert gettext_in("nl", "mandated officer").capitalize() in text
    assert "gemandateerde politieambtenaar" in text.lower()
    assert "101" in text and "112" in text


def test_the_charter_pdf_of_a_bilingual_municipality_has_dutch_and_french(zone):
    facilities = factories.MunicipalityFactory(
        nis_code="23098",
        name_nl="Drogenbos",
        name_fr="Drogenbos",
        zone=zone,
        language_regime=LanguageRegime.FACILITIES_DUTCH_FIRST,
    )
    network = factories.NetworkFactory(municipality=facilities, name="BIN Drogenbos")
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    charter = services.start_charter(network, officer)
    text = pdf_text(reports.charter_pdf(charter, officer)).lower()
    assert text.index("gemandateerde politieambtenaar") < text.index(
        "fonctionnaire de police mandaté"
    )
    assert gettext_in("fr", "Budget plan").lower() in text


def test_the_charter_pdf_of_a_french_municipality_is_in_french(zone):
    wavre = factories.MunicipalityFactory(
        nis_code="25112",
        name_nl="Waver",
        name_fr="Wavre",
        zone=zone,
        language_regime=LanguageRegime.FRENCH,
    )
    network = factories.NetworkFactory(municipality=wavre, name="RIQ Centre")
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    charter = services.start_charter(network, officer)
    text = pdf_text(reports.charter_pdf(charter, officer)).lower()
    assert "fonctionnaire de police mandaté" in text
    assert "gemandateerde" not in text
    assert "wavre" in text


def test_the_charter_page_shows_the_draft_and_signs_by_post(client, bin_a, partners):
    TOTP.activate(partners["coordinator"], generate_totp_secret())
    client.force_login(partners["coordinator"])
    response = client.post("/nl/staff/evaluation/charter/centrum/start/")
    assert response.status_code == 302
    page = client.get("/nl/staff/evaluation/charter/centrum/")
    assert "Lotte Claes" in page.text
    assert "/nl/staff/evaluation/charter/centrum/1/sign/" in page.text
    client.post("/nl/staff/evaluation/charter/centrum/1/sign/")
    charter = CharterVersion.objects.get()
    assert list(charter.signatures.values_list("party", "user")) == [
        ("coordinator", partners["coordinator"].pk)
    ]
    response = client.post(
        "/nl/staff/evaluation/charter/centrum/1/budget/",
        {
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": "Straatborden",
            "lines-0-amount": "240",
            "lines-0-paid_by": "municipality",
            "member_contribution": "",
        },
    )
    assert response.status_code == 302
    assert charter.budget.get().item == "Straatborden"
    assert charter.signatures.count() == 0


# --- The exchange with the FOD ----------------------------------------------------------------

FOD_URL = "/nl/staff/evaluation/charter/centrum/1/fod/"
FOD_FORM = {
    "sent_to_fod_on": "2025-03-01",
    "fod_answered_on": "2025-04-02",
    "fod_answer": "Ontvangen, in orde.",
}


@pytest.fixture
def charter_in_force(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    for person in partners.values():
        charter = services.sign_charter(charter, person)
    return charter


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def fod_exchange(charter):
    charter.refresh_from_db()
    return (charter.sent_to_fod_on, charter.fod_answered_on, charter.fod_answer)


def test_a_zone_admin_records_the_fod_exchange_without_being_able_to_sign(
    client, charter_in_force, zone_admin
):
    log_in(client, zone_admin)
    page = client.get("/nl/staff/evaluation/charter/centrum/")
    assert page.status_code == 200
    assert f'action="{FOD_URL}"' in page.text
    assert "/nl/staff/evaluation/charter/centrum/start/" not in page.text
    assert "/budget/" not in page.text
    response = client.post(FOD_URL, FOD_FORM)
    assert response.status_code == 302
    assert response["Location"] == "/nl/staff/evaluation/charter/centrum/"
    assert fod_exchange(charter_in_force) == (
        datetime.date(2025, 3, 1),
        datetime.date(2025, 4, 2),
        "Ontvangen, in orde.",
    )
    entry = AuditEntry.objects.get(action="evaluation.charter_fod")
    assert (entry.actor_id, entry.actor_role, entry.object_type, entry.object_id) == (
        zone_admin.pk,
        "zone_admin",
        "evaluation.charterversion",
        str(charter_in_force.pk),
    )
    assert "Ontvangen, in orde." in client.get("/nl/staff/evaluation/charter/centrum/").text
    # Recording the exchange gives no right to sign or start a version.
    assert client.post("/nl/staff/evaluation/charter/centrum/start/").status_code == 403
    assert client.post("/nl/staff/evaluation/charter/centrum/1/sign/").status_code == 403


def test_an_outsider_cannot_record_the_fod_exchange(client, charter_in_force, coordinator_b):
    log_in(client, coordinator_b)
    assert client.post(FOD_URL, FOD_FORM).status_code == 404
    assert fod_exchange(charter_in_force) == (None, None, "")
    assert not AuditEntry.objects.filter(action="evaluation.charter_fod").exists()
    with pytest.raises(PermissionDenied):
        services.record_fod(
            charter_in_force, coordinator_b, sent_on=None, answered_on=None, answer=""
        )


def test_the_coordinator_still_records_the_fod_exchange(client, charter_in_force, partners):
    log_in(client, partners["coordinator"])
    assert f'action="{FOD_URL}"' in client.get("/nl/staff/evaluation/charter/centrum/").text
    assert client.post(FOD_URL, {"sent_to_fod_on": "2025-03-01"}).status_code == 302
    assert fod_exchange(charter_in_force) == (datetime.date(2025, 3, 1), None, "")
    entry = AuditEntry.objects.get(action="evaluation.charter_fod")
    assert (entry.actor_id, entry.actor_role) == (partners["coordinator"].pk, "coordinator")


def test_a_member_sees_no_fod_form_and_cannot_record(client, charter_in_force, member_a):
    log_in(client, member_a)
    assert client.post(FOD_URL, FOD_FORM).status_code == 404
    assert fod_exchange(charter_in_force) == (None, None, "")


# --- The charter follows role and plan changes at once ---------------------------------------


def charter_mails():
    """The recipients of the charter e-mails sent, sorted."""
    return sorted(m.to[0] for m in mail.outbox if "/staff/evaluation/charter/" in m.body)


def test_inviting_a_new_officer_starts_a_new_version_at_once_and_tells_the_partners(
    bin_a, partners, charter_in_force, zone_admin
):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment, _link = staff_services.invite(
            zone_admin, "nieuwe.agent@example.be", Role.OFFICER, network=bin_a
        )
    latest = services.latest_charter(bin_a)
    assert (latest.version, latest.state, latest.reason) == (2, CharterState.DRAFT, "contacts")
    assert [(c["party"], c["user"]) for c in latest.contacts] == [
        ("coordinator", partners["coordinator"].pk),
        ("officer", partners["officer"].pk),
        ("officer", assignment.user_id),
        ("municipality", partners["municipality"].pk),
    ]
    assert charter_mails() == sorted(
        [*(p.email for p in partners.values()), "nieuwe.agent@example.be"]
    )
    charter_in_force.refresh_from_db()
    assert charter_in_force.state == CharterState.IN_FORCE
    # Nothing is left for the hourly job.
    assert services.refresh_charters() == 0


def test_ending_a_role_updates_the_draft_at_once_and_drops_its_signatures(
    bin_a, partners, zone_admin
):
    charter = services.start_charter(bin_a, partners["officer"])
    services.sign_charter(charter, partners["coordinator"])
    officer_role = RoleAssignment.objects.get(user=partners["officer"])
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_services.end_role(zone_admin, officer_role)
    charter.refresh_from_db()
    assert (charter.version, charter.reason) == (1, "contacts")
    assert [c["party"] for c in charter.contacts] == ["coordinator", "municipality"]
    assert charter.signatures.count() == 0
    assert CharterVersion.objects.count() == 1
    assert charter_mails() == sorted(
        [partners["coordinator"].email, partners["municipality"].email]
    )


def test_removing_a_coordinator_by_measure_updates_the_draft_at_once(bin_a, partners, zone_admin):
    charter = services.start_charter(bin_a, partners["officer"])
    role = RoleAssignment.objects.get(user=partners["coordinator"])
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        network_services.record_measure(
            zone_admin,
            role,
            MeasureKind.DEFINITIVE_REMOVAL,
            decided_on=clock.today(),
            decided_by="De korpschef",
            reasons="Herhaaldelijk berichten met persoonsgegevens doorgestuurd.",
        )
    charter.refresh_from_db()
    assert [c["party"] for c in charter.contacts] == ["officer", "municipality"]
    assert charter_mails() == sorted([partners["officer"].email, partners["municipality"].email])


def test_stopping_a_bin_ends_its_roles_and_updates_the_draft_at_once(bin_a, partners, zone_admin):
    charter = services.start_charter(bin_a, partners["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        network_services.stop_network(zone_admin, bin_a)
    charter.refresh_from_db()
    assert [c["party"] for c in charter.contacts] == ["municipality"]


def test_a_coordinator_joins_the_charter_once_screened_and_confirmed_adult(
    bin_a, partners, charter_in_force
):
    officer = partners["officer"]
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment, _link = staff_services.invite(
            officer, "nieuwe.coordinator@example.be", Role.CO_COORDINATOR, network=bin_a
        )
    assert services.latest_charter(bin_a).version == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_services.record_screening(officer, assignment, ScreeningResult.POSITIVE)
    assert services.latest_charter(bin_a).version == 1
    assert charter_mails() == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert staff_services.confirm_adult(assignment.user) == 1
    latest = services.latest_charter(bin_a)
    assert (latest.version, latest.reason) == (2, "contacts")
    assert assignment.user_id in [c["user"] for c in latest.contacts]
    assert charter_mails() == sorted(
        [*(p.email for p in partners.values()), "nieuwe.coordinator@example.be"]
    )


def test_a_new_municipality_contact_refreshes_every_charter_of_the_municipality(
    bin_a, bin_b, partners, charter_in_force, zone_admin
):
    services.start_charter(bin_b, partners["municipality"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment, _link = staff_services.invite(
            zone_admin,
            "schepen@example.be",
            Role.MUNICIPALITY_CONTACT,
            municipality=bin_a.municipality,
        )
    for network, version in ((bin_a, 2), (bin_b, 1)):
        latest = services.latest_charter(network)
        assert (latest.version, latest.reason) == (version, "contacts"), network.slug
        assert assignment.user_id in [c["user"] for c in latest.contacts], network.slug


def test_a_new_zone_admin_leaves_the_charters_alone(bin_a, charter_in_force, zone_admin):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_services.invite(
            zone_admin, "beheerder@example.be", Role.ZONE_ADMIN, zone=bin_a.municipality.zone
        )
    assert CharterVersion.objects.count() == 1
    assert charter_mails() == []


def test_saving_the_plan_updates_the_draft_at_once_and_tells_the_partners(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    services.sign_charter(charter, partners["officer"])
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        save_plan(
            bin_a,
            partners["officer"],
            police_direct_to_members=True,
            coordinator_needs_approval=False,
            allowed_kinds={},
        )
    charter.refresh_from_db()
    assert (charter.version, charter.plan_version, charter.reason) == (1, 1, "plan")
    assert charter.signatures.count() == 0
    assert charter_mails() == sorted(p.email for p in partners.values())
    assert services.refresh_charters() == 0


def test_a_plan_saved_in_a_transaction_that_rolls_back_changes_no_charter(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        save_plan(
            bin_a,
            partners["officer"],
            police_direct_to_members=True,
            coordinator_needs_approval=False,
            allowed_kinds={},
        )
        raise RuntimeError("rolled back")
    charter.refresh_from_db()
    assert charter.plan_version == 0


def test_the_charter_lists_each_contact_once(client, bin_a, municipality, partners):
    # Lotte coordinates the BIN and the whole municipality; the officer is also the deputy.
    factories.RoleFactory(
        role=Role.GENERAL_COORDINATOR, municipality=municipality, user=partners["coordinator"]
    )
    factories.RoleFactory(role=Role.DEPUTY_OFFICER, network=bin_a, user=partners["officer"])
    charter = services.start_charter(bin_a, partners["officer"])

    assert [(c["party"], c["user"], c["role"]) for c in charter.contacts] == [
        ("coordinator", partners["coordinator"].pk, Role.COORDINATOR),
        ("officer", partners["officer"].pk, Role.OFFICER),
        ("municipality", partners["municipality"].pk, Role.MUNICIPALITY_CONTACT),
    ]
    assert pdf_text(reports.charter_pdf(charter, partners["officer"])).count("Lotte Claes") == 1
    TOTP.activate(partners["officer"], generate_totp_secret())
    client.force_login(partners["officer"])
    page = client.get("/nl/staff/evaluation/charter/centrum/")
    assert page.text.count("Lotte Claes") == 1
    # The listing alone is no reason for a new version.
    assert services.refresh_charter(bin_a) is False


def test_a_version_frozen_with_a_contact_twice_shows_them_once(bin_a, partners):
    charter = services.start_charter(bin_a, partners["officer"])
    coordinator = charter.contacts[0]
    charter.contacts = [coordinator, {**coordinator, "role": Role.GENERAL_COORDINATOR}] + (
        charter.contacts[1:]
    )
    charter.save(update_fields=["contacts"])

    assert charter.contacts_of(Party.COORDINATOR) == [coordinator]
    assert pdf_text(reports.charter_pdf(charter, partners["officer"])).count("Lotte Claes") == 1
    assert services.refresh_charter(bin_a) is False
