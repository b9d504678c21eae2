from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from nabuur.mailbox.access import is_zone_admin, mailbox_enabled
from nabuur.public.languages import page_languages
from nabuur.zones.site import site_zone

# Each language names itself, so a reader finds their own language whatever the page's is.
NATIVE_NAMES = dict(settings.LANGUAGES)


def language_links(request, languages):
    """The switcher's links: this page in each allowed language, the current one marked."""
    current = (translation.get_language() or "")[:2]
    path = request.get_full_path()
    links = []
    for code in languages:
        url = translate_url(path, code)
        if url == path and code != current:
            # A path that resolves to no page (a 404) has no translation: offer the home page.
            with translation.override(code):
                url = reverse("public:home")
        links.append(
            {"code": code, "name": NATIVE_NAMES[code], "url": url, "current": code == current}
        )
    return links


def shows_mailbox_link(request):
    """True for a zone administrator on a site that keeps its e-mail in the demo mailbox."""
    # The cheap checks first: an anonymous visitor costs no query.
    return mailbox_enabled() and request.user.is_authenticated and is_zone_admin(request.user)


def site(request):
    """What every page needs: the demo flag, the zone whose numbers the notice shows, the
    languages the page may switch to and whether the header links to the demo mailbox."""
    languages = page_languages(request)
    return {
        "DEMO": settings.DEMO,
        "show_mailbox_link": shows_mailbox_link(request),
        "site_zone": site_zone(request),
        "page_languages": languages,
        # A single language needs no switcher.
        "language_links": language_links(request, languages) if len(languages) > 1 else [],
    }
