"""The public pages: content, the emergency notice everywhere, no member data, query counts."""

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from nabuur.networks.models import NetworkStatus, Side
from nabuur.zones.models import Document, DocumentKind

from . import factories
from .i18n import nl

EMERGENCY_HEADING = nl("Emergency or something suspicious?")
DEMO_TEXT = nl(
    "This is a demonstration site. All people, streets and messages on it are fictional."
)
# The emergency notice's text as {% blocktranslate trimmed %} sends it to gettext.
EMERGENCY_MSGID = (
    "Contact the police directly: call <strong>%(police)s</strong> (or "
    "<strong>%(emergency)s</strong> in an emergency) or use the <strong>112 BE</strong> app. "
    "Never report through your coordinator or this website: nobody watches it around the clock."
)


def page_urls(network):
    return [
        "/nl/",
        f"/nl/bin/{network.slug}/",
        "/nl/house-rules/",
        "/nl/privacy/",
        "/nl/accessibility/",
    ]


@pytest.fixture
def documents(zone):
    published = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    rules = Document.objects.create(
        zone=zone,
        kind=DocumentKind.HOUSE_RULES,
        version=2,
        published_at=published,
        body_nl="<h2>Regels</h2><p>Meld alles rechtstreeks aan de politie.</p>",
        body_fr="<h2>Règles</h2>",
    )
    notice = Document.objects.create(
        zone=zone,
        kind=DocumentKind.PRIVACY_NOTICE,
        version=1,
        published_at=published,
        body_nl="<h2>Privacy</h2><p>Wij verwerken weinig gegevens.</p>",
    )
    return rules, notice


def test_every_page_shows_the_emergency_notice_with_the_zone_numbers(client, bin_a, documents):
    zone = bin_a.municipality.zone
    zone.non_emergency_number = "101"
    zone.emergency_number = "112"
    zone.save(update_fields=["non_emergency_number", "emergency_number"])
    for url in [*page_urls(bin_a), "/nl/find/", "/nl/bin/does-not-exist/"]:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        html = response.text
        assert '<aside class="emergency-notice" aria-labelledby="emergency-notice-heading">' in html
        assert f'<h2 id="emergency-notice-heading">{EMERGENCY_HEADING}</h2>' in html
        assert nl(EMERGENCY_MSGID, police="101", emergency="112") in html
        assert "<strong>112 BE</strong>" in html
        accessibility = nl("Accessibility statement")
        assert f'<a href="{reverse("public:accessibility")}">{accessibility}</a>' in html


def test_the_notice_falls_back_to_101_and_112_without_a_zone(client, db):
    response = client.get("/nl/accessibility/")
    assert response.status_code == 200
    assert nl(EMERGENCY_MSGID, police="101", emergency="112") in response.text


def test_the_demo_banner_shows_only_in_demo(client, bin_a, settings):
    settings.DEMO = True
    assert DEMO_TEXT in client.get("/nl/").text
    settings.DEMO = False
    assert DEMO_TEXT not in client.get("/nl/").text


def test_header_and_footer_show_the_zone(client, bin_a):
    html = client.get("/nl/").text
    assert '<span class="brand__zone">Politiezone Test</span>' in html
    assert '<a href="mailto:info@pz-test.example">info@pz-test.example</a>' in html
    assert f'<a href="/nl/house-rules/">{nl("House rules")}</a>' in html
    assert f'<a href="/nl/privacy/">{nl("Privacy notice")}</a>' in html
    assert f'<a class="skip-link" href="#main">{nl("Skip to main content")}</a>' in html
    assert '<main id="main" class="wrap" tabindex="-1">' in html


def test_home_explains_a_bin_and_lists_active_bins_by_municipality(client, bin_a, bin_b):
    other = factories.MunicipalityFactory(nis_code="11002", name_nl="Aartselaar", zone=bin_a.zone)
    factories.NetworkFactory(municipality=other, name="BIN Kleine Dorp", slug="kleine-dorp")
    factories.NetworkFactory(
        municipality=other, name="BIN Oud", slug="oud", status=NetworkStatus.STOPPED
    )
    response = client.get("/nl/")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{nl('Neighbourhood information networks')} <span" in html
    for heading_id, heading in (
        ("what-heading", "What a BIN is"),
        ("not-heading", "What a BIN is not"),
        ("join-heading", "How to join"),
        ("list-heading", "Active BINs"),
    ):
        assert f'<h2 id="{heading_id}">{nl(heading)}</h2>' in html
    for pillar in ("Participation", "Communication", "Prevention"):
        assert f"<strong>{nl(pillar)}</strong>" in html
    assert (
        nl(
            "<strong>No patrols.</strong> Members do not patrol, intervene or investigate: that is "
            "police work, and the law forbids private militias."
        )
        in html
    )
    assert (
        nl(
            "<strong>No privileges.</strong> Members have no special rights in their contacts with "
            "the police."
        )
        in html
    )
    assert (
        nl(
            "<strong>Not an emergency line.</strong> Members report what they see directly to the "
            "police, never through the coordinator or this website."
        )
        in html
    )
    # Grouped by municipality in alphabetical order; stopped BINs are not listed.
    groups = response.context["by_municipality"]
    assert [(m.name_nl, [n.slug for n in networks]) for m, networks in groups] == [
        ("Aartselaar", ["kleine-dorp"]),
        ("Edegem", ["centrum", "elsdonk"]),
    ]
    assert "<h3>Aartselaar</h3>" in html
    assert '<a href="/nl/bin/centrum/">BIN Centrum</a>' in html
    assert "/nl/bin/oud/" not in html


def test_home_offers_the_finder_form(client, bin_a):
    try:
        find_url = reverse("public:find")
    except NoReverseMatch:
        pytest.skip("the finder is not wired yet")
    html = client.get("/nl/").text
    assert f'<form method="get" action="{find_url}" class="finder-form">' in html
    assert '<input id="finder-q" name="q" type="search"' in html


def test_bin_page_shows_area_contact_and_how_to_join(client, bin_a, member_a):
    bin_a.contact_name = "Wijkteam Centrum"
    bin_a.contact_email = "centrum@bin.example"
    bin_a.save(update_fields=["contact_name", "contact_email"])
    kerk = factories.StreetFactory(municipality=bin_a.municipality, name_nl="Kerkstraat")
    markt = factories.StreetFactory(municipality=bin_a.municipality, name_nl="Markt")
    factories.SegmentFactory(network=bin_a, street=kerk, number_from=1, number_to=49, side=Side.ODD)
    factories.SegmentFactory(
        network=bin_a, street=kerk, number_from=2, number_to=50, side=Side.EVEN
    )
    factories.SegmentFactory(network=bin_a, street=markt)

    response = client.get("/nl/bin/centrum/")
    assert response.status_code == 200
    html = response.text
    assert "<h1>BIN Centrum</h1>" in html
    assert f"<dt>{nl('Municipality')}</dt><dd>Edegem</dd>" in html
    assert f"<dt>{nl('Type')}</dt><dd>BIN</dd>" in html
    assert f"<dt>{nl('Status')}</dt><dd>{nl('active').capitalize()}</dd>" in html
    odd = nl("%(start)s to %(end)s", start=1, end=49) + ", " + nl("odd numbers")
    even = nl("%(start)s to %(end)s", start=2, end=50) + ", " + nl("even numbers")
    assert f"<li><strong>Kerkstraat</strong>: {odd}; {even}</li>" in html
    assert f"<li><strong>Markt</strong>: {nl('all numbers')}</li>" in html
    assert "<li>Wijkteam Centrum</li>" in html
    assert '<a href="mailto:centrum@bin.example">centrum@bin.example</a>' in html
    assert f'<h2 id="join-heading">{nl("How to join")}</h2>' in html
    # Nothing about any member: not their name, e-mail address or house number.
    assert member_a.email not in html
    assert member_a.last_name not in html


def test_bin_page_links_to_the_sign_up_form_of_this_bin(client, bin_a):
    try:
        join_url = reverse("members:join")
    except NoReverseMatch:
        pytest.skip("the members app is not wired yet")
    html = client.get("/nl/bin/centrum/").text
    label = nl("Join %(name)s", name="BIN Centrum")
    assert f'<a class="button" href="{join_url}?bin=centrum">{label}</a>' in html


def test_bin_page_without_a_published_contact_points_to_the_zone(client, bin_a):
    html = client.get("/nl/bin/centrum/").text
    assert (
        nl(
            "This BIN has not published a contact. For questions, write to %(zone_name)s:",
            zone_name="Politiezone Test",
        )
        in html
    )
    assert '<a href="mailto:info@pz-test.example">info@pz-test.example</a>' in html


def test_a_merged_bin_says_so_and_links_to_its_successor(client, bin_a, bin_b):
    bin_a.status = NetworkStatus.MERGED
    bin_a.merged_into = bin_b
    bin_a.save(update_fields=["status", "merged_into"])
    html = client.get("/nl/bin/centrum/").text
    assert f'<h2 id="ended-heading">{nl("This BIN has merged")}</h2>' in html
    assert (
        nl(
            'Its streets now belong to <a href="%(merged_url)s">%(name)s</a>. '
            "Join that BIN to keep receiving messages.",
            merged_url="/nl/bin/elsdonk/",
            name="BIN Elsdonk",
        )
        in html
    )
    assert nl("This BIN does not accept new members at the moment.") in html


def test_a_stopped_bin_says_so(client, bin_a):
    bin_a.status = NetworkStatus.STOPPED
    bin_a.save(update_fields=["status"])
    html = client.get("/nl/bin/centrum/").text
    assert f'<h2 id="ended-heading">{nl("This BIN has stopped")}</h2>' in html
    assert nl("It no longer sends messages and does not accept new members.") in html


@pytest.mark.parametrize(
    "path",
    [
        "/nl/bin/nope/",
        "/nl/bin/caf%C3%A9/",
        "/nl/bin/%00/",
        "/nl/bin/a%2Fb/",
        "/nl/zone/nope/privacy/",
        "/nl/x/",
    ],
)
def test_unknown_or_odd_paths_are_a_friendly_404(client, bin_a, path):
    response = client.get(path)
    assert response.status_code == 404
    assert f"<h1>{nl('Page not found')}</h1>" in response.text
    home_link = nl("Go to the home page and the list of BINs")
    assert f'<a href="/nl/">{home_link}</a>' in response.text


def test_house_rules_show_the_current_version(client, documents):
    response = client.get("/nl/house-rules/")
    assert response.status_code == 200
    html = response.text
    assert f'<h1>{nl("House rules")} <span class="subtitle">Politiezone Test</span></h1>' in html
    published = nl("Version %(version)s, published on %(date)s.", version=2, date="2 maart 2026")
    assert published in html
    assert "<h2>Regels</h2><p>Meld alles rechtstreeks aan de politie.</p>" in html


def test_privacy_notice_shows_the_current_version(client, documents):
    html = client.get("/nl/privacy/").text
    assert f'<h1>{nl("Privacy notice")} <span class="subtitle">Politiezone Test</span></h1>' in html
    published = nl("Version %(version)s, published on %(date)s.", version=1, date="2 maart 2026")
    assert published in html
    assert "<p>Wij verwerken weinig gegevens.</p>" in html


def test_a_document_not_yet_published_says_so(client, zone):
    html = client.get("/nl/privacy/").text
    assert (
        nl(
            "%(zone_name)s has not published this document yet. Please ask the police zone:",
            zone_name="Politiezone Test",
        )
        in html
    )


def test_several_zones_list_their_documents(client, zone, documents):
    factories.ZoneFactory(slug="pz-noord", name="Politiezone Noord")
    response = client.get("/nl/house-rules/")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{nl('House rules')}</h1>" in html
    assert '<a href="/nl/zone/pz-noord/house-rules/">Politiezone Noord</a>' in html
    assert '<a href="/nl/zone/pz-test/house-rules/">Politiezone Test</a>' in html
    privacy = client.get("/nl/privacy/").text
    assert '<a href="/nl/zone/pz-test/privacy/">Politiezone Test</a>' in privacy
    zone_page = client.get("/nl/zone/pz-test/house-rules/").text
    assert "<h2>Regels</h2>" in zone_page


def test_accessibility_statement(client, municipality):
    response = client.get("/nl/accessibility/")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{nl('Accessibility statement')}</h1>" in html
    for heading_id, heading in (
        ("status-heading", "Conformance status"),
        ("limits-heading", "Known limitations"),
        ("feedback-heading", "Feedback and contact"),
        ("complaint-heading", "Complaints"),
        ("date-heading", "About this statement"),
    ):
        assert f'<h2 id="{heading_id}">{nl(heading)}</h2>' in html
    assert "WCAG" in html
    assert "axe-core" in html
    assert "Nu HTML Checker" in html
    assert (
        '<a href="mailto:toegankelijkheid@pz-test.example">toegankelijkheid@pz-test.example</a>'
        in html
    )
    assert "Politiezone Test, Teststraat 1<br>2000 Antwerpen" in html
    # A Flemish zone: the Flemish ombudsman, not the federal one.
    assert '<span lang="nl">Vlaamse Ombudsdienst</span>' in html
    assert "Médiateur fédéral" not in html
    assert "28 november 2026" in html


@pytest.mark.parametrize("count", [1, 3])
def test_home_query_count_does_not_grow_with_bins(
    client, municipality, count, django_assert_num_queries
):
    for index in range(count):
        factories.NetworkFactory(municipality=municipality, slug=f"bin-{index}")
    # zone, its languages, the BIN list
    with django_assert_num_queries(3):
        assert client.get("/nl/").status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_bin_page_query_count_does_not_grow_with_segments(
    client, bin_a, count, django_assert_num_queries
):
    for _ in range(count):
        factories.SegmentFactory(network=bin_a)
    # the BIN with its municipality, zone and type, then its segments with their streets
    with django_assert_num_queries(2):
        assert client.get("/nl/bin/centrum/").status_code == 200


def test_every_public_page_is_reachable_by_links_from_home(client, bin_a, documents):
    """The browser tests crawl from the home page, so no public page may be an orphan."""
    href = re.compile(r'href="(/nl/[^"#?]*)')
    seen, queue = set(), ["/nl/"]
    while queue:
        url = queue.pop()
        if url in seen or url.startswith(("/nl/mailbox/", "/nl/join/", "/nl/me/")):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        queue.extend(href.findall(response.text))
    assert {
        "/nl/",
        "/nl/bin/centrum/",
        "/nl/house-rules/",
        "/nl/privacy/",
        "/nl/accessibility/",
    } <= seen
