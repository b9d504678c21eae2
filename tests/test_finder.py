import pytest

from nabuur.lib.languages import LanguageRegime
from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.networks.models import NetworkStatus, Side

from .factories import (
    MunicipalityFactory,
    NetworkFactory,
    PostcodeFactory,
    SearchableStreetFactory,
    SegmentFactory,
)


@pytest.fixture
def kerkstraat(municipality):
    PostcodeFactory(code="2650", municipality=municipality)
    return SearchableStreetFactory(
        municipality=municipality, name_nl="Kerkstraat", postcode="2650", max_house_number=80
    )


@pytest.fixture
def kontich(zone):
    kontich = MunicipalityFactory(nis_code="11024", name_nl="Kontich", name_fr="Kontich", zone=zone)
    PostcodeFactory(code="2550", municipality=kontich)
    return kontich


@pytest.fixture
def koekelberg(zone):
    koekelberg = MunicipalityFactory(
        nis_code="21011",
        name_nl="Koekelberg",
        name_fr="Koekelberg",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    PostcodeFactory(code="1081", municipality=koekelberg)
    return koekelberg


def names(result):
    return [network.name for network in result.networks]


def find(query):
    result = find_networks(query)
    return result.status, names(result)


@pytest.mark.django_db
def test_even_and_odd_sides_and_ranges(kerkstraat, bin_a, bin_b):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=40, side=Side.EVEN)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=1, number_to=41, side=Side.ODD)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=60, number_to=None)

    assert find("Kerkstraat 2") == (FinderStatus.FOUND, ["BIN Centrum"])
    assert find("Kerkstraat 40") == (FinderStatus.FOUND, ["BIN Centrum"])
    assert find("Kerkstraat 41") == (FinderStatus.FOUND, ["BIN Elsdonk"])
    assert find("Kerkstraat 42") == (FinderStatus.NO_BIN_HERE, [])
    assert find("Kerkstraat 43") == (FinderStatus.NO_BIN_HERE, [])
    assert find("Kerkstraat 60") == (FinderStatus.FOUND, ["BIN Elsdonk"])
    # Open-ended: to the end of the street, even past the last number we know of.
    assert find("Kerkstraat 999") == (FinderStatus.FOUND, ["BIN Elsdonk"])


@pytest.mark.django_db
def test_letters_and_boxes_keep_the_number_side(kerkstraat, bin_a, bin_b):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=20, side=Side.EVEN)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=1, number_to=20, side=Side.ODD)

    for query in ("Kerkstraat 12A", "Kerkstraat 12 bus 3", "Kerkstraat 12/3", "Kerkstraat 12 b3"):
        result = find_networks(query)
        assert (result.status, names(result), result.street) == (
            FinderStatus.FOUND,
            ["BIN Centrum"],
            kerkstraat,
        )
    assert find("kerkstr. 13B") == (FinderStatus.FOUND, ["BIN Elsdonk"])


@pytest.mark.django_db
def test_overlapping_segments_give_both_bins(kerkstraat, bin_a, bin_b):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=30)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=20, number_to=50)
    SegmentFactory(network=bin_b, street=kerkstraat, number_from=24, number_to=28, side=Side.EVEN)

    assert find("Kerkstraat 25") == (FinderStatus.FOUND, ["BIN Centrum", "BIN Elsdonk"])
    assert find("Kerkstraat 26") == (FinderStatus.FOUND, ["BIN Centrum", "BIN Elsdonk"])


@pytest.mark.django_db
def test_only_open_bins_are_found(kerkstraat, bin_a, bin_b, municipality):
    preparing = NetworkFactory(
        municipality=municipality, name="BIN Nieuw", status=NetworkStatus.PREPARATION
    )
    bin_b.status = NetworkStatus.STOPPED
    bin_b.save(update_fields=["status"])
    for network in (bin_a, bin_b, preparing):
        SegmentFactory(network=network, street=kerkstraat)

    assert find("Kerkstraat 5") == (FinderStatus.FOUND, ["BIN Centrum", "BIN Nieuw"])


@pytest.mark.django_db
def test_accents_case_and_abbreviations(municipality, bin_a):
    street = SearchableStreetFactory(municipality=municipality, name_nl="Prins Boudewijnlaan")
    steenweg = SearchableStreetFactory(municipality=municipality, name_nl="Mechelsesteenweg")
    SegmentFactory(network=bin_a, street=street)
    SegmentFactory(network=bin_a, street=steenweg)

    assert find("prins boudewijnln. 7") == (FinderStatus.FOUND, ["BIN Centrum"])
    assert find("PRINS BOUDEWIJNLAAN 7") == (FinderStatus.FOUND, ["BIN Centrum"])
    assert find("Mechelsestwg 3") == (FinderStatus.FOUND, ["BIN Centrum"])


@pytest.mark.django_db
def test_bilingual_street_matches_either_name(koekelberg):
    network = NetworkFactory(municipality=koekelberg, name="RIQ Basilique")
    church = SearchableStreetFactory(
        municipality=koekelberg, name_nl="Kerkstraat", name_fr="Rue de l'Église", postcode="1081"
    )
    SegmentFactory(network=network, street=church)

    for query in (
        "Kerkstraat 3",
        "12 rue de l'Église",
        "Rue de l'Eglise 5 boîte 2",
        "rue de l eglise 5",
    ):
        assert find(query) == (FinderStatus.FOUND, ["RIQ Basilique"])


@pytest.mark.django_db
def test_whole_name_beats_a_longer_name(kerkstraat, bin_a, municipality):
    SearchableStreetFactory(municipality=municipality, name_nl="Nieuwe Kerkstraat")
    SearchableStreetFactory(municipality=municipality, name_nl="Kerkstraatje")
    SegmentFactory(network=bin_a, street=kerkstraat)

    assert find("Kerkstraat 3") == (FinderStatus.FOUND, ["BIN Centrum"])


@pytest.mark.django_db
def test_partial_name_matching_several_streets_asks(kerkstraat, municipality):
    other = SearchableStreetFactory(municipality=municipality, name_nl="Kerkhofstraat")

    result = find_networks("kerk 3")

    assert result.status == FinderStatus.AMBIGUOUS_STREET
    assert result.street_candidates == [other, kerkstraat]


@pytest.mark.django_db
def test_same_street_in_two_municipalities(kerkstraat, kontich, bin_a):
    kontich_street = SearchableStreetFactory(
        municipality=kontich, name_nl="Kerkstraat", postcode="2550"
    )
    kontich_bin = NetworkFactory(municipality=kontich, name="BIN Kontich-Centrum")
    SegmentFactory(network=kontich_bin, street=kontich_street)
    SegmentFactory(network=bin_a, street=kerkstraat)

    result = find_networks("Kerkstraat 12")
    assert result.status == FinderStatus.AMBIGUOUS_STREET
    assert result.street_candidates == [kerkstraat, kontich_street]
    assert result.networks == []
    assert find("Kerkstraat 12, 2550 Kontich") == (FinderStatus.FOUND, ["BIN Kontich-Centrum"])
    assert find("Kerkstraat 12, 2550") == (FinderStatus.FOUND, ["BIN Kontich-Centrum"])
    assert find("Kerkstraat 12, Edegem") == (FinderStatus.FOUND, ["BIN Centrum"])
    # A place name we do not know does not hide the postcode's street.
    assert find("Kerkstraat 12, 2650 Buizegem") == (FinderStatus.FOUND, ["BIN Centrum"])


@pytest.mark.django_db
def test_street_without_number_asks_for_it(kerkstraat, bin_a):
    SegmentFactory(network=bin_a, street=kerkstraat, number_from=1, number_to=10)

    result = find_networks("Kerkstraat")

    assert (result.status, names(result), result.street) == (
        FinderStatus.NUMBER_NEEDED,
        ["BIN Centrum"],
        kerkstraat,
    )


@pytest.mark.django_db
def test_postcode_alone_lists_the_bins_there(kerkstraat, bin_a, bin_b, kontich, municipality):
    NetworkFactory(municipality=kontich, name="BIN Kontich-Centrum")

    result = find_networks("2650")

    assert (result.status, names(result)) == (FinderStatus.AREA, ["BIN Centrum", "BIN Elsdonk"])
    assert result.municipalities == [municipality]
    assert result.zone == municipality.zone


@pytest.mark.django_db
def test_unknown_postcode_is_an_empty_area(kerkstraat):
    result = find_networks("9999")

    assert (result.status, result.networks, result.municipalities) == (FinderStatus.AREA, [], [])


@pytest.mark.django_db
def test_municipality_alone_lists_its_bins(bin_a, bin_b, zone):
    rode = MunicipalityFactory(
        nis_code="23101", name_nl="Sint-Genesius-Rode", name_fr="Rhode-Saint-Genèse", zone=zone
    )
    NetworkFactory(municipality=rode, name="BIN Rode")

    assert find("Edegem") == (FinderStatus.AREA, ["BIN Centrum", "BIN Elsdonk"])
    assert find("edegem") == (FinderStatus.AREA, ["BIN Centrum", "BIN Elsdonk"])
    assert find("Rhode-Saint-Genèse") == (FinderStatus.AREA, ["BIN Rode"])
    assert find("sint genesius rode") == (FinderStatus.AREA, ["BIN Rode"])


@pytest.mark.django_db
def test_unknown_street(kerkstraat):
    result = find_networks("Zonnebloemstraat 4, 2650")

    assert result.status == FinderStatus.UNKNOWN_STREET
    assert result.zone == kerkstraat.municipality.zone


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", FinderStatus.INVALID),
        ("   ", FinderStatus.INVALID),
        ("\x00\x07\x1b", FinderStatus.INVALID),
        ("12", FinderStatus.INVALID),
        ("!!!", FinderStatus.INVALID),
        ("Kerkstraat 1" + "2" * 200, FinderStatus.INVALID),
        ("Кирилл 12", FinderStatus.UNKNOWN_STREET),
        ("東京", FinderStatus.UNKNOWN_STREET),
        ("'; DROP TABLE zones_street; --", FinderStatus.UNKNOWN_STREET),
        ("100%_ 3", FinderStatus.INVALID),
        ("kerk_%straat 3", FinderStatus.UNKNOWN_STREET),
    ],
)
def test_unusable_input_never_raises(kerkstraat, query, status):
    assert find_networks(query).status == status


@pytest.mark.django_db
def test_finder_reads_a_bounded_number_of_rows(municipality, django_assert_max_num_queries):
    SearchableStreetFactory.create_batch(30, municipality=municipality, name_nl="Straat")

    with django_assert_max_num_queries(3):
        result = find_networks("Straat 3")

    assert result.status == FinderStatus.AMBIGUOUS_STREET
    assert len(result.street_candidates) == 12
