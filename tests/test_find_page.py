import pytest
from django.urls import reverse

from nabuur.networks.models import Side

from .factories import (
    MunicipalityFactory,
    NetworkFactory,
    PostcodeFactory,
    SearchableStreetFactory,
    SegmentFactory,
)
from .i18n import nl

pytestmark = pytest.mark.django_db


@pytest.fixture
def kerkstraat(municipality):
    PostcodeFactory(code="2650", municipality=municipality)
    return SearchableStreetFactory(municipality=municipality, name_nl="Kerkstraat", postcode="2650")


# The finder speaks the zone's public languages: the test zone is Flemish, so Dutch.
def get(client, query=None, language="nl"):
    url = f"/{language}/find/"
    return client.get(url, {"q": query} if query is not None else {})


def test_url_name():
    assert reverse("public:find") == "/nl/find/"


def test_empty_form_shows_label_and_hint(client):
    response = get(client)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<label for="finder-q">{nl("Your address")}</label>' in html
    # A zone without BINs has no address to give as an example.
    assert (
        f'<p id="finder-hint" class="hint">{nl("Street and number, postcode or municipality.")}</p>'
        in html
    )
    assert 'aria-describedby="finder-hint"' in html
    assert 'role="status"' not in html
    assert "style=" not in html
    assert "<script" not in html


def test_the_hints_give_an_address_of_a_bin_of_the_sites_zone(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, side=Side.EVEN)
    html = get(client).content.decode()
    hint = nl(
        "Street and number, postcode or municipality. For example: %(example)s.",
        example="Kerkstraat 2, 2650 Edegem",
    )
    assert f'<p id="finder-hint" class="hint">{hint}</p>' in html
    unknown = get(client, "Кирилл 12").content.decode()
    assert (
        nl(
            "We could not find this street. Check the spelling, or add the postcode, for "
            "example: %(example)s.",
            example="Kerkstraat 2, 2650",
        )
        in unknown
    )


def test_found_lists_the_bins_with_links(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, side=Side.EVEN)

    response = get(client, "Kerkstraat 12A")

    html = response.content.decode()
    assert nl("This address is in the area of this BIN:") in html
    assert '<a href="/nl/bin/centrum/">BIN Centrum</a>' in html
    assert response.context["result"].networks == [bin_a]


def test_no_bin_here_names_the_zone_to_contact(client, kerkstraat, bin_a, zone):
    SegmentFactory(network=bin_a, street=kerkstraat, side=Side.EVEN)

    html = get(client, "Kerkstraat 13").content.decode()

    assert (
        nl(
            "No BIN covers %(street)s %(number)s in %(municipality)s yet.",
            street="Kerkstraat",
            number=13,
            municipality="Edegem",
        )
        in html
    )
    assert (
        nl(
            "%(zone)s can tell you whether a BIN is planned in your "
            "neighbourhood, or help you start one.",
            zone="Politiezone Test",
        )
        in html
    )
    assert '<a href="mailto:info@pz-test.example">info@pz-test.example</a>' in html
    assert "BIN Centrum" not in html


def test_ambiguous_street_offers_each_candidate(client, kerkstraat, zone):
    kontich = MunicipalityFactory(nis_code="11024", name_nl="Kontich", zone=zone)
    SearchableStreetFactory(municipality=kontich, name_nl="Kerkstraat", postcode="2550")

    html = get(client, "Kerkstraat 12").content.decode()

    assert nl("Several streets match what you typed. Choose yours:") in html
    assert '<a href="?q=Kerkstraat+12%2C+2650+Edegem">Kerkstraat, 2650 Edegem</a>' in html
    assert '<a href="?q=Kerkstraat+12%2C+2550+Kontich">Kerkstraat, 2550 Kontich</a>' in html


def test_number_needed(client, kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, number_to=10)

    html = get(client, "kerkstraat").content.decode()

    assert (
        nl(
            "Please add your house number to %(street)s (%(municipality)s): a BIN often covers "
            "only part of a street.",
            street="Kerkstraat",
            municipality="Edegem",
        )
        in html
    )
    assert '<a href="/nl/bin/centrum/">BIN Centrum</a>' in html


def test_unknown_street(client, kerkstraat):
    html = get(client, "Кирилл 12").content.decode()

    assert nl("We could not find this street. Check the spelling, or add the postcode.") in html


def test_postcode_and_municipality_list_the_bins(client, kerkstraat, bin_a, bin_b):
    for query in ("2650", "edegem"):
        html = get(client, query).content.decode()
        assert (
            nl(
                "BINs in %(place)s. To know which one covers your home, type your street and "
                "house number.",
                place="Edegem",
            )
            in html
        )
        assert '<a href="/nl/bin/centrum/">BIN Centrum</a>' in html
        assert '<a href="/nl/bin/elsdonk/">BIN Elsdonk</a>' in html


def test_unknown_postcode(client):
    html = get(client, "9999").content.decode()

    assert (
        nl(
            "We do not know this postcode or municipality. Check it, or type your street and "
            "house number."
        )
        in html
    )


def test_too_long_input_is_announced(client):
    response = get(client, "x" * 201)

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["result"] is None
    assert 'id="finder-error" class="error" role="alert"' in html
    assert 'aria-describedby="finder-hint finder-error" aria-invalid="true"' in html


def test_empty_query_is_announced(client):
    html = get(client, "").content.decode()

    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html


def test_unusable_query_explains_what_to_type(client):
    html = get(client, "!!!").content.decode()

    assert nl("Type a street and house number, a postcode or a municipality.") in html


def test_page_in_dutch(client):
    response = get(client, language="nl")

    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "nl"


@pytest.mark.parametrize("count", [1, 3])
def test_query_count(client, municipality, django_assert_max_num_queries, count):
    street = SearchableStreetFactory(municipality=municipality, name_nl="Kerkstraat")
    for _ in range(count):
        SegmentFactory(network=NetworkFactory(municipality=municipality), street=street)

    # The search, its zone and BINs, and one for the hint's example address of the zone.
    with django_assert_max_num_queries(5):
        response = get(client, "Kerkstraat 5")

    assert len(response.context["result"].networks) == count
