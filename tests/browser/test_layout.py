"""The layout every page shares (issue 15 points 1, 3, 4): built on the NL Design System, no page
wider than its viewport, and on a 360×640 phone the page's heading in the first screen, below
the demo banner, the header and the emergency notice.

A handful of representative pages as the people who use them, on a phone and a desktop; the
screenshots land in /tmp/shots/design/ to be looked at."""

from pathlib import Path

import pytest

from nabuur.staff.models import Role
from tests import factories

from .helpers import assert_accessible, horizontal_overflow
from .test_resident_path import log_in_browser

SHOTS = Path("/tmp/shots/design")
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def people(transactional_db, live_server, settings):
    settings.DEMO = True
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    municipality = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(
        municipality=municipality, name="BIN Centrum", slug="centrum"
    )
    for number in (1, 51):
        factories.SegmentFactory(network=network, number_from=number, number_to=number + 48)
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=network, user__first_name="Lotte"
    ).user
    for index in range(3):
        factories.MembershipFactory(
            network=network,
            user__first_name=f"Bewoner{index}",
            user__last_name="Vanderstraeten-Van Den Broeck",
            user__email=f"bewoner{index}.vanderstraeten-vandenbroeck@example.org",
        )
    member = factories.MembershipFactory(network=network, user__first_name="Jan").user
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone, user__first_name="Ann").user
    return {"coordinator": coordinator, "member": member, "admin": admin, "zone": zone}


def check_layout(page, name, viewport, assert_valid_html):
    """axe and the Nu checker find nothing, the page fits its width, and on a phone the h1 is
    whole within the first screen."""
    page.wait_for_load_state()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"))
    page.screenshot(path=str(SHOTS / f"{name}-{viewport}-full.png"), full_page=True)
    assert horizontal_overflow(page) == 0, f"{page.url} is wider than the {viewport}"
    heading = page.locator("h1").bounding_box()
    assert heading is not None, f"{page.url} has no visible h1"
    bottom = heading["y"] + heading["height"]
    assert bottom <= VIEWPORTS[viewport]["height"], (
        f"{page.url}: the h1 ends at {bottom:.0f} px, below the first {viewport} screen"
    )
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_main_pages_fit_and_show_their_heading_first(
    page, live_server, people, viewport, assert_valid_html
):
    page.set_viewport_size(VIEWPORTS[viewport])
    for name, path in (
        ("home", "/nl/"),
        ("find", "/nl/find/?q=Edegem"),
        ("bin", "/nl/bin/centrum/"),
        ("not-found", "/nl/no-such-page/"),
    ):
        page.goto(live_server.url + path)
        check_layout(page, name, viewport, assert_valid_html)

    log_in_browser(page.context, live_server, people["member"])
    page.goto(live_server.url + "/nl/me/")
    check_layout(page, "me", viewport, assert_valid_html)
    page.context.clear_cookies()

    log_in_browser(page.context, live_server, people["coordinator"], second_factor=True)
    for name, path in (
        ("staff-dashboard", "/nl/staff/"),
        ("member-list", "/nl/staff/members/centrum/"),
    ):
        page.goto(live_server.url + path)
        check_layout(page, name, viewport, assert_valid_html)
    page.context.clear_cookies()

    log_in_browser(page.context, live_server, people["admin"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/zone/pz-rand/look/")
    check_layout(page, "zone-look", viewport, assert_valid_html)


def test_the_zone_colour_themes_the_header_and_buttons(page, live_server, people):
    zone = people["zone"]
    zone.theme_colour = "#2e6b3a"
    zone.save(update_fields=["theme_colour"])
    page.goto(live_server.url + "/nl/")
    header = page.locator(".utrecht-page-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(46, 107, 58)"
    button = page.locator("main button").first
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(46, 107, 58)"
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"


def test_the_emergency_details_open_on_a_tap(page, live_server, people):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(live_server.url + "/nl/")
    notice = page.locator(".emergency-notice")
    full_text = notice.locator("details p")
    assert not full_text.is_visible()
    # The numbers are there before any tap, each one a link that dials it.
    assert notice.locator("a[href='tel:101']").is_visible()
    assert notice.locator("a[href='tel:112']").is_visible()
    height_closed = notice.bounding_box()["height"]
    # Two lines at most, so the page's own content starts on the first screen.
    assert height_closed <= 3 * 22 + 16, height_closed
    notice.locator("summary").click()
    assert full_text.is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "notice-open-phone.png"))
