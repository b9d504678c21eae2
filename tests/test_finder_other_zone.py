"""The finder on one zone's site, given a place in another zone's area (#18 point 8).

Each zone's site lists only its own BINs (and knows only its own streets). A postcode of another
zone of the install must not end with an invitation to ask the police for a new BIN there (that
zone may well have one): the finder sends the resident to the finder of that zone's own site.
"""

import pytest

from nabuur.lib.languages import LanguageRegime

from . import factories
from .i18n import nl

pytestmark = pytest.mark.django_db

HOST_A, HOST_B = "a.localhost", "b.localhost"
INVITATION = (
    "%(zone)s can tell you whether a BIN is planned in your neighbourhood, or help you start one."
)


def link_to(zone_name, url):
    text = nl("Find your BIN on the site of %(zone)s", zone=zone_name)
    return f'<a href="{url}">{text}</a>'


@pytest.fixture
def schaarbeek(settings, zone):
    """Zone A (the personas' zone, a.localhost) and zone B (b.localhost), whose BIN Citadelle
    covers the whole Kolonel Bourgstraat in 1030 Schaarbeek."""
    settings.BASE_URL = "http://127.0.0.1:8000"
    zone.host = HOST_A
    zone.save(update_fields=["host"])
    zone_b = factories.ZoneFactory(slug="pz-bravo", name="Politiezone Bravo", host=HOST_B)
    municipality_b = factories.MunicipalityFactory(
        nis_code="21015",
        name_nl="Schaarbeek",
        name_fr="Schaerbeek",
        zone=zone_b,
        language_regime=LanguageRegime.BRUSSELS,
    )
    factories.PostcodeFactory(code="1030", municipality=municipality_b)
    bin_b = factories.NetworkFactory(
        municipality=municipality_b, name="BIN Citadelle", slug="citadelle"
    )
    street = factories.SearchableStreetFactory(
        municipality=municipality_b,
        name_nl="Kolonel Bourgstraat",
        name_fr="Rue Colonel Bourg",
        postcode="1030",
    )
    factories.SegmentFactory(network=bin_b, street=street)
    return municipality_b


def test_a_postcode_of_another_zone_leads_to_that_zones_finder(client, schaarbeek):
    html = client.get("/nl/find/", {"q": "1030"}, HTTP_HOST=HOST_A).content.decode()

    assert "BIN Citadelle" not in html
    assert nl(INVITATION, zone="Politiezone Bravo") not in html
    assert link_to("Politiezone Bravo", "http://b.localhost:8000/nl/find/?q=1030") in html


def test_an_address_with_a_postcode_of_another_zone_leads_to_that_zones_finder(client, schaarbeek):
    query = "Kolonel Bourgstraat 5, 1030"
    html = client.get("/nl/find/", {"q": query}, HTTP_HOST=HOST_A).content.decode()

    assert "BIN Citadelle" not in html
    assert nl(INVITATION, zone="Politiezone Bravo") not in html
    url = "http://b.localhost:8000/nl/find/?q=Kolonel+Bourgstraat+5%2C+1030"
    assert link_to("Politiezone Bravo", url) in html


def test_the_zone_without_host_name_is_linked_at_the_installs_address(
    client, zone, municipality, schaarbeek
):
    # The demo's way: its first zone has no host name and answers on NABUUR_BASE_URL.
    zone.host = ""
    zone.save(update_fields=["host"])
    factories.PostcodeFactory(code="2650", municipality=municipality)

    html = client.get("/nl/find/", {"q": "2650"}, HTTP_HOST=HOST_B).content.decode()

    assert link_to("Politiezone Test", "http://127.0.0.1:8000/nl/find/?q=2650") in html


def test_a_place_of_the_sites_own_zone_without_bin_gets_the_invitation(
    client, municipality, schaarbeek
):
    factories.PostcodeFactory(code="2650", municipality=municipality)

    html = client.get("/nl/find/", {"q": "2650"}, HTTP_HOST=HOST_A).content.decode()

    assert nl(INVITATION, zone="Politiezone Test") in html
    assert "localhost:8000" not in html
