import json
from pathlib import Path

import pytest

from nabuur.messaging.guardrails import check, iban_is_valid, national_number_is_valid

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
