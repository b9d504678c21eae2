"""Addresses with their WGS84 point from the BeSt import, each BIN's area drawn around the
addresses its segments cover (along the streets, not a box), drawn again when segments or
addresses change, and coverage: member households against dwellings."""

import csv
import io
import json
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import translation
from django.utils.translation import gettext
from shapely import Point
from shapely.geometry import shape

from nabuur.evaluation.coverage import Coverage, coverage, coverage_of
from nabuur.members.models import MembershipStatus
from nabuur.networks.areas import covered_addresses, map_data, update_area
from nabuur.networks.models import Network, Side
from nabuur.networks.services import delete_segment, import_segments, save_segment
from nabuur.zones.models import Address, Street
from nabuur.zones.services import BEST_COLUMNS, import_streets

from . import factories

pytestmark = pytest.mark.django_db

# Hoekstraat, a made-up street in Edegem shaped like an L: odd numbers 1 to 9 run east along
# latitude 51.15 (about 70 m apart), 11 to 19 run north from its east end (about 110 m apart).
EAST_ARM = {
    number: ("51.150000", f"{4.440 + (number - 1) * 0.0005:.6f}") for number in (1, 3, 5, 7, 9)
}
NORTH_ARM = {
    number: (f"{51.150 + (number - 9) * 0.0005:.6f}", "4.444000") for number in (11, 13, 15, 17, 19)
}
HOEKSTRAAT = EAST_ARM | NORTH_ARM


def best_row(number, latitude, longitude, *, box="", street_id="7001", address_id=None):
    row = dict.fromkeys(BEST_COLUMNS, "")
    row.update(
        {
            "EPSG:4326_lat": latitude,
            "EPSG:4326_lon": longitude,
            "address_id": address_id or f"{number}{box}",
            "box_number": box,
            "house_number": str(number),
            "municipality_id": "11013",
            "municipality_name_nl": "Edegem",
            "postcode": "2650",
            "street_id": street_id,
            "streetname_nl": "Hoekstraat",
            "region_code": "BE-VLG",
            "status": "current",
        }
    )
    return row


def best_file(rows):
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=BEST_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    output.seek(0)
    return output


def import_hoekstraat(numbers=HOEKSTRAAT, extra=()):
    rows = [best_row(n, *point) for n, point in numbers.items()]
    return import_streets(best_file([*rows, *extra]), ["11013"])


@pytest.fixture
def hoekstraat(municipality):
    import_hoekstraat()
    return Street.objects.get(official_id="7001")


def area_of(network):
    network.refresh_from_db()
    return shape(json.loads(network.area))


def point(latitude, longitude):
    return Point(float(longitude), float(latitude))


def test_import_keeps_each_address_with_its_point_and_every_box(municipality):
    report = import_hoekstraat(
        {1: HOEKSTRAAT[1]},
        extra=[best_row(3, *HOEKSTRAAT[3], box=box) for box in ("1", "2")]
        + [best_row(5, "3", "4")],
    )

    assert list(
        Address.objects.values_list(
            "official_id", "house_number", "number", "box", "postcode", "latitude", "longitude"
        )
    ) == [
        ("1", "1", 1, "", "2650", Decimal("51.150000"), Decimal("4.440000")),
        ("31", "3", 3, "1", "2650", Decimal("51.150000"), Decimal("4.441000")),
        ("32", "3", 3, "2", "2650", Decimal("51.150000"), Decimal("4.441000")),
    ]
    assert (report.addresses_created, report.addresses_without_point) == (3, 1)
    # The address without a usable point still counts for the street's last number.
    assert Street.objects.get().max_house_number == 5


def test_a_second_import_moves_and_removes_addresses(hoekstraat):
    moved = {**HOEKSTRAAT, 1: ("51.150100", "4.440000")}
    del moved[19]

    report = import_hoekstraat(moved)

    assert (report.addresses_created, report.addresses_updated, report.addresses_deleted) == (
        0,
        1,
        1,
    )
    assert sorted(hoekstraat.addresses.values_list("number", flat=True)) == list(range(1, 18, 2))
    assert str(hoekstraat.addresses.get(number=1).latitude) == "51.150100"


def test_the_area_follows_the_street_and_leaves_out_its_bounding_box(hoekstraat, bin_a):
    factories.SegmentFactory(network=bin_a, street=hoekstraat)
    update_area(bin_a)
    area = area_of(bin_a)

    assert bin_a.dwellings == 10
    assert area.geom_type == "Polygon"
    for latitude, longitude in HOEKSTRAAT.values():
        assert area.contains(point(latitude, longitude))
    # Between two addresses the band follows the street.
    assert area.contains(point("51.150000", "4.440250"))
    assert area.contains(point("51.152250", "4.444000"))
    # The north-west corner of the addresses' bounding box is 300 m from either arm.
    assert not area.contains(point("51.154000", "4.440000"))
    # 40 m south of the east arm is outside; 20 m is inside.
    assert not area.contains(point("51.149640", "4.442000"))
    assert area.contains(point("51.149820", "4.442000"))
    # RFC 7946: the outer ring runs anticlockwise and closes.
    ring = json.loads(bin_a.area)["coordinates"][0]
    assert ring[0] == ring[-1]
    assert area.exterior.is_ccw


def test_one_side_and_a_range_cover_only_their_numbers(hoekstraat, bin_a):
    factories.SegmentFactory(network=bin_a, street=hoekstraat, number_from=1, number_to=9)
    factories.SegmentFactory(
        network=bin_a, street=hoekstraat, number_from=14, number_to=None, side=Side.EVEN
    )

    assert sorted(covered_addresses(bin_a).values_list("number", flat=True)) == [1, 3, 5, 7, 9]
    update_area(bin_a)
    area = area_of(bin_a)
    assert bin_a.dwellings == 5
    assert not area.contains(point(*HOEKSTRAAT[15]))


def test_the_area_of_a_single_address_is_a_small_disc(municipality, bin_a):
    import_hoekstraat({1: HOEKSTRAAT[1]})
    factories.SegmentFactory(network=bin_a, street=Street.objects.get())

    update_area(bin_a)

    bin_a.refresh_from_db()
    # A 16-sided disc of 25 m: 0.000358° of longitude and 0.000226° of latitude at 51.15° N.
    assert json.loads(bin_a.area) == {
        "type": "Polygon",
        "coordinates": [
            [
                [4.440358, 51.15],
                [4.440331, 51.150087],
                [4.440253, 51.15016],
                [4.440137, 51.150209],
                [4.44, 51.150226],
                [4.439863, 51.150209],
                [4.439747, 51.15016],
                [4.439669, 51.150087],
                [4.439642, 51.15],
                [4.439669, 51.149913],
                [4.439747, 51.14984],
                [4.439863, 51.149791],
                [4.44, 51.149774],
                [4.440137, 51.149791],
                [4.440253, 51.14984],
                [4.440331, 51.149913],
                [4.440358, 51.15],
            ]
        ],
    }


def test_a_bin_without_addresses_has_no_area(bin_a):
    factories.SegmentFactory(network=bin_a)

    assert update_area(bin_a) is False
    assert (bin_a.area, bin_a.dwellings) == ("", 0)
    assert map_data([bin_a]) == {"type": "FeatureCollection", "features": []}


def test_changing_a_segment_draws_the_area_again(hoekstraat, bin_a, zone_admin):
    segment = save_segment(
        zone_admin, factories.SegmentFactory.build(network=bin_a, street=hoekstraat)
    )
    assert area_of(bin_a).contains(point(*HOEKSTRAAT[19]))

    segment.number_to = 9
    save_segment(zone_admin, segment)

    assert not area_of(bin_a).contains(point(*HOEKSTRAAT[19]))
    assert bin_a.dwellings == 5

    delete_segment(zone_admin, segment)
    bin_a.refresh_from_db()
    assert (bin_a.area, bin_a.dwellings) == ("", 0)


def test_importing_segments_draws_the_area(hoekstraat, bin_a, zone_admin):
    rows = [factories.SegmentFactory.build(network=bin_a, street=hoekstraat, number_to=5)]

    import_segments(zone_admin, bin_a, rows)

    bin_a.refresh_from_db()
    assert bin_a.dwellings == 3


def test_an_address_import_draws_the_areas_of_its_streets_again(hoekstraat, bin_a, bin_b):
    factories.SegmentFactory(network=bin_a, street=hoekstraat)
    update_area(bin_a)
    before = Network.objects.values_list("slug", "area").get(pk=bin_b.pk)

    import_hoekstraat({**HOEKSTRAAT, 21: ("51.156000", "4.444000")})

    assert area_of(bin_a).contains(point("51.156000", "4.444000"))
    assert bin_a.dwellings == 11
    assert Network.objects.values_list("slug", "area").get(pk=bin_b.pk) == before


def test_map_data_has_the_area_and_the_streets_in_lon_lat(hoekstraat, bin_a):
    factories.SegmentFactory(network=bin_a, street=hoekstraat, number_from=1, number_to=5)
    update_area(bin_a)

    data = map_data([bin_a])

    assert [(f["properties"], f["geometry"]["type"]) for f in data["features"]] == [
        ({"kind": "area", "name": "BIN Centrum"}, "Polygon"),
        ({"kind": "street", "name": "Hoekstraat"}, "LineString"),
    ]
    assert data["features"][1]["geometry"]["coordinates"] == [
        [4.44, 51.15],
        [4.441, 51.15],
        [4.442, 51.15],
    ]


def household(network, street, number, box="", status=MembershipStatus.ACTIVE):
    return factories.MembershipFactory(
        network=network, street=street, house_number=number, box=box, status=status
    )


def test_coverage_counts_households_against_dwellings(hoekstraat, bin_a, bin_b):
    factories.SegmentFactory(network=bin_a, street=hoekstraat)
    update_area(bin_a)
    household(bin_a, hoekstraat, 1)
    # Two members at one address are one household; another box is another.
    household(bin_a, hoekstraat, 3)
    household(bin_a, hoekstraat, 3)
    household(bin_a, hoekstraat, 3, box="1")
    household(bin_a, hoekstraat, 5, status=MembershipStatus.PAUSED)
    # Not (yet, or any more) a household.
    household(bin_a, hoekstraat, 7, status=MembershipStatus.PENDING)
    household(bin_a, hoekstraat, 9, status=MembershipStatus.LEFT)

    assert coverage(bin_a) == Coverage(dwellings=10, households=4)
    assert coverage(bin_a).percent == 40.0
    # A BIN without dwellings has no rate rather than a division by zero.
    assert coverage_of([bin_a, bin_b])[bin_b.pk].percent is None


# --- The map on pages ---------------------------------------------------------------------------


def map_json(response):
    html = response.content.decode()
    start = html.index('<script id="bin-map-data" type="application/json">') + len(
        '<script id="bin-map-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def mapped(hoekstraat, bin_a):
    factories.SegmentFactory(network=bin_a, street=hoekstraat, number_from=1, number_to=5)
    update_area(bin_a)
    return bin_a


def test_a_bin_page_without_an_area_shows_no_map(client, bin_a):
    factories.SegmentFactory(network=bin_a)

    html = client.get("/nl/bin/centrum/").content.decode()

    assert 'id="bin-map"' not in html
    assert "leaflet" not in html


def test_the_bin_page_carries_its_map_as_data_without_tiles(client, mapped):
    response = client.get("/nl/bin/centrum/")

    assert map_json(response) == map_data([mapped])
    html = response.content.decode()
    assert '<div class="bin-map__canvas" id="bin-map" data-map-data="bin-map-data" role' in html
    assert "data-tile-url" not in html
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in html
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]


def test_a_zone_tile_server_opens_the_csp_of_map_pages_only(client, mapped):
    zone = mapped.municipality.zone
    zone.map_tile_url = "https://{s}.tiles.example/{z}/{x}/{y}.png"
    zone.map_tile_attribution = "© Tiles & co"
    zone.save(update_fields=["map_tile_url", "map_tile_attribution"])

    response = client.get("/nl/bin/centrum/")

    assert "img-src 'self' data: https://*.tiles.example;" in response["Content-Security-Policy"]
    assert (
        'data-tile-url="https://{s}.tiles.example/{z}/{x}/{y}.png" '
        'data-tile-attribution="© Tiles &amp; co"'
    ) in response.content.decode()
    home = client.get("/nl/")
    assert "img-src 'self' data:;" in home["Content-Security-Policy"]


def test_the_finder_maps_the_bin_and_marks_the_address(client, mapped):
    response = client.get("/nl/find/", {"q": "Hoekstraat 3, 2650"})

    features = map_json(response)["features"]
    assert [f["properties"]["kind"] for f in features] == ["area", "street", "address"]
    assert features[-1] == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [4.441, 51.15]},
        "properties": {"kind": "address", "name": "Hoekstraat 3"},
    }
    with translation.override("nl"):
        caption = gettext(
            "The BIN areas on a map. Each BIN's page lists its streets and house numbers in words."
        )
        marked = gettext("The large red dot marks the address you searched for.")
    assert f'<figcaption class="hint">{caption} {marked}</figcaption>' in (
        response.content.decode()
    )


def test_the_zone_administrator_sees_the_map_with_the_segments(client, zone_admin, mapped):
    # Staff pages need a second factor.
    TOTP.activate(zone_admin, generate_totp_secret())
    client.force_login(zone_admin)
    segment = mapped.segments.get()

    detail = client.get("/nl/staff/bins/centrum/")
    form = client.get(f"/nl/staff/bins/centrum/segments/{segment.pk}/edit/")

    assert (detail.status_code, form.status_code) == (200, 200)
    assert map_json(detail) == map_data([mapped])
    assert map_json(form) == map_data([mapped])
