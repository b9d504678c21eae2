"""Pages speak only the languages of their area's language regime."""

import pytest

from nabuur.lib.languages import LanguageRegime

from . import factories


@pytest.fixture
def brussels_bin(zone):
    """A BIN in a Brussels-style (nl+fr) municipality of the same zone."""
    municipality = factories.MunicipalityFactory(
        nis_code="21001",
        name_nl="Anderlecht",
        name_fr="Anderlecht",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    return factories.NetworkFactory(municipality=municipality, name="BIN Veeweide", slug="veeweide")


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_a_flemish_bin_page_redirects_to_dutch(client, bin_a, language):
    response = client.get(f"/{language}/bin/centrum/")
    assert response.status_code == 302
    assert response.url == "/nl/bin/centrum/"


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_zone_pages_of_a_flemish_zone_redirect_to_dutch(client, bin_a, language):
    for path in ("", "house-rules/", "privacy/", "accessibility/"):
        response = client.get(f"/{language}/{path}")
        assert response.status_code == 302, path
        assert response.url == f"/nl/{path}"


def test_the_redirect_keeps_the_query_string(client, bin_a):
    response = client.get("/fr/?ref=poster")
    assert response.url == "/nl/?ref=poster"


def test_without_any_zone_the_site_speaks_dutch(client, db):
    response = client.get("/fr/accessibility/")
    assert response.status_code == 302
    assert response.url == "/nl/accessibility/"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_brussels_bin_page_is_served_in_dutch_and_french(client, brussels_bin, language):
    response = client.get(f"/{language}/bin/veeweide/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text


def test_a_brussels_bin_page_is_not_served_in_german(client, brussels_bin):
    response = client.get("/de/bin/veeweide/")
    assert response.status_code == 302
    assert response.url == "/nl/bin/veeweide/"


def test_the_switcher_offers_the_page_languages_only(client, bin_a, brussels_bin):
    html = client.get("/fr/bin/veeweide/").text
    assert '<li><a href="/nl/bin/veeweide/" lang="nl" hreflang="nl">Nederlands</a></li>' in html
    assert (
        '<li><a href="/fr/bin/veeweide/" lang="fr" hreflang="fr" aria-current="true">'
        "Français</a></li>"
    ) in html
    assert 'hreflang="de"' not in html
    assert 'hreflang="en"' not in html


def test_a_dutch_only_bin_page_has_no_switcher_in_a_mixed_zone(client, bin_a, brussels_bin):
    # The zone speaks nl and fr, but BIN A's municipality speaks only Dutch.
    assert client.get("/fr/").status_code == 200
    response = client.get("/fr/bin/centrum/")
    assert response.url == "/nl/bin/centrum/"
    html = client.get("/nl/bin/centrum/").text
    assert 'class="language-switcher"' not in html


def test_zone_pages_of_a_mixed_zone_switch_between_its_languages(client, bin_a, brussels_bin):
    html = client.get("/nl/house-rules/").text
    assert '<a href="/fr/house-rules/" lang="fr" hreflang="fr">Français</a>' in html
    assert '<link rel="alternate" hreflang="fr" href="/fr/house-rules/">' in html


def test_a_german_speaking_zone_serves_german_and_french(client, db):
    zone = factories.ZoneFactory(slug="pz-eifel", name="Polizeizone Eifel")
    factories.MunicipalityFactory(
        nis_code="63087", name_nl="Sankt Vith", zone=zone, language_regime="de+fr"
    )
    assert client.get("/nl/").url == "/de/"
    assert client.get("/de/").status_code == 200
    assert client.get("/fr/").status_code == 200


@pytest.mark.parametrize(
    ("nis", "name", "regime", "official", "facility", "other"),
    [
        ("57096", "Mouscron", LanguageRegime.FRENCH_WITH_DUTCH, "fr", "nl", "de"),
        ("63049", "Malmedy", LanguageRegime.FRENCH_WITH_GERMAN, "fr", "de", "nl"),
        ("23009", "Bever", LanguageRegime.FACILITIES_DUTCH_FIRST, "nl", "fr", "de"),
    ],
)
def test_a_bin_page_with_facilities_speaks_the_official_language_first(
    client, db, nis, name, regime, official, facility, other
):
    zone = factories.ZoneFactory(slug=f"pz-{nis}")
    municipality = factories.MunicipalityFactory(
        nis_code=nis, name_nl=name, zone=zone, language_regime=regime
    )
    factories.NetworkFactory(municipality=municipality, slug="centre")

    assert client.get(f"/{other}/bin/centre/").url == f"/{official}/bin/centre/"
    assert client.get("/en/").url == f"/{official}/"
    for language in (official, facility):
        response = client.get(f"/{language}/bin/centre/")
        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.text
