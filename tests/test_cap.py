"""The BE-Alert hand-off (#17 point 8): a CAP 1.2 alert for the area of one or several BINs, by
`nabuur export_cap` and on the staff page, valid against the OASIS schema, with the area's
polygons in "lat,lon" order (a schema cannot catch swapped coordinates: a known address must
lie inside), one <info> per language the area requires, and an audit entry per export."""

import datetime
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from shapely import Point, Polygon

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.networks import cap
from nabuur.networks.areas import update_area
from nabuur.networks.models import NetworkStatus
from nabuur.zones.models import Address

from . import factories

pytestmark = pytest.mark.django_db

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "cap" / "CAP-v1.2.xsd")
NS = {"cap": cap.NAMESPACE}
# A winter and a summer moment: Belgian time is UTC+1, then UTC+2.
WINTER = datetime.datetime(2026, 12, 7, 9, 0, 0, 123456, tzinfo=datetime.UTC)
SUMMER = datetime.datetime(2026, 7, 1, 8, 30, 0, tzinfo=datetime.UTC)


def add_street(network, name, official_id, points):
    """A street covered whole by `network`, its addresses at `points` ({number: (lat, lon)})."""
    street = factories.StreetFactory(
        municipality=network.municipality, name_nl=name, official_id=official_id
    )
    for number, (latitude, longitude) in points.items():
        Address.objects.create(
            street=street,
            official_id=f"{official_id}-{number}",
            house_number=str(number),
            number=number,
            postcode=street.postcode,
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
        )
    factories.SegmentFactory(network=network, street=street)
    update_area(network)
    return street


def row(latitude, longitude, count=5, step=0.0005):
    """`count` odd numbers eastwards from (latitude, longitude), about 35 m apart."""
    return {1 + 2 * i: (f"{latitude:.6f}", f"{longitude + i * step:.6f}") for i in range(count)}


# Known address points: number 5 of each BIN's street.
KERKSTRAAT = row(51.150, 4.440)
MOLENSTRAAT = row(51.160, 4.460)
RUE_HAUTE = row(50.840, 4.350)


@pytest.fixture
def area_a(bin_a):
    add_street(bin_a, "Kerkstraat", "7001", KERKSTRAAT)
    bin_a.refresh_from_db()
    return bin_a


@pytest.fixture
def area_b(bin_b):
    add_street(bin_b, "Molenstraat", "7002", MOLENSTRAAT)
    bin_b.refresh_from_db()
    return bin_b


@pytest.fixture
def bilingual_bin(zone):
    """A BIN in a Brussels municipality of the same zone: Dutch and French required."""
    municipality = factories.MunicipalityFactory(
        nis_code="21004",
        name_nl="Brussel",
        name_fr="Bruxelles",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    network = factories.NetworkFactory(
        municipality=municipality, name="BIN Hoogstraat", slug="hoogstraat"
    )
    add_street(network, "Hoogstraat", "7003", RUE_HAUTE)
    network.refresh_from_db()
    return network


@pytest.fixture(autouse=True)
def winter():
    with clock.frozen_at(WINTER):
        yield


def valid(xml):
    SCHEMA.validate(io.BytesIO(xml))
    # The XML is the one Nabuur just built, not untrusted input.
    return ET.fromstring(xml)  # noqa: S314


def texts(*languages):
    return {
        lang: cap.Text(f"Kop {lang}", f"Beschrijving {lang}: sluit ramen en deuren.")
        for lang in languages
    }


def polygon_rings(root):
    """Every <polygon> as a list of (lat, lon) floats."""
    return [
        [tuple(float(n) for n in pair.split(",")) for pair in element.text.split(" ")]
        for element in root.iterfind("cap:info/cap:area/cap:polygon", NS)
    ]


def as_shape(ring):
    """A CAP ring read as CAP means it: latitude first."""
    return Polygon([(longitude, latitude) for latitude, longitude in ring])


def point(points, number):
    latitude, longitude = points[number]
    return Point(float(longitude), float(latitude))


# --- The alert --------------------------------------------------------------------------------


def test_one_dutch_bin_gives_a_valid_alert_with_one_dutch_info(area_a):
    alert = cap.export_alert(None, [area_a], texts("nl"), role="system")
    root = valid(alert.xml)
    assert root.tag == f"{{{cap.NAMESPACE}}}alert"
    fields = {name: root.findtext(f"cap:{name}", namespaces=NS) for name in ALERT_FIELDS}
    assert fields == {
        "identifier": alert.identifier,
        "sender": "info@pz-test.example",
        "sent": "2026-12-07T10:00:00+01:00",
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Public",
    }
    assert re.fullmatch(r"nabuur-pz-test-20261207T100000-[0-9a-f]{12}", alert.identifier)
    [info] = root.findall("cap:info", NS)
    assert {name: info.findtext(f"cap:{name}", namespaces=NS) for name in INFO_FIELDS} == {
        "language": "nl-BE",
        "category": "Security",
        "urgency": "Immediate",
        "severity": "Moderate",
        "certainty": "Likely",
        "senderName": "Politiezone Test",
        "headline": "Kop nl",
        "description": "Beschrijving nl: sluit ramen en deuren.",
        "area/cap:areaDesc": "BIN Centrum",
    }
    assert info.findtext("cap:event", namespaces=NS)


ALERT_FIELDS = ("identifier", "sender", "sent", "status", "msgType", "scope")
INFO_FIELDS = (
    "language",
    "category",
    "urgency",
    "severity",
    "certainty",
    "senderName",
    "headline",
    "description",
    "area/cap:areaDesc",
)


def test_sent_carries_the_summer_offset_and_never_z(area_a):
    with clock.frozen_at(SUMMER):
        alert = cap.export_alert(None, [area_a], texts("nl"), role="system")
    assert valid(alert.xml).findtext("cap:sent", namespaces=NS) == "2026-07-01T10:30:00+02:00"
    assert b"Z<" not in alert.xml


def test_the_polygon_is_closed_lat_lon_and_holds_the_bins_addresses(area_a, area_b):
    root = valid(cap.export_alert(None, [area_a], texts("nl"), role="system").xml)
    [ring] = polygon_rings(root)
    assert ring[0] == ring[-1]
    assert len(ring) >= 4
    area = as_shape(ring)
    assert area.is_valid
    assert all(area.contains(point(KERKSTRAAT, n)) for n in KERKSTRAAT)
    assert not area.contains(point(MOLENSTRAAT, 5))
    # Read the other way round (GeoJSON's order), the ring lies far from Edegem.
    swapped = Polygon(ring)
    assert not swapped.contains(point(KERKSTRAAT, 5))


def test_two_bins_and_two_languages_give_two_infos_covering_both_areas(area_a, bilingual_bin):
    alert = cap.export_alert(None, [area_a, bilingual_bin], texts("nl", "fr"), role="system")
    root = valid(alert.xml)
    infos = root.findall("cap:info", NS)
    assert [info.findtext("cap:language", namespaces=NS) for info in infos] == ["nl-BE", "fr-BE"]
    assert [info.findtext("cap:headline", namespaces=NS) for info in infos] == ["Kop nl", "Kop fr"]
    for info in infos:
        assert info.findtext("cap:area/cap:areaDesc", namespaces=NS) == (
            "BIN Centrum, BIN Hoogstraat"
        )
    rings = polygon_rings(root)
    # Two <info>s, each with the two BINs' polygons.
    assert len(rings) == 4
    first_info = [as_shape(ring) for ring in rings[:2]]
    assert first_info[0].contains(point(KERKSTRAAT, 5))
    assert first_info[1].contains(point(RUE_HAUTE, 5))
    assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in rings)


def test_an_area_of_two_parts_gives_two_polygons(bin_a):
    add_street(bin_a, "Kerkstraat", "7001", KERKSTRAAT)
    add_street(bin_a, "Veldstraat", "7004", row(51.170, 4.480))
    bin_a.refresh_from_db()
    rings = polygon_rings(valid(cap.export_alert(None, [bin_a], texts("nl"), role="system").xml))
    assert len(rings) == 2
    assert as_shape(rings[0]).contains(point(KERKSTRAAT, 1)) or as_shape(rings[1]).contains(
        point(KERKSTRAAT, 1)
    )


def test_texts_are_escaped_not_templated(area_a):
    tricky = {"nl": cap.Text('Let op <script> & "quotes"', "Regel 1\nRegel 2 ]]> einde")}
    root = valid(cap.export_alert(None, [area_a], tricky, role="system").xml)
    assert root.findtext("cap:info/cap:headline", namespaces=NS) == 'Let op <script> & "quotes"'
    assert root.findtext("cap:info/cap:description", namespaces=NS) == (
        "Regel 1\nRegel 2 ]]> einde"
    )


def test_missing_required_language_is_refused(area_a, bilingual_bin):
    with translation.override("en"), pytest.raises(cap.CapError) as raised:
        cap.build_alert([area_a, bilingual_bin], texts("nl"))
    assert str(raised.value) == (
        "The area's language law requires a headline and a description in: French."
    )


# --- nabuur export_cap ------------------------------------------------------------------------


def export(tmp_path, *args):
    out = tmp_path / "alert.xml"
    call_command("export_cap", *args, "--out", str(out), stdout=io.StringIO())
    return out.read_bytes()


def test_the_command_writes_a_valid_file_and_audits_it(tmp_path, area_a):
    xml = export(tmp_path, "--bin", "centrum", "--headline", "Inbraken", "--description", "Let op.")
    root = valid(xml)
    assert root.findtext("cap:info/cap:language", namespaces=NS) == "nl-BE"
    assert root.findtext("cap:info/cap:headline", namespaces=NS) == "Inbraken"
    [entry] = AuditEntry.objects.filter(action="networks.cap_exported")
    assert (entry.actor_id, entry.actor_role, entry.zone_id) == (None, "system", area_a.zone.pk)
    assert entry.details["identifier"] == root.findtext("cap:identifier", namespaces=NS)
    assert entry.details["bins"] == ["centrum"]
    assert entry.details["status"] == "Actual"
    # The texts stay out of the log.
    assert "Inbraken" not in str(entry.details)


def test_the_command_takes_languages_options_and_exercise(tmp_path, area_a, bilingual_bin):
    xml = export(
        tmp_path,
        "--bin",
        "centrum",
        "--bin",
        "hoogstraat",
        "--headline",
        "Inbraken",
        "--headline",
        "fr=Cambriolages",
        "--description",
        "nl=Let op.",
        "--description",
        "fr=Attention.",
        "--exercise",
        "--urgency",
        "Expected",
        "--severity",
        "Minor",
        "--certainty",
        "Possible",
    )
    root = valid(xml)
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    infos = root.findall("cap:info", NS)
    assert [
        tuple(info.findtext(f"cap:{name}", namespaces=NS) for name in OPTION_FIELDS)
        for info in infos
    ] == [
        ("nl-BE", "Inbraken", "Let op.", "Expected", "Minor", "Possible"),
        ("fr-BE", "Cambriolages", "Attention.", "Expected", "Minor", "Possible"),
    ]
    entry = AuditEntry.objects.get(action="networks.cap_exported")
    assert entry.details["status"] == "Exercise"
    assert entry.details["languages"] == ["nl", "fr"]


OPTION_FIELDS = ("language", "headline", "description", "urgency", "severity", "certainty")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bin", "nowhere"], "No BIN with the slug: nowhere."),
        (["--bin", "elsdonk"], "These BINs have no area yet: BIN Elsdonk."),
        (["--bin", "hoogstraat"], "requires a headline and a description in: French."),
        (
            ["--bin", "centrum", "--headline", "en=Burglaries", "--description", "en=Careful."],
            "not in: en.",
        ),
        (["--bin", "centrum", "--headline", "nl=Twee"], "--headline is given twice in nl."),
    ],
)
def test_the_command_exits_2_with_a_clear_message(
    tmp_path, area_a, bin_b, bilingual_bin, args, message
):
    out = tmp_path / "alert.xml"
    with pytest.raises(CommandError) as raised:
        call_command(
            "export_cap",
            *args,
            "--headline",
            "Inbraken",
            "--description",
            "Let op.",
            "--out",
            str(out),
        )
    assert raised.value.returncode == 2
    assert message in str(raised.value)
    assert not out.exists()
    assert not AuditEntry.objects.filter(action="networks.cap_exported").exists()


# --- The staff page ---------------------------------------------------------------------------


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def test_the_officer_downloads_the_file_from_the_page(client, officer_a, area_a):
    client = staff(client, officer_a)
    page = client.get("/nl/staff/bins/centrum/")
    assert 'href="/nl/staff/bins/centrum/alert/"' in page.text
    form = client.get("/nl/staff/bins/centrum/alert/")
    assert form.status_code == 200
    assert list(form.context["form"].fields) == [
        "bins",
        "headline_nl",
        "description_nl",
        "urgency",
        "severity",
        "certainty",
        "exercise",
    ]
    response = client.post(
        "/nl/staff/bins/centrum/alert/",
        {
            "bins": [area_a.pk],
            "headline_nl": "Inbraken in de wijk",
            "description_nl": "Sluit ramen en deuren.",
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Observed",
            "exercise": "on",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = valid(response.content)
    identifier = root.findtext("cap:identifier", namespaces=NS)
    assert response["Content-Disposition"] == f'attachment; filename="{identifier}.xml"'
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert root.findtext("cap:info/cap:severity", namespaces=NS) == "Severe"
    entry = AuditEntry.objects.get(action="networks.cap_exported")
    assert (entry.actor_id, entry.actor_role, entry.zone_id) == (
        officer_a.pk,
        "officer",
        area_a.zone.pk,
    )


def test_the_page_asks_for_every_language_the_chosen_bins_require(
    client, zone_admin, area_a, bilingual_bin
):
    client = staff(client, zone_admin)
    response = client.post(
        "/nl/staff/bins/centrum/alert/",
        {
            "bins": [area_a.pk, bilingual_bin.pk],
            "headline_nl": "Inbraken",
            "description_nl": "Let op.",
            "urgency": "Immediate",
            "severity": "Moderate",
            "certainty": "Likely",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    errors = response.context["form"].errors
    assert set(errors) == {"headline_fr", "description_fr"}
    assert not AuditEntry.objects.filter(action="networks.cap_exported").exists()


def test_the_page_offers_only_open_bins_with_an_area(client, zone_admin, area_a, bin_b):
    factories.NetworkFactory(municipality=area_a.municipality, status=NetworkStatus.STOPPED)
    client = staff(client, zone_admin)
    response = client.get("/nl/staff/bins/centrum/alert/")
    assert list(response.context["form"].fields["bins"].queryset) == [area_a]


# --- The public BIN page ----------------------------------------------------------------------


def test_the_public_bin_page_tells_members_to_register_for_be_alert(client, bin_a):
    response = client.get(reverse("public:network", kwargs={"slug": bin_a.slug}))
    assert response.status_code == 200
    page = response.text
    assert '<h2 id="be-alert-heading">' in page
    assert '<a href="https://www.be-alert.be">www.be-alert.be</a>' in page
    assert "<script" not in page.split('id="be-alert-heading"')[1].split("</section>")[0]


def test_control_characters_are_refused_not_written_into_a_broken_file(area_a):
    with translation.override("en"), pytest.raises(cap.CapError) as raised:
        cap.build_alert([area_a], {"nl": cap.Text("Kop\x07", "Tekst")})
    assert str(raised.value) == "Remove the control characters from the text in Dutch."


def test_junk_input_is_refused_with_the_form_again(client, officer_a, area_a, bin_b):
    client = staff(client, officer_a)
    response = client.post(
        "/nl/staff/bins/centrum/alert/",
        {
            "bins": ["x", bin_b.pk],
            "headline_nl": "Kop\x07",
            "description_nl": "",
            "urgency": "Now",
            "severity": "",
            "certainty": "Likely",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "bins",
        "description_nl",
        "urgency",
        "severity",
    }
    assert not AuditEntry.objects.filter(action="networks.cap_exported").exists()
