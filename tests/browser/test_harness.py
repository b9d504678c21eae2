"""The checks themselves: each one fails on a page that breaks its rule."""

import pytest

from .helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    axe_violations,
    tab_through,
)

GOOD_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Goed</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Goed</h1><p><a href="#a">Eerste</a> <a href="#b">Tweede</a></p>
<form><label for="q">Adres</label> <input id="q" name="q"></form></main></body></html>"""


def test_axe_reports_each_violation_with_its_targets(page):
    page.set_content(
        "<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>x</h1>"
        '<img id="photo" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>"
    )
    assert axe_violations(page) == [
        "html-has-lang: <html> element must have a lang attribute [html]",
        "image-alt: Images must have alternative text [#photo]",
    ]
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_axe_passes_a_correct_page(page):
    page.set_content(GOOD_PAGE)
    assert_accessible(page)


def test_nu_checker_reports_errors_but_not_warnings(assert_valid_html):
    assert_valid_html(GOOD_PAGE)
    # A redundant role is only a warning.
    assert_valid_html(GOOD_PAGE.replace("<main>", '<main role="main">'))
    with pytest.raises(AssertionError) as error:
        assert_valid_html(GOOD_PAGE.replace("<p>", "<p><div>"), where="the broken page")
    assert str(error.value).startswith("Nu HTML checker errors in the broken page:\nline 4: ")


def test_horizontal_scroll_is_caught_on_a_phone_and_at_200_percent(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.set_content(GOOD_PAGE.replace("<h1>Goed</h1>", '<pre id="wide">' + "x" * 90 + "</pre>"))
    with pytest.raises(AssertionError) as error:
        assert_no_horizontal_scroll(page)
    message = str(error.value)
    assert "360×640: " in message
    assert "200 % zoom: " in message
    assert page.viewport_size == {"width": 1280, "height": 720}


def test_horizontal_scroll_passes_a_page_that_reflows(page):
    page.set_content(GOOD_PAGE)
    assert_no_horizontal_scroll(page)


def test_tab_through_lists_focusable_elements_in_order(page):
    page.set_content(GOOD_PAGE)
    focused = tab_through(page)
    assert [(element.tag, element.text or element.name) for element in focused] == [
        ("a", "Eerste"),
        ("a", "Tweede"),
        ("input", "q"),
    ]
    assert all(element.visible for element in focused)


def test_tab_through_notices_a_hidden_focus_indicator(page):
    # set_content bypasses the site's CSP, so this test page may carry its own style.
    page.set_content(GOOD_PAGE.replace("</head>", "<style>a:focus{outline:none}</style></head>"))
    assert [element.visible for element in tab_through(page)] == [False, False, True]
