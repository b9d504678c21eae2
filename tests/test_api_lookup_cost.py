"""What one public lookup (/api/v1/lookup) costs the database: a fixed number of queries for
each answer, whatever the number of BINs and zones, and never the zones' logos (#17: the
lookup is the busiest public request; bench/pages.py measures it under load)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nabuur.networks.models import Side

from . import factories

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookup"


@pytest.fixture
def kerkstraat(municipality):
    """Kerkstraat, Edegem (2650): BINs cover its even side up to 40."""
    factories.PostcodeFactory(code="2650", municipality=municipality)
    return factories.SearchableStreetFactory(
        municipality=municipality, name_nl="Kerkstraat", postcode="2650", max_house_number=80
    )


@pytest.fixture
def zone_with_logo(zone):
    zone.logo = b"\x89PNG" + b"\x00" * 50_000
    zone.logo_content_type = "image/png"
    zone.save(update_fields=["logo", "logo_content_type"])
    return zone


def bins_on(street, municipality, count):
    for _ in range(count):
        network = factories.NetworkFactory(municipality=municipality)
        factories.SegmentFactory(
            network=network, street=street, number_from=1, number_to=40, side=Side.EVEN
        )


def lookup(client, host="testserver", **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOOKUP, {"postcode": "2650", **params}, HTTP_HOST=host)
    assert response.status_code == 200
    return response.json(), [query["sql"] for query in queries.captured_queries]


# One query each: the client's rate count; the street among the postcode's municipalities (in
# the zone of the host name, if any), with its municipality and zone; the open BINs covering the
# number or street. No street: whether the postcode serves any municipality at all (if not, the
# street is looked for everywhere, as on the finder's page).
@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize(
    ("params", "status", "queries"),
    [
        ({"street": "Kerkstraat", "number": "12"}, "found", 3),
        ({"street": "Kerkstraat", "number": "13"}, "no_bin_here", 3),
        ({"street": "Kerkstraat"}, "number_needed", 3),
        ({"street": "Nergensdreef", "number": "12"}, "unknown_street", 3),
    ],
)
def test_one_lookup_costs_a_fixed_number_of_queries(
    client, zone_with_logo, municipality, kerkstraat, count, params, status, queries
):
    bins_on(kerkstraat, municipality, count)

    answer, sql = lookup(client, **params)

    assert answer["status"] == status
    assert len(answer["bins"]) == (count if status in {"found", "number_needed"} else 0)
    assert len(sql) == queries
    # The logo (an image of the zone's) is never read for a lookup.
    assert not [query for query in sql if '"zones_zone"."logo",' in query]


def test_a_zone_host_costs_no_extra_query(client, settings, zone, municipality, kerkstraat):
    settings.ALLOWED_HOSTS = [".localhost", "testserver"]
    zone.host = "a.localhost"
    zone.save(update_fields=["host"])
    factories.ZoneFactory(slug="pz-bravo", host="b.localhost")
    bins_on(kerkstraat, municipality, 1)

    on_a, on_a_sql = lookup(client, "a.localhost", street="Kerkstraat", number="12")
    on_b, on_b_sql = lookup(client, "b.localhost", street="Kerkstraat", number="12")

    assert (on_a["status"], len(on_a_sql)) == ("found", 3)
    # Zone A's street is unknown on zone B's host: the street query finds nothing there.
    assert (on_b["status"], len(on_b_sql)) == ("unknown_street", 3)


def test_the_zone_is_read_once_with_the_postcodes_municipalities(
    client, zone, municipality, kerkstraat
):
    # The BINs take their municipality and zone from the street's, read with it: Django builds
    # no second or third join of the zone's columns.
    bins_on(kerkstraat, municipality, 2)

    answer, sql = lookup(client, street="Kerkstraat", number="12")

    assert answer["status"] == "found"
    assert [query for query in sql if "zones_zone" in query and "slug" in query] == [sql[1]]


def test_a_bin_of_a_neighbouring_municipality_on_the_street_costs_one_more_query(
    client, zone, municipality, kerkstraat
):
    # Its municipality is not the street's: read with its zone in one more query.
    neighbour = factories.MunicipalityFactory(
        nis_code="11002", name_nl="Antwerpen", name_fr="Anvers", zone=zone
    )
    bins_on(kerkstraat, neighbour, 1)

    answer, sql = lookup(client, street="Kerkstraat", number="12")

    assert answer["status"] == "found"
    assert [item["municipality"] for item in answer["bins"]] == [
        {"nis_code": "11002", "names": {"nl": "Antwerpen"}}
    ]
    assert list(answer["bins"][0]["join_urls"]) == ["nl"]
    assert len(sql) == 4
