"""The public BIN finder: 'Is there a BIN at my address?'."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.networks.models import NetworkStatus, Segment
from nabuur.zones.addresses import MAX_LENGTH
from nabuur.zones.site import base_url, host_zone, site_zone

from .languages import zone_page


class FinderForm(forms.Form):
    q = forms.CharField(
        label=_("Your address"),
        max_length=MAX_LENGTH,
        help_text=_("Street and number, postcode or municipality."),
    )


def _network_url(network):
    try:
        return reverse("public:network", kwargs={"slug": network.slug})
    except NoReverseMatch:
        return f"/{network.slug}/"


def _candidate_search(street, parsed):
    """A search for one candidate street, keeping what the visitor typed after the name."""
    number = f" {parsed.number}{parsed.letter}" if parsed.number is not None else ""
    box = f" bus {parsed.box}" if parsed.box else ""
    text = f"{street.name}{number}{box}, {street.postcode} {street.municipality.name}"
    return "?" + urlencode({"q": text})


def _other_zones_finder(result, query):
    """The finder on the site of the zone whose area the address is in, when that is another
    zone than this site's: this site lists only its own zone's BINs (None otherwise)."""
    zone = host_zone()
    if zone is None or result.zone is None or result.zone.pk == zone.pk:
        return None
    return base_url(result.zone) + reverse("public:find") + "?" + urlencode({"q": query})


def _example_address(zone):
    """An address in a BIN of this site's zone, for the hints, in the page's language:
    {"full": "Kerkstraat 12, 2650 Edegem", "short": "Kerkstraat 12, 2650"}; None for a zone
    without BINs. A French site in Bastogne gives a street of Bastogne, not of Edegem."""
    if zone is None:
        return None
    segment = (
        Segment.objects.filter(
            network__municipality__zone=zone, network__status=NetworkStatus.ACTIVE
        )
        .select_related("street__municipality")
        .order_by("network__pk", "pk")
        .first()
    )
    if segment is None:
        return None
    street = segment.street
    number = segment.number_from
    while not segment.covers(number):
        number += 1
    short = f"{street.name} {number}, {street.postcode}"
    return {"full": f"{short} {street.municipality.name}", "short": short}


@zone_page
def find(request):
    form = FinderForm(request.GET or None)
    result = other_site = None
    if form.is_bound and form.is_valid():
        result = find_networks(form.cleaned_data["q"])
        other_site = _other_zones_finder(result, form.cleaned_data["q"])
        for network in result.networks:
            network.url = _network_url(network)
        for street in result.street_candidates:
            street.search_url = _candidate_search(street, result.parsed)
    return render(
        request,
        "public/find.html",
        {
            "form": form,
            "result": result,
            "status": result.status.value if result else "",
            "zone": result.zone if result else None,
            "other_site": other_site,
            "example": _example_address(site_zone(request)),
            "statuses": {status.name: status.value for status in FinderStatus},
        },
    )
