"""A whole evaluation in a browser, keyboard only, every page axe-clean and HTML-valid."""

import pytest

from nabuur.evaluation import services
from nabuur.evaluation.models import Evaluation
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl
from tests.test_evaluation_figures import persona_year

from .helpers import check_page, press_and_wait, tab_to
from .test_resident_path import log_in_browser


@pytest.fixture
def bin_year(transactional_db):
    """BIN Centrum in Edegem with a recorded 2025, its coordinator and its officer."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    other = factories.NetworkFactory(municipality=edegem, name="BIN Elsdonk", slug="elsdonk")
    persona_year(network, other)
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=network, user__first_name="Lotte"
    ).user
    officer = factories.RoleFactory(role=Role.OFFICER, network=network, user__first_name="Jan").user
    services.open_evaluation(network, 2025)
    return {"network": network, "coordinator": coordinator, "officer": officer}


def test_officer_and_coordinator_fill_in_and_sign_an_evaluation_by_keyboard(
    page, live_server, bin_year, assert_valid_html
):
    heading = nl("Evaluation %(year)s of %(name)s", year=2025, name="BIN Centrum")
    log_in_browser(page.context, live_server, bin_year["officer"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/evaluation/")
    check_page(page, assert_valid_html, nl("Charter and evaluation"))
    press_and_wait(page, lambda element: element.text == "2025")
    check_page(page, assert_valid_html, heading)

    # A figure leads to the rows it counts.
    press_and_wait(page, lambda element: element.href.endswith("/figures/joins/"))
    check_page(page, assert_valid_html, nl("joined").capitalize())
    assert page.locator("tbody tr").count() == 2
    page.go_back()

    press_and_wait(page, lambda element: element.text == nl("Fill in the evaluation"))
    check_page(
        page,
        assert_valid_html,
        nl("Fill in the evaluation %(year)s of %(name)s", year=2025, name="BIN Centrum"),
    )
    tab_to(page, lambda element: element.name == "compliance")
    page.keyboard.type("Het plan werd gevolgd.")
    press_and_wait(page, lambda element: element.tag == "button")
    check_page(page, assert_valid_html, heading)
    assert "Het plan werd gevolgd." in page.locator("main").inner_text()

    # The figures' links lie between the top and the signatures: one link skips them.
    tab_to(page, lambda element: element.text == nl("Go to the signatures"))
    page.keyboard.press("Enter")
    # The jump within the page first, so that the next expect_navigation cannot take it for
    # the signature's and read the page while it still loads (a loaded run failed so once).
    page.wait_for_url("**#signatures-heading")
    press_and_wait(page, lambda element: element.text == nl("Sign the evaluation"))
    check_page(page, assert_valid_html, heading)

    log_in_browser(page.context, live_server, bin_year["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/evaluation/bin/centrum/2025/")
    check_page(page, assert_valid_html, heading)
    tab_to(page, lambda element: element.text == nl("Go to the signatures"))
    page.keyboard.press("Enter")
    # The jump within the page first, so that the next expect_navigation cannot take it for
    # the signature's and read the page while it still loads (a loaded run failed so once).
    page.wait_for_url("**#signatures-heading")
    press_and_wait(page, lambda element: element.text == nl("Sign the evaluation"))
    check_page(page, assert_valid_html, heading)
    evaluation = Evaluation.objects.get(year=2025)
    assert evaluation.state == "signed"
    assert evaluation.compliance == "Het plan werd gevolgd."
    assert evaluation.figures["joins"]["value"] == 2
    assert page.locator("form[action$='/sign/']").count() == 0
