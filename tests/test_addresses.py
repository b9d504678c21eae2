import pytest

from nabuur.zones.addresses import ParsedAddress, parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kerkstraat 12", ParsedAddress(street="kerkstraat", number=12)),
        ("Kerkstraat 12A", ParsedAddress(street="kerkstraat", number=12, letter="A")),
        ("Kerkstraat 12 a", ParsedAddress(street="kerkstraat", number=12, letter="A")),
        ("Kerkstraat 12 bus 3", ParsedAddress(street="kerkstraat", number=12, box="3")),
        ("Kerkstraat 12/3", ParsedAddress(street="kerkstraat", number=12, box="3")),
        ("Kerkstraat 12 b3", ParsedAddress(street="kerkstraat", number=12, box="3")),
        ("Kerkstraat 12 bte 3", ParsedAddress(street="kerkstraat", number=12, box="3")),
        (
            "Kerkstraat 12A bus 3",
            ParsedAddress(street="kerkstraat", number=12, letter="A", box="3"),
        ),
        ("Kerkstraat nr. 12", ParsedAddress(street="kerkstraat", number=12)),
        ("kerkstr. 12", ParsedAddress(street="kerkstraat", number=12)),
        ("Kerk str 12", ParsedAddress(street="kerk straat", number=12)),
        ("Prins Boudewijnln. 4", ParsedAddress(street="prins boudewijnlaan", number=4)),
        ("Mechelsestwg. 10", ParsedAddress(street="mechelsesteenweg", number=10)),
        ("Gemeentepl 1", ParsedAddress(street="gemeenteplein", number=1)),
        ("av. de la Liberté 3", ParsedAddress(street="avenue de la liberte", number=3)),
        ("bd Léopold II 3", ParsedAddress(street="boulevard leopold ii", number=3)),
        ("pl. Simonis 2", ParsedAddress(street="place simonis", number=2)),
        ("12 rue de l'Église", ParsedAddress(street="rue de l eglise", number=12)),
        ("Rue de l'Eglise 5 boîte 2", ParsedAddress(street="rue de l eglise", number=5, box="2")),
        ("Rue du 11 Novembre 5", ParsedAddress(street="rue du 11 novembre", number=5)),
        (
            "Kerkstraat 12, 2650 Edegem",
            ParsedAddress(street="kerkstraat", number=12, postcode="2650", locality="edegem"),
        ),
        (
            "Kerkstraat 12 2650 Edegem",
            ParsedAddress(street="kerkstraat", number=12, postcode="2650", locality="edegem"),
        ),
        ("Kerkstraat 12, Edegem", ParsedAddress(street="kerkstraat", number=12, locality="edegem")),
        ("Kerkstraat 12 2650", ParsedAddress(street="kerkstraat", number=12, postcode="2650")),
        ("Kerkstraat 12, 2650", ParsedAddress(street="kerkstraat", number=12, postcode="2650")),
        # Four digits alone after a comma are the postcode, never the house number.
        ("Kerkstraat, 2650", ParsedAddress(street="kerkstraat", postcode="2650")),
        ("Kerkstraat 1200", ParsedAddress(street="kerkstraat", number=1200)),
        ("2650", ParsedAddress(postcode="2650")),
        ("2650 Edegem", ParsedAddress(postcode="2650", locality="edegem")),
        ("Edegem", ParsedAddress(street="edegem")),
        ("Rhode-Saint-Genèse", ParsedAddress(street="rhode saint genese")),
        ("  KERKSTRAAT\t12\n", ParsedAddress(street="kerkstraat", number=12)),
        ("Kerk\x00straat\x07 12", ParsedAddress(street="kerk straat", number=12)),
        ("Кирилл 12", ParsedAddress(street="кирилл", number=12)),
        ("12", ParsedAddress()),
        ("", ParsedAddress()),
        ("   ", ParsedAddress()),
        ("x" * 201, ParsedAddress()),
    ],
)
def test_parse_address(text, expected):
    assert parse_address(text) == expected


def test_parse_address_accepts_anything_without_raising():
    for value in (None, 12, "\u202e\u200b", "東京", "💥" * 50, ",,,", "/ / /", "bus 3"):
        assert isinstance(parse_address(value), ParsedAddress)


def test_empty_parse_is_empty():
    assert parse_address("").is_empty
    assert not parse_address("2650").is_empty
