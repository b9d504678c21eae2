"""The API's documentation page and the zone administrator's token page pass axe and the Nu
checker on a phone and a desktop, and fit the phone's width; the token's secret shows once."""

import pytest

from nabuur.api import services
from nabuur.api.models import ApiToken
from nabuur.staff.models import Role
from tests.factories import RoleFactory, ZoneFactory
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_accessible, assert_no_horizontal_scroll
from .test_resident_path import log_in_browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}


def check(page, html, assert_valid_html):
    assert_valid_html(html, where=page.url)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["phone", "desktop"])
def test_api_pages_pass_axe_and_nu(
    page, context, live_server, transactional_db, zone, zone_admin, assert_valid_html, viewport
):
    page.set_viewport_size(viewport)

    response = page.goto(live_server.url + "/api/v1/docs/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Nabuur API, version 1"
    check(page, response.text(), assert_valid_html)

    log_in_browser(context, live_server, zone_admin, second_factor=True)
    response = page.goto(live_server.url + "/nl/staff/api-tokens/pz-test/")
    assert response.status == 200
    check(page, response.text(), assert_valid_html)

    page.fill("input[name=name]", "101 Antwerpen")
    page.check("input[name=scopes][value=dispatch]")
    with page.expect_navigation() as navigation:
        page.click("form:has(input[value=create]) button[type=submit]")
    assert page.locator("code.secret").inner_text().startswith("nbr_")
    check(page, navigation.value.text(), assert_valid_html)
    assert page.locator("h1").inner_text() == nl("API tokens of %(zone)s", zone="Politiezone Test")

    # Another zone shares the token: this zone may now take itself off, with the keyboard's
    # button named after the token, and the token leaves this zone's list.
    other = ZoneFactory(slug="pz-other", name="Politiezone Andere")
    token = ApiToken.objects.get()
    services.add_zone(RoleFactory(role=Role.ZONE_ADMIN, zone=other).user, token, other)
    response = page.goto(live_server.url + "/nl/staff/api-tokens/pz-test/")
    check(page, response.text(), assert_valid_html)
    take_off = page.get_by_role(
        "button", name=nl("Take your zone off %(name)s", name="101 Antwerpen")
    )
    with page.expect_navigation() as navigation:
        take_off.click()
    check(page, navigation.value.text(), assert_valid_html)
    assert page.locator("main [role=status]").inner_text().strip() == nl(
        "The token no longer reads your zone. The other zones it reads keep it."
    )
    assert page.get_by_text("101 Antwerpen").count() == 0
    assert [zone.slug for zone in token.zones.all()] == ["pz-other"]
