"""The API's lookup reads less than the finder's page, and answers the same (#17).

`find_networks(query, brief=True)` is what GET /api/v1/lookup asks: one query fewer (the street's
query finds the postcode's municipalities itself) and only the columns a BIN's name and links
need. Whatever it leaves out, its status, street and BINs must be the finder's own.
"""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.networks.models import NetworkStatus, Side
from nabuur.zones.site import zone_middleware

from . import factories

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookup"
HOST_A, HOST_B = "a.localhost", "b.localhost"


@pytest.fixture
def streets(settings, zone, municipality):
    """Zone A (a.localhost): Edegem and Hove share the postcode 2650; both have a Molenstraat.
    BIN Kerk covers Kerkstraat's even side up to 40; BIN Hove-Dorp (of Hove) has a segment on
    Edegem's Dorpstraat; BIN Wacht is in preparation on Kerkstraat's odd side. Zone B
    (b.localhost): BIN Citadelle covers Kolonel Bourgstraat, 1030 Schaarbeek."""
    settings.ALLOWED_HOSTS = [".localhost", "testserver"]
    zone.host = HOST_A
    zone.save(update_fields=["host"])
    hove = factories.MunicipalityFactory(nis_code="11021", name_nl="Hove", zone=zone)
    for served in (municipality, hove):
        factories.PostcodeFactory(code="2650", municipality=served)
    street = factories.SearchableStreetFactory
    kerkstraat = street(municipality=municipality, name_nl="Kerkstraat", postcode="2650")
    dorpstraat = street(municipality=municipality, name_nl="Dorpstraat", postcode="2650")
    for served in (municipality, hove):
        street(municipality=served, name_nl="Molenstraat", postcode="2650")
    segment = factories.SegmentFactory
    kerk = factories.NetworkFactory(municipality=municipality, name="BIN Kerk", slug="kerk")
    segment(network=kerk, street=kerkstraat, number_from=1, number_to=40, side=Side.EVEN)
    wacht = factories.NetworkFactory(
        municipality=municipality,
        name="BIN Wacht",
        slug="wacht",
        status=NetworkStatus.PREPARATION,
    )
    segment(network=wacht, street=kerkstraat, number_from=1, number_to=None, side=Side.ODD)
    hove_dorp = factories.NetworkFactory(municipality=hove, name="BIN Hove-Dorp", slug="hove")
    segment(network=hove_dorp, street=dorpstraat, number_from=1, number_to=None, side=Side.BOTH)

    zone_b = factories.ZoneFactory(slug="pz-bravo", host=HOST_B)
    schaarbeek = factories.MunicipalityFactory(nis_code="21015", name_nl="Schaarbeek", zone=zone_b)
    factories.PostcodeFactory(code="1030", municipality=schaarbeek)
    bourg = street(municipality=schaarbeek, name_nl="Kolonel Bourgstraat", postcode="1030")
    citadelle = factories.NetworkFactory(municipality=schaarbeek, name="BIN Citadelle")
    segment(network=citadelle, street=bourg)


def search(host, query, brief):
    """find_networks as a request to `host` asks it (the zone of the host name narrows it)."""
    request = RequestFactory().get("/", HTTP_HOST=host)
    return zone_middleware(lambda request: find_networks(query, brief=brief))(request)


def summary(result):
    return (
        result.status,
        result.street.pk if result.street else None,
        [street.pk for street in result.street_candidates],
        [
            (
                network.pk,
                network.name,
                network.slug,
                network.status,
                network.municipality.nis_code,
                network.municipality.languages,
                network.municipality.zone.host,
            )
            for network in result.networks
        ],
    )


SEARCHES = [
    (HOST_A, "Kerkstraat 12, 2650", FinderStatus.FOUND),
    (HOST_A, "Kerkstraat 13, 2650", FinderStatus.FOUND),
    (HOST_A, "Kerkstraat 42, 2650", FinderStatus.NO_BIN_HERE),
    (HOST_A, "Kerkstraat, 2650", FinderStatus.NUMBER_NEEDED),
    (HOST_A, "Dorpstraat 7, 2650", FinderStatus.FOUND),
    (HOST_A, "Molenstraat 3, 2650", FinderStatus.AMBIGUOUS_STREET),
    (HOST_A, "Nergensdreef 12, 2650", FinderStatus.UNKNOWN_STREET),
    # A postcode that serves no municipality narrows nothing: the street is looked for in
    # every municipality of the host's zone.
    (HOST_A, "Kerkstraat 12, 9999", FinderStatus.FOUND),
    # Another zone's street is unknown on this zone's host name, and found on its own.
    (HOST_A, "Kolonel Bourgstraat 3, 1030", FinderStatus.UNKNOWN_STREET),
    (HOST_B, "Kolonel Bourgstraat 3, 1030", FinderStatus.FOUND),
    (HOST_B, "Kerkstraat 12, 2650", FinderStatus.UNKNOWN_STREET),
]


@pytest.mark.parametrize(("host", "query", "status"), SEARCHES)
def test_a_brief_search_finds_what_the_finder_finds(streets, host, query, status):
    full = search(host, query, brief=False)
    brief = search(host, query, brief=True)

    assert full.status == status
    assert summary(brief) == summary(full)


def test_the_lookup_reads_no_contact_details(client, streets):
    # Neither the BIN's contact person (personal data) nor the zone's details: the lookup shows
    # neither, and each column read is work for every lookup.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            LOOKUP, {"postcode": "2650", "street": "Kerkstraat", "number": "12"}, HTTP_HOST=HOST_A
        )

    assert response.json()["status"] == "found"
    assert [bin_["slug"] for bin_ in response.json()["bins"]] == ["kerk"]
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    for column in (
        '"networks_network"."contact_email"',
        '"networks_network"."area"',
        '"networks_bintype"',
        '"zones_zone"."email"',
        '"zones_zone"."controller_name"',
    ):
        assert column not in sql


def test_a_postcode_that_serves_no_municipality_costs_two_more_queries(client, streets):
    # The street among the postcode's municipalities (none), whether the postcode serves any,
    # the street anywhere in the zone: as the finder's page, which finds it.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            LOOKUP, {"postcode": "9999", "street": "Kerkstraat", "number": "12"}, HTTP_HOST=HOST_A
        )

    assert response.json()["status"] == "found"
    assert [bin_["slug"] for bin_ in response.json()["bins"]] == ["kerk"]
    assert len(queries) == 5


def test_the_brief_reads_take_their_columns_in_the_order_of_the_fields():
    # Model.from_db() fills the fields a query read in the order of the model's fields.
    from nabuur.networks import finder
    from nabuur.networks.models import Network
    from nabuur.zones.models import Municipality, Street, Zone

    for model, columns in [
        (Street, finder._STREET_COLUMNS),
        (Municipality, finder._MUNICIPALITY_COLUMNS),
        (Zone, finder._ZONE_COLUMNS),
        (Network, finder._NETWORK_COLUMNS),
    ]:
        order = [field.attname for field in model._meta.concrete_fields]
        assert columns == sorted(columns, key=order.index), model.__name__
