import csv
import io

import pytest
from django.core.management import CommandError, call_command

from nabuur.zones.models import Municipality, Postcode, Street
from nabuur.zones.services import BEST_COLUMNS, SAMPLE_ADDRESS_FILE, import_streets

from .factories import MunicipalityFactory, StreetFactory

pytestmark = pytest.mark.django_db

DEMO_NIS = ["11001", "11013", "11021", "11024", "11025", "21011"]
HEADER = ",".join(BEST_COLUMNS)


def address(nis="11013", street_id="1", nl="Kerkstraat", fr="", number="1", **overrides):
    row = dict.fromkeys(BEST_COLUMNS, "")
    row.update(
        {
            "EPSG:31370_x": "153900.00000",
            "EPSG:31370_y": "206200.00000",
            "EPSG:4326_lat": "51.15600",
            "EPSG:4326_lon": "4.44400",
            "address_id": "1",
            "house_number": number,
            "municipality_id": nis,
            "municipality_name_nl": "Edegem",
            "postcode": "2650",
            "street_id": street_id,
            "streetname_nl": nl,
            "streetname_fr": fr,
            "region_code": "BE-VLG",
            "status": "current",
        }
    )
    row.update(overrides)
    return row


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(output, fieldnames=BEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def demo_municipalities(zone):
    names = {
        "11001": "Aartselaar",
        "11013": "Edegem",
        "11021": "Hove",
        "11024": "Kontich",
        "11025": "Lint",
        "21011": "Koekelberg",
    }
    return [
        MunicipalityFactory(nis_code=nis, name_nl=name, name_fr=name, zone=zone)
        for nis, name in names.items()
    ]


@pytest.fixture
def edegem(zone):
    return MunicipalityFactory(nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone)


def test_sample_file_imports_the_expected_streets(demo_municipalities):
    out = io.StringIO()
    call_command(
        "import_addresses",
        str(SAMPLE_ADDRESS_FILE),
        *[arg for nis in DEMO_NIS for arg in ("--municipality", nis)],
        stdout=out,
    )

    assert out.getvalue() == (
        "Read 3522 rows, used 3368. Streets: 92 created, 0 updated, 0 unchanged. "
        "Postcode links: 6 created.\n"
    )
    counts = {
        m.nis_code: m.streets.count() for m in Municipality.objects.filter(nis_code__in=DEMO_NIS)
    }
    assert counts == {
        "11001": 14,
        "11013": 20,
        "11021": 13,
        "11024": 18,
        "11025": 13,
        "21011": 14,
    }
    church = Street.objects.get(municipality__nis_code="21011", name_nl="Kerkstraat")
    assert church.name_fr == "Rue de l'Église"
    assert church.postcode == "1081"
    assert church.search_names == "|kerkstraat|rue de l eglise|"
    assert sorted(Postcode.objects.values_list("code", flat=True)) == [
        "1081",
        "2540",
        "2547",
        "2550",
        "2630",
        "2650",
    ]


def test_sample_import_ignores_retired_addresses_for_the_last_number(demo_municipalities):
    import_streets(SAMPLE_ADDRESS_FILE, DEMO_NIS)

    with SAMPLE_ADDRESS_FILE.open(encoding="utf-8") as sample:
        current = {}
        for row in csv.DictReader(sample):
            if row["status"] == "current":
                number = int(row["house_number"].rstrip("A"))
                current[row["street_id"]] = max(current.get(row["street_id"], 0), number)
    assert dict(Street.objects.values_list("official_id", "max_house_number")) == current


def test_second_run_changes_nothing(demo_municipalities):
    import_streets(SAMPLE_ADDRESS_FILE, DEMO_NIS)
    before = list(Street.objects.order_by("id").values())

    report = import_streets(SAMPLE_ADDRESS_FILE, DEMO_NIS)

    assert (report.streets_created, report.streets_updated, report.streets_unchanged) == (
        0,
        0,
        92,
    )
    assert report.postcodes_created == 0
    assert list(Street.objects.order_by("id").values()) == before


def test_rerun_renames_a_street_and_keeps_its_row(edegem, tmp_path):
    street = StreetFactory(
        municipality=edegem, official_id="77", name_nl="Kerkstraat", postcode="2650"
    )
    path = write_csv(
        tmp_path / "a.csv",
        [address(street_id="77", nl="Oude Kerkstraat", number="4"), address(street_id="78")],
    )

    report = import_streets(path, ["11013"])

    street.refresh_from_db()
    assert street.name_nl == "Oude Kerkstraat"
    assert street.search_names == "|oude kerkstraat|"
    assert street.max_house_number == 4
    assert (report.streets_created, report.streets_updated) == (1, 1)


def test_import_keeps_only_chosen_municipalities_and_most_frequent_postcode(edegem, tmp_path):
    MunicipalityFactory(nis_code="11024", name_nl="Kontich")
    path = write_csv(
        tmp_path / "a.csv",
        [
            address(street_id="5", number="1", postcode="2640"),
            address(street_id="5", number="3"),
            address(street_id="5", number="12B", box_number="3"),
            address(street_id="6", nis="11024", postcode="2550"),
            address(street_id="7", number="99", status="retired"),
        ],
    )

    report = import_streets(path, ["11013"])

    assert list(Street.objects.values_list("official_id", "postcode", "max_house_number")) == [
        ("5", "2650", 12)
    ]
    assert (report.rows_read, report.rows_used) == (5, 3)
    assert sorted(edegem.postcodes.values_list("code", flat=True)) == ["2640", "2650"]


def test_bilingual_and_german_names_fill_search_names(edegem, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [
            address(
                street_id="9",
                nl="Sint-Janstraat",
                fr="Rue Saint-Jean",
                streetname_de="Johannesstraße",
            )
        ],
    )

    import_streets(path, ["11013"])

    assert Street.objects.get().search_names == "|sint janstraat|rue saint jean|johannesstrasse|"


def test_command_warns_about_a_municipality_without_addresses(edegem, tmp_path):
    MunicipalityFactory(nis_code="11025", name_nl="Lint")
    path = write_csv(tmp_path / "a.csv", [address()])
    err = io.StringIO()

    call_command(
        "import_addresses", str(path), "--municipality", "11013", "--municipality", "11025",
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip

    assert err.getvalue() == "No current address of municipality 11025 in the file.\n"


def run_command(path, *nis):
    args = [arg for code in (nis or ("11013",)) for arg in ("--municipality", code)]
    with pytest.raises(CommandError) as error:
        call_command("import_addresses", str(path), *args, stdout=io.StringIO())
    return str(error.value)


def test_missing_file_is_an_error(edegem, tmp_path):
    assert run_command(tmp_path / "nope.csv") == (
        f"No such file: {tmp_path / 'nope.csv'} Nothing was imported."
    )


def test_unknown_municipality_is_an_error(edegem, tmp_path):
    path = write_csv(tmp_path / "a.csv", [address()])

    message = run_command(path, "11013", "99999")

    assert message == (
        "Unknown municipality 99999: run `nabuur load_reference` first and check the NIS code. "
        "Nothing was imported."
    )
    assert Street.objects.count() == 0


def test_wrong_header_is_an_error(edegem, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("street,number\nKerkstraat,1\n", encoding="utf-8")

    assert run_command(path).startswith("This is not a BeSt Address CSV file")
    assert Street.objects.count() == 0


def test_binary_file_is_an_error(edegem, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")

    assert run_command(path) == (
        "The file is not UTF-8 text (is it a CSV file?). Nothing was imported."
    )


def test_zip_file_is_an_error(edegem, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + HEADER.encode())

    assert run_command(path) == (
        "The file is not UTF-8 text (is it a CSV file?). Nothing was imported."
    )


def test_unbalanced_quotes_are_an_error(edegem, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + '\n1,"2"x,3\n', encoding="utf-8")

    assert run_command(path) == (
        "The file is not valid CSV: ',' expected after '\"'. Nothing was imported."
    )
    assert Street.objects.count() == 0


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("1,2,3", "Line 4: expected 20 columns. Nothing was imported."),
        (
            HEADER.replace("EPSG", "x") + ",extra",
            "Line 4: expected 20 columns. Nothing was imported.",
        ),
        (
            ",,,,1,,zz,11013,,,Edegem,2650,,Edegem,3,,,Kerkstraat,BE-VLG,current",
            "Line 4: house number 'zz'. Nothing was imported.",
        ),
        (
            ",,,,1,,3,11013,,,Edegem,265,,Edegem,3,,,Kerkstraat,BE-VLG,current",
            "Line 4: a current address needs a street id, a street name and a four-digit "
            "postcode. Nothing was imported.",
        ),
    ],
)
def test_malformed_row_leaves_nothing_written(edegem, tmp_path, bad_line, message):
    StreetFactory(municipality=edegem, official_id="1", name_nl="Kerkstraat")
    good = write_csv(
        tmp_path / "good.csv", [address(street_id="1", nl="Nieuwe naam"), address(street_id="2")]
    )
    path = tmp_path / "a.csv"
    path.write_text(good.read_text("utf-8") + bad_line + "\n", encoding="utf-8")

    assert run_command(path) == message
    assert list(Street.objects.values_list("official_id", "name_nl")) == [("1", "Kerkstraat")]
    assert Postcode.objects.count() == 0


def test_large_file_streams(edegem, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as output:
        writer = csv.writer(output)
        writer.writerow(BEST_COLUMNS)
        for index in range(200_000):
            # One in ten rows belongs to Edegem, as in a regional file.
            nis = "11013" if index % 10 == 0 else "11002"
            writer.writerow(
                ["1", "2", "3", "4", str(index), "", str(index % 300 + 1), nis, "", "", "X",
                 "2650", "", "X", str(index % 2000), "", "", f"Straat {index % 2000}",
                 "BE-VLG", "current"]
            )  # fmt: skip

    report = import_streets(path, ["11013"])

    assert (report.rows_read, report.rows_used, report.streets_created) == (200_000, 20_000, 200)
    assert Street.objects.filter(official_id="0").get().max_house_number == 201
