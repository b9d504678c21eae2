"""The zone overview with its charts and trend, and an evaluation's charts, on a phone and a
desktop: valid HTML, axe-clean, never wider than the screen. Screenshots go to
/tmp/shots/charts/ for a person to look at."""

import datetime
from pathlib import Path

import pytest

from nabuur.evaluation import services
from nabuur.messaging.models import Feedback
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import assert_no_horizontal_scroll, check_page, horizontal_overflow
from .test_resident_path import log_in_browser

SHOTS = Path("/tmp/shots/charts")
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def zone_history(transactional_db):
    """Politiezone Rand with three BINs in Edegem, members and messages over three years."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    this_year = datetime.date.today().year
    networks = [
        factories.NetworkFactory(municipality=edegem, name=name, slug=slug)
        for name, slug in (
            ("BIN Centrum", "centrum"),
            ("BIN Elsdonk", "elsdonk"),
            ("BIN Oude God en de wijken rond het station", "oude-god"),
        )
    ]
    for index, network in enumerate(networks):
        for offset in range(3):
            year = this_year - 2 + offset
            for member in range(index + offset + 2):
                membership = factories.MembershipFactory(
                    network=network,
                    house_number=member + 1,
                    approved_at=datetime.datetime(year, 2, 1 + member, 9, tzinfo=datetime.UTC),
                )
            message = factories.MessageFactory(
                targets=[network],
                queued_at=datetime.datetime(year, 3, 1, 9, tzinfo=datetime.UTC),
            )
            delivery = factories.DeliveryFactory(message=message, user=membership.user)
            Feedback.objects.create(delivery=delivery, useful=bool(member % 2))
    services.open_evaluation(networks[0], this_year - 1)
    return {
        "zone_admin": factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user,
        "year": this_year - 1,
        "centrum": networks[0],
    }


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_the_zone_overview_with_its_trend_fits_the_screen_and_passes_axe(
    page, live_server, zone_history, assert_valid_html, screen
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORTS[screen])
    log_in_browser(page.context, live_server, zone_history["zone_admin"], second_factor=True)
    year = zone_history["year"]
    page.goto(f"{live_server.url}/nl/staff/evaluation/overview/zone/pz-rand/{year - 1}/")
    # The year selector: pick a year and submit, no script.
    page.select_option("select[name=year]", str(year))
    with page.expect_navigation():
        page.get_by_role("button", name=nl("Show this year")).click()
    assert page.url.endswith(f"/overview/zone/pz-rand/{year}/")
    assert page.locator("select[name=year]").input_value() == str(year)
    check_page(
        page,
        assert_valid_html,
        nl("BINs of %(place)s in %(year)s", place="Politiezone Rand", year=year),
    )
    assert page.locator("figure.chart-figure svg").count() == 5
    assert horizontal_overflow(page) == 0
    page.screenshot(path=str(SHOTS / f"overview-{screen}.png"), full_page=True)
    # The numbers behind a chart, opened with the keyboard.
    summary = page.locator("details.chart-table summary").nth(2)
    summary.focus()
    page.keyboard.press("Enter")
    table = page.locator("details.chart-table").nth(2).locator("table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 3
    assert horizontal_overflow(page) == 0
    if screen == "phone":
        assert_no_horizontal_scroll(page)
        page.screenshot(path=str(SHOTS / "overview-phone-table-open.png"), full_page=True)


def test_an_evaluations_charts_fit_a_phone(page, live_server, zone_history, assert_valid_html):
    page.set_viewport_size(VIEWPORTS["phone"])
    log_in_browser(page.context, live_server, zone_history["zone_admin"], second_factor=True)
    year = zone_history["year"]
    page.goto(f"{live_server.url}/nl/staff/evaluation/bin/centrum/{year}/")
    check_page(
        page,
        assert_valid_html,
        nl("Evaluation %(year)s of %(name)s", year=year, name="BIN Centrum"),
    )
    assert page.locator("figure.chart-figure svg").count() == 2
    assert_no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "evaluation-phone.png"), full_page=True)
