"""Precision and recall of the guardrails on a labelled corpus of realistic BIN messages.

`tests/data/guardrail_corpus/` holds two halves written by hand: `heldout.jsonl` was written
before the address, name and patrol rules were tuned and was never used to tune them;
`tuning.jsonl` is the half the rules were tuned on. Each line is a message with its language
and the kinds of finding it must get (none for an allowed message). Every message is checked
against the zone of `zone.json`: its streets, its numbers and the people who may sign.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from nabuur.messaging.guardrails import FINDING_LABELS, check
from nabuur.zones.services import street_search_names

from . import factories

CORPUS = Path(__file__).parent / "data" / "guardrail_corpus"
ZONE_DATA = json.loads((CORPUS / "zone.json").read_text(encoding="utf-8"))
# The kinds of this corpus: messages that name them may not be sent.
KINDS = ("address", "name", "patrol")
MIN_RECALL = 0.95
MIN_PRECISION = 0.9


def read(half):
    lines = (CORPUS / f"{half}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def corpus_zone(db):
    zone = factories.ZoneFactory(phone=ZONE_DATA["phone"], email=ZONE_DATA["email"])
    municipality = factories.MunicipalityFactory(zone=zone)
    for name_nl, name_fr, name_de in ZONE_DATA["streets"]:
        factories.StreetFactory(
            municipality=municipality,
            name_nl=name_nl,
            name_fr=name_fr,
            name_de=name_de,
            search_names=street_search_names(name_nl, name_fr, name_de),
        )
    return zone


def scores(rows, zone):
    """{kind: (true positives, false positives, false negatives)} and the misses, by message."""
    counts = {kind: Counter() for kind in FINDING_LABELS}
    mistakes = []
    for row in rows:
        findings = check(
            row["text"], row["language"], zone=zone, allowed_names=ZONE_DATA["allowed_names"]
        )
        found = {finding.kind for finding in findings}
        expected = set(row["labels"])
        for kind in FINDING_LABELS:
            if kind in found and kind in expected:
                counts[kind]["tp"] += 1
            elif kind in found:
                counts[kind]["fp"] += 1
            elif kind in expected:
                counts[kind]["fn"] += 1
        if found != expected:
            texts = [(f.kind, f.text) for f in findings]
            mistakes.append(
                f"{row['language']}: {row['text']!r} expected {sorted(expected)}, got {texts}"
            )
    return counts, mistakes


def report(counts):
    """Lines of precision and recall per kind, and the kinds below the bar."""
    lines, failing = [], []
    for kind, count in counts.items():
        tp, fp, fn = count["tp"], count["fp"], count["fn"]
        if not tp + fp + fn:
            continue
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        lines.append(
            f"{kind:16} precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})"
        )
        if precision < MIN_PRECISION or recall < MIN_RECALL:
            failing.append(kind)
    return lines, failing


def assert_meets_the_bar(half, zone, capsys, *, show_mistakes=False):
    counts, mistakes = scores(read(half), zone)
    lines, failing = report(counts)
    with capsys.disabled():
        print(f"\nGuardrail corpus, {half} half:\n" + "\n".join(lines))
        if show_mistakes:
            print("\n".join(mistakes))
    assert failing == [], "\n".join(lines + ["", *mistakes])


def test_the_corpus_is_large_enough_and_its_halves_apart():
    heldout, tuning = read("heldout"), read("tuning")
    assert len(heldout) + len(tuning) >= 300
    assert not {row["text"] for row in heldout} & {row["text"] for row in tuning}
    for half in (heldout, tuning):
        for language in ("nl", "fr", "de"):
            rows = [row for row in half if row["language"] == language]
            labels = Counter(label for row in rows for label in row["labels"])
            assert set(labels) == set(KINDS), (language, labels)
            assert sum(1 for row in rows if not row["labels"]) >= 15, language
    assert {label for row in heldout + tuning for label in row["labels"]} <= set(KINDS)


def test_held_out_half_meets_precision_and_recall(corpus_zone, capsys):
    assert_meets_the_bar("heldout", corpus_zone, capsys)


def test_tuning_half_meets_precision_and_recall(corpus_zone, capsys):
    # The tuning half's mistakes are shown so the rules can be tuned on them (never the other's).
    assert_meets_the_bar("tuning", corpus_zone, capsys, show_mistakes=True)
