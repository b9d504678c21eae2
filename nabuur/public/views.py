"""The public site: what a BIN is, each BIN's page, the zone's documents, accessibility.

Nothing here shows a member or needs a login. Every view goes through nabuur.public.languages
so a page only speaks the languages its area's language regime allows.
"""

import datetime
from itertools import groupby
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from nabuur.lib.languages import LanguageRegime
from nabuur.networks.models import Network, NetworkStatus, Segment
from nabuur.zones.models import Document, DocumentKind, Zone
from nabuur.zones.site import only_host_zone, site_zone, use_zone

from .languages import serve_in, zone_languages, zone_page

# The day the accessibility statement was last reviewed; update it with the statement.
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 11, 28)

DOCUMENT_TITLES = {
    DocumentKind.HOUSE_RULES: _("House rules"),
    DocumentKind.PRIVACY_NOTICE: _("Privacy notice"),
}
DOCUMENT_URL_NAMES = {
    DocumentKind.HOUSE_RULES: "public:zone_house_rules",
    DocumentKind.PRIVACY_NOTICE: "public:zone_privacy",
}


def optional_url(name, **query):
    """The URL of a page another app may not provide (the sign-up flow), else None.

    The public site must not break when the members app is left out of a deployment.
    """
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


@zone_page
def home(request):
    zone = site_zone(request)
    networks = (
        only_host_zone(Network.objects, "municipality__zone")
        .filter(status=NetworkStatus.ACTIVE, municipality__zone__isnull=False)
        .select_related("municipality", "bin_type")
        .order_by("municipality__name_nl", "name")
    )
    by_municipality = [
        (municipality, list(group))
        for municipality, group in groupby(networks, key=lambda network: network.municipality)
    ]
    return render(
        request,
        "public/home.html",
        {
            "zone": zone,
            "by_municipality": by_municipality,
            "join_url": optional_url("members:join"),
        },
    )


def street_list(segments):
    """The area in words, one entry per street: [(street, ["1 to 49, odd numbers", …]), …]."""
    area = []
    for street, group in groupby(segments, key=lambda segment: segment.street):
        area.append((street, [segment.describe_range() for segment in group]))
    return area


def network(request, slug):
    network = get_object_or_404(
        only_host_zone(Network.objects, "municipality__zone").select_related(
            "municipality__zone", "bin_type", "merged_into__municipality"
        ),
        slug=slug,
        municipality__zone__isnull=False,
    )
    use_zone(request, network.municipality.zone)
    response = serve_in(request, network.municipality.languages)
    if response is not None:
        return response
    segments = (
        Segment.objects.filter(network=network)
        .select_related("street")
        .order_by("street__name_nl", "street_id", "number_from", "side")
    )
    return render(
        request,
        "public/network.html",
        {
            "network": network,
            "zone": network.municipality.zone,
            "area": street_list(segments),
            "ended": network.status in {NetworkStatus.STOPPED, NetworkStatus.MERGED},
            "join_url": optional_url("members:join", bin=network.slug)
            if network.accepts_members
            else None,
        },
    )


def current_document(zone, kind):
    return Document.objects.filter(zone=zone, kind=kind).order_by("-version").first()


def zone_document(request, kind):
    """The only zone's current document, or a list of zones when the site serves several."""
    zones = list(only_host_zone(Zone.objects, "pk").order_by("name")[:2])
    if len(zones) == 1:
        return render_document(request, zones[0], kind)
    response = serve_in(request, zone_languages(site_zone(request)))
    if response is not None:
        return response
    return render(
        request,
        "public/document_zones.html",
        {
            "title": DOCUMENT_TITLES[kind],
            "zones": Zone.objects.order_by("name"),
            "url_name": DOCUMENT_URL_NAMES[kind],
        },
    )


def render_document(request, zone, kind):
    use_zone(request, zone)
    response = serve_in(request, zone_languages(zone))
    if response is not None:
        return response
    return render(
        request,
        "public/document.html",
        {
            "zone": zone,
            "title": DOCUMENT_TITLES[kind],
            "document": current_document(zone, kind),
        },
    )


def house_rules(request):
    return zone_document(request, DocumentKind.HOUSE_RULES)


def privacy(request):
    return zone_document(request, DocumentKind.PRIVACY_NOTICE)


def zone_house_rules(request, zone_slug):
    zone = get_object_or_404(only_host_zone(Zone.objects, "pk"), slug=zone_slug)
    return render_document(request, zone, DocumentKind.HOUSE_RULES)


def zone_privacy(request, zone_slug):
    zone = get_object_or_404(only_host_zone(Zone.objects, "pk"), slug=zone_slug)
    return render_document(request, zone, DocumentKind.PRIVACY_NOTICE)


# Complaints about accessibility go to the ombudsman of the authority's level: the Flemish
# one for Flemish local services, the federal one otherwise.
FLEMISH_REGIMES = {LanguageRegime.DUTCH, LanguageRegime.FACILITIES_DUTCH_FIRST}


@zone_page
def accessibility(request):
    zone = site_zone(request)
    regimes = set(zone.municipalities.values_list("language_regime", flat=True)) if zone else set()
    return render(
        request,
        "public/accessibility.html",
        {
            "zone": zone,
            "statement_date": ACCESSIBILITY_STATEMENT_DATE,
            "flemish_ombudsman": bool(regimes & FLEMISH_REGIMES),
            "federal_ombudsman": not regimes or bool(regimes - FLEMISH_REGIMES),
        },
    )


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a request context: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
