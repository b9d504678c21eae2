"""Language regimes of Belgian municipalities and what they mean for pages and e-mails.

A local service speaks the language of its area. Each municipality has a regime under the laws
on the use of languages in administrative matters, coordinated on 18 July 1966; the regime
decides which languages its public pages and its members' e-mails may use. The municipalities
of each regime and the articles behind them are listed in docs/data-sources.md.

In a municipality with facilities the official language comes first; a resident gets the
facility language only while their request for it holds: FACILITY_REQUEST_YEARS from the day
they asked (the rule Nabuur applies after the Council of State's rulings of 20 June 2014).
"""

import datetime

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

PUBLIC_LANGUAGES = ("nl", "fr", "de")
STAFF_LANGUAGES = ("nl", "fr", "de", "en")

# How long a resident's request for the facility language holds; they may renew it.
FACILITY_REQUEST_YEARS = 4


class LanguageRegime(models.TextChoices):
    DUTCH = "nl", _("Dutch only")
    FRENCH = "fr", _("French only")
    GERMAN = "de", _("German only")
    BRUSSELS = "nl+fr", _("Dutch or French per person, both when unknown")
    # The six municipalities around Brussels (art. 7) and those on the language border (art. 8).
    FACILITIES_DUTCH_FIRST = "nl-first", _("Dutch, with French on request")
    # The nine municipalities of the German-language area (art. 8).
    GERMAN_AND_FRENCH = "de+fr", _("German, with French on request")
    # Comines-Warneton, Enghien, Flobecq and Mouscron (art. 8, 5°).
    FRENCH_WITH_DUTCH = "fr-nl", _("French, with Dutch on request")
    # Malmedy and Waimes (art. 8, 2°).
    FRENCH_WITH_GERMAN = "fr-de", _("French, with German on request")


REGIME_LANGUAGES = {
    LanguageRegime.DUTCH: ("nl",),
    LanguageRegime.FRENCH: ("fr",),
    LanguageRegime.GERMAN: ("de",),
    LanguageRegime.BRUSSELS: ("nl", "fr"),
    LanguageRegime.FACILITIES_DUTCH_FIRST: ("nl", "fr"),
    LanguageRegime.GERMAN_AND_FRENCH: ("de", "fr"),
    LanguageRegime.FRENCH_WITH_DUTCH: ("fr", "nl"),
    LanguageRegime.FRENCH_WITH_GERMAN: ("fr", "de"),
}

# The language a resident may ask for, in the regimes with facilities.
FACILITY_LANGUAGES = {
    LanguageRegime.FACILITIES_DUTCH_FIRST: "fr",
    LanguageRegime.GERMAN_AND_FRENCH: "fr",
    LanguageRegime.FRENCH_WITH_DUTCH: "nl",
    LanguageRegime.FRENCH_WITH_GERMAN: "de",
}


def regime_languages(regime: str) -> tuple[str, ...]:
    """The languages a regime allows, the official first language first."""
    return REGIME_LANGUAGES[LanguageRegime(regime)]


def facility_language(regime: str) -> str | None:
    """The language a resident may ask for in this regime, or None where there is none."""
    return FACILITY_LANGUAGES.get(LanguageRegime(regime))


def facility_request_ends(requested_on: datetime.date) -> datetime.date:
    """The first day a request made on `requested_on` no longer holds (4 years on; a request
    of 29 February ends on 1 March when the fourth year has no 29 February)."""
    try:
        return requested_on.replace(year=requested_on.year + FACILITY_REQUEST_YEARS)
    except ValueError:
        return datetime.date(requested_on.year + FACILITY_REQUEST_YEARS, 3, 1)


def facility_request_holds(requested_on: datetime.date | None, today: datetime.date) -> bool:
    """Whether a request made on `requested_on` (None: no request) still holds on `today`."""
    return requested_on is not None and today < facility_request_ends(requested_on)


def facility_requests_made_after(today: datetime.date) -> datetime.date:
    """The day after which a request must have been made to hold on `today`, for a query:
    `requested_on > facility_requests_made_after(today)` is `facility_request_holds`."""
    day = today - datetime.timedelta(days=366 * FACILITY_REQUEST_YEARS)
    while facility_request_ends(day + datetime.timedelta(days=1)) <= today:
        day += datetime.timedelta(days=1)
    return day


def language_in_force(person: str, regime: str, today: datetime.date):
    """A query expression: the person's language, or "" where it is a facility language whose
    request no longer holds on `today` (languages_for_person then gives the official one).

    For queries that pick many people at once (bulk e-mail): `person` is the path to the user
    ("user__"), `regime` the path to the regime ("network__municipality__language_regime").
    """
    chose_a_facility = Q()
    for value, facility in FACILITY_LANGUAGES.items():
        chose_a_facility |= Q(**{regime: value, f"{person}language": facility})
    asked_on = Coalesce(f"{person}language_requested_on", TruncDate(f"{person}date_joined"))
    ended = LessThanOrEqual(asked_on, Value(facility_requests_made_after(today)))
    return Case(
        When(chose_a_facility & Q(ended), then=Value("")),
        default=F(f"{person}language"),
        output_field=models.CharField(),
    )


def languages_for_person(
    regime: str,
    preferred: str | None,
    *,
    requested_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> tuple[str, ...]:
    """Which language(s) to write to one person in.

    In a Brussels-style regime a person whose language is unknown gets both. Where there are
    facilities, the facility language only while the person's request for it holds
    (`requested_on`, the day they asked, compared with `today`); without `today` the caller
    vouches for the request. Elsewhere the person's language if the regime allows it, else the
    regime's first language.
    """
    allowed = regime_languages(regime)
    facility = facility_language(regime)
    ended = today is not None and not facility_request_holds(requested_on, today)
    if facility is not None and preferred == facility and ended:
        return (allowed[0],)
    if preferred in allowed:
        return (preferred,)
    if regime == LanguageRegime.BRUSSELS:
        return allowed
    return (allowed[0],)


def union_languages(regimes) -> tuple[str, ...]:
    """All languages of several regimes, in the fixed order nl, fr, de."""
    wanted = {lang for regime in regimes for lang in regime_languages(regime)}
    return tuple(lang for lang in PUBLIC_LANGUAGES if lang in wanted)
