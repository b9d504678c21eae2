"""The error pages a person meets (403, 404, 429, a refused form) pass axe and the Nu checker,
on a phone and on a desktop, and are never wider than the screen."""

import pytest

from tests.i18n import nl

from .helpers import (
    PHONE_VIEWPORT,
    assert_accessible,
    assert_no_horizontal_scroll,
    horizontal_overflow,
)
from .test_resident_path import log_in_browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def error_data(transactional_db, settings, member_a):
    # Two password posts a minute from one address: the second gets allauth's 429.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    return member_a


def check_error_page(page, html, assert_valid_html, status, heading, viewport):
    assert page.locator("h1").inner_text() == heading, page.url
    assert page.locator(".emergency-notice").count() == 1
    assert_valid_html(html, where=f"{page.url} ({status})")
    assert_accessible(page)
    assert horizontal_overflow(page) == 0, page.url
    if viewport == PHONE_VIEWPORT:
        assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["phone", "desktop"])
def test_error_pages_pass_axe_and_nu(page, live_server, error_data, assert_valid_html, viewport):
    page.set_viewport_size(viewport)

    response = page.goto(live_server.url + "/nl/no-such-page/")
    assert response.status == 404
    check_error_page(page, response.text(), assert_valid_html, 404, nl("Page not found"), viewport)

    # A form left open until its cookie is gone.
    page.goto(live_server.url + "/nl/me/login/")
    page.context.clear_cookies()
    page.fill("input[name=email]", "someone@example.org")
    with page.expect_navigation() as navigation:
        page.press("input[name=email]", "Enter")
    response = navigation.value
    assert response.status == 403
    check_error_page(
        page, response.text(), assert_valid_html, 403, nl("Your form could not be sent"), viewport
    )

    for _attempt in (1, 2):
        page.goto(live_server.url + "/nl/account/login/")
        page.fill("input[name=login]", "nobody@example.org")
        page.fill("input[name=password]", "wrong password")
        with page.expect_navigation() as navigation:
            page.press("input[name=password]", "Enter")
    response = navigation.value
    assert response.status == 429
    check_error_page(
        page, response.text(), assert_valid_html, 429, nl("Too many attempts"), viewport
    )

    log_in_browser(page.context, live_server, error_data)
    response = page.goto(live_server.url + "/nl/staff/")
    assert response.status == 403
    check_error_page(
        page, response.text(), assert_valid_html, 403, nl("You may not open this page"), viewport
    )
