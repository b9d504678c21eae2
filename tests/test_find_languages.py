"""The finder is a zone-wide page: it speaks the zone's public languages, like the home page."""

import pytest
from django.utils import translation

from nabuur.lib.languages import LanguageRegime

from . import factories


@pytest.fixture(autouse=True)
def forget_the_request_language():
    """A request leaves its language active in the thread; tests that follow (such as
    reverse() assertions in tests/test_find_page.py) expect the default language."""
    yield
    translation.deactivate()


@pytest.fixture
def brussels_municipality(zone):
    return factories.MunicipalityFactory(
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_the_finder_of_a_flemish_zone_redirects_to_dutch_keeping_the_search(
    client, municipality, language
):
    response = client.get(f"/{language}/find/", {"q": "Kerkstraat 12"})

    assert response.status_code == 302
    assert response.url == "/nl/find/?q=Kerkstraat+12"


def test_the_finder_of_a_flemish_zone_answers_in_dutch(client, municipality):
    response = client.get("/nl/find/", {"q": "Kerkstraat 12"})

    assert response.status_code == 200
    assert '<html lang="nl">' in response.text


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_finder_of_a_zone_with_a_brussels_municipality_answers_in_dutch_and_french(
    client, municipality, brussels_municipality, language
):
    response = client.get(f"/{language}/find/")

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text


def test_the_finder_of_a_zone_with_a_brussels_municipality_redirects_german_to_dutch(
    client, municipality, brussels_municipality
):
    response = client.get("/de/find/")

    assert response.status_code == 302
    assert response.url == "/nl/find/"
