"""The demo's second zone on its own host name (#18 point 8), walked in a browser.

A resident of Bastogne, in French on a 360×640 phone, opens the Ardenne zone's site
(ardenne.localhost; Chromium sends every *.localhost to 127.0.0.1), sees that zone's name,
colour, emergency notice and contact details, finds the BIN of their address, joins it and
confirms through the e-mail's link; the BIN's coordinator approves on a desktop, on the same
host; the member logs in by e-mailed link and sees their BIN. On the first zone's site
(demo.localhost, as the personas JSON gives it) the same person sees none of it.

The second zone is the demo's own (nabuur.demo.loader.ensure_second_zone and its personas);
the first zone, without a host name like the demo's, holds a Brussels BIN (tests/journeys).
The journeys' person, mail server and page checks (Nu HTML checker, axe, 360 px reflow,
English phrases) are reused; every e-mail link into the install must lead to the zone's host.
Set JOURNEY_SCREENSHOTS to a folder to keep a screenshot of every page checked.
"""

import dataclasses
import os
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings

from nabuur.accounts.models import User
from nabuur.demo import data
from nabuur.demo.loader import ensure_personas, ensure_second_zone
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.public.theme import theme_tokens
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories
from tests.journeys import conftest as journeys
from tests.journeys.fixtures import KOEKELBERG, Place, make_bin
from tests.journeys.walks import approve_as_coordinator, find_and_join

# The journeys' SMTP server (links point to the live server) and their empty cache.
mail_sink = journeys.mail_sink
_fresh_cache = journeys._fresh_cache

# Where the resident lives: a street of one of the second zone's BINs in the demo.
BASTOGNE = Place(
    zone_slug=data.SECOND_ZONE_SLUG,
    zone_name=data.SECOND_ZONE["name"],
    nis_code=data.BASTOGNE,
    municipality_nl="Bastenaken",
    municipality_fr="Bastogne",
    regime=LanguageRegime.FRENCH,
    street_nl="",
    street_fr="Rue du Sablon",
    postcode="6600",
    bin_name="RIQ Bastogne Centre",
    bin_slug="bastogne-centre",
)
# The first zone: the demo's name, no host name (it answers on every name no zone has).
FIRST = dataclasses.replace(KOEKELBERG, zone_slug=data.ZONE_SLUG, zone_name=data.ZONE["name"])
RESIDENT = ("Sophie", "Renard", "sophie.renard@example.org")


@pytest.fixture
def two_zones(transactional_db):
    first = make_bin(FIRST, "fr")
    # What `load_reference` holds for Bastogne; the demo gives it to its second zone.
    bastogne = factories.MunicipalityFactory(
        nis_code=data.BASTOGNE,
        name_nl="Bastenaken",
        name_fr="Bastogne",
        name_de="Bastnach",
        zone=None,
        language_regime=LanguageRegime.FRENCH,
    )
    factories.PostcodeFactory(code=BASTOGNE.postcode, municipality=bastogne)
    zone, networks = ensure_second_zone()
    documents = [publish_house_rules(zone), publish_privacy_notice(zone)]
    ensure_personas(zone, networks, documents, specs=data.SECOND_ZONE_PERSONAS)
    coordinator = User.objects.get(email="claire.dubois@example.org")
    return {"first": first, "zone": zone, "coordinator": coordinator}


class Site(journeys.Journey):
    """The journeys' page checks, on one zone's host name. The sites of one walk share their
    list of problems and the numbering of their screenshots."""

    def __init__(self, browser, live_server, nu_checker, mail, host, problems, shots):
        super().__init__(browser, live_server, nu_checker, mail, "fr", "phone")
        self.host = host
        self.url = f"http://{host}:{urlsplit(live_server.url).port}"
        self.problems = problems
        self.shots = shots

    def screenshot(self, page):
        self.pages_checked += 1
        self.shots.append(page.url)
        folder = os.environ.get("JOURNEY_SCREENSHOTS")
        if folder:
            path = re.sub(r"[^a-z0-9]+", "-", urlsplit(page.url).path.lower()).strip("-")[:50]
            device = "phone" if page.viewport_size["width"] <= 400 else "desktop"
            name = f"{len(self.shots):02d}-{self.host.split('.')[0]}-{device}-{path}.png"
            page.screenshot(path=str(Path(folder) / name), full_page=True)


def install_links(site, message):
    """Every link of the e-mail's text into this install (the live server's port), as
    (origin, path)."""
    port = urlsplit(site.url).port
    links = []
    for url in re.findall(r"https?://[^\s/>\"]+/\S*", journeys.Mail.text(message)):
        parts = urlsplit(url)
        if parts.port == port:
            path = parts._replace(scheme="", netloc="").geturl()
            links.append((f"{parts.scheme}://{parts.netloc}", path))
    return links


def expect_links_on(site, message):
    """Note (the walk goes on) every link of the e-mail that leads to another host than the
    zone's own: the person would land on the other zone's site."""
    elsewhere = sorted({f"{o}{p}" for o, p in install_links(site, message) if o != site.url})
    site.expect(
        not elsewhere,
        f"e-mail {message['Subject']!r} links to another host than {site.url}: {elsewhere}",
    )


def link(site, message, path_pattern):
    """The path of the e-mail's one link whose path matches `path_pattern`, whatever its host
    (expect_links_on tells when the host is wrong); the walk opens it on the zone's host."""
    paths = {path for _, path in install_links(site, message) if re.fullmatch(path_pattern, path)}
    assert len(paths) == 1, f"links matching {path_pattern} in:\n{journeys.Mail.text(message)}"
    return paths.pop()


def words_of(zone):
    """What betrays a zone on a page: its name, municipalities, BINs, contact details."""
    words = {zone.name, zone.email, zone.phone}
    for municipality in zone.municipalities.all():
        words |= {municipality.name_nl, municipality.name_fr}
        words |= {network.name for network in municipality.networks.all()}
    return {word for word in words if word}


def shown(page, words):
    html = page.content()
    return sorted(word for word in words if word in html)


def test_a_resident_joins_the_second_zone_on_its_own_host_and_the_first_zone_shows_none_of_it(
    browser, live_server, nu_checker, mail_sink, two_zones
):
    zone, first_zone, coordinator = (
        two_zones["zone"],
        two_zones["first"]["zone"],
        two_zones["coordinator"],
    )
    problems, shots = [], []
    ardenne = Site(browser, live_server, nu_checker, mail_sink, zone.host, problems, shots)
    first = Site(browser, live_server, nu_checker, mail_sink, "demo.localhost", problems, shots)
    t, mail = ardenne.t, mail_sink
    first_name, last_name, email = RESIDENT

    # The second zone's site: its name, its colour, its emergency notice and contact, in French.
    resident = ardenne.person()
    page = resident.page
    resident.goto("/fr/")
    home = f"{t('Neighbourhood information networks')} {zone.name}"
    assert journeys.squash(page.locator("h1").inner_text()) == home
    resident.check(page.locator("h1").inner_text())
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".brand__zone").inner_text() == "Zone de police Ardenne (démo)"
    assert page.locator("link[rel=stylesheet][href*='/theme/']").get_attribute("href") == (
        "/fr/theme/ardenne.css?v=1d4e2f"
    )
    brand = page.evaluate(
        "getComputedStyle(document.body).getPropertyValue('--nabuur-brand').trim()"
    )
    assert brand == theme_tokens(data.SECOND_ZONE["theme_colour"])["--nabuur-brand"]
    notice = page.locator("aside.emergency-notice")
    assert notice.locator("h2").inner_text() == t("Emergency or something suspicious?")
    assert notice.locator("a[href='tel:101']").inner_text() == zone.non_emergency_number
    assert notice.locator("a[href='tel:112']").inner_text() == zone.emergency_number
    contact = journeys.squash(page.locator(".site-footer address").inner_text())
    assert contact.startswith("Zone de police Ardenne (démo) Rue de l'Exemple 1 6600 Bastogne")
    assert "061 00 00 00" in contact and "info@ardenne.example" in contact
    assert shown(page, words_of(first_zone)) == []

    # Finds the BIN of their address, joins it and confirms by the e-mail's link.
    membership = find_and_join(ardenne, resident, BASTOGNE, first_name, last_name, email)
    assert membership.network.municipality.zone == zone
    confirmation = mail.newest(email)
    expect_links_on(ardenne, confirmation)
    resident.goto(link(ardenne, confirmation, r"/fr/join/confirm/[^/]+/"))
    resident.check(t("Confirm your membership"))
    page.get_by_role("button", name=t("Confirm my membership")).click()
    page.get_by_role("heading", name=t("Thank you for confirming")).wait_for()
    resident.check(t("Thank you for confirming"))
    journeys.run_the_worker()
    membership.refresh_from_db()
    assert (membership.status, membership.confirmed_at is not None) == (
        MembershipStatus.PENDING,
        True,
    )

    # The coordinator, told by e-mail, approves on a desktop on the zone's host.
    told = mail.newest(coordinator.email)
    assert BASTOGNE.bin_name in journeys.Mail.text(told)
    # It holds no link today ("log in to Nabuur"); any link it gets must lead to this host.
    expect_links_on(ardenne, told)
    desk = ardenne.person(device="desktop")
    desk.log_in(coordinator, second_factor=True)
    approve_as_coordinator(ardenne, desk, membership)
    assert membership.status == MembershipStatus.ACTIVE
    assert shown(desk.page, words_of(first_zone)) == []
    journeys.run_the_worker()

    # The member asks for a login link from the welcome e-mail and sees their BIN.
    welcome = mail.newest(email, subject=t("Welcome to %(name)s", name=BASTOGNE.bin_name))
    expect_links_on(ardenne, welcome)
    resident.goto(link(ardenne, welcome, r"/fr/me/login/"))
    resident.check(t("My membership"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=email]").press("Enter")
    page.wait_for_url(f"{ardenne.url}/fr/me/login/sent/")
    resident.check(t("Check your mailbox"))
    journeys.run_the_worker()
    login_mail = mail.newest(email)
    expect_links_on(ardenne, login_mail)
    resident.goto(link(ardenne, login_mail, r"/fr/me/login/[^/]+/"))
    resident.check(t("Log in"))
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_url(f"{ardenne.url}/fr/me/")
    resident.check(t("My membership"))
    assert BASTOGNE.bin_name in resident.main_text()
    assert shown(page, words_of(first_zone)) == []

    # The same person on the first zone's site: that zone only, and none of their membership.
    elsewhere = journeys.Person(first, resident.context, "phone")
    elsewhere.goto("/fr/")
    heading = elsewhere.page.locator("h1").inner_text()
    assert (
        journeys.squash(heading) == f"{t('Neighbourhood information networks')} {first_zone.name}"
    )
    elsewhere.check(heading)
    assert elsewhere.page.locator(".brand__zone").inner_text() == first_zone.name
    theme = elsewhere.page.locator("link[rel=stylesheet][href*='/theme/']").get_attribute("href")
    assert theme.startswith(f"/fr/theme/{first_zone.slug}.css?v="), theme
    assert shown(elsewhere.page, words_of(zone)) == []
    # Their session cookie belongs to ardenne.localhost: here they are not logged in.
    elsewhere.goto("/fr/me/")
    assert elsewhere.page.url == f"{first.url}/fr/me/login/"
    elsewhere.check(t("My membership"))
    # Logged in here too (the same session), they still see no membership of the other zone.
    session = [
        c
        for c in resident.context.cookies(ardenne.url)
        if c["name"] == django_settings.SESSION_COOKIE_NAME
    ]
    resident.context.add_cookies([{**session[0], "domain": "demo.localhost"}])
    elsewhere.goto("/fr/me/")
    elsewhere.check(t("My membership"))
    assert t("You are not a member of any network now.") in elsewhere.main_text()
    assert shown(elsewhere.page, words_of(zone)) == []
    # The finder here leads to no BIN of the other zone, whatever it says of the street.
    query = urlencode({"q": f"{BASTOGNE.street_fr} 12"})
    elsewhere.goto(f"/fr/find/?{query}")
    elsewhere.check(t("Find the BIN of your address"))
    result = journeys.squash(elsewhere.page.locator(".finder-result [role=status]").inner_text())
    no_bin = t(
        "No BIN covers %(street)s %(number)s in %(municipality)s yet.",
        street=BASTOGNE.street_fr,
        number=12,
        municipality="Bastogne",
    )
    # The example address is one of this (the first) zone's own streets.
    unknown = t(
        "We could not find this street. Check the spelling, or add the postcode, for example: "
        "%(example)s.",
        example="@",
    ).split("@")[0]
    assert result == no_bin or result.startswith(unknown), result
    assert elsewhere.page.get_by_role("link", name=BASTOGNE.bin_name).count() == 0
    # Given their postcode, it sends them to their zone's own site (it once invited them to ask
    # the police here for a BIN), where the finder lists their zone's BINs.
    elsewhere.goto(f"/fr/find/?q={BASTOGNE.postcode}")
    elsewhere.check(t("Find the BIN of your address"))
    assert elsewhere.page.get_by_role("link", name=BASTOGNE.bin_name).count() == 0
    way_back = elsewhere.page.get_by_role(
        "link", name=t("Find your BIN on the site of %(zone)s", zone=zone.name)
    )
    assert way_back.get_attribute("href") == f"{ardenne.url}/fr/find/?q={BASTOGNE.postcode}"
    back = journeys.Person(ardenne, resident.context, "phone")
    back.page.goto(way_back.get_attribute("href"))
    back.check(t("Find the BIN of your address"))
    assert back.page.get_by_role("link", name=BASTOGNE.bin_name).count() == 1

    ardenne.assert_pages_passed()
