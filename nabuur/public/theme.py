"""The zone's look: its colour as a small style sheet, and its logo.

Both are public (every page links them) and change rarely, so they carry an ETag and a
Last-Modified and may be cached; the page links them with the colour or the logo's time in the
query, so a change reaches the next page at once.
"""

import hashlib

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django.views.decorators.http import condition, require_safe

from nabuur.lib.colours import mix, readable_on_white, text_colour_on
from nabuur.zones.models import Zone

# A day: the pages link each version by its own address, so a stale copy is never asked for.
CACHE_SECONDS = 24 * 60 * 60


def theme_tokens(colour):
    """The design-system tokens one zone colour sets (static/css/nabuur.css, --nabuur-brand*).

    A colour that fails 4.5:1 against white (saved around the look form) is darkened until it
    passes: headings and white button text must stay readable.
    """
    brand = readable_on_white(colour)
    return {
        "--nabuur-brand": brand,
        "--nabuur-brand-text": text_colour_on(brand),
        "--nabuur-brand-hover": mix(brand, "#000000", 0.35),
    }


def theme_css(colour):
    lines = [f"  {name}: {value};" for name, value in theme_tokens(colour).items()]
    return ".utrecht-theme {\n" + "\n".join(lines) + "\n}\n"


def _theme_etag(request, zone_slug):
    colour = Zone.objects.filter(slug=zone_slug).values_list("theme_colour", flat=True).first()
    return f'"{colour.lstrip("#").lower()}"' if colour else None


@require_safe
@condition(etag_func=_theme_etag)
def zone_theme(request, zone_slug):
    """/<lang>/theme/<zone>.css: the zone's colour as the design system's brand tokens."""
    zone = get_object_or_404(Zone.objects.only("theme_colour"), slug=zone_slug)
    response = HttpResponse(theme_css(zone.theme_colour), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def _logo_etag(request, zone_slug):
    row = Zone.objects.filter(slug=zone_slug).values_list("logo_updated_at", flat=True).first()
    if row is None:
        return None
    return '"' + hashlib.sha256(row.isoformat().encode()).hexdigest()[:16] + '"'


def _logo_modified(request, zone_slug):
    return Zone.objects.filter(slug=zone_slug).values_list("logo_updated_at", flat=True).first()


@require_safe
@condition(etag_func=_logo_etag, last_modified_func=_logo_modified)
def zone_logo(request, zone_slug):
    """/<lang>/theme/<zone>/logo: the logo the zone administrator uploaded (PNG or JPEG)."""
    zone = get_object_or_404(
        Zone.objects.only("logo", "logo_content_type", "logo_updated_at"), slug=zone_slug
    )
    if not zone.logo_content_type or not zone.logo:
        raise Http404
    response = HttpResponse(bytes(zone.logo), content_type=zone.logo_content_type)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Last-Modified"] = http_date(zone.logo_updated_at.timestamp())
    return response
