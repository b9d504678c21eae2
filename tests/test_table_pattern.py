"""No page is ever wider than a phone because of a table (issue 15.3, WCAG 1.4.10 Reflow).

The one pattern of the site: every data table sits in its own scrolling box,
`<div class="table-wrap" role="region" aria-labelledby="<its caption's id>" tabindex="0">`
(static/css/nabuur.css). The box is a named region that takes the keyboard focus, so that
keyboard users can scroll it too (axe: scrollable-region-focusable)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Printed only (WeasyPrint): a sheet of paper does not scroll.
PRINTED = {
    "evaluation/evaluation_pdf_section.html",
    "evaluation/charter_pdf_section.html",
}
WRAP = re.compile(
    r'<div class="table-wrap" role="region" aria-labelledby="(?P<id>[^"]+)" tabindex="0">\s*'
    r"<table\b[^>]*>\s*<caption id=\"(?P<caption>[^\"]+)\">",
)


def templates_with_tables():
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "<table" in path.read_text() and str(path.relative_to(TEMPLATES)) not in PRINTED
    )


@pytest.mark.parametrize("name", templates_with_tables())
def test_every_table_scrolls_in_its_own_named_box(name):
    html = (TEMPLATES / name).read_text()
    wrapped = list(WRAP.finditer(html))
    assert len(wrapped) == html.count("<table"), f"{name}: a table outside a table-wrap box"
    for match in wrapped:
        assert match["id"] == match["caption"], f"{name}: the box is not named by its caption"
    # The box closes right after its table.
    assert len(re.findall(r"</table>\s*</div>", html)) == html.count("<table"), name
