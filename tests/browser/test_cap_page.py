"""The BE-Alert hand-off page of a BIN's staff side: an officer fills it in on a phone and on a
desktop and downloads a CAP 1.2 file valid against the schema; the page passes axe and the Nu
checker and is no wider than the phone."""

import io
from pathlib import Path

import pytest
import xmlschema

from nabuur.audit.models import AuditEntry
from nabuur.networks.areas import update_area
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl
from tests.test_areas import import_hoekstraat

from .helpers import assert_no_horizontal_scroll, check_page
from .test_resident_path import log_in_browser

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent.parent / "data" / "cap" / "CAP-v1.2.xsd")
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
SHOTS = Path("/tmp/shots/cap")


@pytest.fixture
def officer(transactional_db):
    """The officer of BIN Centrum, which covers all of Hoekstraat in Edegem."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    import_hoekstraat()
    factories.SegmentFactory(network=network, street=edegem.streets.get())
    update_area(network)
    return factories.RoleFactory(role=Role.OFFICER, network=network).user


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_the_officer_downloads_an_alert_file(
    page, context, live_server, officer, assert_valid_html, screen
):
    page.set_viewport_size(VIEWPORTS[screen])
    log_in_browser(context, live_server, officer, second_factor=True)
    page.goto(f"{live_server.url}/nl/staff/bins/centrum/")
    page.get_by_role("link", name=nl("Alert file for BE-Alert")).click()
    check_page(page, assert_valid_html, nl("Alert file for BE-Alert"))
    assert_no_horizontal_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"form-{screen}.png"), full_page=True)

    page.locator("input[name=headline_nl]").fill("Inbraken in de wijk")
    page.locator("textarea[name=description_nl]").fill("Sluit ramen en deuren.")
    page.locator("input[name=exercise]").check()
    with page.expect_download() as download:
        page.locator("main button[type=submit]").click()
    content = Path(download.value.path()).read_bytes()
    SCHEMA.validate(io.BytesIO(content))
    assert download.value.suggested_filename.startswith("nabuur-pz-rand-")
    assert b"<status>Exercise</status>" in content
    assert AuditEntry.objects.filter(action="networks.cap_exported").count() == 1
