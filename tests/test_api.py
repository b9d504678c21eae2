"""The public API (/api/v1/): the lookup gives the finder's answer as JSON, the zone's contact
details, errors as {"code", "message"} in the Accept-Language language, the rate limit, CORS,
the licence, and an OpenAPI 3.1 document that a validator accepts and the answers match."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from openapi_spec_validator import validate

from nabuur.lib.languages import LanguageRegime
from nabuur.networks.finder import find_networks
from nabuur.networks.models import NetworkStatus, Side

from .factories import (
    MunicipalityFactory,
    NetworkFactory,
    PostcodeFactory,
    SearchableStreetFactory,
    SegmentFactory,
)

LOOKUP = "/api/v1/lookup"
LICENCE = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


@pytest.fixture
def kerkstraat(municipality):
    """Kerkstraat in Edegem (2650): BIN Centrum has the even side up to 40."""
    PostcodeFactory(code="2650", municipality=municipality)
    return SearchableStreetFactory(
        municipality=municipality, name_nl="Kerkstraat", postcode="2650", max_house_number=80
    )


@pytest.fixture
def koekelberg(zone):
    koekelberg = MunicipalityFactory(
        nis_code="21011",
        name_nl="Koekelberg",
        name_fr="Koekelberg",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    PostcodeFactory(code="1081", municipality=koekelberg)
    return koekelberg


@pytest.fixture
def eglise(koekelberg):
    """A Brussels street with a Dutch and a French name, all of it in BIN Basiliek."""
    street = SearchableStreetFactory(
        municipality=koekelberg, name_nl="Kerkstraat", name_fr="Rue de l'Église", postcode="1081"
    )
    network = NetworkFactory(municipality=koekelberg, name="BIN Basiliek", slug="basiliek")
    SegmentFactory(network=network, street=street, number_from=1, number_to=None)
    return street


def lookup(client, **params):
    return client.get(LOOKUP, params, HTTP_ACCEPT_LANGUAGE="en")


def edegem(network):
    return {
        "id": network.pk,
        "slug": network.slug,
        "name": network.name,
        "status": network.status,
        "municipality": {"nis_code": "11013", "names": {"nl": "Edegem"}},
        "join_urls": {"nl": f"http://127.0.0.1:8000/nl/join/?bin={network.slug}"},
    }


@pytest.mark.django_db
def test_found_gives_the_covering_bin_with_its_sign_up_pages(client, kerkstraat, bin_a, bin_b):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=40, side=Side.EVEN)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=1, number_to=41, side=Side.ODD)

    response = lookup(client, postcode="2650", street="kerkstr.", number="12A", box="3")

    assert response.status_code == 200
    assert response.json() == {"status": "found", "bins": [edegem(bin_a)]}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == LICENCE


@pytest.mark.django_db
def test_the_answer_is_the_finders(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=40, side=Side.EVEN)
    for number, text in [("12", "Kerkstraat 12, 2650"), ("13", "Kerkstraat 13, 2650")]:
        finder = find_networks(text)
        answer = lookup(client, postcode="2650", street="Kerkstraat", number=number).json()
        assert answer["status"] == finder.status.value
        assert [bin["slug"] for bin in answer["bins"]] == [n.slug for n in finder.networks]


@pytest.mark.django_db
def test_no_bin_here(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=40, side=Side.EVEN)

    response = lookup(client, postcode="2650", street="Kerkstraat", number="13")

    assert response.json() == {"status": "no_bin_here", "bins": []}


@pytest.mark.django_db
def test_unknown_street(client, kerkstraat):
    response = lookup(client, postcode="2650", street="Nergensstraat", number="1")

    assert response.json() == {"status": "unknown_street", "bins": []}


@pytest.mark.django_db
def test_ambiguous_street(client, municipality):
    PostcodeFactory(code="2650", municipality=municipality)
    for name in ("Molenstraat", "Molenstraatje"):
        SearchableStreetFactory(municipality=municipality, name_nl=f"Oude {name}", postcode="2650")

    response = lookup(client, postcode="2650", street="oude molen", number="3")

    assert response.json() == {"status": "ambiguous_street", "bins": []}


@pytest.mark.django_db
def test_number_needed_lists_the_bins_on_the_street(client, kerkstraat, bin_a, bin_b):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=40)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=41, number_to=None)
    bin_b.status = NetworkStatus.PREPARATION
    bin_b.save(update_fields=["status"])

    response = lookup(client, postcode="2650", street="Kerkstraat")

    assert response.json() == {
        "status": "number_needed",
        "bins": [edegem(bin_a), {**edegem(bin_b), "status": "preparation"}],
    }


@pytest.mark.django_db
def test_a_stopped_bin_is_not_offered(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=None)
    bin_a.status = NetworkStatus.STOPPED
    bin_a.save(update_fields=["status"])

    response = lookup(client, postcode="2650", street="Kerkstraat", number="2")

    assert response.json() == {"status": "no_bin_here", "bins": []}


@pytest.mark.django_db
@pytest.mark.parametrize("street", ["Kerkstraat", "rue de l'eglise", "Rue de l’Église"])
def test_street_names_match_in_each_language_and_join_urls_follow_the_regime(
    client, eglise, street
):
    response = lookup(client, postcode="1081", street=street, number="7")

    network = eglise.segments.get().network
    assert response.json() == {
        "status": "found",
        "bins": [
            {
                "id": network.pk,
                "slug": "basiliek",
                "name": "BIN Basiliek",
                "status": "active",
                "municipality": {
                    "nis_code": "21011",
                    "names": {"nl": "Koekelberg", "fr": "Koekelberg"},
                },
                "join_urls": {
                    "nl": "http://127.0.0.1:8000/nl/join/?bin=basiliek",
                    "fr": "http://127.0.0.1:8000/fr/join/?bin=basiliek",
                },
            }
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code", "name"),
    [
        ({"street": "Kerkstraat", "number": "12"}, "missing_parameter", "postcode"),
        ({"postcode": "2650"}, "missing_parameter", "street"),
        ({"postcode": "265", "street": "Kerkstraat"}, "invalid_parameter", "postcode"),
        ({"postcode": "2650", "street": "123"}, "invalid_parameter", "street"),
        (
            {"postcode": "2650", "street": "Kerkstraat", "number": "12-14"},
            "invalid_parameter",
            "number",
        ),
        (
            {"postcode": "2650", "street": "Kerkstraat", "number": "1", "box": "a b"},
            "invalid_parameter",
            "box",
        ),
        # A street name that reads as a street, a number and a box is refused, not guessed.
        (
            {"postcode": "2650", "street": "Kerkstraat 5", "number": "12"},
            "invalid_parameter",
            "street",
        ),
    ],
)
def test_unusable_parameters_are_a_json_400(client, kerkstraat, params, code, name):
    response = client.get(LOOKUP, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    expected = {
        "missing_parameter": f"A required parameter is missing: {name}.",
        "invalid_parameter": f"This parameter has a value that cannot be used: {name}.",
    }[code]
    assert response.json() == {"code": code, "message": expected}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "language"),
    [("nl-BE,nl;q=0.9", "nl"), ("fr-BE", "fr"), ("de", "de"), ("en-GB", "en"), ("es", "nl")],
)
def test_error_messages_speak_the_accept_language(client, accept, language):
    response = client.get(LOOKUP, {"street": "Kerkstraat"}, HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 400
    assert response.json()["code"] == "missing_parameter"
    assert response["Content-Language"] == language
    with translation.override(language):
        expected = gettext("A required parameter is missing: %(name)s.") % {"name": "postcode"}
    assert response.json()["message"] == expected


@pytest.mark.django_db
def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Nothing was found at this address of the API.",
    }


@pytest.mark.django_db
def test_the_zone_gives_its_public_contact_details(client, zone, municipality):
    response = client.get("/api/v1/zone/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "slug": "pz-test",
        "name": "Politiezone Test",
        "number": "",
        "email": "info@pz-test.example",
        "phone": "03 000 00 00",
        "website": "",
        "postal_address": "Teststraat 1\n2000 Antwerpen",
        "non_emergency_number": "101",
        "emergency_number": "112",
        "languages": ["nl"],
    }


@pytest.mark.django_db
def test_without_a_zone_the_zone_is_a_json_404(client):
    response = client.get("/api/v1/zone/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"code": "no_zone", "message": "This site serves no police zone yet."}


@pytest.mark.django_db
def test_the_rate_limit_answers_429_per_client_address(client, settings, kerkstraat):
    settings.NABUUR_API_LIMIT_PER_MINUTE = 3
    answers = [
        client.get(LOOKUP, {"postcode": "2650", "street": "Kerkstraat"}).status_code
        for _ in range(4)
    ]
    other = client.get(
        LOOKUP, {"postcode": "2650", "street": "Kerkstraat"}, REMOTE_ADDR="203.0.113.9"
    )

    assert answers == [200, 200, 200, 429]
    assert other.status_code == 200
    limited = client.get(LOOKUP, {"postcode": "2650"}, HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert limited.json() == {
        "code": "rate_limited",
        "message": "Too many requests. Wait a minute before you try again.",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_lookup_queries_do_not_grow_with_the_bins(client, kerkstraat, municipality, count):
    for _ in range(count):
        network = NetworkFactory(municipality=municipality)
        SegmentFactory(network=network, street=kerkstraat, number_from=1, number_to=None)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOOKUP, {"postcode": "2650", "street": "Kerkstraat", "number": "4"})

    assert (response.json()["status"], len(response.json()["bins"])) == ("found", count)
    # The rate count, the street with its municipality, the covering BINs
    # (tests/test_api_lookup_cost.py pins every answer's count).
    assert len(queries) == 3


# --- The OpenAPI document and the documentation page -----------------------------------------


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db
def test_the_openapi_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["license"] == {
        "name": "CC-BY-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert set(document["paths"]) == {
        "/api/v1/lookup",
        "/api/v1/zone/",
        "/api/v1/dispatch/lookup",
        "/api/v1/statistics/{year}",
        "/api/v1/statistics/{year}/{slug}",
        "/api/v1/bins/",
        "/api/v1/bins/{slug}/",
    }


def _documented(document):
    return {
        (path, status)
        for path, item in document["paths"].items()
        for status in item["get"]["responses"]
    }


@pytest.mark.django_db
def test_every_documented_public_answer_happens_and_matches_its_schema(
    client, settings, document, kerkstraat, bin_a
):
    """Each documented (path, status) of the public endpoints, produced for real and checked
    against the document's schema for it."""
    from jsonschema import Draft202012Validator

    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=None)
    components = {"components": document["components"]}

    def check(path, status, response):
        assert response.status_code == int(status), (path, status)
        schema = document["paths"][path]["get"]["responses"][status]["content"]["application/json"][
            "schema"
        ]
        Draft202012Validator({**schema, **components}).validate(response.json())
        return (path, status)

    seen = {
        check("/api/v1/lookup", "200", lookup(client, postcode="2650", street="Kerkstraat")),
        check("/api/v1/lookup", "400", lookup(client, postcode="2650")),
        check("/api/v1/zone/", "200", client.get("/api/v1/zone/")),
    }
    settings.NABUUR_API_LIMIT_PER_MINUTE = 1
    seen.add(check("/api/v1/lookup", "429", lookup(client, postcode="2650", street="x")))
    seen.add(check("/api/v1/zone/", "429", client.get("/api/v1/zone/")))
    settings.NABUUR_API_LIMIT_PER_MINUTE = 0
    bin_a.municipality.zone.municipalities.update(zone=None)
    kerkstraat.municipality.networks.all().delete()
    from nabuur.zones.models import Zone

    Zone.objects.all().delete()
    seen.add(check("/api/v1/zone/", "404", client.get("/api/v1/zone/")))

    public = {(path, status) for path, status in _documented(document) if "statistics" not in path}
    public = {(path, status) for path, status in public if not path.startswith("/api/v1/dispatch")}
    # The BIN areas' answers are checked the same way in tests/test_api_bins.py.
    public = {(path, status) for path, status in public if not path.startswith("/api/v1/bins")}
    assert public == seen


@pytest.mark.django_db
def test_the_documentation_page_shows_every_endpoint(client, zone, document):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for path in document["paths"]:
        assert path in html
    # No Swagger UI: nothing from a CDN, no script of its own.
    assert "<script" not in html.split("<main", 1)[-1].split("</main>")[0]


@pytest.mark.django_db
def test_the_api_root_leads_to_the_documentation(client):
    response = client.get("/api/v1/")

    assert (response.status_code, response["Location"]) == (302, "/api/v1/docs/")


def test_the_document_is_json(client, db):
    assert json.loads(client.get("/api/v1/openapi.json").content)["info"]["title"] == "Nabuur API"
