"""The join form, submitted empty, on a phone and a desktop: the error summary takes the focus,
each of its links takes the keyboard to its field, radios sit beside their labels, and nothing
is wider than the screen. Screenshots go to /tmp/shots/forms/."""

from pathlib import Path

import pytest

from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_accessible, horizontal_overflow, tab_to
from .test_resident_path import path_data  # noqa: F401 (a fixture)

SHOTS = Path("/tmp/shots/forms")
VIEWPORTS = {"phone": PHONE_VIEWPORT, "desktop": {"width": 1280, "height": 800}}


def submit_the_empty_join_form(page, live_server):
    page.goto(live_server.url + "/nl/join/?bin=centrum")
    tab_to(page, lambda element: element.text == nl("Send my request"))
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_empty_join_form_leads_from_the_summary_to_each_field(
    page,
    live_server,
    path_data,  # noqa: F811
    assert_valid_html,
    size,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORTS[size])
    # The site scrolls smoothly unless a person asks for less motion; the test measures at once.
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url + "/nl/join/?bin=centrum")
    page.screenshot(path=SHOTS / f"join-{size}.png", full_page=True)
    submit_the_empty_join_form(page, live_server)
    page.screenshot(path=SHOTS / f"join-errors-{size}.png", full_page=True)

    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert horizontal_overflow(page) == 0
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)

    links = page.locator(".error-summary a")
    targets = links.evaluate_all("links => links.map(link => link.hash.slice(1))")
    assert targets[:5] == [
        "id_first_name",
        "id_last_name",
        "id_street",
        "id_house_number",
        "id_postcode",
    ]
    for index, target in enumerate(targets):
        links.nth(index).click()
        assert page.evaluate("document.activeElement.id") == target
        # The field's label or question is on the screen too, not scrolled away above it.
        box = page.locator(f"label[for='{target}']").bounding_box()
        assert -1 <= box["y"] <= VIEWPORTS[size]["height"] - box["height"], target
        page.evaluate("window.scrollTo(0, 0)")

    # Each radio sits on the line of its label, to its left.
    for index in range(3):
        radio = page.locator(f"#id_basis_{index}").bounding_box()
        label = page.locator(f"label[for='id_basis_{index}']").bounding_box()
        assert radio["x"] + radio["width"] <= label["x"]
        assert label["y"] <= radio["y"] + radio["height"] / 2 <= label["y"] + label["height"]
        # A large target: the label (which ticks the radio) is at least 44 px high.
        assert label["height"] >= 44

    # A click on the radio itself and one on its label both choose it.
    page.locator("#id_basis_1").check()
    page.locator("label[for='id_basis_2']").click()
    assert page.locator("#id_basis_2").is_checked()

    # The postcode box fits four digits, not the whole line.
    postcode = page.locator("#id_postcode").bounding_box()
    street = page.locator("#id_street").bounding_box()
    assert postcode["width"] < street["width"]
    assert postcode["width"] <= 120
    page.locator("#id_basis_1").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"join-radios-{size}.png")
