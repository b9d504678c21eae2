"""The language of an invitation: a new staff member is written to in the language the person
who appoints them works in on that page, if the place's language regime allows it; else in the
regime's first language. (Before, the new account had no language and the e-mail came in the
site's default, Dutch, to a coordinator appointed from a French page for a Brussels BIN.)"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils import translation

from nabuur.accounts.models import User
from nabuur.lib.languages import LanguageRegime
from nabuur.staff import services
from nabuur.staff.models import Role, ScreeningResult

from . import factories
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def koekelberg_bin(zone):
    koekelberg = factories.MunicipalityFactory(
        nis_code="21011",
        name_nl="Koekelberg",
        name_fr="Koekelberg",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    return factories.NetworkFactory(municipality=koekelberg, name="RIQ Basilique", slug="basilique")


def test_a_coordinator_appointed_from_a_french_page_for_a_brussels_bin_is_invited_in_french(
    client, zone_admin, koekelberg_bin, django_capture_on_commit_callbacks
):
    TOTP.activate(zone_admin, generate_totp_secret())
    client.force_login(zone_admin)
    reauthenticated(client, zone_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/fr/staff/bins/basilique/roles/",
            {
                "role": Role.COORDINATOR,
                "email": "sophie.lambert@example.org",
                "first_name": "Sophie",
                "last_name": "Lambert",
                "screening_result": ScreeningResult.POSITIVE,
            },
        )
    assert response.status_code == 302
    assert User.objects.get(email="sophie.lambert@example.org").language == "fr"
    [invitation] = mail.outbox
    assert invitation.to == ["sophie.lambert@example.org"]
    assert "/fr/account/invitation/" in invitation.body
    with translation.override("fr"):
        assert invitation.subject == translation.gettext("Your invitation to Nabuur")


@pytest.mark.parametrize(
    ("page_language", "regime", "expected"),
    [
        ("fr", LanguageRegime.BRUSSELS, "fr"),
        ("nl", LanguageRegime.BRUSSELS, "nl"),
        # Edegem speaks Dutch only: an administrator on a French page still appoints in Dutch.
        ("fr", LanguageRegime.DUTCH, "nl"),
        ("en", LanguageRegime.DUTCH, "nl"),
        ("de", LanguageRegime.GERMAN_AND_FRENCH, "de"),
        ("nl", LanguageRegime.GERMAN_AND_FRENCH, "de"),
    ],
)
def test_the_invitees_language_is_the_pages_if_the_regime_allows_it(
    zone, zone_admin, page_language, regime, expected
):
    municipality = factories.MunicipalityFactory(zone=zone, language_regime=regime)
    network = factories.NetworkFactory(municipality=municipality)
    with translation.override(page_language):
        assignment, _ = services.invite(
            zone_admin, "nieuw@example.org", Role.COORDINATOR, network=network
        )
    assert assignment.user.language == expected


def test_a_person_who_has_a_language_keeps_it(zone_admin, bin_a):
    person = factories.UserFactory(email="an@example.org", language="en")
    with translation.override("nl"):
        services.invite(zone_admin, person.email, Role.OFFICER, network=bin_a)
    person.refresh_from_db()
    assert person.language == "en"


def test_a_zone_role_takes_the_pages_language_among_the_zones(zone, zone_admin):
    factories.MunicipalityFactory(zone=zone, language_regime=LanguageRegime.BRUSSELS)
    with translation.override("fr"):
        assignment, _ = services.invite(zone_admin, "chef@example.org", Role.ZONE_ADMIN, zone=zone)
    assert assignment.user.language == "fr"
