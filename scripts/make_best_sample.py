"""Generate nabuur/zones/data/best-sample.csv: a small, fictional BeSt Address file.

Usage: python scripts/make_best_sample.py

The file has the exact format of the BeSt Address CSV files (openaddress-be*.csv) and covers
the demo zone's municipalities: Aartselaar, Edegem, Hove, Kontich, Lint (Dutch) and Koekelberg
(bilingual). Street names are real or invented; numbers, ids and coordinates are made up. The
generator is seeded, so running it again gives the same file.

What it exercises: numbers 1..N on both sides, letters (12A), boxes, retired addresses (above
the street's last current number, so an import that kept them would be visible), the same
street name in several municipalities, and French/Dutch names in Brussels.
"""

import csv
import random
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "nabuur" / "zones" / "data" / "best-sample.csv"
SEED = 2630

COLUMNS = [
    "EPSG:31370_x",
    "EPSG:31370_y",
    "EPSG:4326_lat",
    "EPSG:4326_lon",
    "address_id",
    "box_number",
    "house_number",
    "municipality_id",
    "municipality_name_de",
    "municipality_name_fr",
    "municipality_name_nl",
    "postcode",
    "postname_fr",
    "postname_nl",
    "street_id",
    "streetname_de",
    "streetname_fr",
    "streetname_nl",
    "region_code",
    "status",
]

# (NIS, Dutch name, French name, postcode, region, Lambert x, Lambert y, lat, lon, streets)
# Flemish streets are Dutch names; Koekelberg streets are (Dutch, French) pairs.
MUNICIPALITIES = [
    (
        "11001", "Aartselaar", "", "2630", "BE-VLG", 150200.0, 203100.0, 51.1340, 4.3850,
        [
            "Kerkstraat", "Kapelstraat", "Boomsesteenweg", "Cleydaellaan", "Dijkstraat",
            "Groeningenlei", "Helstraat", "Kleistraat", "Langlaarsteenweg", "Leon Gilliotlaan",
            "Oudestraat", "Pastorijstraat", "Reetsesteenweg", "Steenwinkelstraat",
        ],
    ),
    (
        "11013", "Edegem", "", "2650", "BE-VLG", 153900.0, 206200.0, 51.1560, 4.4440,
        [
            "Kerkstraat", "Nieuwe Kerkstraat", "Prins Boudewijnlaan", "Drie Eikenstraat",
            "Stationsstraat", "Mechelsesteenweg", "Kontichstraat", "Hovestraat",
            "Oude Godstraat", "Elsdonkstraat", "Strijdersstraat", "Jan Verbertlei",
            "Terlindenhofstraat", "Ter Heydelaan", "Buizegemlei", "Kattenbroek",
            "Baron de Celleslaan", "Fortstraat", "Heilig Hartlaan", "Gemeenteplein",
        ],
    ),
    (
        "11021", "Hove", "", "2540", "BE-VLG", 155600.0, 204300.0, 51.1540, 4.4650,
        [
            "Molenstraat", "Boechoutsesteenweg", "Lindenlei", "Kapelstraat", "Gemeenteplein",
            "Mortselsesteenweg", "Beukenlaan", "Eikenlaan", "Hovenierstraat", "Oude Lierbaan",
            "Sint-Laurentiuslaan", "Meidoornlaan", "Statielei",
        ],
    ),
    (
        "11024", "Kontich", "", "2550", "BE-VLG", 153300.0, 201200.0, 51.1340, 4.4470,
        [
            "Kerkstraat", "Stationsstraat", "Mechelsesteenweg", "Antwerpsesteenweg",
            "Duffelsesteenweg", "Edegemsesteenweg", "Koningin Astridlaan", "Kazernestraat",
            "Prins Boudewijnlaan", "Mussenhoevelaan", "Pierstraat", "Reepstraat",
            "Sint-Martinusstraat", "Waarloosveld", "Magdalenastraat", "Rooienberg",
            "Veldstraat", "Bist",
        ],
    ),
    (
        "11025", "Lint", "", "2547", "BE-VLG", 157000.0, 200100.0, 51.1270, 4.4950,
        [
            "Molenstraat", "Kontichsesteenweg", "Duffelsesteenweg", "Kerkhofstraat",
            "Schoolstraat", "Hovestraat", "Boterlaarstraat", "Processieweg", "Lispersteenweg",
            "Frans Lenaertsstraat", "Tuinwijk", "Vlinderstraat", "Koning Albertstraat",
        ],
    ),
    (
        "21011", "Koekelberg", "Koekelberg", "1081", "BE-BRU", 146200.0, 172300.0, 50.8620, 4.3260,
        [
            ("Kerkstraat", "Rue de l'Église"),
            ("Vrijheidslaan", "Avenue de la Liberté"),
            ("Basiliekvoorplein", "Parvis de la Basilique"),
            ("Koning Albertlaan", "Avenue du Roi Albert"),
            ("Leopold II-laan", "Boulevard Léopold II"),
            ("Stationsstraat", "Rue de la Gare"),
            ("Molenstraat", "Rue du Moulin"),
            ("Simonisplein", "Place Simonis"),
            ("Schoolstraat", "Rue de l'École"),
            ("Kasteelstraat", "Rue du Château"),
            ("Bloemenstraat", "Rue des Fleurs"),
            ("Ganshorensesteenweg", "Chaussée de Ganshoren"),
            ("Jetsesteenweg", "Chaussée de Jette"),
            ("Sint-Janstraat", "Rue Saint-Jean"),
        ],
    ),
]  # fmt: skip


def addresses(rng, last_number):
    """(house_number, box_number, status) rows of one street."""
    for number in range(1, last_number + 1):
        roll = rng.random()
        if roll < 0.04:
            # An apartment building: one row per box, none for the building itself.
            for box in range(1, rng.randint(2, 5) + 1):
                yield str(number), str(box), "current"
        else:
            yield str(number), "", "current"
        if rng.random() < 0.04:
            yield f"{number}A", "", "current"
    # Demolished houses beyond today's last number.
    for number in range(last_number + 1, last_number + 1 + rng.randint(0, 3)):
        yield str(number), "", "retired"


def rows(rng):
    address_id = 3_100_000
    street_id = 610_000
    for nis, name_nl, name_fr, postcode, region, x0, y0, lat0, lon0, streets in MUNICIPALITIES:
        for index, street in enumerate(streets):
            street_nl, street_fr = street if isinstance(street, tuple) else (street, "")
            street_id += rng.randint(1, 40)
            dx, dy = rng.uniform(-1500, 1500), rng.uniform(-1500, 1500)
            for house_number, box_number, status in addresses(rng, rng.randint(8, 60)):
                address_id += 1
                step = int("".join(ch for ch in house_number if ch.isdigit())) * 6.5
                x, y = x0 + dx + step, y0 + dy + index * 3.0
                yield [
                    f"{x:.5f}",
                    f"{y:.5f}",
                    f"{lat0 + (y - y0) / 111_000:.5f}",
                    f"{lon0 + (x - x0) / 70_000:.5f}",
                    str(address_id),
                    box_number,
                    house_number,
                    nis,
                    "",
                    name_fr,
                    name_nl,
                    postcode,
                    name_fr,
                    name_nl,
                    str(street_id),
                    "",
                    street_fr,
                    street_nl,
                    region,
                    status,
                ]


def main():
    rng = random.Random(SEED)
    with OUTPUT.open("w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(COLUMNS)
        count = 0
        for row in rows(rng):
            writer.writerow(row)
            count += 1
    print(f"Wrote {count} addresses to {OUTPUT}")


if __name__ == "__main__":
    main()
