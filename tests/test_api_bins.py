"""GET /api/v1/bins/ and /api/v1/bins/<slug>/: every active BIN as an RFC 7946 Feature (its
area as the geometry, lon/lat), public data only, a JSON 404 for a BIN that is unknown or not
active, CORS open, and answers that match the OpenAPI document."""

import json

import pytest
from jsonschema import Draft202012Validator

from nabuur.networks.areas import update_area
from nabuur.networks.models import NetworkStatus

from . import factories
from .test_areas import HOEKSTRAAT, import_hoekstraat

pytestmark = pytest.mark.django_db

ONE_ADDRESS_DISC = [
    [4.440358, 51.15],
    [4.440331, 51.150087],
    [4.440253, 51.15016],
    [4.440137, 51.150209],
    [4.44, 51.150226],
    [4.439863, 51.150209],
    [4.439747, 51.15016],
    [4.439669, 51.150087],
    [4.439642, 51.15],
    [4.439669, 51.149913],
    [4.439747, 51.14984],
    [4.439863, 51.149791],
    [4.44, 51.149774],
    [4.440137, 51.149791],
    [4.440253, 51.14984],
    [4.440331, 51.149913],
    [4.440358, 51.15],
]


@pytest.fixture
def mapped_bin(municipality, bin_a):
    """BIN Centrum covers Hoekstraat 1, the only address of the street."""
    import_hoekstraat({1: HOEKSTRAAT[1]})
    factories.SegmentFactory(network=bin_a, street=municipality.streets.get())
    update_area(bin_a)
    return bin_a


def centrum_feature(network, geometry):
    return {
        "type": "Feature",
        "id": "centrum",
        "geometry": geometry,
        "properties": {
            "name": "BIN Centrum",
            "status": "active",
            "municipality": {"nis_code": "11013", "names": {"nl": "Edegem"}},
            "bin_type": {"code": "bin", "name": "BIN"},
            "url": "http://127.0.0.1:8000/nl/bin/centrum/",
            "dwellings": network.dwellings,
        },
    }


def test_the_collection_has_one_feature_per_active_bin_with_its_area(client, mapped_bin, bin_b):
    factories.NetworkFactory(
        municipality=mapped_bin.municipality, slug="later", status=NetworkStatus.PREPARATION
    )
    factories.NetworkFactory(
        municipality=mapped_bin.municipality, slug="gone", status=NetworkStatus.STOPPED
    )

    response = client.get("/api/v1/bins/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    elsdonk = centrum_feature(bin_b, None)
    elsdonk["id"] = "elsdonk"
    elsdonk["properties"].update(name="BIN Elsdonk", url="http://127.0.0.1:8000/nl/bin/elsdonk/")
    assert response.json() == {
        "type": "FeatureCollection",
        "features": [
            centrum_feature(mapped_bin, {"type": "Polygon", "coordinates": [ONE_ADDRESS_DISC]}),
            elsdonk,
        ],
    }
    assert mapped_bin.dwellings == 1


def test_one_bin_is_its_feature(client, mapped_bin):
    response = client.get("/api/v1/bins/centrum/")

    assert response.status_code == 200
    assert response.json() == centrum_feature(
        mapped_bin, {"type": "Polygon", "coordinates": [ONE_ADDRESS_DISC]}
    )


@pytest.mark.parametrize("status", [NetworkStatus.PREPARATION, NetworkStatus.STOPPED])
def test_an_unknown_or_inactive_bin_is_a_json_404(client, bin_a, status):
    bin_a.status = status
    bin_a.save(update_fields=["status"])

    for path in ("/api/v1/bins/centrum/", "/api/v1/bins/nowhere/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "message": "Nothing was found at this address of the API.",
        }


def test_the_answers_match_the_openapi_document(client, settings, mapped_bin):
    document = client.get("/api/v1/openapi.json").json()
    components = {"components": document["components"]}

    def check(path, status, response):
        assert response.status_code == int(status), (path, status)
        operation = document["paths"][path]["get"]["responses"][status]
        schema = operation["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, **components}).validate(response.json())
        return (path, status)

    seen = {
        check("/api/v1/bins/", "200", client.get("/api/v1/bins/")),
        check("/api/v1/bins/{slug}/", "200", client.get("/api/v1/bins/centrum/")),
        check("/api/v1/bins/{slug}/", "404", client.get("/api/v1/bins/nowhere/")),
    }
    settings.NABUUR_API_LIMIT_PER_MINUTE = 1
    seen.add(check("/api/v1/bins/", "429", client.get("/api/v1/bins/")))
    seen.add(check("/api/v1/bins/{slug}/", "429", client.get("/api/v1/bins/centrum/")))

    documented = {
        (path, status)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/bins")
        for status in item["get"]["responses"]
    }
    assert documented == seen


def test_the_geometry_is_valid_geojson_in_lon_lat_order(client, municipality, bin_a):
    import_hoekstraat()
    factories.SegmentFactory(network=bin_a, street=municipality.streets.get())
    update_area(bin_a)

    geometry = client.get("/api/v1/bins/centrum/").json()["geometry"]

    ring = geometry["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) >= 4
    # Belgium: longitudes 2.5 to 6.5, latitudes 49.5 to 51.5; GeoJSON puts longitude first.
    assert all(2.5 < lon < 6.5 and 49.5 < lat < 51.6 for lon, lat in ring)
    assert json.loads(bin_a.area) == geometry
