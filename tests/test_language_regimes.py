"""The language regimes of the coordinated language laws (18 July 1966) and the facility
language a resident may ask for: a resident of each regime gets pages and e-mails in the
language they are entitled to, also after their request ended (docs/data-sources.md)."""

import datetime
import importlib
import json
import re

import pytest
from django.apps import apps as django_apps
from django.utils import timezone, translation

from nabuur.lib import clock
from nabuur.lib.languages import (
    FACILITY_REQUEST_YEARS,
    LanguageRegime,
    facility_language,
    facility_request_ends,
    facility_request_holds,
    facility_requests_made_after,
    language_in_force,
    languages_for_person,
)
from nabuur.lib.mail import recipient_language
from nabuur.members import emails, services
from nabuur.members.models import Membership
from nabuur.zones.models import Municipality
from nabuur.zones.services import REFERENCE_FILE

from . import factories

pytestmark = pytest.mark.django_db

TODAY = clock.today()
A_YEAR_AGO = TODAY - datetime.timedelta(days=365)
# More than four years ago: a request made then has ended.
ENDED = TODAY - datetime.timedelta(days=FACILITY_REQUEST_YEARS * 366)


@pytest.fixture(autouse=True)
def _today_stays_today():
    """Pin Nabuur's clock to noon of TODAY: a run that crosses midnight in Brussels would
    otherwise record a request a day after the TODAY the assertions expect."""
    clock.set_now(
        datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=timezone.get_current_timezone())
    )
    yield
    clock.set_now(None)


@pytest.fixture(autouse=True)
def forget_the_request_language():
    yield
    translation.deactivate()


# (NIS code, Dutch name, French name, regime)
MUNICIPALITIES = {
    "nl": ("11013", "Edegem", "Edegem", LanguageRegime.DUTCH),
    "fr": ("92094", "Namen", "Namur", LanguageRegime.FRENCH),
    # No municipality has this regime today (the nine of the German-language area all have
    # French facilities), but the regime exists and must behave.
    "de": ("99001", "Deutschdorf", "Deutschdorf", LanguageRegime.GERMAN),
    "nl+fr": ("21011", "Koekelberg", "Koekelberg", LanguageRegime.BRUSSELS),
    "nl-first": ("45041", "Ronse", "Renaix", LanguageRegime.FACILITIES_DUTCH_FIRST),
    "fr-nl": ("57096", "Moeskroen", "Mouscron", LanguageRegime.FRENCH_WITH_DUTCH),
    "fr-de": ("63049", "Malmedy", "Malmedy", LanguageRegime.FRENCH_WITH_GERMAN),
    "de+fr": ("63023", "Eupen", "Eupen", LanguageRegime.GERMAN_AND_FRENCH),
}

# (regime, the person's language, the day they asked for it or None, the language owed)
RESIDENTS = [
    ("nl", "fr", None, "nl"),
    ("fr", "nl", None, "fr"),
    ("de", "fr", None, "de"),
    ("nl+fr", "fr", None, "fr"),
    ("nl+fr", "nl", None, "nl"),
    ("nl-first", "fr", A_YEAR_AGO, "fr"),
    ("nl-first", "fr", ENDED, "nl"),
    ("nl-first", "nl", None, "nl"),
    ("fr-nl", "nl", A_YEAR_AGO, "nl"),
    ("fr-nl", "nl", ENDED, "fr"),
    ("fr-de", "de", A_YEAR_AGO, "de"),
    ("fr-de", "de", ENDED, "fr"),
    ("de+fr", "fr", A_YEAR_AGO, "fr"),
    ("de+fr", "fr", ENDED, "de"),
]


def _member(zone, regime, language, requested_on):
    nis, name_nl, name_fr, value = MUNICIPALITIES[regime]
    municipality = factories.MunicipalityFactory(
        nis_code=nis, name_nl=name_nl, name_fr=name_fr, zone=zone, language_regime=value
    )
    network = factories.NetworkFactory(municipality=municipality)
    # Residents have no password: they log in with e-mailed links.
    user = factories.UserFactory(
        language=language, language_requested_on=requested_on, password=None
    )
    user.set_unusable_password()
    user.save()
    return factories.MembershipFactory(user=user, network=network)


@pytest.mark.parametrize(("regime", "language", "requested_on", "owed"), RESIDENTS)
def test_a_resident_receives_e_mails_in_the_language_they_are_entitled_to(
    zone, mailoutbox, regime, language, requested_on, owed
):
    membership = _member(zone, regime, language, requested_on)

    emails.send_welcome(membership)

    (mail,) = mailoutbox
    html = mail.alternatives[0][0]
    assert f'<html lang="{owed}">' in html
    assert f"/{owed}/me/login/" in mail.body


@pytest.mark.parametrize(("regime", "language", "requested_on", "owed"), RESIDENTS)
def test_a_resident_lands_on_their_pages_in_the_language_they_are_entitled_to(
    client, zone, mailoutbox, regime, language, requested_on, owed
):
    membership = _member(zone, regime, language, requested_on)

    services.send_login_link(membership.user.email)
    (link,) = re.findall(r"https?://\S+/me/login/\S+/", mailoutbox[0].body)
    path = "/" + link.split("/", 3)[3]
    assert path.startswith(f"/{owed}/")
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/{owed}/me/"
    page = client.get(response["Location"])
    assert f'<html lang="{owed}">' in page.text


def test_a_member_who_joined_with_the_facility_language_has_asked_on_joining(zone):
    """A sign-up creates the person with the language chosen on the join form: that choice is
    the request, made the day the account was created."""
    membership = _member(zone, "nl-first", "fr", None)
    user = membership.user

    assert recipient_language(user, membership.network) == "fr"
    user.date_joined = user.date_joined.replace(year=user.date_joined.year - 5)
    assert recipient_language(user, membership.network) == "nl"


def test_brussels_writes_both_languages_to_a_person_whose_language_is_unknown():
    assert languages_for_person(LanguageRegime.BRUSSELS, None) == ("nl", "fr")
    assert languages_for_person(LanguageRegime.BRUSSELS, "de") == ("nl", "fr")


def test_a_facility_request_holds_four_years_to_the_day():
    asked = datetime.date(2022, 12, 7)
    regime = LanguageRegime.FACILITIES_DUTCH_FIRST

    assert facility_request_ends(asked) == datetime.date(2026, 12, 7)
    assert languages_for_person(
        regime, "fr", requested_on=asked, today=datetime.date(2026, 12, 6)
    ) == ("fr",)
    assert languages_for_person(
        regime, "fr", requested_on=asked, today=datetime.date(2026, 12, 7)
    ) == ("nl",)
    assert facility_request_ends(datetime.date(2024, 2, 29)) == datetime.date(2028, 2, 29)
    assert facility_request_ends(datetime.date(2096, 2, 29)) == datetime.date(2100, 3, 1)


def test_the_cutoff_for_queries_agrees_with_the_rule_on_every_day():
    day = datetime.date(2023, 1, 1)
    while day < datetime.date(2029, 1, 1):
        cutoff = facility_requests_made_after(day)
        for asked in (
            cutoff - datetime.timedelta(days=1),
            cutoff,
            cutoff + datetime.timedelta(days=1),
        ):
            assert facility_request_holds(asked, day) == (asked > cutoff), (asked, day)
        day += datetime.timedelta(days=1)


def test_each_regime_names_its_facility_language():
    assert {regime.value: facility_language(regime) for regime in LanguageRegime} == {
        "nl": None,
        "fr": None,
        "de": None,
        "nl+fr": None,
        "nl-first": "fr",
        "de+fr": "fr",
        "fr-nl": "nl",
        "fr-de": "de",
    }


# Every municipality with facilities (coordinated laws of 18 July 1966, art. 7 and 8).
FACILITY_MUNICIPALITIES = {
    "nl-first": [
        "Bever",
        "Drogenbos",
        "Herstappe",
        "Kraainem",
        "Linkebeek",
        "Mesen",
        "Ronse",
        "Sint-Genesius-Rode",
        "Spiere-Helkijn",
        "Voeren",
        "Wemmel",
        "Wezembeek-Oppem",
    ],
    "fr-nl": ["Comines-Warneton", "Enghien", "Flobecq", "Mouscron"],
    "fr-de": ["Malmedy", "Waimes"],
    "de+fr": [
        "Amel",
        "Burg-Reuland",
        "Büllingen",
        "Bütgenbach",
        "Eupen",
        "Kelmis",
        "Lontzen",
        "Raeren",
        "Sankt Vith",
    ],
}


def test_the_reference_data_holds_every_facility_municipality_with_its_regime():
    rows = json.loads(REFERENCE_FILE.read_text("utf-8"))
    found = {}
    for row in rows:
        if facility_language(row["regime"]):
            # The name in the municipality's official language.
            official = row[row["regime"][:2]]
            found.setdefault(row["regime"], []).append(official)

    assert {regime: sorted(names) for regime, names in found.items()} == FACILITY_MUNICIPALITIES
    assert sum(len(names) for names in found.values()) == 27


def _migration():
    return importlib.import_module("nabuur.zones.migrations.0003_facility_regimes")


def test_the_migration_gives_the_seven_municipalities_their_facilities():
    for nis, regime in [
        ("23009", "nl"),
        ("57096", "fr"),
        ("57097", "fr"),
        ("51067", "fr"),
        ("51019", "fr"),
        ("63049", "fr"),
        ("63080", "fr"),
        ("11013", "nl"),
    ]:
        factories.MunicipalityFactory(nis_code=nis, language_regime=regime)
    # An administrator's own choice is theirs: the migration changes only the old value.
    Municipality.objects.filter(nis_code="63080").update(language_regime="nl+fr")

    _migration().give_facilities(django_apps, None)

    assert dict(Municipality.objects.values_list("nis_code", "language_regime")) == {
        "23009": "nl-first",
        "57096": "fr-nl",
        "57097": "fr-nl",
        "51067": "fr-nl",
        "51019": "fr-nl",
        "63049": "fr-de",
        "63080": "nl+fr",
        "11013": "nl",
    }


# --- Asking for the facility language on one's own data page -----------------------------------


def _logged_in(client, membership):
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_my_page_states_until_when_the_request_holds(client, zone):
    membership = _member(zone, "nl-first", "fr", A_YEAR_AGO)

    response = _logged_in(client, membership).get("/fr/me/")

    (request,) = response.context["language_requests"]
    assert {key: request[key] for key in ("official", "facility", "holds", "last_day", "ends")} == {
        "official": "nl",
        "facility": "fr",
        "holds": True,
        "last_day": facility_request_ends(A_YEAR_AGO) - datetime.timedelta(days=1),
        "ends": facility_request_ends(A_YEAR_AGO),
    }
    assert request["municipality"] == membership.network.municipality
    assert response.context["details_form"].initial["language"] == "fr"
    assert 'id="language-request"' in response.text


def test_my_page_says_the_request_ended_and_offers_the_official_language(client, zone):
    membership = _member(zone, "fr-nl", "nl", ENDED)

    response = _logged_in(client, membership).get("/fr/me/")

    (request,) = response.context["language_requests"]
    assert (request["holds"], request["ends"]) == (False, facility_request_ends(ENDED))
    # Saving the details again must not renew the request unasked.
    assert response.context["details_form"].initial["language"] == "fr"


def test_a_resident_without_facilities_sees_no_request(client, zone):
    membership = _member(zone, "nl", "nl", None)

    response = _logged_in(client, membership).get("/nl/me/")

    assert response.context["language_requests"] == []
    assert 'id="language-request"' not in response.text


def test_choosing_the_facility_language_records_the_request_and_answers_in_it(
    client, zone, mailoutbox
):
    membership = _member(zone, "fr-de", "fr", None)
    user = membership.user

    response = _logged_in(client, membership).post(
        "/fr/me/details/", {"first_name": "An", "last_name": "Peeters", "language": "de"}
    )

    assert response["Location"] == "/fr/me/"
    user.refresh_from_db()
    assert (user.language, user.language_requested_on) == ("de", TODAY)
    (mail,) = mailoutbox
    assert '<html lang="de">' in mail.alternatives[0][0]
    assert recipient_language(user, membership.network) == "de"


def test_renewing_an_ended_request_starts_four_new_years(client, zone, mailoutbox):
    membership = _member(zone, "de+fr", "fr", ENDED)
    user = membership.user
    assert recipient_language(user, membership.network) == "de"

    _logged_in(client, membership).post(
        "/de/me/details/", {"first_name": "An", "last_name": "Peeters", "language": "fr"}
    )

    user.refresh_from_db()
    assert user.language_requested_on == TODAY
    assert '<html lang="fr">' in mailoutbox[0].alternatives[0][0]


def test_choosing_the_official_language_withdraws_the_request(client, zone):
    membership = _member(zone, "nl-first", "fr", A_YEAR_AGO)
    user = membership.user

    _logged_in(client, membership).post(
        "/nl/me/details/", {"first_name": "An", "last_name": "Peeters", "language": "nl"}
    )

    user.refresh_from_db()
    assert (user.language, user.language_requested_on) == ("nl", None)


def test_no_request_is_offered_when_another_bin_of_the_person_allows_only_dutch(client, zone):
    membership = _member(zone, "nl-first", "nl", None)
    edegem = factories.MunicipalityFactory(nis_code="11013", zone=zone)
    factories.MembershipFactory(
        user=membership.user, network=factories.NetworkFactory(municipality=edegem)
    )

    response = _logged_in(client, membership).get("/nl/me/")

    assert response.context["language_requests"] == []
    assert "language" not in response.context["details_form"].fields


def test_bulk_queries_read_the_language_in_force(zone):
    """For e-mail to many members at once (messaging.bulk): the person's language, or "" once
    a facility request has ended, which languages_for_person turns into the official one."""
    rows = {
        _member(zone, regime, language, requested_on).pk: (regime, owed)
        for regime, language, requested_on, owed in RESIDENTS
    }
    # One more ended request, made on joining five years ago.
    old = _member(zone, "fr-nl", "nl", None)
    old.user.date_joined = old.user.date_joined.replace(year=old.user.date_joined.year - 5)
    old.user.save(update_fields=["date_joined"])
    rows[old.pk] = ("fr-nl", "fr")

    found = Membership.objects.filter(pk__in=rows).annotate(
        in_force=language_in_force("user__", "network__municipality__language_regime", TODAY)
    )

    assert {
        m.pk: languages_for_person(m.network.municipality.language_regime, m.in_force or None)[0]
        for m in found.select_related("network__municipality")
    } == {pk: owed for pk, (_regime, owed) in rows.items()}
