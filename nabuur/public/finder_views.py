"""The public BIN finder: 'Is there a BIN at my address?'."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.zones.addresses import MAX_LENGTH

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


@zone_page
def find(request):
    form = FinderForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = find_networks(form.cleaned_data["q"])
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
            "statuses": {status.name: status.value for status in FinderStatus},
        },
    )
