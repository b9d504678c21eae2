"""Language regimes of Belgian municipalities and what they mean for pages and e-mails.

A local service speaks the language of its area. Each municipality has a regime; the regime
decides which languages its public pages and its members' e-mails may use.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

PUBLIC_LANGUAGES = ("nl", "fr", "de")
STAFF_LANGUAGES = ("nl", "fr", "de", "en")


class LanguageRegime(models.TextChoices):
    DUTCH = "nl", _("Dutch only")
    FRENCH = "fr", _("French only")
    GERMAN = "de", _("German only")
    BRUSSELS = "nl+fr", _("Dutch or French per person, both when unknown")
    FACILITIES_DUTCH_FIRST = "nl-first", _("Dutch, with French on request")
    GERMAN_AND_FRENCH = "de+fr", _("German, with French on request")


REGIME_LANGUAGES = {
    LanguageRegime.DUTCH: ("nl",),
    LanguageRegime.FRENCH: ("fr",),
    LanguageRegime.GERMAN: ("de",),
    LanguageRegime.BRUSSELS: ("nl", "fr"),
    LanguageRegime.FACILITIES_DUTCH_FIRST: ("nl", "fr"),
    LanguageRegime.GERMAN_AND_FRENCH: ("de", "fr"),
}


def regime_languages(regime: str) -> tuple[str, ...]:
    """The languages a regime allows, the official first language first."""
    return REGIME_LANGUAGES[LanguageRegime(regime)]


def languages_for_person(regime: str, preferred: str | None) -> tuple[str, ...]:
    """Which language(s) to write to one person in.

    In a Brussels-style regime a person whose language is unknown gets both; elsewhere the
    person's language if the regime allows it, else the regime's first language.
    """
    allowed = regime_languages(regime)
    if preferred in allowed:
        return (preferred,)
    if regime == LanguageRegime.BRUSSELS:
        return allowed
    return (allowed[0],)


def union_languages(regimes) -> tuple[str, ...]:
    """All languages of several regimes, in the fixed order nl, fr, de."""
    wanted = {lang for regime in regimes for lang in regime_languages(regime)}
    return tuple(lang for lang in PUBLIC_LANGUAGES if lang in wanted)
