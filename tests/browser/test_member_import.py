"""A coordinator imports an Excel-made CSV member list with good and bad rows in a browser:
upload, a preview that lists each problem row, the import of the good rows only, the result.
In Dutch; the preview also in French for a Brussels BIN.

Every page visited passes axe (WCAG 2.1 AA) and the Nu HTML checker. The worker's task runs at
once (Django's immediate task backend), inside the request that confirms the import.
"""

import re

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import ngettext

from nabuur.imports.models import BatchStatus, ConsentChoice, ImportBatch
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import Membership, MembershipStatus
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_no_horizontal_scroll, press_tab_to_and_enter, tab_to
from .test_coordinator_pages import PageChecks, fr
from .test_resident_path import log_in_browser

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Semicolons, Dutch headers and Windows-1252, as Excel saves a CSV file in Belgium.
MEMBER_LIST = (
    "Voornaam;Naam;Straat;Huisnummer;Bus;Postcode;E-mail\r\n"
    "An;Peeters;Kerkstraat;2;;2650;an.peeters@example.org\r\n"  # 2 good
    "Jan;Janssens;Kerkstrat;3;;2650;jan.janssens@example.org\r\n"  # 3 unknown street
    "Piet;Pieters;Molenstraat;8;;2650;piet@example.org\r\n"  # 4 in BIN Elsdonk
    "Ève;D'Hondt;Kerkstraat;4;1;2650;eve.dhondt@example.org\r\n"  # 5 good
    "Eva;Peeters;Kerkstraat;6;;2650;AN.PEETERS@example.org\r\n"  # 6 duplicate of row 2
    "Tom;Claes;Kerkstraat;18;;2650;tom@example\r\n"  # 7 invalid e-mail
)


@pytest.fixture
def import_data(transactional_db, settings):
    """Edegem: BIN Centrum (Kerkstraat) and BIN Elsdonk (Molenstraat), Centrum's coordinator;
    Sint-Pieters-Woluwe (Dutch or French): BIN Stokkel (Avenue Orban) and its coordinator."""
    settings.TASKS = IMMEDIATE
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
    centrum = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    elsdonk = factories.NetworkFactory(municipality=edegem, name="BIN Elsdonk", slug="elsdonk")
    for name, network in (("Kerkstraat", centrum), ("Molenstraat", elsdonk)):
        street = factories.SearchableStreetFactory(
            municipality=edegem, name_nl=name, postcode="2650"
        )
        factories.SegmentFactory(network=network, street=street)
    stokkel = factories.NetworkFactory(
        municipality=woluwe, name="BIN Stokkel / RIQ Stockel", slug="stokkel"
    )
    orban = factories.SearchableStreetFactory(
        municipality=woluwe, name_nl="Orbanlaan", name_fr="Avenue Orban", postcode="1150"
    )
    factories.SegmentFactory(network=stokkel, street=orban)
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    return {
        "centrum": centrum,
        "coordinator": factories.RoleFactory(role=Role.COORDINATOR, network=centrum).user,
        "stokkel_coordinator": factories.RoleFactory(role=Role.COORDINATOR, network=stokkel).user,
    }


def nl_plural(singular, plural, number, **values):
    with translation.override("nl"):
        return ngettext(singular, plural, number) % values


def problem_rows(page):
    """(row, name, problems) of each row in the preview's table."""
    rows = []
    for row in page.locator("main table tbody tr").all():
        rows.append(
            (
                row.locator("th").inner_text(),
                row.locator("td").first.inner_text(),
                row.locator("td li").all_inner_texts(),
            )
        )
    return rows


def upload(page, checks, path, upload_title, language="nl"):
    checks.check(upload_title, language=language)
    page.locator("input[type=file]").set_input_files(str(path))
    press_tab_to_and_enter(page, lambda element: element.tag == "button")
    page.wait_for_url(re.compile(r"/staff/import/\w+/\d+/$"))


def test_a_coordinator_imports_the_good_rows_of_a_list_with_problems(
    page, live_server, import_data, assert_valid_html, tmp_path
):
    path = tmp_path / "ledenlijst.csv"
    path.write_bytes(MEMBER_LIST.encode("cp1252"))
    checks = PageChecks(page, assert_valid_html)
    log_in_browser(page.context, live_server, import_data["coordinator"], second_factor=True)

    # From the member list to the upload page, and a file with problems.
    page.goto(live_server.url + "/nl/staff/members/centrum/")
    checks.check(nl("Members of %(name)s", name="BIN Centrum"))
    page.get_by_role("link", name=nl("Import a member list (CSV or Excel)")).click()
    page.wait_for_url(live_server.url + "/nl/staff/import/centrum/")
    upload(page, checks, path, nl("Import members into %(network)s", network="BIN Centrum"))

    checks.check(nl("Check of %(name)s", name="ledenlijst.csv"))
    assert page.locator("main p.counts").inner_text() == nl_plural(
        "%(total)s row: %(good)s can be imported, %(problems)s with problems.",
        "%(total)s rows: %(good)s can be imported, %(problems)s with problems.",
        6,
        total=6,
        good=2,
        problems=4,
    )
    assert problem_rows(page) == [
        (
            "3",
            "Jan Janssens",
            [
                nl("Unknown street “%(street)s” in %(municipality)s.")
                % {"street": "Kerkstrat", "municipality": "Edegem"}
                + " "
                + nl("Did you mean: %(streets)s?") % {"streets": "Kerkstraat"}
            ],
        ),
        (
            "4",
            "Piet Pieters",
            [
                nl("This address lies outside %(network)s, in %(others)s.")
                % {"network": "BIN Centrum", "others": "BIN Elsdonk"}
            ],
        ),
        ("6", "Eva Peeters", [nl("The same e-mail address as row %(row)s.") % {"row": 2}]),
        (
            "7",
            "Tom Claes",
            [nl("“%(email)s” is not a valid e-mail address.") % {"email": "tom@example"}],
        ),
    ]
    assert Membership.objects.count() == 0

    # Import the good rows: each person is asked to confirm by e-mail.
    tab_to(page, lambda element: element.name == "consent")
    page.keyboard.press("Space")
    assert page.locator("input[name=consent]:checked").input_value() == ConsentChoice.ASK
    press_tab_to_and_enter(page, lambda element: element.tag == "button")
    page.wait_for_url(re.compile(r"/nl/staff/import/centrum/\d+/progress/$"))
    checks.check(nl("Import of %(name)s", name="ledenlijst.csv"))
    result = page.locator("main [role=status]").inner_text()
    assert (
        nl_plural(
            "Done: %(imported)s member imported.",
            "Done: %(imported)s members imported.",
            2,
            imported=2,
        )
        in result
    )
    assert (
        nl_plural(
            "%(problems)s row with problems was not imported.",
            "%(problems)s rows with problems were not imported.",
            4,
            problems=4,
        )
        in result
    )

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.imported_rows, batch.problem_rows) == (BatchStatus.IMPORTED, 2, 4)
    memberships = Membership.objects.order_by("house_number")
    # In Dutch, whatever language an earlier test's request left active in this thread.
    with translation.override("nl"):
        addresses = [(m.user.email, m.address_line, m.status) for m in memberships]
    assert addresses == [
        ("an.peeters@example.org", "Kerkstraat 2", MembershipStatus.PENDING),
        ("eve.dhondt@example.org", f"Kerkstraat 4 {nl('box')} 1", MembershipStatus.PENDING),
    ]
    # The confirmation requests left once the import had committed.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "an.peeters@example.org",
        "eve.dhondt@example.org",
    ]

    page.get_by_role("link", name=nl("Back to the member list")).click()
    page.wait_for_url(live_server.url + "/nl/staff/members/centrum/")
    checks.check(nl("Members of %(name)s", name="BIN Centrum"))


def test_a_brussels_coordinator_checks_a_list_in_french(
    page, live_server, import_data, assert_valid_html, tmp_path
):
    path = tmp_path / "membres.csv"
    path.write_text(
        "Prénom,Nom,Rue,Numéro,Code postal,Courriel\n"
        "Sophie,Dubois,Avenue Orban,14,1150,sophie@example.org\n"
        "Luc,Lambert,Avenue Orbn,16,1150,luc@example\n",
        encoding="utf-8",
    )
    checks = PageChecks(page, assert_valid_html)
    log_in_browser(
        page.context, live_server, import_data["stokkel_coordinator"], second_factor=True
    )

    page.goto(live_server.url + "/fr/staff/import/stokkel/")
    upload_title = fr("Import members into %(network)s", network="BIN Stokkel / RIQ Stockel")
    upload(page, checks, path, upload_title, language="fr")

    checks.check(fr("Check of %(name)s", name="membres.csv"), language="fr")
    assert problem_rows(page) == [
        (
            "3",
            "Luc Lambert",
            [
                fr("“%(email)s” is not a valid e-mail address.") % {"email": "luc@example"},
                fr("Unknown street “%(street)s” in %(municipality)s.")
                % {"street": "Avenue Orbn", "municipality": "Woluwe-Saint-Pierre"}
                + " "
                + fr("Did you mean: %(streets)s?") % {"streets": "Avenue Orban"},
            ],
        )
    ]


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PROGRESS_URL = re.compile(r"/nl/staff/import/centrum/\d+/progress/$")
PREVIEW_URL = re.compile(r"/nl/staff/import/centrum/\d+/$")


def excel_list(path):
    """MEMBER_LIST as an Excel workbook, the way most coordinators keep it."""
    workbook = openpyxl.Workbook()
    for line in MEMBER_LIST.splitlines():
        workbook.active.append(line.split(";"))
    workbook.save(path)
    return path


def test_the_progress_page_follows_the_worker_on_a_phone(
    page, live_server, import_data, assert_valid_html, tmp_path, settings
):
    # The real queue: the check waits for the worker, as on a server.
    settings.TASKS = DATABASE_TASKS
    page.set_viewport_size(PHONE_VIEWPORT)
    path = excel_list(tmp_path / "ledenlijst.xlsx")
    checks = PageChecks(page, assert_valid_html)
    log_in_browser(page.context, live_server, import_data["coordinator"], second_factor=True)

    page.goto(live_server.url + "/nl/staff/import/centrum/")
    checks.check(nl("Import members into %(network)s", network="BIN Centrum"))
    page.locator("input[type=file]").set_input_files(str(path))
    press_tab_to_and_enter(page, lambda element: element.tag == "button")
    page.wait_for_url(PROGRESS_URL)
    checks.check(nl("Check of %(name)s", name="ledenlijst.xlsx"))
    assert page.locator("#import-progress-text").inner_text() == nl(
        "Waiting for the file to be read."
    )
    assert page.get_by_role("link", name=nl("Show the latest progress")).is_visible()
    assert_no_horizontal_scroll(page)
    page.screenshot(path=tmp_path / "import-check-waiting-360.png", full_page=True)

    # The worker reads and checks the list; the page notices by itself and shows the rows.
    call_command("worker", "--until-empty")
    page.wait_for_url(PREVIEW_URL, timeout=10_000)
    checks.check(nl("Check of %(name)s", name="ledenlijst.xlsx"))
    assert [number for number, _name, _problems in problem_rows(page)] == ["3", "4", "6", "7"]

    # Importing: the page shows the rows to do, then the outcome once the worker is done.
    tab_to(page, lambda element: element.name == "consent")
    page.keyboard.press("Space")
    press_tab_to_and_enter(page, lambda element: element.tag == "button")
    page.wait_for_url(PROGRESS_URL)
    checks.check(nl("Import of %(name)s", name="ledenlijst.xlsx"))
    assert page.locator("#import-progress-text").inner_text() == nl(
        "Importing: %(done)s of %(total)s rows.", done=0, total=2
    )
    assert page.locator("progress").get_attribute("max") == "2"
    assert_no_horizontal_scroll(page)
    page.screenshot(path=tmp_path / "import-running-360.png", full_page=True)

    call_command("worker", "--until-empty")
    page.wait_for_function(
        "() => !document.querySelector('[data-import-progress-url]')", timeout=10_000
    )
    checks.check(nl("Import of %(name)s", name="ledenlijst.xlsx"))
    assert (
        nl_plural(
            "Done: %(imported)s member imported.",
            "Done: %(imported)s members imported.",
            2,
            imported=2,
        )
        in page.locator("main [role=status]").inner_text()
    )
    page.screenshot(path=tmp_path / "import-done-360.png", full_page=True)
    assert Membership.objects.count() == 2


def test_without_javascript_the_progress_page_is_looked_at_again_by_hand(
    browser, live_server, import_data, tmp_path, settings
):
    settings.TASKS = DATABASE_TASKS
    context = browser.new_context(java_script_enabled=False, viewport=PHONE_VIEWPORT)
    page = context.new_page()
    log_in_browser(context, live_server, import_data["coordinator"], second_factor=True)
    path = tmp_path / "ledenlijst.csv"
    path.write_bytes(MEMBER_LIST.encode("cp1252"))

    page.goto(live_server.url + "/nl/staff/import/centrum/")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name=nl("Check the list")).click()
    page.wait_for_url(PROGRESS_URL)
    call_command("worker", "--until-empty")
    # Nothing moves by itself without JavaScript (no refresh header either)...
    page.wait_for_timeout(2500)
    assert PROGRESS_URL.search(page.url)
    # ...until the coordinator asks.
    page.get_by_role("link", name=nl("Show the latest progress")).click()
    page.wait_for_url(PREVIEW_URL)
    assert page.locator("main p.counts").inner_text() == nl_plural(
        "%(total)s row: %(good)s can be imported, %(problems)s with problems.",
        "%(total)s rows: %(good)s can be imported, %(problems)s with problems.",
        6,
        total=6,
        good=2,
        problems=4,
    )
    context.close()
