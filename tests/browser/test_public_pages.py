"""Every public page, reached by following links as a visitor would, passes the page checks.

The data set is one zone with a Flemish municipality (Dutch only) and a Brussels-style one
(Dutch or French per person), so the crawl sees both language regimes.
"""

from urllib.parse import urldefrag, urlsplit

import pytest

from nabuur.lib.languages import LanguageRegime
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories

from .helpers import assert_accessible, assert_no_horizontal_scroll, tab_through, tab_to

# Pages a crawl must not wander into: files, and Django's language switch (a POST endpoint).
SKIPPED_PREFIXES = ("/static/", "/media/", "/i18n/")
MAX_PAGES = 80


@pytest.fixture
def public_data(transactional_db):
    """Politiezone Rand: Edegem (Flemish) with BIN Centrum; Sint-Pieters-Woluwe (Brussels)
    with the bilingual BIN Stokkel. Both BINs have streets; the zone's documents are published."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    woluwe = factories.MunicipalityFactory(
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    centrum = factories.NetworkFactory(
        municipality=edegem,
        name="BIN Centrum",
        slug="centrum",
        contact_name="Coördinator BIN Centrum",
        contact_email="centrum@bin.example",
    )
    kerkstraat = factories.SearchableStreetFactory(
        municipality=edegem, name_nl="Kerkstraat", postcode="2650", max_house_number=120
    )
    factories.SegmentFactory(network=centrum, street=kerkstraat, number_from=1, number_to=99)
    factories.SegmentFactory(
        network=centrum,
        street=factories.SearchableStreetFactory(
            municipality=edegem, name_nl="Molenstraat", postcode="2650"
        ),
        side="even",
    )
    stokkel = factories.NetworkFactory(
        municipality=woluwe, name="BIN Stokkel / RIQ Stockel", slug="stokkel"
    )
    factories.SegmentFactory(
        network=stokkel,
        street=factories.SearchableStreetFactory(
            municipality=woluwe,
            name_nl="Orbanlaan",
            name_fr="Avenue Orban",
            postcode="1150",
        ),
        number_from=2,
        number_to=60,
        side="even",
    )
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    return {"zone": zone, "centrum": centrum, "stokkel": stokkel, "kerkstraat": kerkstraat}


def internal_links(page, origin, prefix):
    """The page's links to pages under `prefix` on this site, without fragments."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    links = set()
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if parts.path.startswith(SKIPPED_PREFIXES) or not parts.path.startswith(prefix):
            continue
        links.add(url)
    return links


def page_problems(page, response, assert_valid_html):
    """Every check on the loaded page; returns the failures as text instead of stopping."""
    problems = []
    if response.status != 200:
        return [f"HTTP {response.status}"]
    checks = [
        lambda: assert_valid_html(response.text(), where=page.url),
        lambda: assert_accessible(page),
        lambda: assert_no_horizontal_scroll(page),
    ]
    for check in checks:
        try:
            check()
        except AssertionError as error:
            problems.append(str(error))
    body = page.inner_text("body")
    if "101" not in body or "112 BE" not in body:
        problems.append("the emergency notice (101, 112 BE) is missing")
    return problems


def crawl(page, origin, start_paths, prefix, assert_valid_html):
    """Visit the start pages and every page they link to under `prefix`, breadth first.

    Returns {final url: [problems]} for every page visited.
    """
    queue = [origin + path for path in start_paths]
    seen = set(queue)
    report = {}
    while queue:
        assert len(report) < MAX_PAGES, f"more than {MAX_PAGES} pages: is a link generating URLs?"
        url = queue.pop(0)
        response = page.goto(url)
        if page.url in report:
            continue
        report[page.url] = page_problems(page, response, assert_valid_html)
        for link in sorted(internal_links(page, origin, prefix) - seen):
            seen.add(link)
            queue.append(link)
    return report


def fail_on_problems(report):
    failed = [(url, problems) for url, problems in report.items() if problems]
    if failed:
        pytest.fail(
            "\n\n".join(f"{url}\n" + "\n".join(problems) for url, problems in failed),
            pytrace=False,
        )


def test_every_dutch_public_page_passes_the_checks(
    page, live_server, public_data, assert_valid_html
):
    report = crawl(page, live_server.url, ["/nl/"], "/nl/", assert_valid_html)
    visited = {urlsplit(url).path for url in report}
    # The pages every visitor can reach from the home page.
    assert {
        "/nl/",
        "/nl/bin/centrum/",
        "/nl/bin/stokkel/",
        "/nl/house-rules/",
        "/nl/privacy/",
        "/nl/accessibility/",
    } <= visited
    fail_on_problems(report)


def test_every_french_public_page_passes_the_checks(
    page, live_server, public_data, assert_valid_html
):
    # The zone offers French because of its Brussels municipality.
    assert "fr" in public_data["zone"].public_languages
    report = crawl(page, live_server.url, ["/fr/bin/stokkel/", "/fr/"], "/fr/", assert_valid_html)
    visited = {urlsplit(url).path for url in report}
    assert {"/fr/", "/fr/bin/stokkel/", "/fr/privacy/", "/fr/accessibility/"} <= visited
    # BIN Centrum is in a Dutch-only municipality: its page answers in Dutch only.
    assert "/fr/bin/centrum/" not in visited
    fail_on_problems(report)


def test_home_page_keyboard_order_reaches_the_main_controls_with_visible_focus(
    page, live_server, public_data
):
    page.goto(live_server.url + "/nl/")
    focused = tab_through(page)
    described = [str(element) for element in focused]
    # The skip link comes first, so keyboard users can jump past the header.
    assert focused[0].href == "#main", described
    controls = [(element.tag, element.name or element.href) for element in focused]
    assert ("input", "q") in controls
    assert ("a", "/nl/bin/centrum/") in controls
    assert ("a", "/nl/bin/stokkel/") in controls
    hidden = [str(element) for element in focused if not element.visible]
    assert hidden == [], f"focus is not visible on: {hidden}"


def test_find_a_bin_and_open_its_page_with_the_keyboard_only(page, live_server, public_data):
    page.goto(live_server.url + "/nl/")
    tab_to(page, lambda element: element.tag == "input" and element.name == "q")
    page.keyboard.type("Kerkstraat 12")
    page.keyboard.press("Enter")
    page.wait_for_url("**/nl/find/?q=Kerkstraat+12")
    assert_accessible(page)

    link = tab_to(page, lambda element: element.href == "/nl/bin/centrum/")
    assert link.text == "BIN Centrum"
    assert link.visible
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/nl/bin/centrum/")
    assert page.locator("h1").inner_text() == "BIN Centrum"
