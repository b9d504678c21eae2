"""Which languages a public page may speak, and the redirect when a request asks for another.

A local service speaks the language of its area (see nabuur.lib.languages). A BIN's page speaks
its municipality's languages; a zone-wide page (home, house rules, privacy notice,
accessibility, finder) speaks the union over the zone's municipalities.

Every public view either carries `@zone_page` or calls `serve_in(request, languages)` itself once
it knows the object. Both remember the page's languages on the request, where the `site`
context processor finds them for the language switcher.
"""

from functools import wraps

from django.shortcuts import redirect
from django.urls import translate_url
from django.utils.translation import get_language

from nabuur.accounts.middleware import is_staff_page
from nabuur.lib.languages import PUBLIC_LANGUAGES, STAFF_LANGUAGES, regime_languages
from nabuur.zones.site import site_zone

# Without any zone the site has nobody to speak for; Dutch is the project's default language.
FALLBACK_LANGUAGES = ("nl",)


def ordered_union(regimes) -> tuple[str, ...]:
    """All languages of several regimes, each regime's official language before the languages
    only offered "on request", so a German-speaking zone redirects to German, not French."""
    allowed = [regime_languages(regime) for regime in set(regimes)]
    first = {languages[0] for languages in allowed}
    rest = {language for languages in allowed for language in languages[1:]} - first
    return tuple(lang for lang in PUBLIC_LANGUAGES if lang in first) + tuple(
        lang for lang in PUBLIC_LANGUAGES if lang in rest
    )


def zone_languages(zone) -> tuple[str, ...]:
    """The languages of a zone-wide page: the union over the zone's municipalities
    (the same set as `Zone.public_languages`, official languages first)."""
    if zone is None:
        return FALLBACK_LANGUAGES
    regimes = zone.municipalities.values_list("language_regime", flat=True)
    return ordered_union(regimes) or FALLBACK_LANGUAGES


def page_languages(request) -> tuple[str, ...]:
    """The languages the current page allows: every language of the interface on staff pages,
    which serve the people working for the zone, not the public; elsewhere the zone's unless a
    view said otherwise."""
    if not hasattr(request, "_nabuur_page_languages"):
        if is_staff_page(request.path):
            request._nabuur_page_languages = STAFF_LANGUAGES
        else:
            request._nabuur_page_languages = zone_languages(site_zone(request))
    return request._nabuur_page_languages


def serve_in(request, languages):
    """Allow this page only in `languages` (official language first).

    Returns a 302 to the same page in its first language when the request's language is not
    allowed, else None. Keeps the query string, so a finder search survives the redirect.
    """
    languages = tuple(languages) or FALLBACK_LANGUAGES
    request._nabuur_page_languages = languages
    if (get_language() or "")[:2] in languages:
        return None
    return redirect(translate_url(request.get_full_path(), languages[0]))


def zone_page(view):
    """Decorator for zone-wide pages: serve them only in the site zone's public languages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = serve_in(request, zone_languages(site_zone(request)))
        if response is not None:
            return response
        return view(request, *args, **kwargs)

    return wrapper
