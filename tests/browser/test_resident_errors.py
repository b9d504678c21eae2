"""Forms a resident or staff member gets wrong: the errors are announced, linked and reachable
by keyboard, and the pages pass axe and the Nu checker."""

from tests.i18n import nl

from .helpers import assert_accessible, tab_to
from .test_resident_path import path_data  # noqa: F401 (a fixture)

REQUIRED_JOIN_FIELDS = ["first_name", "last_name", "email", "street", "house_number", "postcode"]


def submit_the_empty_join_form(page, live_server):
    page.goto(live_server.url + "/nl/join/?bin=centrum")
    tab_to(page, lambda element: element.text == nl("Send my request"))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_join_form_links_every_error_to_its_field(
    page,
    live_server,
    path_data,  # noqa: F811
    assert_valid_html,
):
    submit_the_empty_join_form(page, live_server)

    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.title().startswith(nl("Error") + ": ")
    targets = summary.locator("a").evaluate_all("links => links.map(link => link.hash)")
    for name in REQUIRED_JOIN_FIELDS:
        assert f"#id_{name}" in targets, name
        field = page.locator(f"#id_{name}")
        assert field.get_attribute("aria-invalid") == "true", name
        assert f"id_{name}_error" in field.get_attribute("aria-describedby").split(), name
        assert page.locator(f"#id_{name}_error").inner_text() != "", name

    # A link in the summary takes the keyboard to its field.
    tab_to(page, lambda element: element.href == "#id_email")
    page.keyboard.press("Enter")
    page.keyboard.type("x")
    assert page.locator("#id_email").input_value() == "x"
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)


def test_after_a_failed_submit_focus_is_on_the_error_summary(
    page,
    live_server,
    path_data,  # noqa: F811
):
    submit_the_empty_join_form(page, live_server)

    assert page.evaluate("document.activeElement.classList.contains('error-summary')")


def test_the_staff_login_page_passes_axe_and_works_by_keyboard(
    page,
    live_server,
    path_data,  # noqa: F811
    assert_valid_html,
):
    response = page.goto(live_server.url + "/nl/account/login/")
    assert response.status == 200
    assert_valid_html(response.text(), where=page.url)
    assert_accessible(page)

    tab_to(page, lambda element: element.tag == "input" and element.name == "login")
    page.keyboard.type("nobody@example.org")
    tab_to(page, lambda element: element.name == "password")
    page.keyboard.type("wrong password")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.startswith(live_server.url + "/nl/account/login/")
    assert page.locator("h1").inner_text() == nl("Staff login")
    assert_accessible(page)
