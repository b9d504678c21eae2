"""Every API answer is scoped to the zone of the request's host name (#18 point 8).

Zone A is the personas' zone (host a.localhost): BIN Centrum covers Kerkstraat 2-40 (even) in
Edegem, 2650. Zone B (host b.localhost) has BIN Citadelle on the Koningsstraat in Schaarbeek,
1030. On B's host the public endpoints and the token endpoints answer with zone B's data only:
a BIN, street or token of zone A is as absent there as an unknown one.
"""

import pytest

from nabuur.api import services
from nabuur.api.models import Scope
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.networks.models import Side
from nabuur.staff.models import Role

from . import factories

pytestmark = pytest.mark.django_db

HOST_A, HOST_B = "a.localhost", "b.localhost"
KERKSTRAAT_12 = {"postcode": "2650", "street": "Kerkstraat", "number": "12"}
KONINGSSTRAAT_5 = {"postcode": "1030", "street": "Koningsstraat", "number": "5"}


@pytest.fixture(autouse=True)
def _hosts(settings, zone):
    settings.ALLOWED_HOSTS = [".localhost", "testserver"]
    zone.host = HOST_A
    zone.save(update_fields=["host"])


@pytest.fixture
def kerkstraat(municipality, bin_a):
    factories.PostcodeFactory(code="2650", municipality=municipality)
    street = factories.SearchableStreetFactory(
        municipality=municipality, name_nl="Kerkstraat", postcode="2650", max_house_number=80
    )
    factories.SegmentFactory(
        network=bin_a, street=street, number_from=1, number_to=40, side=Side.EVEN
    )
    return street


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-bravo", name="Politiezone Bravo", host=HOST_B)


@pytest.fixture
def citadelle(zone_b):
    schaarbeek = factories.MunicipalityFactory(
        nis_code="21015",
        name_nl="Schaarbeek",
        name_fr="Schaerbeek",
        zone=zone_b,
        language_regime=LanguageRegime.BRUSSELS,
    )
    factories.PostcodeFactory(code="1030", municipality=schaarbeek)
    street = factories.SearchableStreetFactory(
        municipality=schaarbeek, name_nl="Koningsstraat", name_fr="Rue Royale", postcode="1030"
    )
    network = factories.NetworkFactory(
        municipality=schaarbeek, name="BIN Citadelle", slug="citadelle"
    )
    factories.SegmentFactory(network=network, street=street, number_from=1, number_to=None)
    return network


def get(client, path, host, params=None, **headers):
    return client.get(path, params or {}, HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE="en", **headers)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- Public endpoints ---------------------------------------------------------------------------


def test_the_bins_of_a_host_are_its_zones_only(client, bin_a, citadelle):
    on_a = get(client, "/api/v1/bins/", HOST_A).json()
    on_b = get(client, "/api/v1/bins/", HOST_B).json()

    assert [feature["id"] for feature in on_a["features"]] == ["centrum"]
    assert [feature["id"] for feature in on_b["features"]] == ["citadelle"]
    assert on_b["features"][0]["properties"]["url"] == "http://b.localhost:8000/nl/bin/citadelle/"


def test_a_bin_of_zone_a_is_a_json_404_on_zone_bs_host(client, bin_a, citadelle):
    assert get(client, "/api/v1/bins/centrum/", HOST_A).status_code == 200
    response = get(client, "/api/v1/bins/centrum/", HOST_B)

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Nothing was found at this address of the API.",
    }
    assert get(client, "/api/v1/bins/citadelle/", HOST_B).json()["id"] == "citadelle"


def test_the_zone_is_the_hosts(client, zone, zone_b):
    assert get(client, "/api/v1/zone/", HOST_A).json()["slug"] == "pz-test"
    assert get(client, "/api/v1/zone/", HOST_B).json()["slug"] == "pz-bravo"


def test_a_lookup_of_a_zone_a_address_on_zone_bs_host_knows_no_such_street(
    client, kerkstraat, citadelle
):
    assert get(client, "/api/v1/lookup", HOST_A, KERKSTRAAT_12).json()["status"] == "found"

    with_number = get(client, "/api/v1/lookup", HOST_B, KERKSTRAAT_12)
    without_number = get(client, "/api/v1/lookup", HOST_B, {**KERKSTRAAT_12, "number": ""})

    assert with_number.json() == {"status": "unknown_street", "bins": []}
    assert without_number.json() == {"status": "unknown_street", "bins": []}


def test_a_lookup_on_zone_bs_host_finds_zone_bs_bins(client, kerkstraat, citadelle):
    response = get(client, "/api/v1/lookup", HOST_B, KONINGSSTRAAT_5)

    assert response.json() == {
        "status": "found",
        "bins": [
            {
                "id": citadelle.pk,
                "slug": "citadelle",
                "name": "BIN Citadelle",
                "status": "active",
                "municipality": {
                    "nis_code": "21015",
                    "names": {"nl": "Schaarbeek", "fr": "Schaerbeek"},
                },
                "join_urls": {
                    "nl": "http://b.localhost:8000/nl/join/?bin=citadelle",
                    "fr": "http://b.localhost:8000/fr/join/?bin=citadelle",
                },
            }
        ],
    }
    # And the other way round: zone B's street is unknown on zone A's host.
    assert get(client, "/api/v1/lookup", HOST_A, KONINGSSTRAAT_5).json() == {
        "status": "unknown_street",
        "bins": [],
    }


# --- Token endpoints ----------------------------------------------------------------------------


@pytest.fixture
def token_of_a(zone, zone_admin):
    """A token of zone A with both scopes: (token, secret)."""
    return services.create_token(
        zone_admin, zone, "101 Antwerpen", [Scope.DISPATCH, Scope.STATISTICS]
    )


def test_a_token_of_zone_a_is_refused_on_zone_bs_host(client, token_of_a, kerkstraat, citadelle):
    _, secret = token_of_a
    year = clock.today().year
    paths = [
        ("/api/v1/dispatch/lookup", KERKSTRAAT_12),
        ("/api/v1/dispatch/lookup", KONINGSSTRAAT_5),
        (f"/api/v1/statistics/{year}", None),
        (f"/api/v1/statistics/{year}/centrum", None),
        (f"/api/v1/statistics/{year}/citadelle", None),
    ]
    for path, params in paths:
        response = get(client, path, HOST_B, params, **bearer(secret))
        assert (path, response.status_code, response.json()) == (
            path,
            403,
            {
                "code": "zone_not_covered",
                "message": "This API token does not cover the police zone of this address.",
            },
        )
    # On its own zone's host the same token is answered.
    assert (
        get(client, "/api/v1/dispatch/lookup", HOST_A, KERKSTRAAT_12, **bearer(secret)).json()[
            "status"
        ]
        == "found"
    )


def test_a_token_of_both_zones_answers_on_each_host_for_that_zone_only(
    client, zone_b, token_of_a, bin_a, kerkstraat, citadelle
):
    token, secret = token_of_a
    services.add_zone(factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone_b).user, token, zone_b)

    zone_a_address_on_b = get(
        client, "/api/v1/dispatch/lookup", HOST_B, KERKSTRAAT_12, **bearer(secret)
    )
    zone_b_address_on_b = get(
        client, "/api/v1/dispatch/lookup", HOST_B, KONINGSSTRAAT_5, **bearer(secret)
    )
    statistics_on_b = get(
        client, f"/api/v1/statistics/{clock.today().year}", HOST_B, **bearer(secret)
    )
    centrum_on_b = get(
        client, f"/api/v1/statistics/{clock.today().year}/centrum", HOST_B, **bearer(secret)
    )

    assert zone_a_address_on_b.json() == {"status": "unknown_street", "bins": [], "zone": None}
    assert zone_b_address_on_b.json()["status"] == "found"
    assert [b["slug"] for b in zone_b_address_on_b.json()["bins"]] == ["citadelle"]
    assert zone_b_address_on_b.json()["zone"]["slug"] == "pz-bravo"
    assert [row["bin"] for row in statistics_on_b.json()["bins"]] == ["citadelle"]
    assert (centrum_on_b.status_code, centrum_on_b.json()["code"]) == (404, "not_found")
    # On zone A's host, zone A's.
    statistics_on_a = get(
        client, f"/api/v1/statistics/{clock.today().year}", HOST_A, **bearer(secret)
    )
    assert [row["bin"] for row in statistics_on_a.json()["bins"]] == ["centrum"]
