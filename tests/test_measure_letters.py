"""A member without an e-mail address is told of a confirmed measure by a letter, which waits to
be posted until someone marks it posted."""

import datetime
import io

import pytest
from django.utils import formats, translation
from pypdf import PdfReader

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MeasureKind, MembershipStatus
from nabuur.members.services import measures
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)
MAY_10 = datetime.date(2026, 5, 10)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bart(bin_a):
    """A member added by hand, without an e-mail address: he gets letters."""
    return factories.MembershipFactory(
        network=bin_a,
        user__email=None,
        user__first_name="Bart",
        user__last_name="Van Dyck",
        street__name_nl="Kerkstraat",
        street__postcode="2650",
        house_number=31,
    )


def pdf_text(data):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # Lines wrap anywhere between words: compare with single spaces.
    return " ".join(text.split())


def in_language(language, msgid, **values):
    with translation.override(language):
        text = translation.gettext(msgid)
    return " ".join((text % values if values else text).split())


def long_date(language, day):
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def confirmed(membership, coordinator, officer, kind, reason, until=None):
    with clock.frozen_at(NOON):
        measure = measures.propose_measure(coordinator, membership, kind, reason, until=until)
        measures.confirm_measure(officer, measure)
    measure.refresh_from_db()
    return measure


def test_a_member_without_e_mail_is_told_by_a_letter_in_his_language(
    bart, coordinator_a, officer_a, mailoutbox
):
    measure = confirmed(
        bart,
        coordinator_a,
        officer_a,
        MeasureKind.TEMPORARY_SUSPENSION,
        "Deelde namen van verdachten in de groep.",
        until=MAY_10,
    )
    bart.refresh_from_db()
    assert (bart.status, bart.suspended_until) == (MembershipStatus.SUSPENDED, MAY_10)
    assert (measure.by_letter, measure.letter_to_post) == (True, True)
    # Only the officer heard of the proposal; the member gets no e-mail.
    assert [m.to for m in mailoutbox] == [[officer_a.email]]

    text = pdf_text(measures.measure_letter_pdf(officer_a, measure))
    assert "Bart Van Dyck" in text
    assert "Kerkstraat 31" in text
    assert "Politiezone Test" in text
    assert in_language("nl", "Temporary suspension of your membership") in text
    assert "Deelde namen van verdachten in de groep." in text
    # The date of the letter and the period: from the confirmation to the last day included.
    assert long_date("nl", NOON.date()) in text
    assert long_date("nl", MAY_10) in text
    assert "101" in text and "112" in text and "112 BE" in text
    entry = AuditEntry.objects.get(action="members.measure.letter")
    assert (entry.actor_id, entry.subjects, entry.details) == (
        officer_a.pk,
        [bart.user_id],
        {"measure": measure.pk},
    )


def test_the_letter_of_a_french_speaking_member_is_in_french(zone):
    wavre = factories.MunicipalityFactory(
        nis_code="25112",
        name_nl="Waver",
        name_fr="Wavre",
        zone=zone,
        language_regime=LanguageRegime.FRENCH,
    )
    network = factories.NetworkFactory(municipality=wavre, name="RIQ Centre", slug="riq-centre")
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=network).user
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    member = factories.MembershipFactory(
        network=network, user__email=None, user__language="fr", user__last_name="Dubois"
    )
    measure = confirmed(
        member, coordinator, officer, MeasureKind.PERMANENT_SUSPENSION, "Menaces répétées."
    )

    text = pdf_text(measures.measure_letter_pdf(officer, measure))
    assert in_language("fr", "End of your membership") in text
    assert long_date("fr", NOON.date()) == "4 mai 2026"
    assert "4 mai 2026" in text
    assert "Menaces répétées." in text


def test_the_letter_waits_to_be_posted_until_someone_marks_it(
    client, bart, coordinator_a, officer_a
):
    measure = confirmed(
        bart, officer_a, coordinator_a, MeasureKind.WRITTEN_REPRIMAND, "Beledigende taal."
    )
    base = f"/nl/staff/members/centrum/{bart.pk}/"
    letter_url = f"{base}measures/{measure.pk}/letter.pdf"
    client = log_in_staff(client, coordinator_a)

    page = client.get(base)
    assert nl("Letter to post") in page.text
    assert letter_url in page.text
    response = client.get(letter_url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert "Bart Van Dyck" in pdf_text(response.content)

    with clock.frozen_at(NOON + datetime.timedelta(days=1)):
        page = client.post(f"{base}measures/{measure.pk}/posted/", follow=True)
    assert nl("The letter is marked as posted.") in page.text
    measure.refresh_from_db()
    assert (measure.letter_posted_at, measure.letter_posted_by, measure.letter_to_post) == (
        NOON + datetime.timedelta(days=1),
        coordinator_a,
        False,
    )
    assert nl("Letter to post") not in page.text
    assert (
        nl(
            "Letter posted on %(date)s by %(name)s",
            date=long_date("nl", datetime.date(2026, 5, 5)),
            name=coordinator_a.full_name,
        )
        in page.text
    )
    # Marking it again changes nothing.
    page = client.post(f"{base}measures/{measure.pk}/posted/", follow=True)
    assert nl("This letter was already marked as posted.") in page.text
    entries = AuditEntry.objects.filter(action="members.measure.letter_posted")
    assert [(e.actor_id, e.details) for e in entries] == [
        (coordinator_a.pk, {"measure": measure.pk})
    ]


def test_a_measure_told_by_e_mail_has_no_letter(client, bin_a, coordinator_a, officer_a):
    member = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")
    measure = confirmed(member, coordinator_a, officer_a, MeasureKind.WRITTEN_REPRIMAND, "x")
    assert measure.by_letter is False
    client = log_in_staff(client, coordinator_a)
    base = f"/nl/staff/members/centrum/{member.pk}/measures/{measure.pk}/"
    assert client.get(base + "letter.pdf").status_code == 404
    client.post(base + "posted/")
    measure.refresh_from_db()
    assert measure.letter_posted_at is None
    assert not AuditEntry.objects.filter(action="members.measure.letter_posted").exists()


def test_a_proposal_has_no_letter_yet(client, bart, coordinator_a):
    measure = measures.propose_measure(coordinator_a, bart, MeasureKind.WRITTEN_REPRIMAND, "x")
    client = log_in_staff(client, coordinator_a)
    url = f"/nl/staff/members/centrum/{bart.pk}/measures/{measure.pk}/letter.pdf"
    assert client.get(url).status_code == 404


def test_an_outsider_finds_no_letter(client, bart, coordinator_a, officer_a, coordinator_b):
    measure = confirmed(bart, coordinator_a, officer_a, MeasureKind.WRITTEN_REPRIMAND, "x")
    client = log_in_staff(client, coordinator_b)
    base = f"/nl/staff/members/centrum/{bart.pk}/measures/{measure.pk}/"
    assert client.get(base + "letter.pdf").status_code == 404
    assert client.post(base + "posted/").status_code == 404
    measure.refresh_from_db()
    assert measure.letter_posted_at is None
