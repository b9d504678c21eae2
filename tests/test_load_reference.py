import json

import pytest
from django.core.management import call_command

from nabuur.lib.languages import LanguageRegime
from nabuur.zones.models import Municipality, Postcode
from nabuur.zones.services import REFERENCE_FILE, load_reference

from .factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def test_reference_file_holds_every_municipality_with_its_postcodes():
    rows = json.loads(REFERENCE_FILE.read_text("utf-8"))

    assert len(rows) == 565
    assert sum(len(row["postcodes"]) for row in rows) == 1152
    by_name = {row["nl"]: row for row in rows}
    assert by_name["Edegem"] == {
        "nis": "11013",
        "nl": "Edegem",
        "fr": "Edegem",
        "de": "",
        "regime": "nl",
        "postcodes": ["2650"],
    }
    assert by_name["Brussel"]["de"] == "Brüssel"
    assert by_name["Brussel"]["regime"] == "nl+fr"
    assert by_name["Namen"]["regime"] == "fr"
    assert by_name["Sankt Vith"]["de"] == "Sankt Vith"
    assert by_name["Sint-Genesius-Rode"]["fr"] == "Rhode-Saint-Genèse"


def test_reference_file_regimes():
    rows = json.loads(REFERENCE_FILE.read_text("utf-8"))
    german = sorted(row["nl"] for row in rows if row["regime"] == "de+fr")
    facilities = sorted(row["nl"] for row in rows if row["regime"] == "nl-first")

    assert german == [
        "Amel",
        "Burg-Reuland",
        "Büllingen",
        "Bütgenbach",
        "Eupen",
        "Kelmis",
        "Lontzen",
        "Raeren",
        "Sankt Vith",
    ]
    assert facilities == [
        "Bever",
        "Drogenbos",
        "Herstappe",
        "Kraainem",
        "Linkebeek",
        "Mesen",
        "Ronse",
        "Sint-Genesius-Rode",
        "Spiere-Helkijn",
        "Voeren",
        "Wemmel",
        "Wezembeek-Oppem",
    ]
    assert sum(row["regime"] == "nl+fr" for row in rows) == 19
    assert sorted(row["fr"] for row in rows if row["regime"] == "fr-nl") == [
        "Comines-Warneton",
        "Enghien",
        "Flobecq",
        "Mouscron",
    ]
    assert sorted(row["fr"] for row in rows if row["regime"] == "fr-de") == ["Malmedy", "Waimes"]


def test_load_reference_creates_municipalities_and_postcodes():
    call_command("load_reference")

    assert Municipality.objects.count() == 565
    assert Postcode.objects.count() == 1152
    eupen = Municipality.objects.get(nis_code="63023")
    assert (eupen.name_nl, eupen.name_fr, eupen.name_de) == ("Eupen", "Eupen", "Eupen")
    assert eupen.language_regime == LanguageRegime.GERMAN_AND_FRENCH
    assert eupen.zone is None
    assert list(
        Postcode.objects.filter(municipality__nis_code="11024").values_list("code", flat=True)
    ) == ["2550"]


def test_load_reference_twice_changes_nothing():
    first = load_reference()
    second = load_reference()

    assert (first.municipalities_created, first.postcodes_created) == (565, 1152)
    assert (second.municipalities_created, second.municipalities_updated) == (0, 0)
    assert second.postcodes_created == 0
    assert Municipality.objects.count() == 565


def test_load_reference_keeps_zone_and_regime_and_fixes_names(zone):
    edegem = MunicipalityFactory(
        nis_code="11013",
        name_nl="Edegem (oud)",
        name_fr="Edegem",
        zone=zone,
        language_regime=LanguageRegime.FACILITIES_DUTCH_FIRST,
    )
    eupen = MunicipalityFactory(nis_code="63023", name_nl="Eupen", name_fr="Eupen", name_de="Eupen")

    report = load_reference()

    edegem.refresh_from_db()
    assert edegem.name_nl == "Edegem"
    assert edegem.zone == zone
    assert edegem.language_regime == LanguageRegime.FACILITIES_DUTCH_FIRST
    eupen.refresh_from_db()
    assert eupen.language_regime == LanguageRegime.DUTCH
    assert (report.municipalities_created, report.municipalities_updated) == (563, 1)
