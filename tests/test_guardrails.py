import json
from pathlib import Path

import pytest
from django.utils import translation

from nabuur.messaging.guardrails import (
    FINDING_LABELS,
    check,
    iban_is_valid,
    national_number_is_valid,
)
from nabuur.zones.services import street_search_names

from . import factories

CORPUS = json.loads((Path(__file__).parent / "data" / "guardrails_corpus.json").read_text())
ZONE = factories.ZoneFactory.build(phone="03 000 00 00", email="info@pz-test.example")


def cases(label):
    return [
        pytest.param(language, sentence, id=f"{language}-{index}")
        for language, sets in CORPUS.items()
        for index, sentence in enumerate(sets[label])
    ]


def test_the_corpus_has_thirty_of_each_label_per_language():
    assert {lang: (len(s["flag"]), len(s["pass"])) for lang, s in CORPUS.items()} == dict.fromkeys(
        ("nl", "fr", "de", "en"), (30, 30)
    )


@pytest.mark.parametrize(("language", "sentence"), cases("flag"))
def test_sentence_is_flagged(language, sentence):
    assert check(sentence, language, zone=ZONE) != []


@pytest.mark.parametrize(("language", "sentence"), cases("pass"))
def test_sentence_passes(language, sentence):
    assert check(sentence, language, zone=ZONE) == []


def test_findings_name_the_kind_and_the_words():
    findings = check("Bel 0470 12 34 56 over de wagen 1-ABC-123.", "nl")
    assert [(f.kind, f.text) for f in findings] == [
        ("phone", "0470 12 34 56"),
        ("plate", "1-ABC-123"),
    ]


def test_the_zones_own_number_and_101_112_are_allowed():
    assert check("Bel 03 000 00 00, 101 of 112.", "nl", zone=ZONE) == []
    assert [f.kind for f in check("Bel 03 000 00 01.", "nl", zone=ZONE)] == ["phone"]


def test_checksums():
    assert national_number_is_valid("85073003328")
    assert not national_number_is_valid("85073003329")
    # Born in 2000 or later: the checksum counts a leading 2.
    assert national_number_is_valid("00010100105")
    assert iban_is_valid("BE68 5390 0754 7034")
    assert not iban_is_valid("BE69 5390 0754 7034")


# --- Addresses, names and patrols (issue 16) -------------------------------------------------


@pytest.fixture
def zone_with_streets(db):
    zone = factories.ZoneFactory(phone="03 000 00 00", email="info@pz-test.example")
    municipality = factories.MunicipalityFactory(zone=zone)
    for name_nl, name_fr in [
        ("Kerkstraat", "Rue de l'Église"),
        ("Jan Van Rijswijcklaan", ""),
        ("Meir", ""),
    ]:
        factories.StreetFactory(
            municipality=municipality,
            name_nl=name_nl,
            name_fr=name_fr,
            search_names=street_search_names(name_nl, name_fr),
        )
    return zone


def kinds_and_texts(text, language="nl", **kwargs):
    return [(f.kind, f.text) for f in check(text, language, **kwargs)]


def test_the_issues_suspect_is_flagged_by_name_and_address(zone_with_streets):
    assert kinds_and_texts("Verdachte: Jan Peeters, Kerkstraat 12", zone=zone_with_streets) == [
        ("name", "Jan Peeters"),
        ("address", "Kerkstraat 12"),
    ]


def test_the_issues_night_patrol_is_flagged():
    assert kinds_and_texts("nachtelijke patrouille, verzamelen om 22u") == [
        ("patrol", "nachtelijke patrouille"),
        ("patrol", "verzamelen om 22u"),
    ]


def test_a_street_of_the_zone_without_a_suffix_and_the_french_order_are_addresses(
    zone_with_streets,
):
    assert kinds_and_texts("Inbraak aan Meir 102.", zone=zone_with_streets) == [
        ("address", "Meir 102")
    ]
    assert kinds_and_texts("Inbraak in de Kerkstraat 12 en 14.", zone=zone_with_streets) == [
        ("address", "Kerkstraat 12")
    ]
    assert kinds_and_texts("Cambriolage au 12, rue de l'Église.", "fr", zone=zone_with_streets) == [
        ("address", "12, rue de l'Église")
    ]


def test_a_street_without_number_a_count_and_a_venue_are_not_addresses(zone_with_streets):
    for text in (
        "In de Kerkstraat werden drie fietsen gestolen.",
        "In de Kerkstraat 3 inbraken op één week.",
        "Kerkstraat 10 tot 50: de ophaling verschuift.",
        "Het infomoment gaat door in de parochiezaal, Kerkstraat 12.",
    ):
        assert check(text, "nl", zone=zone_with_streets) == [], text


def test_a_street_named_after_a_person_is_not_a_name(zone_with_streets):
    text = "Beste leden van het BIN Jan Van Rijswijcklaan, welkom."
    assert check(text, "nl", zone=zone_with_streets) == []
    assert check("Une séance a lieu à l'école Jean Jaurès.", "fr") == []
    assert check("Fietsdiefstal aan het station van Sint-Jan.", "nl") == []


def test_the_authors_signature_and_the_partners_are_allowed():
    text = "Met vriendelijke groeten, Tom Claes, wijkagent. Vragen? Mevrouw Wouters helpt u."
    assert kinds_and_texts(text) == [("name", "Tom Claes"), ("name", "Mevrouw Wouters")]
    assert check(text, "nl", allowed_names=["Tom Claes", "Els Wouters"]) == []


def test_forms_of_address_are_names_but_not_a_german_description():
    assert kinds_and_texts("Madame Renard a filmé la voiture.", "fr") == [("name", "Madame Renard")]
    assert kinds_and_texts("Laut Frau Heinen waren es zwei.", "de") == [("name", "Frau Heinen")]
    assert check("Eine Frau Anfang 30 klingelte an der Tür.", "de") == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "Wie doet mee met de burgerwacht?"),
        ("nl", "We lopen vanaf volgende week elke avond rondes door de wijk."),
        ("fr", "Nous créons une milice de quartier."),
        ("fr", "Rendez-vous à 23h pour faire le tour du quartier ensemble."),
        ("de", "Wir gründen eine Bürgerwehr."),
        ("de", "Wer geht mit auf Streife?"),
    ],
)
def test_citizens_patrols_are_flagged(language, text):
    assert {f.kind for f in check(text, language)} == {"patrol"}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # The police's own patrols.
        ("nl", "De politie voert deze week extra patrouilles uit."),
        ("nl", "Onze politiepatrouilles zagen een verdacht voertuig."),
        ("fr", "Des patrouilles de police passeront plus souvent."),
        ("de", "Die Polizei fährt zusätzliche Streifen im Viertel."),
        # Prevention texts that say not to patrol.
        ("nl", "Een BIN is geen burgerwacht: ga nooit zelf op patrouille."),
        ("fr", "Les milices privées sont interdites par la loi du 29 juillet 1934."),
        ("de", "Organisieren Sie keine eigenen Streifen."),
        # A meeting in daytime, stripes on a jacket.
        ("nl", "Verzamelen om 14u aan het gemeentehuis voor de preventiewandeling."),
        ("de", "Der Täter trug eine Jacke mit weißen Streifen."),
    ],
)
def test_police_patrols_and_warnings_against_patrols_pass(language, text):
    assert check(text, language) == []


def test_a_check_reads_the_zones_streets_in_one_query(zone_with_streets, django_assert_num_queries):
    with django_assert_num_queries(1):
        check("Jan Peeters, Kerkstraat 12 en Meir 3.", "nl", zone=zone_with_streets)
    factories.StreetFactory(
        municipality=zone_with_streets.municipalities.first(),
        name_nl="Molenstraat",
        search_names="|molenstraat|",
    )
    with django_assert_num_queries(1):
        assert [f.kind for f in check("Molenstraat 4", "nl", zone=zone_with_streets)] == ["address"]


def test_the_new_kinds_have_labels():
    with translation.override("en"):
        labels = {kind: str(FINDING_LABELS[kind]) for kind in ("address", "name", "patrol")}
    assert labels == {
        "address": "house address",
        "name": "personal name",
        "patrol": "patrol or vigilante action",
    }
